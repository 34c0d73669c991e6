import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { redactPaths } from '../../contract/redaction.ts';
import { Bridge } from '../../central/bridge/bridge.ts';
import { Ledger } from '../../central/bridge/ledger.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import { exitCodes, UsageError } from '../exit.ts';

/** `zizhu bridge --broker mqtt://HOST:PORT --his sim [--his-data DIR] --ledger FILE [--worker NAME]` */
export async function bridge(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { broker: { type: 'string' }, his: { type: 'string' }, 'his-data': { type: 'string' }, ledger: { type: 'string' }, worker: { type: 'string' } },
  });
  if (!values.broker || !/^mqtts?:\/\/[^/]+:\d+$/.test(values.broker)) throw new UsageError('--broker must look like mqtt://HOST:PORT');
  if (values.his !== 'sim') throw new UsageError('--his must be "sim" (the HTTP and FHIR adapters come with issue 4)');
  if (!values.ledger) throw new UsageError('--ledger FILE is required');
  const worker = values.worker ?? `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(worker)) throw new UsageError('--worker may hold letters, digits and dashes');

  const log = pino({ name: 'bridge', redact: redactPaths }, pino.destination(2));
  const his = HisSimulator.open(values['his-data'] ?? path.join(path.dirname(path.resolve(values.ledger)), 'his'));
  const ledger = Ledger.open(values.ledger);
  const running = new Bridge({ brokerUrl: values.broker, worker, his, ledger, log: (level, msg, fields) => log[level](fields ?? {}, msg) });
  try {
    await running.start();
  } catch (e) {
    console.error(`zizhu bridge: cannot reach the broker at ${values.broker}: ${(e as Error).message}`);
    return exitCodes.centralUnreachable;
  }
  log.info({ worker, broker: values.broker }, 'bridge online');
  return new Promise<number>((resolve) => {
    const stop = () => void running.stop().then(() => { ledger.close(); resolve(0); });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

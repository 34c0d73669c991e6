import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { redactPaths } from '../../contract/redaction.ts';
import { Bridge } from '../../central/bridge/bridge.ts';
import { Ledger } from '../../central/bridge/ledger.ts';
import { defaultHisTimeoutMs, HttpHis } from '../../central/his/http-adapter.ts';
import { startHisServer } from '../../central/his/http-server.ts';
import type { HisPort } from '../../central/his/port.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import { exitCodes, UsageError } from '../exit.ts';

/**
 * `zizhu bridge --broker mqtt://HOST:PORT --his sim|http://HOST:PORT [--his-data DIR] [--his-timeout-ms N] --ledger FILE [--worker NAME]`
 *
 * `--his sim` runs the simulated hospital in this process behind its vendor HTTP interface on a
 * free loopback port, so the bridge talks HTTP to it as to a real HIS; `--his http://HOST:PORT`
 * talks to one running elsewhere (`zizhu his-sim serve`, or a hospital's gateway), signing with
 * ZIZHU_HIS_APP_ID and ZIZHU_HIS_APP_SECRET (the simulator's development pair by default).
 */
export async function bridge(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' }, his: { type: 'string' }, 'his-data': { type: 'string' }, 'his-timeout-ms': { type: 'string' },
      ledger: { type: 'string' }, worker: { type: 'string' },
    },
  });
  if (!values.broker || !/^mqtts?:\/\/[^/]+:\d+$/.test(values.broker)) throw new UsageError('--broker must look like mqtt://HOST:PORT');
  const hisTarget = values.his;
  if (hisTarget !== 'sim' && !/^http:\/\/[^/]+:\d+\/?$/.test(hisTarget ?? '')) throw new UsageError('--his must be "sim" or http://HOST:PORT');
  if (hisTarget !== 'sim' && values['his-data']) throw new UsageError('--his-data goes only with --his sim');
  const timeoutText = values['his-timeout-ms'];
  if (timeoutText !== undefined && !/^[1-9]\d*$/.test(timeoutText)) throw new UsageError(`--his-timeout-ms must be a positive whole number (got ${timeoutText})`);
  const timeoutMs = timeoutText === undefined ? defaultHisTimeoutMs : Number(timeoutText);
  if (!values.ledger) throw new UsageError('--ledger FILE is required');
  const worker = values.worker ?? `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(worker)) throw new UsageError('--worker may hold letters, digits and dashes');

  const log = pino({ name: 'bridge', redact: redactPaths }, pino.destination(2));
  const hisLink = hisTarget === 'sim'
    ? await simulatedHis(values['his-data'] ?? path.join(path.dirname(path.resolve(values.ledger)), 'his'), timeoutMs)
    : { his: new HttpHis({ baseUrl: hisTarget!, timeoutMs, appId: process.env.ZIZHU_HIS_APP_ID, appSecret: process.env.ZIZHU_HIS_APP_SECRET }), close: async () => undefined };
  const his = hisLink.his;
  const ledger = Ledger.open(values.ledger);
  const running = new Bridge({ brokerUrl: values.broker, worker, his, ledger, log: (level, msg, fields) => log[level](fields ?? {}, msg) });
  try {
    await running.start();
  } catch (e) {
    console.error(`zizhu bridge: cannot reach the broker at ${values.broker}: ${(e as Error).message}`);
    await hisLink.close();
    return exitCodes.centralUnreachable;
  }
  log.info({ worker, broker: values.broker }, 'bridge online');
  return new Promise<number>((resolve) => {
    const stop = () => void running.stop().then(async () => { ledger.close(); await hisLink.close(); resolve(0); });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** The simulator in this process, reached over loopback HTTP through the same adapter as a real HIS. */
async function simulatedHis(dataDir: string, timeoutMs: number): Promise<{ his: HisPort; close: () => Promise<void> }> {
  const simulator = HisSimulator.open(dataDir);
  const server = await startHisServer({ his: simulator });
  return {
    his: new HttpHis({ baseUrl: server.url, timeoutMs }),
    close: async () => {
      await server.close();
      simulator.close();
    },
  };
}


import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { redactPaths } from '../../contract/redaction.ts';
import { scaled } from '../../contract/time-scale.ts';
import { Bridge } from '../../central/bridge/bridge.ts';
import { Ledger } from '../../central/bridge/ledger.ts';
import { FhirHis } from '../../central/his/fhir-adapter.ts';
import { defaultHisTimeoutMs, HttpHis } from '../../central/his/http-adapter.ts';
import { startHisServer } from '../../central/his/http-server.ts';
import type { HisPort } from '../../central/his/port.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import { startSimulatedChannels, startSimulatedInsurance } from '../../central/bridge/sim-peers.ts';
import { exitCodes, UsageError } from '../exit.ts';

/**
 * `zizhu bridge --broker mqtt://HOST:PORT --his sim|http://HOST:PORT|fhir:URL [--his-data DIR] [--his-timeout-ms N]
 *   [--pay sim [--pay-data DIR]] [--insurance sim [--insurance-data DIR]] [--settle-window-ms N] --ledger FILE [--worker NAME]
 *   [--tls DIR]`  (mqtts: the CA and the worker's certificate in DIR, docs/tls.md)
 *
 * `--his sim` runs the simulated hospital in this process behind its vendor HTTP interface on a
 * free loopback port, so the bridge talks HTTP to it as to a real HIS; `--his http://HOST:PORT`
 * talks to one running elsewhere (`zizhu his-sim serve`, or a hospital's gateway), signing with
 * ZIZHU_HIS_APP_ID and ZIZHU_HIS_APP_SECRET (the simulator's development pair by default);
 * `--his fhir:http://HOST:PORT/fhir/R4` talks FHIR R4 to that service base (docs/fhir-adapter.md),
 * with ZIZHU_HIS_FHIR_TOKEN as its bearer token when set.
 * `--pay sim` and `--insurance sim` do the same for the WeChat Pay and Alipay simulators and the
 * national insurance platform; without them, QR payments and insurance splits are NOT_OFFERED.
 * `--settle-window-ms` (default 60000) is how long a HIS call may still be running after it was
 * sent: a saga of a dead worker is taken over after it, and the lease and resolver follow from it.
 * Several workers may share one `--ledger` (docs/rpc.md). Every duration, given or default, runs
 * at ZIZHU_TIME_SCALE (contract/time-scale.ts).
 */
export async function bridge(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' }, his: { type: 'string' }, 'his-data': { type: 'string' }, 'his-timeout-ms': { type: 'string' },
      pay: { type: 'string' }, 'pay-data': { type: 'string' }, insurance: { type: 'string' }, 'insurance-data': { type: 'string' },
      'settle-window-ms': { type: 'string' }, ledger: { type: 'string' }, worker: { type: 'string' }, tls: { type: 'string' },
    },
  });
  if (!values.broker || !/^mqtts?:\/\/[^/]+:\d+$/.test(values.broker)) throw new UsageError('--broker must look like mqtt://HOST:PORT');
  const hisTarget = values.his;
  const fhirBase = /^fhir:(https?:\/\/[^/\s]+:\d+(?:\/\S*)?)$/.exec(hisTarget ?? '')?.[1];
  if (hisTarget !== 'sim' && !fhirBase && !/^http:\/\/[^/]+:\d+\/?$/.test(hisTarget ?? '')) throw new UsageError('--his must be "sim", http://HOST:PORT or fhir:http://HOST:PORT/fhir/R4');
  if (hisTarget !== 'sim' && values['his-data']) throw new UsageError('--his-data goes only with --his sim');
  const timeoutMs = scaled(wholeNumber(values['his-timeout-ms'], '--his-timeout-ms') ?? defaultHisTimeoutMs);
  const productionWindowMs = wholeNumber(values['settle-window-ms'], '--settle-window-ms') ?? 60_000;
  const settleWindowMs = scaled(productionWindowMs);
  if (values.pay !== undefined && values.pay !== 'sim') throw new UsageError('--pay must be "sim" (the WeChat Pay and Alipay simulators in this process)');
  if (values.pay === undefined && values['pay-data']) throw new UsageError('--pay-data goes only with --pay sim');
  if (values.insurance !== undefined && values.insurance !== 'sim') throw new UsageError('--insurance must be "sim" (the national platform simulator in this process)');
  if (values.insurance === undefined && values['insurance-data']) throw new UsageError('--insurance-data goes only with --insurance sim');
  if (!values.ledger) throw new UsageError('--ledger FILE is required');
  const worker = values.worker ?? `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(worker)) throw new UsageError('--worker may hold letters, digits and dashes');
  if (values.tls !== undefined && !values.broker.startsWith('mqtts://')) throw new UsageError('--tls goes with an mqtts:// --broker');
  const tls = values.tls === undefined ? undefined : workerCertificate(values.tls, worker);

  const log = pino({ name: 'bridge', redact: redactPaths }, pino.destination(2));
  const beside = (name: string) => path.join(path.dirname(path.resolve(values.ledger!)), name);
  const ledger = Ledger.open(values.ledger);
  const closers: (() => Promise<void>)[] = [];
  const hisLink = hisTarget === 'sim'
    ? await simulatedHis(values['his-data'] ?? beside('his'), timeoutMs)
    : fhirBase
      ? { his: new FhirHis({ baseUrl: fhirBase, timeoutMs, bearerToken: process.env.ZIZHU_HIS_FHIR_TOKEN }), close: async () => undefined }
      : { his: new HttpHis({ baseUrl: hisTarget!, timeoutMs, appId: process.env.ZIZHU_HIS_APP_ID, appSecret: process.env.ZIZHU_HIS_APP_SECRET }), close: async () => undefined };
  closers.push(hisLink.close);
  const pay = values.pay === 'sim' ? await startSimulatedChannels(values['pay-data'] ?? beside('pay')) : undefined;
  if (pay) closers.push(pay.close);
  const insurance = values.insurance === 'sim' ? await startSimulatedInsurance(values['insurance-data'] ?? beside('insurance'), ledger) : undefined;
  if (insurance) closers.push(insurance.close);
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
    ledger.close();
  };

  const running = new Bridge({
    brokerUrl: values.broker, worker, his: hisLink.his, ledger, log: (level, msg, fields) => log[level](fields ?? {}, msg),
    ...(pay ? { qrChannels: pay.channels } : {}),
    ...(insurance ? { insurance: insurance.insuranceFor } : {}),
    settleWindowMs,
    ...(tls ? { tls } : {}),
    leaseMs: scaled(Math.min(30_000, Math.ceil(productionWindowMs / 2))),
    resolveEveryMs: scaled(Math.min(5_000, Math.ceil(productionWindowMs / 4))),
  });
  try {
    await running.start();
  } catch (e) {
    console.error(`zizhu bridge: cannot reach the broker at ${values.broker}: ${(e as Error).message}`);
    await closeAll();
    return exitCodes.centralUnreachable;
  }
  log.info({ worker, broker: values.broker, qr: Boolean(pay), insurance: Boolean(insurance) }, 'bridge online');
  return new Promise<number>((resolve) => {
    const stop = () => void running.stop().then(async () => { await closeAll(); resolve(0); });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`${flag} must be a positive whole number (got ${text})`);
  return Number(text);
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


/** `--tls DIR`: the CA and this worker's certificate as `zizhu cert issue --role bridge --name WORKER --out DIR` left them. */
function workerCertificate(dir: string, worker: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(dir, file));
    } catch (e) {
      throw new UsageError(`--tls: ${(e as Error).message} (issue it with: zizhu cert issue --ca CA --name ${worker} --role bridge --out ${dir})`);
    }
  };
  return { ca: read('ca.crt'), cert: read(`${worker}.crt`), key: read(`${worker}.key`) };
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startHisServer } from '../../central/his/http-server.ts';
import { hisErrorCodes, hisFunctions, isHisError, isHisErrorCode, isHisFunction } from '../../central/his/port.ts';
import { HisSimulator, type HisConfig, type HisFault } from '../../central/his/simulator.ts';
import { simulatorCredentials } from '../../central/his/vendor/wire.ts';
import { exitCodes, UsageError } from '../exit.ts';

const usage = [
  'usage: zizhu his-sim fixtures [--data DIR]',
  '       zizhu his-sim bills --patient ID --data DIR',
  '       zizhu his-sim serve --port N --data DIR [--host ADDR]    (N = 0: any free port)',
  '       zizhu his-sim fault --data DIR --fn FN --mode down|error|slow|commitThenSilent|clear [--code X] [--ms N] [--once]',
  '       zizhu his-sim config --data DIR [--prepaid on|off] [--card-fee FEN]',
].join('\n');
const modes = ['down', 'error', 'slow', 'commitThenSilent', 'clear'] as const;

const options = {
  data: { type: 'string' },
  patient: { type: 'string' },
  fn: { type: 'string' },
  mode: { type: 'string' },
  code: { type: 'string' },
  ms: { type: 'string' },
  once: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  prepaid: { type: 'string' },
  'card-fee': { type: 'string' },
} as const;

interface Values {
  data?: string;
  patient?: string;
  fn?: string;
  mode?: string;
  code?: string;
  ms?: string;
  once?: boolean;
  port?: string;
  host?: string;
  prepaid?: string;
  'card-fee'?: string;
}

/** `zizhu his-sim fixtures | bills | serve | fault | config`: run, inspect and break the simulated hospital from the shell. */
export async function hisSim(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options });
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${usage}`);
  switch (action) {
    case 'fixtures':
      return fixtures(values.data);
    case 'bills':
      return bills(values);
    case 'fault':
      return fault(values);
    case 'serve':
      return serve(values);
    case 'config':
      return config(values);
    default:
      throw new UsageError(`${action ? `unknown action "${action}"` : 'an action is required'}\n${usage}`);
  }
}

function print(value: unknown): void {
  console.log(JSON.stringify(value));
}

function withSimulator<T>(dataDir: string, use: (his: HisSimulator) => T): T {
  const his = HisSimulator.open(dataDir);
  try {
    return use(his);
  } finally {
    his.close();
  }
}

/** Without --data the seed is the same in every fresh folder, so a throwaway one shows it. */
async function fixtures(dataDir: string | undefined): Promise<number> {
  if (dataDir) {
    print(withSimulator(dataDir, (his) => his.fixtures()));
    return exitCodes.ok;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-his-'));
  try {
    print(withSimulator(scratch, (his) => his.fixtures()));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return exitCodes.ok;
}

async function bills(values: Values): Promise<number> {
  const dataDir = required(values.data, '--data');
  const patientId = required(values.patient, '--patient');
  try {
    print({ patientId, bills: withSimulator(dataDir, (his) => his.bills(patientId)) });
    return exitCodes.ok;
  } catch (e) {
    if (!isHisError(e, 'NOT_FOUND')) throw e;
    console.error(`zizhu his-sim: no patient ${patientId} in ${dataDir}`);
    return exitCodes.userSide;
  }
}

async function fault(values: Values): Promise<number> {
  const dataDir = required(values.data, '--data');
  const fn = required(values.fn, '--fn');
  if (!isHisFunction(fn)) throw new UsageError(`--fn must be one of ${hisFunctions.join(', ')} (got ${fn})`);
  const mode = required(values.mode, '--mode');
  if (values.code !== undefined && mode !== 'error') throw new UsageError('--code goes only with --mode error');
  if (values.ms !== undefined && mode !== 'slow') throw new UsageError('--ms goes only with --mode slow');
  if (values.once && mode === 'clear') throw new UsageError('--once does not go with --mode clear');
  if (mode === 'clear') {
    withSimulator(dataDir, (his) => his.clearFault(fn));
    print({ fn, fault: null });
    return exitCodes.ok;
  }
  const planned = plannedFault(mode, values);
  try {
    withSimulator(dataDir, (his) => his.setFault(fn, planned));
  } catch (e) {
    // The simulator names the field; the field names match the flags.
    if (isHisError(e, 'INVALID_REQUEST')) throw new UsageError(`--${String(e.detail.field)}: ${e.message}`);
    throw e;
  }
  print({ fn, fault: planned });
  return exitCodes.ok;
}

function plannedFault(mode: string, values: Values): HisFault {
  const once = values.once ? { once: true } : {};
  switch (mode) {
    case 'down':
    case 'commitThenSilent':
      return { mode, ...once };
    case 'error':
    {
      const code = required(values.code, '--code');
      if (!isHisErrorCode(code)) throw new UsageError(`--code must be one of ${hisErrorCodes.join(', ')} (got ${code})`);
      return { mode, code, ...once };
    }
    case 'slow':
      return { mode, ms: Number(required(values.ms, '--ms')), ...once };
    default:
      throw new UsageError(`--mode must be one of ${modes.join(', ')} (got ${mode})`);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required\n${usage}`);
  return value;
}

/**
 * The simulator as the vendor HTTP interface (docs/his-interface.md), its state in DIR. Prints one
 * line `{"url", "port", "data"}` once listening; logs one JSON line per call on stderr; stops on
 * SIGTERM or SIGINT. Faults and settings set on DIR by other commands apply from the next call.
 */
async function serve(values: Values): Promise<number> {
  const dataDir = required(values.data, '--data');
  const portText = required(values.port, '--port');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a TCP port number, or 0 for any free port (got ${portText})`);
  const credentials = {
    appId: process.env.ZIZHU_HIS_APP_ID ?? simulatorCredentials.appId,
    appSecret: process.env.ZIZHU_HIS_APP_SECRET ?? simulatorCredentials.appSecret,
  };
  const log = pino({ name: 'his-sim' }, pino.destination(2));
  const his = HisSimulator.open(dataDir);
  const host = values.host ?? '127.0.0.1';
  const running = await startHisServer({ his, port, host, credentials, log: (fields) => log.info(fields, 'call') }).catch((e: unknown) => {
    his.close();
    console.error(`zizhu his-sim: cannot listen on ${host}:${port}: ${(e as Error).message}`);
    return undefined;
  });
  if (!running) return exitCodes.device;
  print({ url: running.url, port: running.port, data: path.resolve(dataDir) });
  return new Promise<number>((resolve) => {
    const stop = () => void running.close().then(() => {
      his.close();
      resolve(exitCodes.ok);
    });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** Shows the hospital's settings in DIR, after changing those given. */
async function config(values: Values): Promise<number> {
  const dataDir = required(values.data, '--data');
  const change: Partial<HisConfig> = {};
  if (values.prepaid !== undefined) {
    if (values.prepaid !== 'on' && values.prepaid !== 'off') throw new UsageError(`--prepaid must be on or off (got ${values.prepaid})`);
    change.prepaid = values.prepaid === 'on';
  }
  const fee = values['card-fee'];
  if (fee !== undefined) {
    if (!/^\d+$/.test(fee)) throw new UsageError(`--card-fee must be a whole number of fen (got ${fee})`);
    change.cardFeeFen = Number(fee);
  }
  print(withSimulator(dataDir, (his) => his.configure(change)));
  return exitCodes.ok;
}

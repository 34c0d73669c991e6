import { parseArgs } from 'node:util';
import { exitCodes, UsageError } from '../exit.ts';
import { fromDeviceError, type ActionResult, type DeviceKind } from './device/action.ts';
import { printTable } from './device/table.ts';

const kinds: Record<string, () => Promise<DeviceKind>> = {
  idcard: async () => (await import('./device/idcard.ts')).idcard,
  card: async () => (await import('./device/card.ts')).card,
  cash: async () => (await import('./device/cash.ts')).cash,
  printer: async () => (await import('./device/printer.ts')).printer,
  report: async () => (await import('./device/report.ts')).report,
  scanner: async () => (await import('./device/scanner.ts')).scanner,
  pos: async () => (await import('./device/pos.ts')).pos,
};

function usage(): string {
  return `usage: zizhu device <kind> <action> --port PATH [--json] [--timeout SECONDS]\n  kinds: ${Object.keys(kinds).join(', ')}; zizhu device <kind> lists its actions`;
}

/** `zizhu device <kind> <action> ...`: a technician's direct line to one device (DESIGN.md §3). */
export async function device(argv: string[]): Promise<number> {
  const [kindName, actionName, ...rest] = argv;
  if (kindName === 'probe') return (await import('./device/probe.ts')).probe(argv.slice(1));
  const load = kindName ? kinds[kindName] : undefined;
  if (!load) throw new UsageError(`kind must be one of ${Object.keys(kinds).join(', ')}, or probe (got ${kindName ?? 'nothing'})\n${usage()}`);
  const kind = await load();
  const action = actionName ? kind[actionName] : undefined;
  if (!action) {
    const list = Object.entries(kind).map(([n, a]) => `  zizhu device ${kindName} ${n} ${a.usage}  — ${a.summary}`);
    throw new UsageError(`action must be one of ${Object.keys(kind).join(', ')} (got ${actionName ?? 'nothing'})\n${list.join('\n')}`);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      port: { type: 'string' },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      ...action.options,
    },
  });
  if (!values.port && action.usage.includes('--port')) throw new UsageError('--port PATH is required');
  if (values.timeout !== undefined && !action.waits) throw new UsageError(`${kindName} ${actionName} does not wait; --timeout does not apply`);
  const timeoutS = values.timeout === undefined ? (action.defaultTimeoutS ?? 30) : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout must be a positive number of seconds (got ${String(values.timeout)})`);

  const signal = AbortSignal.timeout(timeoutS * 1000);
  let outcome: ActionResult;
  try {
    outcome = await action.run({ port: String(values.port ?? ''), values: values as Record<string, string | boolean | undefined>, signal, timeoutMs: timeoutS * 1000 });
  } catch (e) {
    outcome = fromDeviceError(e);
  }
  if (values.json) process.stdout.write(JSON.stringify(outcome.result) + '\n');
  else printTable(outcome.result);
  const code = outcome.exitCode ?? exitCodes.ok;
  if (code !== exitCodes.ok) process.stderr.write(`zizhu device ${kindName} ${actionName}: ${outcome.reason ?? 'failed'}\n`);
  return code;
}

import { parseArgs } from 'node:util';
import { isDeviceError } from '../../../drivers/core/device-error.ts';
import { ConfigError, loadConfig, type KioskConfig } from '../../../runtime/config.ts';
import { exitCodes, UsageError } from '../../exit.ts';

type Devices = KioskConfig['devices'];
/** What one device answered: who it is (firmware, serial where the protocol has one) and its status. */
type Identity = Record<string, unknown> & { status: string };
/** Probes one configured device; `undefined` configuration means the kiosk has none. */
interface Prober<C> {
  of(devices: Devices): C | undefined;
  probe(config: C, signal: AbortSignal): Promise<Identity>;
}
const prober = <C>(p: Prober<C>) => p as Prober<unknown>;

/** A self-test passes when the device answers and reports itself usable. */
const usable = new Set(['online']);

const probers: Record<string, Prober<unknown>> = {
  idcard: prober({
    of: (d) => d.idcard,
    probe: async (idcard, signal) => {
      const { IdCardReader } = await import('../../../drivers/idcard/index.ts');
      const reader = await IdCardReader.open(idcard.port, { baudRate: idcard.baudRate });
      try {
        await reader.reset(signal);
        return { ...(await reader.samStatus(signal)) };
      } finally {
        await reader.close();
      }
    },
  }),
  card: prober({
    of: (d) => d.card,
    probe: async (card, signal) => {
      const { CardDispenser } = await import('../../../drivers/card/index.ts');
      const unit = await CardDispenser.open(card.port, { baudRate: card.baudRate });
      try {
        const { firmware } = await unit.initialize(signal);
        return { ...(await unit.status(signal)), firmware };
      } finally {
        await unit.close();
      }
    },
  }),
  pos: prober({
    of: (d) => d.pos,
    probe: async (pos, signal) => {
      const { PaymentModule } = await import('../../../drivers/pos/driver.ts');
      const module = await PaymentModule.open(pos.port, { baudRate: pos.baudRate });
      try {
        return { ...(await module.status({ signal })) };
      } finally {
        await module.close();
      }
    },
  }),
  printer: prober({
    of: (d) => d.printer,
    probe: async (printer, signal) => {
      const { ReceiptPrinter } = await import('../../../drivers/printer/driver.ts');
      const unit = await ReceiptPrinter.open(printer.port, { baudRate: printer.baudRate });
      try {
        return { ...(await unit.status(signal)) };
      } finally {
        await unit.close();
      }
    },
  }),
  cash: prober({
    of: (d) => d.cash,
    probe: async (cash, signal) => {
      const { BillAcceptor } = await import('../../../drivers/cash/index.ts');
      const unit = await BillAcceptor.open(cash.port, { baudRate: cash.baudRate });
      try {
        const identity = await unit.connect(signal);
        return { ...(await unit.status(signal)), serialNumber: identity.serialNumber, firmware: identity.firmware, currency: identity.currency };
      } finally {
        await unit.close();
      }
    },
  }),
  scanner: prober({
    of: (d) => d.scanner,
    // A scanner in serial mode sends decodes and nothing else: there is no identity to ask for, so
    // the test is that the port opens and the line is ours (not a keyboard-wedge device).
    probe: async (scanner) => {
      const { QrScanner } = await import('../../../drivers/scanner/index.ts');
      const unit = await QrScanner.open(scanner.port, { baudRate: scanner.baudRate });
      await unit.close();
      return { status: 'online', port: scanner.port };
    },
  }),
  report: prober({
    of: (d) => d.report,
    probe: async (report, signal) => {
      const { ReportPrinter } = await import('../../../drivers/report/index.ts');
      return { ...(await new ReportPrinter(report.printer).status(signal)) };
    },
  }),
};

/**
 * `zizhu device probe --config FILE [--json]`: every configured device opened, identified and
 * self-tested, one line each; exit 1 when any fails. What a technician runs after cabling a unit.
 */
export async function probe(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, json: { type: 'boolean', default: false }, timeout: { type: 'string' } } });
  if (!values.config) throw new UsageError('--config FILE is required');
  let config: KioskConfig;
  try {
    config = loadConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const timeoutS = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout must be a positive number of seconds (got ${values.timeout})`);

  let failed = 0;
  for (const [kind, { of, probe: probeOne }] of Object.entries(probers)) {
    const device = of(config.devices);
    if (device === undefined) continue;
    let line: Record<string, unknown>;
    try {
      const identity = await probeOne(device, AbortSignal.timeout(timeoutS * 1000));
      const ok = usable.has(identity.status);
      line = { device: kind, ok, ...identity };
    } catch (e) {
      if (!isDeviceError(e)) throw e;
      line = { device: kind, ok: false, error: e.code, message: e.message };
    }
    if (!line.ok) failed++;
    process.stdout.write((values.json ? JSON.stringify(line) : readable(line)) + '\n');
  }
  if (failed > 0) process.stderr.write(`zizhu device probe: ${failed} device(s) failed\n`);
  return failed > 0 ? exitCodes.checkFailed : exitCodes.ok;
}

function readable({ device, ok, ...rest }: Record<string, unknown>): string {
  const detail = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${String(device).padEnd(8)} ${ok ? 'ok  ' : 'FAIL'}  ${detail.join(' ')}`;
}

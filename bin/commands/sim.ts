import { parseArgs } from 'node:util';
import { scaled } from '../../contract/time-scale.ts';
import { runSimulatorProcess, serveSimulator } from '../../drivers/core/simulator-host.ts';
import type { DeviceSimulator } from '../../drivers/core/simulator.ts';
import { UsageError } from '../exit.ts';

const kinds: Record<string, () => Promise<DeviceSimulator>> = {
  idcard: async () => new (await import('../../drivers/idcard/simulator.ts')).IdCardReaderSimulator(),
  card: async () => new (await import('../../drivers/card/simulator.ts')).CardDispenserSimulator(),
  cash: async () => new (await import('../../drivers/cash/simulator.ts')).BillAcceptorSimulator(),
  // The bank's delay models the world, so it runs at the time scale; drivers know nothing of it (DESIGN.md §2).
  pos: async () => {
    const pos = await import('../../drivers/pos/simulator.ts');
    return new pos.PaymentModuleSimulator({ autoDelayMs: scaled(pos.defaultAutoDelayMs) });
  },
  printer: async () => new (await import('../../drivers/printer/simulator.ts')).ReceiptPrinterSimulator(),
  scanner: async () => new (await import('../../drivers/scanner/simulator.ts')).QrScannerSimulator(),
};
const kindNames = [...Object.keys(kinds), 'report'];

/** `zizhu sim <kind> [--control SOCKET]`: the first stdout line names where a driver connects. */
export async function sim(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { control: { type: 'string' } } });
  const kind = positionals[0];
  if (kind === 'report') {
    // Not a serial device: the A4 printer speaks IPP, and its simulator is ippeveprinter.
    await serveSimulator(await (await import('../../drivers/report/served.ts')).serveReportPrinter(), values.control);
    return new Promise<number>(() => undefined);
  }
  const make = kind ? kinds[kind] : undefined;
  if (!make) throw new UsageError(`kind must be one of ${kindNames.join(', ')} (got ${kind ?? 'nothing'})`);
  await runSimulatorProcess(await make(), values.control);
  return new Promise<number>(() => undefined);
}

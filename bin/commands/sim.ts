import { parseArgs } from 'node:util';
import { runSimulatorProcess } from '../../drivers/core/simulator-host.ts';
import type { DeviceSimulator } from '../../drivers/core/simulator.ts';
import { UsageError } from '../exit.ts';

const kinds: Record<string, () => Promise<DeviceSimulator>> = {
  idcard: async () => new (await import('../../drivers/idcard/simulator.ts')).IdCardReaderSimulator(),
  card: async () => new (await import('../../drivers/card/simulator.ts')).CardDispenserSimulator(),
  pos: async () => new (await import('../../drivers/pos/simulator.ts')).PaymentModuleSimulator(),
  printer: async () => new (await import('../../drivers/printer/simulator.ts')).ReceiptPrinterSimulator(),
};

/** `zizhu sim <kind> [--control SOCKET]` */
export async function sim(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { control: { type: 'string' } } });
  const kind = positionals[0];
  const make = kind ? kinds[kind] : undefined;
  if (!make) throw new UsageError(`kind must be one of ${Object.keys(kinds).join(', ')} (got ${kind ?? 'nothing'})`);
  await runSimulatorProcess(await make(), values.control);
  return new Promise<number>(() => undefined);
}

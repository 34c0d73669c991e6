import { isDeviceError, type DeviceErrorCode } from '../../../drivers/core/device-error.ts';
import { parsePrinterAddress, printerTestReceipt, ReceiptPrinter, statusProblem, type PrinterStatus } from '../../../drivers/printer/index.ts';
import { exitCodes, UsageError } from '../../exit.ts';
import { fromDeviceError, type ActionResult, type DeviceKind } from './action.ts';

const usage = '--port WHERE';
const whereHelp = 'WHERE: /dev/ttyX, tcp://HOST[:PORT] or usb://VID:PID';

/** Staff fix these on site (load paper, close the cover); anything else needs a repair. */
const userSide = new Set<DeviceErrorCode>(['PAPER_OUT', 'COVER_OPEN']);

function shown(s: PrinterStatus): Record<string, unknown> {
  return { status: s.status, paper: s.paper, coverOpen: s.coverOpen, cutterError: s.cutterError };
}

function judged(s: PrinterStatus, extra: Record<string, unknown> = {}): ActionResult {
  const code = statusProblem(s);
  const result = { ...shown(s), ...extra };
  if (!code) return { result };
  return { result, exitCode: userSide.has(code) ? exitCodes.userSide : exitCodes.device, reason: `${code}: the printer cannot print (${code.toLowerCase().replace('_', ' ')})` };
}

async function withPrinter(where: string, use: (printer: ReceiptPrinter) => Promise<ActionResult>): Promise<ActionResult> {
  try {
    parsePrinterAddress(where);
  } catch (e) {
    throw new UsageError(`--port: ${(e as Error).message}`);
  }
  const printer = await ReceiptPrinter.openAt(where);
  try {
    return await use(printer);
  } finally {
    await printer.close();
  }
}

export const printer: DeviceKind = {
  status: {
    usage,
    summary: `paper, cover and cutter, from DLE EOT 1-4 (${whereHelp})`,
    run: ({ port, signal }) => withPrinter(port, async (p) => judged(await p.status(signal))),
  },
  test: {
    usage,
    summary: 'print the bilingual test page (sizes, alignment, QR, 喆 堃), then read status',
    run: ({ port, signal }) =>
      withPrinter(port, async (p) => {
        try {
          return judged(await p.print(printerTestReceipt(), signal), { printed: true });
        } catch (e) {
          // A refusal carries the status that caused it: show it as a status, not as a bare error.
          const status = isDeviceError(e) ? (e.detail.status as PrinterStatus | undefined) : undefined;
          if (!isDeviceError(e) || !status) return fromDeviceError(e);
          return { ...judged(status, { printed: false, error: e.code }), reason: `${e.code}: ${e.message}` };
        }
      }),
  },
};

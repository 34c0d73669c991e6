import type { DeviceErrorCode } from '../core/device-error.ts';
import type { DeviceState, PaperLevel } from '../core/status.ts';

/**
 * Real-time status `DLE EOT n` (reference/hardware-protocols.md §4.2): the printer answers one byte
 * per request, even while offline or printing. Pure codec: requests out, reply bytes decoded.
 */

export type StatusQuery = 1 | 2 | 3 | 4;
export const statusQueries: readonly StatusQuery[] = [1, 2, 3, 4];

export function statusRequest(n: StatusQuery): Buffer {
  return Buffer.from([0x10, 0x04, n]); // DLE EOT n
}

/** Bits of each reply byte, §4.2. The simulator builds its replies from the same table. */
export const statusBits = {
  fixed: 0x12, // bits 1 and 4 are always on
  printer: { drawerPin: 0x04, offline: 0x08 },
  offlineCause: { coverOpen: 0x04, feedButton: 0x08, paperEndStop: 0x20, error: 0x40 },
  errorCause: { autocutter: 0x08, unrecoverable: 0x20, autoRecoverable: 0x40 },
  paperSensor: { nearEnd: 0x0c, paperEnd: 0x60 },
} as const;

/** A reply byte has bits 1 and 4 on and bits 0 and 7 off; anything else is line noise. */
export function isStatusReply(byte: number): boolean {
  return (byte & 0x93) === statusBits.fixed;
}

/** n = 1, printer status. */
export function decodePrinterByte(byte: number) {
  return { drawerPin: (byte & statusBits.printer.drawerPin) !== 0, offline: (byte & statusBits.printer.offline) !== 0 };
}

/** n = 2, offline cause. */
export function decodeOfflineCause(byte: number) {
  const b = statusBits.offlineCause;
  return {
    coverOpen: (byte & b.coverOpen) !== 0,
    feedButton: (byte & b.feedButton) !== 0,
    paperEndStop: (byte & b.paperEndStop) !== 0,
    error: (byte & b.error) !== 0,
  };
}

/** n = 3, error cause. */
export function decodeErrorCause(byte: number) {
  const b = statusBits.errorCause;
  return {
    autocutter: (byte & b.autocutter) !== 0,
    unrecoverable: (byte & b.unrecoverable) !== 0,
    autoRecoverable: (byte & b.autoRecoverable) !== 0,
  };
}

/**
 * n = 4, roll paper sensor. Each condition sets two bits (one per sensor position on Epson);
 * either bit counts, since firmware of Chinese clones does not always set both.
 */
export function decodePaperSensor(byte: number) {
  return {
    nearEnd: (byte & statusBits.paperSensor.nearEnd) !== 0,
    paperEnd: (byte & statusBits.paperSensor.paperEnd) !== 0,
  };
}

export interface PrinterStatus {
  status: DeviceState;
  paper: PaperLevel;
  coverOpen: boolean;
  cutterError: boolean;
  online: boolean;
}

/**
 * Combines the four replies into the shared vocabulary (DESIGN.md §3). The split follows who can
 * fix it: paper out and an open cover are `userError` — staff load paper or close the cover and
 * the printer carries on; a cutter fault or an unrecoverable error is `hardwareError` — it needs a
 * technician or a power cycle. An error the printer reports without a cause we know is also
 * `hardwareError`; an auto-recoverable one (head too hot) and a bare offline flag are `offline`,
 * since they clear by themselves.
 */
export function decodeStatus(replies: Readonly<Record<StatusQuery, number>>): PrinterStatus {
  const printer = decodePrinterByte(replies[1]);
  const offline = decodeOfflineCause(replies[2]);
  const error = decodeErrorCause(replies[3]);
  const sensor = decodePaperSensor(replies[4]);
  const paper: PaperLevel = sensor.paperEnd || offline.paperEndStop ? 'out' : sensor.nearEnd ? 'low' : 'ok';
  const cutterError = error.autocutter;
  let status: DeviceState;
  if (cutterError || error.unrecoverable) status = 'hardwareError';
  else if (offline.coverOpen || paper === 'out') status = 'userError';
  else if (offline.error && !error.autoRecoverable) status = 'hardwareError';
  else if (printer.offline || error.autoRecoverable) status = 'offline';
  else status = 'online';
  return { status, paper, coverOpen: offline.coverOpen, cutterError, online: !printer.offline };
}

/**
 * Why a printer in this state cannot print, as the DeviceError code a caller acts on; undefined
 * when it can. The cover comes first: opening it is how staff clear paper and cutter faults, and
 * the paper sensor reads "out" while it is open.
 */
export function statusProblem(s: PrinterStatus): DeviceErrorCode | undefined {
  if (s.status === 'online') return undefined;
  if (s.coverOpen) return 'COVER_OPEN';
  if (s.paper === 'out') return 'PAPER_OUT';
  if (s.cutterError) return 'CUTTER_ERROR';
  return 'OFFLINE';
}

/**
 * The one error a driver ever throws. Codes are stable: tests assert them, operators look them up
 * (docs/device-errors.md), and the runtime maps them to screens and alarms.
 */
export const deviceErrorCodes = [
  'TIMEOUT', // the device did not answer within the command's deadline
  'NAK', // the device refused the frame after every allowed resend
  'BAD_FRAME', // the device answered bytes that do not parse (checksum, length, unknown head)
  'PROTOCOL', // a well-formed answer that makes no sense for the command sent
  'NOT_OPEN', // the transport is closed or was never opened
  'TRANSPORT', // the serial port, socket or USB endpoint failed
  'ABORTED', // the caller's AbortSignal fired
  'BUSY', // a command is already in flight where the protocol allows only one
  'JAM', // card or paper jam
  'STACKER_EMPTY',
  'BIN_FULL',
  'NO_CARD',
  'PAPER_OUT',
  'COVER_OPEN',
  'CUTTER_ERROR',
  'OFFLINE',
  'DECLINED', // payment module: the bank or the cardholder said no
  'CANCELLED', // payment module: the cardholder cancelled on the PIN pad
  'DEVICE_REPORTED', // a device-specific error code, kept in `detail`
  'CASHBOX_FULL', // bill acceptor: the stacker holds all it can; staff empty the cash box
  'CASHBOX_REMOVED', // bill acceptor: the cash box is out of the unit
  'FRAUD_ATTEMPT', // bill acceptor: the unit saw tampering with a note (string, fishing)
] as const;
export type DeviceErrorCode = (typeof deviceErrorCodes)[number];

export class DeviceError extends Error {
  override readonly name = 'DeviceError';
  constructor(
    readonly code: DeviceErrorCode,
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isDeviceError(e: unknown, code?: DeviceErrorCode): e is DeviceError {
  return e instanceof DeviceError && (code === undefined || e.code === code);
}

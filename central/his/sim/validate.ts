import { assertFen, HisError, type Payment } from '../port.ts';

/** Argument checks shared by the simulated functions; each names the field it refuses. */

export function invalid(field: string, message: string): HisError {
  return new HisError('INVALID_REQUEST', `${field} ${message}`, { field });
}

export function assertText(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'must be a non-empty string');
}

export function assertOptionalText(value: unknown, field: string): asserts value is string | undefined {
  if (value !== undefined) assertText(value, field);
}

/** Our ULIDs are 26 characters; 32 is the longest trade number the channels and HIS accept. */
export function assertTradeNo(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(value)) throw invalid('tradeNo', 'must be 1 to 32 letters, digits, "-" or "_"');
}

export function assertPositiveFen(value: unknown, field: string): asserts value is number {
  assertFen(value, field);
  if (value === 0) throw invalid(field, 'must be more than 0 fen');
}

/**
 * The payment evidence a money call carries. Only the card exists in the contract so far; its
 * fields are the acquirer's and the HIS only files them, so they are checked for presence only,
 * as strictly as the contract (an approval may come without an authorisation code).
 */
export function assertPayment(value: unknown, field = 'payment'): asserts value is Payment {
  if (typeof value !== 'object' || value === null) throw invalid(field, 'must be an object');
  const payment = value as Record<string, unknown>;
  if (payment.method !== 'card') throw invalid(`${field}.method`, 'must be card');
  assertFen(payment.amountFen, `${field}.amountFen`);
  for (const key of ['rrn', 'trace', 'batch', 'settleDate']) assertText(payment[key], `${field}.${key}`);
  for (const key of ['authCode', 'panMasked', 'tid', 'mid']) {
    if (typeof payment[key] !== 'string') throw invalid(`${field}.${key}`, 'must be a string');
  }
}

/** The amount collected must be exactly the amount due: a HIS never gives change. */
export function assertAmount(paidFen: number, dueFen: number): void {
  if (paidFen !== dueFen) throw new HisError('AMOUNT_MISMATCH', 'the amount paid is not the amount due', { expectedFen: dueFen, paidFen });
}

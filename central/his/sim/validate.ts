import { paymentSchema } from '../../../contract/rpc.ts';
import { assertFen, HisError, type InsuranceShare, type Payment } from '../port.ts';

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
 * The payment evidence a money call carries, checked against the contract's payment schema (card,
 * QR, cash or insurance). The HIS only files the evidence; the amount is checked by each function.
 */
export function assertPayment(value: unknown, field = 'payment'): asserts value is Payment {
  const parsed = paymentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid([field, ...issue.path.map(String)].join('.'), issue.message);
  }
}

/** The insurance platform's settlement of a trade: its ids are filed, its amounts lower what is due. */
export function assertInsuranceShare(value: unknown, field = 'insurance'): asserts value is InsuranceShare {
  if (typeof value !== 'object' || value === null) throw invalid(field, 'must be an object');
  const share = value as Record<string, unknown>;
  assertText(share.setlId, `${field}.setlId`);
  assertText(share.mdtrtId, `${field}.mdtrtId`);
  assertFen(share.fundFen, `${field}.fundFen`);
  assertFen(share.acctFen, `${field}.acctFen`);
}

/** The amount collected must be exactly the amount due: a HIS never gives change. */
export function assertAmount(paidFen: number, dueFen: number): void {
  if (paidFen !== dueFen) throw new HisError('AMOUNT_MISMATCH', 'the amount paid is not the amount due', { expectedFen: dueFen, paidFen });
}

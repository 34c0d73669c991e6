/**
 * The HIS port: what the bridge asks of a hospital information system. Adapters (the simulator,
 * a vendor HTTP/JSON interface, FHIR R4) implement it; the bridge never sees a vendor format.
 *
 * Every method throws only a `HisError`. Its `kind` carries the rule that keeps money safe
 * (DESIGN.md §1): `definite` means the HIS answered no and nothing changed, so a payment may be
 * compensated; `unknown` means no answer came back and the outcome must be queried by trade
 * number (`queryTrade`), never compensated blindly.
 *
 * Money is integer fen: a non-negative safe integer `number`.
 */

import type { Bill, Payment, PreSettleResult } from '../../contract/rpc.ts';

export type HisErrorKind = 'definite' | 'unknown';

/** Stable codes, each with the kind it always has. Operators look them up; tests assert them. */
export const hisErrorKinds = {
  NOT_FOUND: 'definite', // no patient for that credential
  BILL_NOT_PAYABLE: 'definite', // a bill is already paid, unknown, or not this patient's
  PRESETTLE_NOT_FOUND: 'definite',
  PRESETTLE_EXPIRED: 'definite', // pre-settle again: the bills may have changed since
  AMOUNT_MISMATCH: 'definite', // the amount paid is not the self-pay amount of the pre-settle
  TRADE_CONFLICT: 'definite', // the trade number is already bound to another pre-settle or payment
  INVALID_REQUEST: 'definite', // a malformed argument; the HIS was not asked to change anything
  REJECTED: 'definite', // any other refusal by the HIS; a vendor's own code goes in `detail`
  UNAVAILABLE: 'unknown', // the HIS could not be reached or refused the connection
  TIMEOUT: 'unknown', // the HIS did not answer within the deadline
  NO_ANSWER: 'unknown', // the connection broke after the request was sent
  INTERNAL: 'unknown', // the adapter failed in a way it cannot classify, so assume the worst
} as const satisfies Record<string, HisErrorKind>;

export type HisErrorCode = keyof typeof hisErrorKinds;
export const hisErrorCodes = Object.keys(hisErrorKinds) as HisErrorCode[];

export function isHisErrorCode(value: string): value is HisErrorCode {
  return Object.hasOwn(hisErrorKinds, value);
}

export class HisError extends Error {
  override readonly name = 'HisError';
  readonly kind: HisErrorKind;
  constructor(
    readonly code: HisErrorCode,
    message: string,
    readonly detail: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kind = hisErrorKinds[code];
  }
}

export function isHisError(e: unknown, code?: HisErrorCode): e is HisError {
  return e instanceof HisError && (code === undefined || e.code === code);
}

/** Throws INVALID_REQUEST unless `value` is a whole, non-negative number of fen. */
export function assertFen(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new HisError('INVALID_REQUEST', `${field} must be a non-negative safe integer of fen`, { field });
  }
}

export type CredType = 'patientCard' | 'idCard' | 'insuranceCode';

export interface PatientQuery {
  credType: CredType;
  credNo: string;
}

/** Sensitive personal data (DESIGN.md §1): it leaves the bridge only in the identify RPC result. */
export interface Patient {
  patientId: string;
  name: string;
  idNumber: string;
  cardNo: string;
  sex: 'male' | 'female';
  /** YYYY-MM-DD */
  birthDate: string;
}

/** Bills and payments are the contract's types: what the HIS says is what the kiosk shows. */
export type { Bill, BillItem, CardPayment, Payment } from '../../contract/rpc.ts';

export interface PreSettleRequest {
  patientId: string;
  billNos: string[];
  /** Our transaction id (a ULID), the HIS trade number from here on. */
  tradeNo: string;
}

/** totalFen = fundFen + acctFen + selfFen; only selfFen is collected from the patient. */
export type PreSettlement = PreSettleResult;


export interface SettleRequest {
  preSettleId: string;
  tradeNo: string;
  payment: Payment;
}

export interface Settlement {
  hisReceiptNo: string;
  /** ISO 8601 */
  settledAt: string;
}

/** The HIS's own record of a trade number: the primitive that turns `unknown` into definite. */
export type TradeStatus = { state: 'settled'; hisReceiptNo: string } | { state: 'notFound' };

export interface HisPort {
  /** NOT_FOUND when no patient holds the credential. */
  identifyPatient(query: PatientQuery): Promise<Patient>;
  /** Unpaid bills only. NOT_FOUND for an unknown patient. */
  listBills(query: { patientId: string }): Promise<{ bills: Bill[] }>;
  /**
   * No money moves; repeatable. BILL_NOT_PAYABLE for a bill paid, unknown or not this patient's;
   * TRADE_CONFLICT when the trade number is already settled.
   */
  preSettle(request: PreSettleRequest): Promise<PreSettlement>;
  /**
   * Idempotent on `tradeNo`: the same trade settled again returns the first receipt. Definite
   * failures: AMOUNT_MISMATCH, PRESETTLE_EXPIRED, PRESETTLE_NOT_FOUND, BILL_NOT_PAYABLE, TRADE_CONFLICT.
   */
  settle(request: SettleRequest): Promise<Settlement>;
  queryTrade(query: { tradeNo: string }): Promise<TradeStatus>;
}

export const hisFunctions = ['identifyPatient', 'listBills', 'preSettle', 'settle', 'queryTrade'] as const satisfies readonly (keyof HisPort)[];
export type HisFunction = (typeof hisFunctions)[number];

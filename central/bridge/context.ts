import type { RpcErrorCode, RpcStatus } from '../../contract/rpc.ts';
import { isHisError, type HisError, type HisPort } from '../his/port.ts';
import type { InsurancePort } from '../insurance/port.ts';
import type { ChannelName, QrChannel } from '../pay/port.ts';
import type { QrPaymentOptions } from '../pay/qr-payment.ts';
import type { Ledger } from './ledger.ts';

export interface OpOutcome {
  status: RpcStatus;
  code?: RpcErrorCode;
  message?: string;
  data?: unknown;
  /** A refusal that changed nothing: not stored, so the same txnId may try again (with other arguments too). */
  retryable?: boolean;
}

export type QrTiming = Pick<QrPaymentOptions, 'firstQueryAfterMs' | 'queryEveryMs' | 'deadlineMs' | 'reverseEveryMs' | 'reverseForMs'>;

/** What an op, a saga or the resolver works with: one transaction of one kiosk, and the outside world. */
export interface SagaContext {
  kid: string;
  /** Present for every op that changes state, and always in a saga. */
  txnId?: string;
  worker: string;
  his: HisPort;
  ledger: Ledger;
  channels: Partial<Record<ChannelName, QrChannel>>;
  qrTiming: QrTiming;
  /** The platform client for a kiosk (its id is the operator the platform logs); absent: no insurance here. */
  insurance?: (kid: string) => InsurancePort;
  /** Epoch ms after which the caller no longer listens; query loops stop there. */
  deadline: number;
  /**
   * How long a HIS money call may still be running after it was sent: until then the HIS's "no
   * such trade" proves nothing, and another worker must not take the saga over.
   */
  settleWindowMs: number;
  /** How long a worker's claim on a saga lasts without renewal. */
  leaseMs: number;
  /** The HIS trade query schedule after an unknown outcome; the last delay repeats. */
  queryDelaysMs: number[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Work that goes on after the answer (a QR saga past the kiosk's deadline): the worker waits for it before stopping. */
  background: (work: Promise<void>) => void;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** An op's context: a saga's, for the transaction the request named. */
export type OpContext = SagaContext;

export const ok = (data: unknown): OpOutcome => ({ status: 'OK', data });
export const failed = (code: RpcErrorCode, message: string, data?: unknown): OpOutcome => ({ status: 'FAILED', code, message, ...(data !== undefined ? { data } : {}) });
/** A refusal before anything outside was asked to change. */
export const refused = (code: RpcErrorCode, message: string, data?: unknown): OpOutcome => ({ ...failed(code, message, data), retryable: true });

const hisCodes: Partial<Record<HisError['code'], RpcErrorCode>> = {
  NOT_FOUND: 'NOT_FOUND',
  PRESETTLE_NOT_FOUND: 'NOT_FOUND',
  BILL_NOT_PAYABLE: 'NOT_PAYABLE',
  PRESETTLE_EXPIRED: 'PRESETTLE_EXPIRED',
  AMOUNT_MISMATCH: 'AMOUNT_MISMATCH',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  SLOT_FULL: 'SLOT_FULL',
  LOCK_EXPIRED: 'LOCK_EXPIRED',
  NOT_ALLOWED: 'NOT_ALLOWED',
  NOT_OFFERED: 'NOT_OFFERED',
  TRADE_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  INVALID_REQUEST: 'BAD_REQUEST',
};

/**
 * A definite HIS refusal as a stable RPC code; an unknown-kind error must never come through here.
 * An amount mismatch carries what the HIS expects (`data.expectedFen`), so a kiosk that sent none
 * (a card fee it did not know of) can ask the patient for exactly that.
 */
export function hisRefusal(e: HisError): OpOutcome {
  const expectedFen = e.code === 'AMOUNT_MISMATCH' && typeof e.detail.expectedFen === 'number' ? e.detail.expectedFen : undefined;
  return failed(hisCodes[e.code] ?? 'HIS_REJECTED', e.message, expectedFen !== undefined ? { expectedFen } : undefined);
}

/** Reads and preparations: nothing is paid, so an unknown outcome is just "try again". */
export async function asking<T>(call: () => Promise<T>, then: (value: T) => OpOutcome | Promise<OpOutcome>): Promise<OpOutcome> {
  let value: T;
  try {
    value = await call();
  } catch (e) {
    if (!isHisError(e)) throw e;
    return e.kind === 'definite' ? hisRefusal(e) : refused('HIS_UNAVAILABLE', e.message);
  }
  return then(value);
}

/** The wait before retry `attempt` (0-based) of a query loop. */
export function queryDelay(ctx: SagaContext, attempt: number): number {
  return ctx.queryDelaysMs[Math.min(attempt, ctx.queryDelaysMs.length - 1)]!;
}

export function leaseFrom(ctx: SagaContext): number {
  return ctx.now() + ctx.leaseMs;
}

export function txnIdOf(ctx: SagaContext): string {
  if (!ctx.txnId) throw new Error('a saga needs a transaction id');
  return ctx.txnId;
}

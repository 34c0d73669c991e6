/**
 * The QR channel port: what the bridge asks of WeChat Pay code payment (付款码支付) and Alipay
 * face-to-face payment (当面付). Adapters speak the channels' own wire formats; the bridge sees
 * only this.
 *
 * Every method throws only a `ChannelError`. Its `kind` carries the rule that keeps money safe
 * (DESIGN.md §1): `definite` means the channel answered and said what happened (nothing, for a
 * refusal); `unknown` means the outcome is not known and must be queried by `outTradeNo`, never
 * compensated blindly.
 *
 * Money is integer fen. `outTradeNo` is our transaction id (a 26-character ULID fits the
 * channels' 32), reused as the idempotency key: paying twice with one number never charges twice.
 */

export type ChannelName = 'wechat' | 'alipay';

export type ChannelErrorKind = 'definite' | 'unknown';

/** Stable codes, each with the kind it always has; the channel's own code goes in `detail.channelCode`. */
export const channelErrorKinds = {
  AUTH_CODE_EXPIRED: 'definite', // the payment code has expired: the patient refreshes it and we scan again
  AUTH_CODE_INVALID: 'definite', // not a live payment code (or already used)
  INSUFFICIENT_BALANCE: 'definite',
  PAYMENT_REFUSED: 'definite', // any other refusal of the payer (card not supported, risk control, payment failed)
  ORDER_CLOSED: 'definite', // this out_trade_no was closed or reversed and can no longer be paid
  OUT_TRADE_NO_USED: 'definite', // the number belongs to another order (other code or amount)
  TRY_LATER: 'definite', // refused for now, nothing changed: call again later (reverse in its first seconds)
  REVERSE_REFUSED: 'definite', // the trade can no longer be reversed (too old, or refunded): refund instead
  REFUND_REFUSED: 'definite', // more than the refundable amount, or the trade is not paid
  SIGNATURE_REJECTED: 'definite', // the channel refused our signature; it did nothing
  INVALID_REQUEST: 'definite', // a malformed argument, found by us or by the channel
  REJECTED: 'definite', // any other refusal
  SYSTEM_ERROR: 'unknown', // the channel said "system error, query the result"
  UNAVAILABLE: 'unknown', // no connection, or an HTTP error page instead of an answer
  TIMEOUT: 'unknown',
  NO_ANSWER: 'unknown', // the connection broke after the request was sent
  BAD_RESPONSE: 'unknown', // an answer we cannot read or whose signature does not verify: it proves nothing
  INTERNAL: 'unknown', // the adapter failed in a way it cannot classify, so assume the worst
} as const satisfies Record<string, ChannelErrorKind>;

export type ChannelErrorCode = keyof typeof channelErrorKinds;

export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  readonly kind: ChannelErrorKind;
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
    readonly detail: { channelCode?: string; channelMessage?: string; field?: string; [key: string]: unknown } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kind = channelErrorKinds[code];
  }
}

export function isChannelError(e: unknown, code?: ChannelErrorCode): e is ChannelError {
  return e instanceof ChannelError && (code === undefined || e.code === code);
}

export interface QrOrder {
  /** The code the scanner read from the patient's phone. */
  authCode: string;
  outTradeNo: string;
  amountFen: number;
  /** What the patient sees in the payment app, e.g. "门诊缴费". */
  description: string;
}

/** A payment the channel has taken: the money is the hospital's. */
export interface PaidTrade {
  status: 'paid';
  outTradeNo: string;
  /** WeChat transaction_id / Alipay trade_no: the channel's reference for reconciliation. */
  channelTradeNo: string;
  amountFen: number;
  /** ISO 8601 with +08:00, the channel's clock. */
  paidAt: string;
}

/** The patient must confirm in the app (enter a password): query until a final state. */
export interface UserPaying {
  status: 'userPaying';
  outTradeNo: string;
}

export type PayAnswer = PaidTrade | UserPaying;

/**
 * Our own small state set over WeChat trade_state (SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED,
 * USERPAYING, PAYERROR) and Alipay trade_status (WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_FINISHED,
 * TRADE_CLOSED).
 */
export type TradeState =
  | 'paid' // the money is the hospital's
  | 'userPaying' // waiting for the patient's password
  | 'notPaid' // the order exists; no money moved
  | 'closed' // ended: closed unpaid, or reversed/fully refunded so any money went back
  | 'refunded' // paid, then refunded in part or whole (WeChat REFUND)
  | 'failed' // the payment failed at the channel (WeChat PAYERROR)
  | 'notFound'; // the channel has no order with this number

export interface TradeStatus {
  state: TradeState;
  outTradeNo: string;
  channelTradeNo?: string;
  amountFen?: number;
  paidAt?: string;
}

export interface ReverseAnswer {
  outTradeNo: string;
  /** Alipay says what the cancel did; WeChat's reverse does not (query to see). */
  action?: 'closed' | 'refunded';
}

export interface RefundRequest {
  outTradeNo: string;
  /** Our refund number, idempotent: the same number never refunds twice. */
  outRefundNo: string;
  amountFen: number;
  /** The trade's total, which WeChat checks against its own record. */
  totalFen: number;
  reason?: string;
}

export type RefundState = 'success' | 'processing' | 'closed' | 'notFound';

export interface RefundStatus {
  state: RefundState;
  outTradeNo: string;
  outRefundNo: string;
  amountFen?: number;
  channelRefundNo?: string;
}

export interface QrChannel {
  readonly channel: ChannelName;
  /** paid or userPaying; a refusal is a definite ChannelError, a lost answer an unknown one. */
  pay(order: QrOrder): Promise<PayAnswer>;
  query(query: { outTradeNo: string }): Promise<TradeStatus>;
  /** WeChat reverse / Alipay cancel: closes an unpaid order or gives a paid one's money back. */
  reverse(query: { outTradeNo: string }): Promise<ReverseAnswer>;
  refund(request: RefundRequest): Promise<RefundStatus>;
  queryRefund(query: { outTradeNo: string; outRefundNo: string }): Promise<RefundStatus>;
}

/** DESIGN.md §3: what the scanner's line looks like for each channel. */
export const authCodePatterns: Record<ChannelName, RegExp> = {
  wechat: /^1[0-5]\d{16}$/,
  alipay: /^(2[5-9]|30)\d{14,22}$/,
};

export function channelOfAuthCode(authCode: string): ChannelName | undefined {
  return (Object.keys(authCodePatterns) as ChannelName[]).find((c) => authCodePatterns[c].test(authCode));
}

/** Checks a request before it leaves, so a bad argument is a definite INVALID_REQUEST naming the field. */
export function assertOrder(order: QrOrder, channel: ChannelName): void {
  if (typeof order.authCode !== 'string' || !authCodePatterns[channel].test(order.authCode)) {
    throw new ChannelError('INVALID_REQUEST', `authCode is not a ${channel} payment code`, { field: 'authCode' });
  }
  assertTradeNo(order.outTradeNo, 'outTradeNo');
  assertPositiveFen(order.amountFen, 'amountFen');
  if (typeof order.description !== 'string' || order.description.length === 0 || order.description.length > 128) {
    throw new ChannelError('INVALID_REQUEST', 'description must be 1 to 128 characters', { field: 'description' });
  }
}

export function assertTradeNo(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(value)) {
    throw new ChannelError('INVALID_REQUEST', `${field} must be 1 to 32 letters, digits, "-" or "_"`, { field });
  }
}

export function assertPositiveFen(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ChannelError('INVALID_REQUEST', `${field} must be a positive safe integer of fen`, { field });
  }
}

export function assertRefund(request: RefundRequest): void {
  assertTradeNo(request.outTradeNo, 'outTradeNo');
  assertTradeNo(request.outRefundNo, 'outRefundNo');
  assertPositiveFen(request.amountFen, 'amountFen');
  assertPositiveFen(request.totalFen, 'totalFen');
  if (request.amountFen > request.totalFen) throw new ChannelError('INVALID_REQUEST', 'amountFen is more than totalFen', { field: 'amountFen' });
}

import { setTimeout as sleep } from 'node:timers/promises';
import { maskCardNo } from '../../contract/mask.ts';
import { scaled } from '../../contract/time-scale.ts';
import { ChannelError, type ChannelErrorCode, type QrChannel, type QrOrder, type TradeStatus } from './port.ts';

/**
 * The QR payment saga the bridge runs for a scanned payment code (WeChat 付款码 "最佳实践",
 * Alipay 当面付 "异常处理"): pay; on user-paying or an unknown outcome, query every few seconds
 * until a final state or the deadline; still not final at the deadline, reverse, and retry a
 * reversal that is itself unknown or refused for now. A definite refusal ends the saga at once;
 * an unknown outcome is never reversed before the deadline (the query may still find it paid).
 *
 * Every external call is preceded and followed by `journal(step, data)`, awaited: a journal that
 * cannot write stops the saga before the channel is asked. No saga state lives only in memory:
 * after a crash, `resumeQrPayment` continues from the journal's `pay.intent` time.
 */

export type QrStep = 'pay.intent' | 'pay.result' | 'query.intent' | 'query.result' | 'reverse.intent' | 'reverse.result';
export type QrJournal = (step: QrStep, data: Record<string, unknown>) => void | Promise<void>;

export interface QrPaymentOptions {
  channel: QrChannel;
  journal: QrJournal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** After a user-paying or unknown answer to pay, the first query (WeChat: 5 s). */
  firstQueryAfterMs?: number;
  queryEveryMs?: number;
  /** From the pay call; WeChat's guidance is 45 s. */
  deadlineMs?: number;
  reverseEveryMs?: number;
  /** How long after the deadline a reversal is retried before the payment is left for reconciliation. */
  reverseForMs?: number;
}

export type QrPaymentOutcome =
  /** The money is the hospital's. */
  | { result: 'paid'; outTradeNo: string; channelTradeNo: string; amountFen: number; paidAt: string }
  /** The channel definitely took nothing (expired code, insufficient balance, closed in the app). */
  | { result: 'failed'; outTradeNo: string; code: ChannelErrorCode; message: string }
  /** Not final by the deadline and reversed: the order is closed and any money went back to the payer. */
  | { result: 'reversed'; outTradeNo: string; action?: 'closed' | 'refunded' }
  /** Reversal not confirmed: the money's fate is unknown; a slip and reconciliation settle it. */
  | { result: 'pending'; outTradeNo: string; reason: string };

/** What the saga needs after the pay call: the code itself is spent, and only kept masked. */
type OrderRef = Pick<QrOrder, 'outTradeNo' | 'amountFen'>;

interface Run {
  order: OrderRef;
  channel: QrChannel;
  journal: QrJournal;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  firstQueryAfterMs: number;
  queryEveryMs: number;
  deadline: number;
  reverseEveryMs: number;
  reverseForMs: number;
}

function prepare(order: OrderRef, options: QrPaymentOptions, startedAt?: number): Run {
  const now = options.now ?? Date.now;
  return {
    order,
    channel: options.channel,
    journal: options.journal,
    now,
    sleep: options.sleep ?? ((ms) => sleep(ms)),
    // The channels' published schedule, at the time scale (contract/time-scale.ts); given timings are real ms.
    firstQueryAfterMs: options.firstQueryAfterMs ?? scaled(5_000),
    queryEveryMs: options.queryEveryMs ?? scaled(5_000),
    deadline: (startedAt ?? now()) + (options.deadlineMs ?? scaled(45_000)),
    reverseEveryMs: options.reverseEveryMs ?? scaled(5_000),
    reverseForMs: options.reverseForMs ?? scaled(60_000),
  };
}

export async function payByQr(order: QrOrder, options: QrPaymentOptions): Promise<QrPaymentOutcome> {
  const run = prepare(order, options);
  const { outTradeNo } = order;
  await run.journal('pay.intent', { channel: run.channel.channel, outTradeNo, amountFen: order.amountFen, authCodeMasked: maskCardNo(order.authCode) });
  try {
    const answer = await run.channel.pay(order);
    if (answer.status === 'paid') {
      await run.journal('pay.result', { outTradeNo, outcome: 'paid', channelTradeNo: answer.channelTradeNo, amountFen: answer.amountFen, paidAt: answer.paidAt });
      return { result: 'paid', outTradeNo, channelTradeNo: answer.channelTradeNo, amountFen: answer.amountFen, paidAt: answer.paidAt };
    }
    await run.journal('pay.result', { outTradeNo, outcome: 'userPaying' });
  } catch (e) {
    const error = asChannelError(e);
    await run.journal('pay.result', { outTradeNo, outcome: 'error', ...errorData(error) });
    if (error.kind === 'definite') return { result: 'failed', outTradeNo, code: error.code, message: error.message };
  }
  return untilFinal(run, run.firstQueryAfterMs);
}

/**
 * Continues a saga whose `pay.intent` was journaled at `startedAt` and whose outcome is not final
 * in the journal (no `pay.result`, or user-paying / unknown): queries at once, then as usual.
 */
export async function resumeQrPayment(order: OrderRef, startedAt: number, options: QrPaymentOptions): Promise<QrPaymentOutcome> {
  return untilFinal(prepare(order, options, startedAt), 0);
}

async function untilFinal(run: Run, firstWait: number): Promise<QrPaymentOutcome> {
  let wait = firstWait;
  // At least one query, even past the deadline: a reversal must follow the last query, never a guess.
  for (let attempt = 1; ; attempt += 1) {
    await run.sleep(Math.max(0, Math.min(wait, run.deadline - run.now())));
    const final = await queryStep(run, attempt);
    if (final) return final;
    if (run.now() >= run.deadline) break;
    wait = run.queryEveryMs;
  }
  return reverseUntilConfirmed(run);
}

async function queryStep(run: Run, attempt: number): Promise<QrPaymentOutcome | undefined> {
  const { outTradeNo, amountFen } = run.order;
  await run.journal('query.intent', { outTradeNo, attempt });
  let status: TradeStatus;
  try {
    status = await run.channel.query({ outTradeNo });
  } catch (e) {
    await run.journal('query.result', { outTradeNo, attempt, outcome: 'error', ...errorData(asChannelError(e)) });
    return undefined;
  }
  await run.journal('query.result', {
    outTradeNo,
    attempt,
    state: status.state,
    ...(status.channelTradeNo ? { channelTradeNo: status.channelTradeNo } : {}),
    ...(status.amountFen !== undefined ? { amountFen: status.amountFen } : {}),
  });
  switch (status.state) {
    case 'paid':
      if (status.amountFen !== amountFen || !status.channelTradeNo || !status.paidAt) {
        return { result: 'pending', outTradeNo, reason: `the channel shows this order paid with ${status.amountFen} fen, not ${amountFen}` };
      }
      return { result: 'paid', outTradeNo, channelTradeNo: status.channelTradeNo, amountFen, paidAt: status.paidAt };
    case 'closed':
      return { result: 'failed', outTradeNo, code: 'ORDER_CLOSED', message: 'the order was closed without payment' };
    case 'failed':
      return { result: 'failed', outTradeNo, code: 'PAYMENT_REFUSED', message: 'the payment failed at the channel' };
    case 'refunded':
      // Nobody but the bridge refunds, and only after a payment it knows of: a person must look.
      return { result: 'pending', outTradeNo, reason: 'the channel shows this order paid and refunded' };
    default:
      // userPaying, notPaid, notFound: not final. notFound may be a pay still on its way.
      return undefined;
  }
}

async function reverseUntilConfirmed(run: Run): Promise<QrPaymentOutcome> {
  const { outTradeNo } = run.order;
  const giveUpAt = Math.max(run.deadline, run.now()) + run.reverseForMs;
  for (let attempt = 1; ; attempt += 1) {
    await run.journal('reverse.intent', { outTradeNo, attempt });
    try {
      const answer = await run.channel.reverse({ outTradeNo });
      await run.journal('reverse.result', { outTradeNo, attempt, outcome: 'reversed', ...(answer.action ? { action: answer.action } : {}) });
      return { result: 'reversed', outTradeNo, ...(answer.action ? { action: answer.action } : {}) };
    } catch (e) {
      const error = asChannelError(e);
      await run.journal('reverse.result', { outTradeNo, attempt, outcome: 'error', ...errorData(error) });
      if (error.kind === 'definite' && error.code !== 'TRY_LATER') return { result: 'pending', outTradeNo, reason: `the channel refused the reversal: ${error.message}` };
      if (run.now() + run.reverseEveryMs > giveUpAt) return { result: 'pending', outTradeNo, reason: `the reversal was not confirmed: ${error.message}` };
    }
    await run.sleep(run.reverseEveryMs);
  }
}

/** The port promises ChannelError only; anything else is an adapter bug, and its outcome is unknown. */
function asChannelError(e: unknown): ChannelError {
  return e instanceof ChannelError ? e : new ChannelError('INTERNAL', `the channel adapter failed: ${(e as Error)?.message ?? String(e)}`, {}, { cause: e });
}

function errorData(e: ChannelError): Record<string, unknown> {
  return { code: e.code, kind: e.kind, message: e.message, ...(e.detail.channelCode ? { channelCode: e.detail.channelCode } : {}) };
}

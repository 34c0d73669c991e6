import { ChannelError, type ChannelName, type RefundStatus } from '../../pay/port.ts';
import { queryDelay, type SagaContext } from '../context.ts';

export interface ChannelRefund {
  channel: ChannelName;
  outTradeNo: string;
  /** Ours and idempotent: every retry of this refund carries the same number. */
  outRefundNo: string;
  amountFen: number;
  /** The paid amount of the trade, which WeChat checks. */
  totalFen: number;
  reason: string;
}

/** `pending`: not confirmed by the deadline, to be driven on; `failed`: the channel definitely did not refund. */
export type ChannelRefundResult = { state: 'refunded' } | { state: 'pending'; reason: string } | { state: 'failed'; reason: string };

export type RefundJournal = (step: 'refund.intent' | 'refund.result' | 'refundQuery.intent' | 'refundQuery.result', data: Record<string, unknown>) => void;

/**
 * Gives QR money back on its channel (DESIGN.md §1: a definite failure after payment is refunded
 * automatically). Every call is journaled before and after. An answer lost on the way is never a
 * reason to refund again under a new number: the same number is asked about (queryRefund) and,
 * only when the channel has never seen it, sent again. Done when the channel says success.
 */
export async function refundOnChannel(ctx: SagaContext, refund: ChannelRefund, journal: RefundJournal): Promise<ChannelRefundResult> {
  const channel = ctx.channels[refund.channel];
  if (!channel) return { state: 'pending', reason: `no ${refund.channel} channel is configured on this central` };
  const ref = { outTradeNo: refund.outTradeNo, outRefundNo: refund.outRefundNo };
  let sent = false;
  let refusals = 0;
  let reason = 'not confirmed by the channel yet';
  for (let attempt = 0; attempt === 0 || ctx.now() < ctx.deadline; attempt += 1) {
    if (attempt > 0) await ctx.sleep(queryDelay(ctx, attempt - 1));
    if (sent) {
      journal('refundQuery.intent', { ...ref, attempt });
      let status: RefundStatus;
      try {
        status = await channel.queryRefund(ref);
      } catch (e) {
        journal('refundQuery.result', { ...ref, attempt, ...errorData(e) });
        continue;
      }
      journal('refundQuery.result', { ...ref, attempt, state: status.state });
      if (status.state === 'success') return { state: 'refunded' };
      if (status.state === 'closed') return { state: 'failed', reason: 'the channel closed the refund: the money did not go back' };
      if (status.state === 'processing') continue;
      if (refusals > 0) return { state: 'failed', reason };
      sent = false;
    }
    journal('refund.intent', { ...ref, amountFen: refund.amountFen, attempt });
    try {
      const status = await channel.refund({ ...ref, amountFen: refund.amountFen, totalFen: refund.totalFen, reason: refund.reason });
      journal('refund.result', { ...ref, attempt, state: status.state, ...(status.channelRefundNo ? { channelRefundNo: status.channelRefundNo } : {}) });
      if (status.state === 'success') return { state: 'refunded' };
    } catch (e) {
      journal('refund.result', { ...ref, attempt, ...errorData(e) });
      reason = (e as Error).message;
      // A refusal may answer a repeat of a refund that went through: the query tells.
      if (e instanceof ChannelError && e.kind === 'definite') refusals += 1;
    }
    sent = true;
  }
  return { state: 'pending', reason };
}

function errorData(e: unknown): Record<string, unknown> {
  return e instanceof ChannelError ? { outcome: 'error', code: e.code, kind: e.kind, message: e.message } : { outcome: 'error', code: 'INTERNAL', kind: 'unknown', message: String(e) };
}

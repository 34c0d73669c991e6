import type { ChannelName } from '../../pay/port.ts';
import { payByQr, resumeQrPayment, type QrJournal, type QrPaymentOutcome } from '../../pay/qr-payment.ts';
import { leaseFrom, txnIdOf, type SagaContext } from '../context.ts';

/**
 * The QR collection of a transaction (`payment.qr.pay`): the bridge runs the channel's saga
 * (pay, query loop, reverse) with `out_trade_no` = txnId, journaling every call in the ledger, so
 * the money op that follows under the same txnId can name the payment, and a worker that takes
 * the saga over after a crash resumes it from the journal.
 */

export interface QrOrder {
  authCode: string;
  amountFen: number;
  description: string;
}

function journalOf(ctx: SagaContext): QrJournal {
  const txnId = txnIdOf(ctx);
  return (step, data) => {
    ctx.ledger.appendEvent(ctx.kid, txnId, `qr.${step}`, data);
    // The channel's reference is kept the moment it is seen: reconciliation needs it even if we crash now.
    const tradeNo = typeof data.channelTradeNo === 'string' ? data.channelTradeNo : undefined;
    if (tradeNo) ctx.ledger.updateTxn(ctx.kid, txnId, { qrTradeNo: tradeNo });
  };
}

/** Starts the saga unless this transaction already has one; false when another request or worker owns it. */
export function claimQrPayment(ctx: SagaContext, channel: ChannelName, amountFen: number): boolean {
  const now = ctx.now();
  return ctx.ledger.updateTxn(
    ctx.kid,
    txnIdOf(ctx),
    { qrChannel: channel, qrState: 'paying', qrAmountFen: amountFen, qrStartedAt: now, step: 'qrPay', stepAt: now, owner: ctx.worker, leaseUntil: leaseFrom(ctx) },
    { state: ['OPEN'], qrState: [null], step: [null] },
  );
}

export async function collectByQr(ctx: SagaContext, channel: ChannelName, order: QrOrder): Promise<void> {
  try {
    const outcome = await payByQr({ ...order, outTradeNo: txnIdOf(ctx) }, { channel: ctx.channels[channel]!, journal: journalOf(ctx), ...ctx.qrTiming });
    recordOutcome(ctx, outcome);
  } finally {
    // Not final (a fault of ours): the journal holds the saga, the resolver resumes it.
    ctx.ledger.updateTxn(ctx.kid, txnIdOf(ctx), { owner: null, leaseUntil: null });
  }
}

/** A saga whose worker died: the journal's start time keeps the original deadline. */
export async function resumeQr(ctx: SagaContext): Promise<void> {
  const txnId = txnIdOf(ctx);
  const txn = ctx.ledger.txn(ctx.kid, txnId)!;
  const channel = ctx.channels[txn.qrChannel as ChannelName];
  if (!channel) {
    ctx.log('warn', 'cannot resume a QR payment: its channel is not configured here', { kid: ctx.kid, txnId, channel: txn.qrChannel });
    return;
  }
  const outcome = await resumeQrPayment({ outTradeNo: txnId, amountFen: txn.qrAmountFen! }, txn.qrStartedAt!, { channel, journal: journalOf(ctx), ...ctx.qrTiming });
  recordOutcome(ctx, outcome);
}

function recordOutcome(ctx: SagaContext, outcome: QrPaymentOutcome): void {
  const txnId = txnIdOf(ctx);
  const done = { step: null, owner: null, leaseUntil: null };
  switch (outcome.result) {
    case 'paid':
      ctx.ledger.updateTxn(ctx.kid, txnId, { ...done, qrState: 'paid', qrTradeNo: outcome.channelTradeNo, qrPaidAt: outcome.paidAt });
      return;
    case 'failed':
      ctx.ledger.updateTxn(ctx.kid, txnId, { ...done, qrState: 'failed', qrReason: outcome.code });
      return;
    case 'reversed':
      ctx.ledger.updateTxn(ctx.kid, txnId, { ...done, qrState: 'reversed', qrReason: 'not confirmed by the payer in time; reversed' });
      return;
    case 'pending':
      // The money's fate is unknown to the channel saga itself: a cashier and reconciliation settle it.
      ctx.ledger.updateTxn(ctx.kid, txnId, {
        ...done, qrState: 'pending', qrReason: outcome.reason, state: 'PENDING', reason: outcome.reason, method: 'qr', amountFen: ctx.ledger.txn(ctx.kid, txnId)!.qrAmountFen,
      });
  }
}

import type { OpArgs, QrPaymentResult } from '../../../contract/rpc.ts';
import { channelOfAuthCode } from '../../pay/port.ts';
import { failed, ok, refused, txnIdOf, type OpContext, type OpOutcome } from '../context.ts';
import type { LedgerTxn } from '../ledger.ts';
import { claimQrPayment, collectByQr } from '../saga/qr-pay.ts';
import { qrView } from '../views.ts';

/** How often a request waiting for a QR saga looks at the ledger (the saga may run in another worker). */
const pollMs = 50;

function answer(txn: LedgerTxn): OpOutcome | undefined {
  const view: QrPaymentResult = qrView(txn);
  switch (txn.qrState) {
    case 'paid':
      return ok(view);
    case 'failed':
    case 'reversed':
      return failed('PAYMENT_REFUSED', `the QR payment was not taken: ${txn.qrReason ?? txn.qrState}`, view);
    case 'refunding':
    case 'refunded':
      return failed('PAYMENT_NOT_COLLECTED', 'the QR payment was given back', view);
    case 'pending':
      return { status: 'PENDING', message: txn.qrReason ?? 'the QR payment is not known', data: view };
    default:
      return undefined;
  }
}

export const qrOps = {
  /**
   * Charges the scanned code under `out_trade_no` = txnId. The bridge owns the channel's query loop
   * and reversal; the answer waits until the request's deadline, then says UNKNOWN while the saga
   * goes on (ask `payment.qr.query` or `txn.query`). The money op that follows names the payment.
   */
  'payment.qr.pay': async (ctx: OpContext, args: OpArgs<'payment.qr.pay'>): Promise<OpOutcome> => {
    const txnId = txnIdOf(ctx);
    const channel = channelOfAuthCode(args.authCode);
    if (!channel) return refused('BAD_REQUEST', 'args.authCode: not a WeChat or Alipay payment code');
    if (!ctx.channels[channel]) return refused('NOT_OFFERED', `this central takes no ${channel} payments`);
    ctx.ledger.createTxn(ctx.kid, txnId, 'payment.qr.pay', 'OPEN');
    const txn = ctx.ledger.txn(ctx.kid, txnId)!;
    if (!txn.qrState) {
      if (txn.state !== 'OPEN') return failed('IDEMPOTENCY_CONFLICT', `transaction ${txnId} is no longer open`);
      if (txn.dueFen !== undefined && txn.dueFen !== args.amountFen) return refused('AMOUNT_MISMATCH', `this transaction is due ${txn.dueFen} fen, not ${args.amountFen}`);
      if (claimQrPayment(ctx, channel, args.amountFen)) {
        ctx.background(collectByQr(ctx, channel, { authCode: args.authCode, amountFen: args.amountFen, description: args.description ?? '医院自助缴费' }));
      }
    }
    for (;;) {
      const now = ctx.ledger.txn(ctx.kid, txnId)!;
      const final = answer(now);
      if (final) return final;
      if (ctx.now() >= ctx.deadline) return { status: 'UNKNOWN', message: 'the patient has not confirmed yet; ask payment.qr.query', data: qrView(now) };
      await ctx.sleep(pollMs);
    }
  },

  'payment.qr.query': (ctx: OpContext, args: OpArgs<'payment.qr.query'>): Promise<OpOutcome> => {
    const txn = ctx.ledger.txn(ctx.kid, args.txnId);
    return Promise.resolve(ok(txn ? qrView(txn) : ({ state: 'none' } satisfies QrPaymentResult)));
  },
};

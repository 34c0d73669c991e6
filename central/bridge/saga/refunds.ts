import type { QrChannelName, RefundInstruction } from '../../../contract/rpc.ts';
import { txnIdOf, type SagaContext } from '../context.ts';
import type { RefundState, StoredRefund } from '../ledger.ts';
import type { OrderedRefund } from './his-calls.ts';
import { refundOnChannel } from './qr-refund.ts';

/** The business day (Asia/Shanghai) of an epoch ms: a card sale of the same day is voided, an older one refunded. */
export function businessDay(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * What happens to each refund the HIS ordered (a cancelled appointment, a refunded balance, a
 * discharge's surplus deposit), decided by how the money came in: a QR payment of ours goes back
 * on its channel by the bridge; a card sale of ours is voided or refunded by the kiosk's payment
 * module; anything else (cash, a trade we never saw) is paid by a cashier against a voucher.
 */
function instructionsFor(ctx: SagaContext, ordered: OrderedRefund[]): { instruction: RefundInstruction; state: RefundState }[] {
  const txnId = txnIdOf(ctx);
  return ordered.map((o, i) => {
    const original = o.ofTxnId ? ctx.ledger.txnById(o.ofTxnId) : undefined;
    const ofTxnId = o.ofTxnId;
    if (original && ofTxnId && original.method === 'qr' && original.qrChannel && original.qrTradeNo) {
      return {
        instruction: { method: 'qr', action: 'pending', amountFen: o.amountFen, ofTxnId, channel: original.qrChannel as QrChannelName, outRefundNo: `${txnId}R${i + 1}` },
        state: 'refunding',
      };
    }
    if (original && ofTxnId && original.method === 'card' && original.rrn && original.trace && original.settleDate) {
      const sameDayWhole = original.settleDate === businessDay(ctx.now()) && original.amountFen === o.amountFen;
      return {
        instruction: { method: 'card', action: sameDayWhole ? 'void' : 'refund', amountFen: o.amountFen, ofTxnId, rrn: original.rrn, trace: original.trace, settleDate: original.settleDate },
        state: 'instructed',
      };
    }
    return { instruction: { method: original?.method ?? o.method ?? 'other', action: 'voucher', amountFen: o.amountFen, ...(ofTxnId ? { ofTxnId } : {}) }, state: 'done' };
  });
}

/**
 * Records the refunds once (a replay or a resumed saga finds them stored) and gives the QR ones
 * back, journaled; returns every instruction as it stands and whether a channel refund is still
 * unconfirmed (the saga's `refunds` step then stays for the resolver).
 */
export async function giveBack(ctx: SagaContext, ordered: OrderedRefund[]): Promise<{ refunds: RefundInstruction[]; unconfirmed: boolean }> {
  const txnId = txnIdOf(ctx);
  if (ctx.ledger.refunds(ctx.kid, txnId).length === 0 && ordered.length > 0) ctx.ledger.addRefunds(ctx.kid, txnId, instructionsFor(ctx, ordered));
  return continueRefunds(ctx);
}

export async function continueRefunds(ctx: SagaContext): Promise<{ refunds: RefundInstruction[]; unconfirmed: boolean }> {
  const txnId = txnIdOf(ctx);
  const stored = ctx.ledger.refunds(ctx.kid, txnId);
  let unconfirmed = false;
  for (const r of stored.filter((s) => s.state === 'refunding')) {
    if (!(await refundOne(ctx, r))) unconfirmed = true;
  }
  return { refunds: ctx.ledger.refunds(ctx.kid, txnId).map((r) => r.instruction), unconfirmed };
}

async function refundOne(ctx: SagaContext, r: StoredRefund): Promise<boolean> {
  const txnId = txnIdOf(ctx);
  const i = r.instruction;
  if (i.method !== 'qr' || i.action === 'voucher') return true;
  const original = ctx.ledger.txnById(i.ofTxnId)!;
  const result = await refundOnChannel(
    ctx,
    { channel: i.channel, outTradeNo: i.ofTxnId, outRefundNo: i.outRefundNo, amountFen: i.amountFen, totalFen: original.qrAmountFen ?? i.amountFen, reason: '退费' },
    (step, data) => ctx.ledger.appendEvent(ctx.kid, txnId, `refund.${r.n}.${step}`, data),
  );
  if (result.state === 'refunded') ctx.ledger.updateRefund(ctx.kid, txnId, r.n, { ...i, action: 'refunded' }, 'done');
  // The channel definitely kept the money: a cashier pays it out instead.
  if (result.state === 'failed') ctx.ledger.updateRefund(ctx.kid, txnId, r.n, { method: 'qr', action: 'voucher', amountFen: i.amountFen, ofTxnId: i.ofTxnId }, 'done');
  return result.state !== 'pending';
}

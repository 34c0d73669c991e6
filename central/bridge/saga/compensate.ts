import type { RpcErrorCode } from '../../../contract/rpc.ts';
import type { ChannelName } from '../../pay/port.ts';
import { txnIdOf, type OpOutcome, type SagaContext } from '../context.ts';
import type { LedgerTxn, SagaStep } from '../ledger.ts';
import { pendingView, qrView } from '../views.ts';
import { cancelInsurance } from './insurance.ts';
import { refundOnChannel, type ChannelRefundResult } from './qr-refund.ts';

type Fields = { [K in keyof LedgerTxn]?: LedgerTxn[K] | null };

/**
 * Money taken before a definite refusal goes back, by how it was taken (DESIGN.md §1, §6):
 * - card: only the kiosk's payment module can reverse it, so the answer orders `reverse` and the
 *   kiosk's `card.void.result` fact closes the transaction;
 * - QR: the bridge refunds it on the channel itself, `out_refund_no` = txnId + "R1";
 * - cash: cannot be reversed; the kiosk prints a refund voucher and the notes stay in the cash
 *   box for a cashier;
 * - insurance: a settlement with the platform is cancelled (2208).
 * A refund the channel has not confirmed by the deadline is not a failure told to the patient: it
 * is PENDING, and the resolver goes on with the same refund number.
 */
export async function compensate(ctx: SagaContext, refusal: OpOutcome): Promise<OpOutcome> {
  const txnId = txnIdOf(ctx);
  const txn = ctx.ledger.txn(ctx.kid, txnId)!;
  const reason = `${refusal.code ?? 'FAILED'}: ${refusal.message ?? ''}`;
  let fields: Fields;
  let outcome: OpOutcome;
  let next: SagaStep | null = null;
  switch (txn.method) {
    case 'card':
      fields = { state: 'COMPENSATING', compensate: 'reverse' };
      outcome = { ...refusal, data: { compensate: 'reverse' } };
      break;
    case 'qr': {
      const r = await refundQrPayment(ctx, txn);
      if (r.state === 'refunded') {
        fields = { state: 'COMPENSATED', compensate: 'refunded', qrState: 'refunded' };
        outcome = { ...refusal, data: { compensate: 'refunded', qr: qrView({ ...txn, qrState: 'refunded' }) } };
      } else if (r.state === 'pending') {
        fields = { state: 'COMPENSATING', compensate: 'refunded' };
        next = 'qrRefund';
        outcome = pending(ctx, 'HIS_REJECTED', `${reason}; the QR refund is not confirmed yet`);
      } else {
        fields = { state: 'PENDING', qrState: 'paid' };
        outcome = pending(ctx, 'HIS_REJECTED', `${reason}; the QR refund failed: ${r.reason}`);
      }
      break;
    }
    case 'cash':
      fields = { state: 'COMPENSATED', compensate: 'voucher', voucherFen: txn.amountFen };
      outcome = { ...refusal, data: { compensate: 'voucher', voucherFen: txn.amountFen } };
      break;
    default:
      // Nothing was collected at the kiosk (no payment, or insurance paying all).
      fields = { state: txn.method === 'insurance' ? 'COMPENSATED' : 'ABANDONED' };
      outcome = refusal;
  }
  const insuranceBack = txn.insState === 'settled' ? await cancelInsurance(ctx) : true;
  if (!insuranceBack) next = 'insCancel';
  // Whatever is left (a refund to confirm, a cancel to retry) is the resolver's: the lease goes.
  ctx.ledger.updateTxn(ctx.kid, txnId, { reason, ...fields, step: next, owner: null, leaseUntil: null });
  return outcome;
}

/** The compensation refund of this transaction's own QR payment, journaled; resumable with the same number. */
export async function refundQrPayment(ctx: SagaContext, txn: LedgerTxn): Promise<ChannelRefundResult> {
  const txnId = txnIdOf(ctx);
  const outRefundNo = txn.qrRefundNo ?? `${txnId}R1`;
  ctx.ledger.updateTxn(ctx.kid, txnId, { qrState: 'refunding', qrRefundNo: outRefundNo });
  const result = await refundOnChannel(
    ctx,
    { channel: txn.qrChannel as ChannelName, outTradeNo: txnId, outRefundNo, amountFen: txn.qrAmountFen!, totalFen: txn.qrAmountFen!, reason: '业务未完成，原路退款' },
    (step, data) => ctx.ledger.appendEvent(ctx.kid, txnId, `qr.${step}`, data),
  );
  if (result.state === 'refunded') ctx.ledger.updateTxn(ctx.kid, txnId, { qrState: 'refunded' });
  return result;
}

/** The answer for money whose fate this worker cannot tell: PENDING, with what a cashier needs. */
export function pending(ctx: SagaContext, code: RpcErrorCode, reason: string): OpOutcome {
  const txn = ctx.ledger.txn(ctx.kid, txnIdOf(ctx))!;
  return { status: 'PENDING', code, message: reason, data: { state: 'PENDING', pending: pendingView({ ...txn, reason }) } };
}

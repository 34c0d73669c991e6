import { formatYuan } from '../../../contract/money.ts';
import { assertFen, HisError, type AccountBalance, type BalanceRefund, type BalanceRefundRequest, type Recharge, type RechargeRequest } from '../port.ts';
import type { SimContext } from './context.ts';
import { assertPatient } from './patients.ts';
import { nowIso, receiptNo, runTrade } from './trades.ts';
import { assertPayment, assertPositiveFen, assertText, invalid } from './validate.ts';

/**
 * The prepaid patient account (门诊预交金). Public hospitals stopped taking outpatient prepayment
 * on 2025-03-31 and must refund what is left, so recharge is offered only where the hospital's
 * `prepaid` setting is on; balance and refund work either way.
 */

/** The most one recharge may add, as hospitals cap unattended cash-in. */
export const rechargeLimitFen = 500_000;

function balance(ctx: SimContext, patientId: string): number {
  return ctx.db.prepare<[string], { balanceFen: number }>('SELECT balance_fen AS balanceFen FROM accounts WHERE patient_id = ?').get(patientId)?.balanceFen ?? 0;
}

function setBalance(ctx: SimContext, patientId: string, balanceFen: number): void {
  ctx.db.prepare('INSERT INTO accounts (patient_id, balance_fen) VALUES (?, ?) ON CONFLICT (patient_id) DO UPDATE SET balance_fen = excluded.balance_fen').run(patientId, balanceFen);
}

export function accountBalance(ctx: SimContext, patientId: string): AccountBalance {
  assertPatient(ctx, patientId);
  return { patientId, balanceFen: balance(ctx, patientId), rechargeOffered: ctx.config().prepaid };
}

export function recharge(ctx: SimContext, request: RechargeRequest): Recharge {
  assertText(request.patientId, 'patientId');
  assertPayment(request.payment);
  const payment = request.payment;
  assertPositiveFen(payment.amountFen, 'payment.amountFen');
  if (payment.amountFen > rechargeLimitFen) throw invalid('payment.amountFen', `must be at most ${rechargeLimitFen} fen`);
  return runTrade(ctx, 'recharge', request.tradeNo, request, () => {
    if (!ctx.config().prepaid) throw new HisError('NOT_OFFERED', 'this hospital takes no prepayment', { fn: 'recharge' });
    assertPatient(ctx, request.patientId);
    const balanceFen = balance(ctx, request.patientId) + payment.amountFen;
    setBalance(ctx, request.patientId, balanceFen);
    const hisReceiptNo = receiptNo(ctx, 'CZ');
    const settledAt = nowIso(ctx);
    return {
      result: { amountFen: payment.amountFen, balanceFen, hisReceiptNo, settledAt }, patientId: request.patientId, hisReceiptNo,
      paidFen: payment.amountFen, refundFen: 0, settledAt,
      receipt: { title: '预交金充值凭条', fields: [{ label: '充值后余额', value: formatYuan(balanceFen) }], lines: [{ name: '预交金充值', amountFen: payment.amountFen }], totalFen: payment.amountFen, payment },
    };
  });
}

export function refundBalance(ctx: SimContext, request: BalanceRefundRequest): BalanceRefund {
  assertText(request.patientId, 'patientId');
  assertFen(request.amountFen, 'amountFen');
  return runTrade(ctx, 'refundBalance', request.tradeNo, request, () => {
    assertPatient(ctx, request.patientId);
    const balanceFen = balance(ctx, request.patientId);
    if (balanceFen === 0) throw new HisError('NOT_ALLOWED', 'the account holds no balance to refund', { patientId: request.patientId });
    // The whole balance, as shown to the patient: a stale screen must not refund a different sum.
    if (request.amountFen !== balanceFen) throw new HisError('AMOUNT_MISMATCH', 'the amount is not the balance', { expectedFen: balanceFen, paidFen: request.amountFen });
    setBalance(ctx, request.patientId, 0);
    const hisReceiptNo = receiptNo(ctx, 'TF');
    const settledAt = nowIso(ctx);
    return {
      result: { refundFen: balanceFen, balanceFen: 0, hisReceiptNo, settledAt }, patientId: request.patientId, hisReceiptNo, paidFen: 0, refundFen: balanceFen, settledAt,
      receipt: { title: '预交金退费凭条', fields: [{ label: '退费后余额', value: formatYuan(0) }], lines: [{ name: '预交金余额退费', amountFen: balanceFen }], totalFen: balanceFen },
    };
  });
}

import type { Payment, RpcErrorCode } from '../../../contract/rpc.ts';
import { isHisError, type InsuranceShare } from '../../his/port.ts';
import { failed, hisRefusal, leaseFrom, ok, queryDelay, refused, txnIdOf, type OpOutcome, type SagaContext } from '../context.ts';
import type { LedgerTxn } from '../ledger.ts';
import { publicView, qrView } from '../views.ts';
import { compensate, pending } from './compensate.ts';
import { invokeTrade, type TradeAnswer, type TradeCall } from './his-calls.ts';
import { settleInsurance } from './insurance.ts';
import { giveBack } from './refunds.ts';

/**
 * The one money saga every money op runs (DESIGN.md §1, §6):
 * 1. the payment and the HIS call go into the ledger (state PAYING) before anything outside is asked;
 * 2. with an insurance split, the platform settles first (2207);
 * 3. the HIS money call, with our txnId as its trade number;
 * 4. settled → SETTLED, and any refunds the HIS ordered are given back; definite refusal →
 *    compensate by method; unknown → ask the HIS by trade number until it is definite, and at
 *    the caller's deadline answer PENDING with what a cashier needs. Never compensate an unknown.
 */
export async function runMoneySaga(ctx: SagaContext, op: string, call: TradeCall, payment?: Payment): Promise<OpOutcome> {
  try {
    return await moneySaga(ctx, op, call, payment);
  } catch (e) {
    // A fault of ours mid-saga: the ledger says where it stopped, and the resolver takes it from there.
    ctx.ledger.updateTxn(ctx.kid, txnIdOf(ctx), { owner: null, leaseUntil: null });
    throw e;
  }
}

async function moneySaga(ctx: SagaContext, op: string, call: TradeCall, payment?: Payment): Promise<OpOutcome> {
  const { kid, ledger } = ctx;
  const txnId = txnIdOf(ctx);
  ledger.createTxn(kid, txnId, op, 'OPEN');
  const txn = ledger.txn(kid, txnId)!;
  if (txn.state !== 'OPEN' || txn.step) return closed(ctx, txn, op);
  const problem = paymentProblem(txn, payment);
  if (problem) return problem;
  const insured = txn.insState === 'presettled';
  const began = ledger.updateTxn(
    kid,
    txnId,
    { state: 'PAYING', op, ...paymentColumns(payment), hisCall: ledger.seal(call), step: insured ? 'insSettle' : 'his', stepAt: ctx.now(), owner: ctx.worker, leaseUntil: leaseFrom(ctx) },
    { state: ['OPEN'], step: [null] },
  );
  if (!began) return closed(ctx, ledger.txn(kid, txnId)!, op);

  let share: InsuranceShare | undefined;
  if (insured) {
    const settled = await settleInsurance(ctx, payment?.amountFen ?? 0);
    if (settled.kind === 'unknown') return pendingNow(ctx, 'INSURANCE_UNAVAILABLE', settled.reason);
    if (settled.kind !== 'settled') return compensate(ctx, settled.outcome);
    share = settled.share;
  }
  ledger.updateTxn(kid, txnId, { step: 'his', stepAt: ctx.now() });
  try {
    return await finish(ctx, call.fn, await invokeTrade(ctx.his, call, txnId, share));
  } catch (e) {
    if (!isHisError(e)) throw e;
    if (e.kind === 'definite') return compensate(ctx, hisRefusal(e));
    ctx.log('info', 'HIS outcome unknown; asking it by trade number', { kid, txnId, fn: call.fn, code: e.code });
  }
  return (await resolveUnknown(ctx, { immediate: false, once: false })) ?? pending(ctx, 'HIS_UNAVAILABLE', 'the kiosk closed the transaction PENDING; a cashier settles it');
}

/**
 * Asks the HIS by trade number what became of the saga's call. `once`: a single question (the
 * resolver, txn.query), leaving the saga as it is when the answer is still unknown; otherwise until
 * the caller's deadline, then PENDING. "No such trade" is definite only once the call is older than
 * the settle window (it may still be running), and only for a saga still PAYING: a PENDING slip is
 * in the patient's hand, and only a settlement changes it.
 */
export async function resolveUnknown(ctx: SagaContext, mode: { immediate: boolean; once: boolean }): Promise<OpOutcome | undefined> {
  const txnId = txnIdOf(ctx);
  for (let attempt = 0; ; attempt += 1) {
    const delay = mode.immediate && attempt === 0 ? 0 : queryDelay(ctx, attempt);
    if (attempt > 0 && mode.once) return undefined;
    if (!mode.once && ctx.now() + delay >= ctx.deadline) break;
    await ctx.sleep(delay);
    let trade;
    try {
      trade = await ctx.his.queryTrade({ tradeNo: txnId });
    } catch (e) {
      if (!isHisError(e)) throw e;
      continue;
    }
    const txn = ctx.ledger.txn(ctx.kid, txnId)!;
    if (trade.state === 'settled') {
      const done = await finishSettled(ctx, txn, { hisReceiptNo: trade.hisReceiptNo, settledAt: trade.settledAt });
      if (done) return done;
      continue;
    }
    if (ctx.now() - (txn.stepAt ?? 0) >= ctx.settleWindowMs) {
      if (txn.state === 'PAYING') return compensate(ctx, failed('HIS_REJECTED', 'the HIS has no record of the trade'));
      // Closed PENDING by the kiosk meanwhile: no trade, and the slip is out; a cashier settles it.
      ctx.ledger.updateTxn(ctx.kid, txnId, { step: null, owner: null, leaseUntil: null });
      return undefined;
    }
  }
  return pendingNow(ctx, 'HIS_UNAVAILABLE', 'the HIS outcome is not known yet; a cashier will settle it');
}

/**
 * The HIS has the trade: its first answer is fetched again by repeating the call (idempotent on
 * the trade number). No answer to that either: undefined, ask again later.
 */
async function finishSettled(ctx: SagaContext, txn: LedgerTxn, trade: { hisReceiptNo: string; settledAt: string }): Promise<OpOutcome | undefined> {
  const call = ctx.ledger.unseal<TradeCall>(txn.hisCall!);
  const share = txn.insSetlId ? { setlId: txn.insSetlId, mdtrtId: txn.insMdtrtId!, fundFen: txn.insFundFen!, acctFen: txn.insAcctFen! } : undefined;
  try {
    return await finish(ctx, call.fn, await invokeTrade(ctx.his, call, txn.txnId, share));
  } catch (e) {
    if (!isHisError(e)) throw e;
    if (e.kind === 'unknown') return undefined;
    ctx.log('warn', 'the HIS settled the trade but would not repeat its answer; finishing with its receipt', { kid: ctx.kid, txnId: txn.txnId, code: e.code });
    return finish(ctx, call.fn, { data: { ...trade }, hisReceiptNo: trade.hisReceiptNo, ordered: [] });
  }
}

async function finish(ctx: SagaContext, fn: TradeCall['fn'], answer: TradeAnswer): Promise<OpOutcome> {
  const { kid, ledger } = ctx;
  const txnId = txnIdOf(ctx);
  const txn = ledger.txn(kid, txnId)!;
  const insurance = txn.insSetlId ? { insurance: { setlId: txn.insSetlId, fundFen: txn.insFundFen!, acctFen: txn.insAcctFen!, selfFen: txn.insSelfFen! } } : {};
  const data = { ...answer.data, ...(fn === 'settle' ? insurance : {}) };
  const hasRefunds = answer.ordered.length > 0;
  ledger.updateTxn(kid, txnId, {
    state: 'SETTLED', hisReceiptNo: answer.hisReceiptNo, invoiceNo: answer.invoiceNo, result: JSON.stringify(data), reason: null,
    ...(hasRefunds ? { step: 'refunds', stepAt: ctx.now() } : { step: null, owner: null, leaseUntil: null }),
  });
  if (!hasRefunds) return ok(data);
  const { refunds, unconfirmed } = await giveBack(ctx, answer.ordered);
  const settled = { ...data, refunds };
  ledger.updateTxn(kid, txnId, { result: JSON.stringify(settled), ...(unconfirmed ? {} : { step: null }), owner: null, leaseUntil: null });
  return ok(settled);
}

/** PENDING now: the saga stops here; reconciliation or a later settlement (txn.query asks the HIS again) decides. */
function pendingNow(ctx: SagaContext, code: RpcErrorCode, reason: string): OpOutcome {
  ctx.ledger.updateTxn(ctx.kid, txnIdOf(ctx), { state: 'PENDING', reason, step: null, owner: null, leaseUntil: null });
  return pending(ctx, code, reason);
}

/**
 * A money op on a transaction that is no longer open. The same op again (its first request's
 * worker died before answering) gets its answer from the ledger; another op is told why not.
 */
function closed(ctx: SagaContext, txn: LedgerTxn, op: string): OpOutcome {
  if (txn.op === op) {
    switch (txn.state) {
      case 'SETTLED':
        return ok(txn.result ? (JSON.parse(txn.result) as unknown) : { hisReceiptNo: txn.hisReceiptNo });
      case 'PENDING':
        return pending(ctx, 'HIS_UNAVAILABLE', txn.reason ?? 'pending');
      case 'COMPENSATING':
      case 'COMPENSATED':
        if (txn.compensate) return failed('HIS_REJECTED', txn.reason ?? 'the HIS refused', { compensate: txn.compensate, ...(txn.voucherFen ? { voucherFen: txn.voucherFen } : {}) });
        break;
      case 'PAYING':
        return { status: 'UNKNOWN', code: 'HIS_UNAVAILABLE', message: 'the HIS outcome is not known yet; ask txn.query', data: publicView(ctx.ledger, txn) };
    }
  }
  if (txn.qrState === 'refunded' || txn.qrState === 'refunding') {
    return failed('PAYMENT_NOT_COLLECTED', `the QR payment of transaction ${txn.txnId} was given back`, { compensate: 'refunded', qr: qrView(txn) });
  }
  return failed('IDEMPOTENCY_CONFLICT', `transaction ${txn.txnId} is no longer open for ${op}`, publicView(ctx.ledger, txn));
}

/** A payment must be money this transaction holds: a QR payment is the one the bridge collected under the txnId. */
function paymentProblem(txn: LedgerTxn, payment: Payment | undefined): OpOutcome | undefined {
  if (payment?.method === 'qr') {
    if (txn.qrState !== 'paid') return refused('PAYMENT_NOT_COLLECTED', `transaction ${txn.txnId} holds no paid QR payment`, qrView(txn));
    if (payment.channel !== txn.qrChannel || payment.channelTradeNo !== txn.qrTradeNo || payment.amountFen !== txn.qrAmountFen) {
      return refused('PAYMENT_NOT_COLLECTED', 'args.payment: not the QR payment this transaction collected', qrView(txn));
    }
  } else if (txn.qrState === 'paid') {
    return refused('BAD_REQUEST', `args.payment: transaction ${txn.txnId} collected a QR payment; the money op must name it`, qrView(txn));
  }
  if (payment?.method === 'insurance' && !(txn.insState === 'presettled' && txn.insSelfFen === 0)) {
    return refused('BAD_REQUEST', 'args.payment.method: insurance pays only a bill whose insurance split leaves nothing to pay');
  }
  return undefined;
}

/** The references reconciliation matches on, by method (DESIGN.md §6). */
function paymentColumns(payment: Payment | undefined): Partial<LedgerTxn> {
  if (!payment) return {};
  const base = { method: payment.method, amountFen: payment.amountFen };
  switch (payment.method) {
    case 'card':
      return { ...base, rrn: payment.rrn, trace: payment.trace, batch: payment.batch, authCode: payment.authCode, panMasked: payment.panMasked, tid: payment.tid, mid: payment.mid, settleDate: payment.settleDate };
    case 'cash':
      return { ...base, cashInsertedFen: payment.insertedFen, cashChangeFen: payment.changeFen, cashNotes: JSON.stringify(payment.notes) };
    default:
      return base;
  }
}

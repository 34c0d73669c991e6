import { maskName } from '../../contract/mask.ts';
import type { BillListResult, IdentifyResult, OpArgs, PayResult, PreSettleResult, RpcErrorCode, RpcStatus, TxnQueryResult } from '../../contract/rpc.ts';
import { isHisError, type HisError, type HisPort } from '../his/port.ts';
import type { Ledger, LedgerState, LedgerTxn } from './ledger.ts';

export interface OpOutcome {
  status: RpcStatus;
  code?: RpcErrorCode;
  message?: string;
  data?: unknown;
}

export interface OpContext {
  kid: string;
  txnId?: string;
  his: HisPort;
  ledger: Ledger;
  /** Epoch ms after which the caller no longer listens; query loops stop there. */
  deadline: number;
  sleep: (ms: number) => Promise<void>;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

const ok = (data: unknown): OpOutcome => ({ status: 'OK', data });
const failed = (code: RpcErrorCode, message: string, data?: unknown): OpOutcome => ({ status: 'FAILED', code, message, data });

/** HIS refusals map to stable RPC codes; an unknown-kind error must never come through here. */
function definiteFailure(e: HisError): OpOutcome {
  const code: RpcErrorCode =
    e.code === 'NOT_FOUND' || e.code === 'PRESETTLE_NOT_FOUND'
      ? 'NOT_FOUND'
      : e.code === 'BILL_NOT_PAYABLE'
        ? 'NOT_PAYABLE'
        : e.code === 'PRESETTLE_EXPIRED'
          ? 'PRESETTLE_EXPIRED'
          : e.code === 'AMOUNT_MISMATCH'
            ? 'AMOUNT_MISMATCH'
            : 'HIS_REJECTED';
  return failed(code, e.message);
}

/** Read-only and pre-settle calls: nothing is paid yet, so an unknown outcome is just "try again". */
async function asking<T>(call: () => Promise<T>, then: (value: T) => OpOutcome): Promise<OpOutcome> {
  try {
    return then(await call());
  } catch (e) {
    if (!isHisError(e)) throw e;
    return e.kind === 'definite' ? definiteFailure(e) : failed('HIS_UNAVAILABLE', e.message);
  }
}

export const operations = {
  'patient.identify': (ctx: OpContext, args: OpArgs<'patient.identify'>) =>
    asking(
      () => ctx.his.identifyPatient(args),
      (p): OpOutcome => ok({ patientId: p.patientId, nameMasked: maskName(p.name) } satisfies IdentifyResult),
    ),

  'bill.list': (ctx: OpContext, args: OpArgs<'bill.list'>) =>
    asking(() => ctx.his.listBills(args), (r): OpOutcome => ok({ bills: r.bills } satisfies BillListResult)),

  'bill.preSettle': async (ctx: OpContext, args: OpArgs<'bill.preSettle'>) => {
    const txnId = ctx.txnId!;
    ctx.ledger.createTxn(ctx.kid, txnId, 'bill.preSettle', 'OPEN', { patientId: args.patientId });
    return asking(
      () => ctx.his.preSettle({ ...args, tradeNo: txnId }),
      (r): OpOutcome => {
        ctx.ledger.updateTxn(ctx.kid, txnId, { preSettleId: r.preSettleId, amountFen: r.selfFen });
        return ok(r satisfies PreSettleResult);
      },
    );
  },

  'bill.pay': (ctx: OpContext, args: OpArgs<'bill.pay'>) => settleBill(ctx, args),

  'txn.query': (ctx: OpContext, args: OpArgs<'txn.query'>) => queryTxn(ctx, args.txnId),
};

/**
 * The settlement saga (DESIGN.md §1, §6). The payment is in the ledger before the HIS is called.
 * HIS says no → order the kiosk to reverse the card sale. No answer → ask the HIS by trade number
 * until it is definite or the caller's deadline passes; then PENDING, for a cashier.
 */
async function settleBill(ctx: OpContext, args: OpArgs<'bill.pay'>): Promise<OpOutcome> {
  const { kid } = ctx;
  const txnId = ctx.txnId!;
  const txn = ctx.ledger.txn(kid, txnId);
  if (!txn || txn.preSettleId !== args.preSettleId) return failed('NOT_FOUND', `no pre-settlement ${args.preSettleId} in transaction ${txnId}`);
  const p = args.payment;
  ctx.ledger.updateTxn(kid, txnId, {
    state: 'PAYING', method: p.method, amountFen: p.amountFen, rrn: p.rrn, trace: p.trace, batch: p.batch,
    authCode: p.authCode, panMasked: p.panMasked, tid: p.tid, mid: p.mid, settleDate: p.settleDate,
  });
  try {
    const settled = await ctx.his.settle({ preSettleId: args.preSettleId, tradeNo: txnId, payment: p });
    return settledOutcome(ctx, settled.hisReceiptNo, settled.settledAt);
  } catch (e) {
    if (!isHisError(e)) throw e;
    if (e.kind === 'definite') return compensate(ctx, e);
    ctx.log('HIS settle outcome unknown; querying by trade number', { kid, txnId, code: e.code });
  }
  return resolveUnknown(ctx, txnId);
}

function settledOutcome(ctx: OpContext, hisReceiptNo: string, settledAt: string): OpOutcome {
  ctx.ledger.updateTxn(ctx.kid, ctx.txnId!, { state: 'SETTLED', hisReceiptNo });
  return ok({ hisReceiptNo, settledAt } satisfies PayResult);
}

function compensate(ctx: OpContext, e: HisError): OpOutcome {
  ctx.ledger.updateTxn(ctx.kid, ctx.txnId!, { state: 'COMPENSATING', reason: e.code });
  const refused = definiteFailure(e);
  return { ...refused, data: { compensate: 'reverse' } };
}

/** Query schedule: quick at first, then every second, never past the caller's deadline. */
const queryDelays = [100, 250, 500, 1000];

async function resolveUnknown(ctx: OpContext, txnId: string): Promise<OpOutcome> {
  for (let attempt = 0; ; attempt += 1) {
    const delay = queryDelays[Math.min(attempt, queryDelays.length - 1)]!;
    if (Date.now() + delay >= ctx.deadline) break;
    await ctx.sleep(delay);
    try {
      const trade = await ctx.his.queryTrade({ tradeNo: txnId });
      if (trade.state === 'settled') return settledOutcome(ctx, trade.hisReceiptNo, new Date().toISOString());
      // The HIS has no record of the trade: the settle definitely did not happen.
      ctx.ledger.updateTxn(ctx.kid, txnId, { state: 'COMPENSATING', reason: 'HIS has no record of the trade' });
      return failed('HIS_REJECTED', 'the HIS did not settle the bill', { compensate: 'reverse' });
    } catch (e) {
      if (!isHisError(e)) throw e;
    }
  }
  ctx.ledger.updateTxn(ctx.kid, txnId, { state: 'PENDING', reason: 'HIS outcome unknown at deadline' });
  return { status: 'PENDING', code: 'HIS_UNAVAILABLE', message: 'the HIS outcome is not known yet; a cashier will settle it', data: { state: 'PENDING' } };
}

/** What the kiosk is told about a transaction; an unseen one is recorded ABANDONED (DESIGN.md §5). */
async function queryTxn(ctx: OpContext, txnId: string): Promise<OpOutcome> {
  let txn = ctx.ledger.txn(ctx.kid, txnId);
  if (!txn) {
    ctx.ledger.createTxn(ctx.kid, txnId, 'unknown', 'ABANDONED', { reason: 'queried before central saw it' });
    return ok({ state: 'ABANDONED' } satisfies TxnQueryResult);
  }
  if (txn.state === 'PAYING' || txn.state === 'PENDING') txn = await recheckWithHis(ctx, txn);
  // Still PAYING: the HIS outcome is not known, and "OPEN" would read as "nothing was paid".
  if (txn.state === 'PAYING') return { status: 'UNKNOWN', code: 'HIS_UNAVAILABLE', message: 'the HIS outcome is not known yet; ask again', data: publicView(txn) };
  return ok(publicView(txn));
}

/**
 * A settle call may still be running (in this worker or another) while it is younger than this:
 * the HIS's "no such trade" proves nothing until the call has had time to end.
 */
const settleCallWindowMs = 60_000;

/** A saga left PAYING by a crash, or PENDING, is settled by asking the HIS what it believes. */
async function recheckWithHis(ctx: OpContext, txn: LedgerTxn): Promise<LedgerTxn> {
  try {
    const trade = await ctx.his.queryTrade({ tradeNo: txn.txnId });
    // A PENDING slip is already in the patient's hand: only a settlement changes it; a refund is
    // the cashier's, through reconciliation.
    if (txn.state === 'PENDING' && trade.state !== 'settled') return txn;
    if (txn.state === 'PAYING' && trade.state !== 'settled' && Date.now() - txn.updatedAt < settleCallWindowMs) return txn;
    const next: Partial<LedgerTxn> =
      trade.state === 'settled'
        ? { state: 'SETTLED', hisReceiptNo: trade.hisReceiptNo }
        : { state: 'COMPENSATING', reason: 'HIS has no record of the trade' };
    ctx.ledger.updateTxn(ctx.kid, txn.txnId, next, ['PAYING', 'PENDING']);
    return ctx.ledger.txn(ctx.kid, txn.txnId)!;
  } catch (e) {
    if (!isHisError(e)) throw e;
    return txn;
  }
}

const publicStates: Record<LedgerState, TxnQueryResult['state']> = {
  OPEN: 'OPEN',
  PAYING: 'OPEN',
  SETTLED: 'SETTLED',
  COMPENSATING: 'OPEN',
  COMPENSATED: 'COMPENSATED',
  PENDING: 'PENDING',
  ABANDONED: 'ABANDONED',
};

export function publicView(txn: LedgerTxn): TxnQueryResult {
  return {
    state: publicStates[txn.state],
    ...(txn.state === 'COMPENSATING' ? { compensate: 'reverse' as const } : {}),
    ...(txn.hisReceiptNo ? { hisReceiptNo: txn.hisReceiptNo } : {}),
  };
}

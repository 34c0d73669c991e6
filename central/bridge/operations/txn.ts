import type { OpArgs, TxnQueryResult } from '../../../contract/rpc.ts';
import { isHisError } from '../../his/port.ts';
import { leaseFrom, ok, type OpContext, type OpOutcome } from '../context.ts';
import type { LedgerTxn } from '../ledger.ts';
import { driveSaga } from '../saga/drive.ts';
import { publicView } from '../views.ts';

export const txnOps = {
  /**
   * What the kiosk is told about a transaction. One never seen is recorded ABANDONED, so a late
   * request is refused (DESIGN.md §5). While the HIS outcome is not known the answer is UNKNOWN,
   * never a plain OPEN that a kiosk could read as "nothing was paid".
   */
  'txn.query': async (ctx: OpContext, args: OpArgs<'txn.query'>): Promise<OpOutcome> => {
    let txn = ctx.ledger.txn(ctx.kid, args.txnId);
    if (!txn) {
      ctx.ledger.createTxn(ctx.kid, args.txnId, 'unknown', 'ABANDONED', { reason: 'queried before central saw it' });
      return ok({ state: 'ABANDONED' } satisfies TxnQueryResult);
    }
    txn = await recheck({ ...ctx, txnId: args.txnId }, txn);
    const view = publicView(ctx.ledger, txn);
    if (txn.state === 'PAYING') return { status: 'UNKNOWN', code: 'HIS_UNAVAILABLE', message: 'the HIS outcome is not known yet; ask again', data: view };
    return ok(view);
  },
};

/**
 * A saga whose worker is gone gets one pass now rather than at the resolver's next sweep; a live
 * worker's saga is left alone. A PENDING payment is settled only if the HIS has it.
 */
async function recheck(ctx: OpContext, txn: LedgerTxn): Promise<LedgerTxn> {
  const txnId = txn.txnId;
  const now = ctx.now();
  // Only a HIS question is quick enough to ask inside a request; other steps are the resolver's.
  if (txn.step === 'his' && ctx.ledger.takeOver(ctx.kid, txnId, ctx.worker, now, leaseFrom(ctx))) await driveSaga(ctx);
  if (txn.state === 'PENDING' && !txn.step && txn.hisCall) {
    try {
      if ((await ctx.his.queryTrade({ tradeNo: txnId })).state === 'settled') {
        const claimed = ctx.ledger.updateTxn(ctx.kid, txnId, { step: 'his', stepAt: now, owner: ctx.worker, leaseUntil: leaseFrom(ctx) }, { state: ['PENDING'], step: [null] });
        if (claimed) await driveSaga(ctx);
        // Not settled after all (the replay failed): it stays the cashier's.
        ctx.ledger.updateTxn(ctx.kid, txnId, { step: null }, { state: ['PENDING'], step: ['his'] });
      }
    } catch (e) {
      if (!isHisError(e)) throw e;
    }
  }
  return ctx.ledger.txn(ctx.kid, txnId)!;
}

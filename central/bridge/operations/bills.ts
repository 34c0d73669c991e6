import type { BillListResult, OpArgs, PreSettleResult } from '../../../contract/rpc.ts';
import { asking, failed, ok, txnIdOf, type OpContext } from '../context.ts';
import { presettleWithInsurance } from '../saga/insurance.ts';
import { runMoneySaga } from '../saga/money.ts';

export const billOps = {
  'bill.list': (ctx: OpContext, args: OpArgs<'bill.list'>) => asking(() => ctx.his.listBills(args), (r) => ok(r satisfies BillListResult)),

  /**
   * Opens the bill saga; no money moves. With an insurance credential the bridge splits the bill
   * with the national platform (1101 … 2206), and selfFen is what the patient still pays.
   */
  'bill.preSettle': (ctx: OpContext, args: OpArgs<'bill.preSettle'>) => {
    const txnId = txnIdOf(ctx);
    ctx.ledger.createTxn(ctx.kid, txnId, 'bill.preSettle', 'OPEN', { patientId: args.patientId });
    return asking(
      () => ctx.his.preSettle({ patientId: args.patientId, billNos: args.billNos, tradeNo: txnId }),
      async (pre) => {
        ctx.ledger.updateTxn(ctx.kid, txnId, { preSettleId: pre.preSettleId, dueFen: pre.selfFen });
        if (!args.insurance) return ok(pre satisfies PreSettleResult);
        const credential = args.insurance;
        return asking(
          () => ctx.his.listBills({ patientId: args.patientId }),
          async ({ bills }) => {
            const split = await presettleWithInsurance(ctx, credential, bills.filter((b) => args.billNos.includes(b.billNo)), pre.totalFen);
            if ('status' in split) return split;
            return ok({ ...pre, ...split } satisfies PreSettleResult);
          },
        );
      },
    );
  },

  'bill.pay': (ctx: OpContext, args: OpArgs<'bill.pay'>) => {
    const txnId = txnIdOf(ctx);
    const txn = ctx.ledger.txn(ctx.kid, txnId);
    if (!txn || txn.preSettleId !== args.preSettleId) return Promise.resolve(failed('NOT_FOUND', `no pre-settlement ${args.preSettleId} in transaction ${txnId}`));
    return runMoneySaga(ctx, 'bill.pay', { fn: 'settle', request: { preSettleId: args.preSettleId, payment: args.payment } }, args.payment);
  },
};

import type { DischargeCheckResult, DischargePreSettleResult, InpatientInfoResult, OpArgs } from '../../../contract/rpc.ts';
import { asking, failed, ok, txnIdOf, type OpContext } from '../context.ts';
import { runMoneySaga } from '../saga/money.ts';

export const inpatientOps = {
  'inpatient.info': (ctx: OpContext, args: OpArgs<'inpatient.info'>) =>
    asking(
      () => ctx.his.inpatientInfo(args.admissionNo !== undefined ? { admissionNo: args.admissionNo } : { patientId: args.patientId! }),
      (r) => ok(r satisfies InpatientInfoResult),
    ),

  'inpatient.deposit': (ctx: OpContext, args: OpArgs<'inpatient.deposit'>) => runMoneySaga(ctx, 'inpatient.deposit', { fn: 'payDeposit', request: args }, args.payment),

  'discharge.check': (ctx: OpContext, args: OpArgs<'discharge.check'>) => asking(() => ctx.his.dischargeCheck(args), (r) => ok(r satisfies DischargeCheckResult)),

  /** Opens the discharge saga; the HIS settles the stay's insurance itself (its 2303/2304), so its figures are final here. */
  'discharge.preSettle': (ctx: OpContext, args: OpArgs<'discharge.preSettle'>) => {
    const txnId = txnIdOf(ctx);
    ctx.ledger.createTxn(ctx.kid, txnId, 'discharge.preSettle', 'OPEN');
    return asking(
      () => ctx.his.dischargePreSettle({ admissionNo: args.admissionNo, tradeNo: txnId }),
      (pre) => {
        ctx.ledger.updateTxn(ctx.kid, txnId, { preSettleId: pre.preSettleId, dueFen: pre.dueFen });
        return ok(pre satisfies DischargePreSettleResult);
      },
    );
  },

  /** Pays what is due, or nothing; a surplus deposit goes back the way each deposit came in. */
  'discharge.settle': (ctx: OpContext, args: OpArgs<'discharge.settle'>) => {
    const txnId = txnIdOf(ctx);
    const txn = ctx.ledger.txn(ctx.kid, txnId);
    if (!txn || txn.preSettleId !== args.preSettleId) return Promise.resolve(failed('NOT_FOUND', `no discharge pre-settlement ${args.preSettleId} in transaction ${txnId}`));
    return runMoneySaga(ctx, 'discharge.settle', { fn: 'dischargeSettle', request: args }, args.payment);
  },
};

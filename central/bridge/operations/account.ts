import type { BalanceResult, OpArgs } from '../../../contract/rpc.ts';
import type { AccountBalance } from '../../his/port.ts';
import { asking, failed, ok, type OpContext, type OpOutcome } from '../context.ts';
import { runMoneySaga } from '../saga/money.ts';

/**
 * The prepaid patient account exists only where the hospital still runs one (DESIGN.md §1). Where
 * it is off, a legacy balance can still be seen and refunded; an empty one is NOT_OFFERED, and a
 * recharge is refused by the HIS itself (NOT_OFFERED).
 */
function offered(b: AccountBalance): boolean {
  return b.rechargeOffered || b.balanceFen > 0;
}

const notOffered = (): OpOutcome => failed('NOT_OFFERED', 'this hospital runs no prepaid account, and this patient holds no balance');

export const accountOps = {
  'account.balance': (ctx: OpContext, args: OpArgs<'account.balance'>) =>
    asking(
      () => ctx.his.accountBalance(args),
      (b) => (offered(b) ? ok({ balanceFen: b.balanceFen, rechargeOffered: b.rechargeOffered } satisfies BalanceResult) : notOffered()),
    ),

  'account.recharge': (ctx: OpContext, args: OpArgs<'account.recharge'>) => runMoneySaga(ctx, 'account.recharge', { fn: 'recharge', request: args }, args.payment),

  /** The whole balance, as shown to the patient; it goes back as a voucher for the cashier (no channel of ours took it in). */
  'account.refund': (ctx: OpContext, args: OpArgs<'account.refund'>) =>
    asking(
      () => ctx.his.accountBalance({ patientId: args.patientId }),
      (b) => (offered(b) ? runMoneySaga(ctx, 'account.refund', { fn: 'refundBalance', request: args }) : notOffered()),
    ),
};

import { fromPromise } from 'xstate';
import { formatYuan } from '../../contract/money.ts';
import type { BalanceRefundResult, BalanceResult } from '../../contract/rpc.ts';
import type { ReceiptDocument } from '../../drivers/printer/encoder.ts';
import { prepaidMachine, type AccountLookup, type BalanceRefundOutcome } from '../../machines/prepaid.ts';
import type { FlowDeps } from '../flows.ts';
import { refusedWith } from '../link.ts';

/** Receipt and slip titles: what the patient takes to a cashier, in the hospital's words. */
const rechargeTitle = '门诊预交金充值凭证';
const refundTitle = '门诊预交金退费凭条';

/**
 * Asks central for the patient's account. NOT_OFFERED is an answer, not a failure: the hospital
 * runs no prepaid account and this patient holds nothing, which the screen says plainly.
 */
async function lookUpAccount(d: FlowDeps, patientId: string): Promise<AccountLookup> {
  try {
    const account = await d.ask<BalanceResult>('account.balance', { patientId });
    return { offered: true, balanceFen: account.balanceFen, rechargeOffered: account.rechargeOffered };
  } catch (e) {
    if (refusedWith(e, 'NOT_OFFERED')) return { offered: false };
    throw e;
  }
}

/** The recharge transaction and what central will be asked once the money is in, both journaled first. */
function openRecharge(d: FlowDeps, input: { patientId: string; nameMasked: string; amountFen: number }): { txnId: string } {
  const txnId = d.steps.open({ open: 'account.recharge', nameMasked: input.nameMasked, title: rechargeTitle, bills: [{ billNo: '充值', department: '门诊预交金', amountFen: input.amountFen }], totalFen: input.amountFen });
  d.steps.plan(txnId, { op: 'account.recharge', args: { patientId: input.patientId } }, input.amountFen);
  return { txnId };
}

/**
 * The whole balance back: central decides how each sum returns (a card top-up to its card, the
 * rest at a counter), the refund steps give it back and print the slip. An outcome central could
 * not confirm gets a slip with the transaction id, so the counter can find it.
 */
async function refundBalance(d: FlowDeps, input: { patientId: string; nameMasked: string; amountFen: number }): Promise<BalanceRefundOutcome> {
  const txnId = d.steps.open({ open: 'account.refund', nameMasked: input.nameMasked, title: refundTitle, bills: [], totalFen: 0 });
  const outcome = await d.refunds.trade<BalanceRefundResult>(txnId, 'account.refund', { patientId: input.patientId, amountFen: input.amountFen });
  if (outcome.state === 'refused') return { state: 'refused', reason: outcome.message };
  if (outcome.state === 'pending') {
    const printed = await d.steps.print(pendingSlip(d, txnId, input));
    d.journal.record({ type: 'slip.printed', txnId, data: { kind: 'refundPending', printed } });
    return { state: 'pending', reason: outcome.reason };
  }
  const given = await d.refunds.giveBack(txnId, outcome.data.refunds, { title: refundTitle, nameMasked: input.nameMasked });
  return { state: 'done', given };
}

function pendingSlip(d: FlowDeps, txnId: string, input: { nameMasked: string; amountFen: number }): ReceiptDocument {
  return [
    { text: d.config.site.hospital, align: 'center', bold: true, size: 2 },
    { text: '门诊预交金退费待确认', align: 'center', bold: true },
    { rule: '-' },
    { row: ['患者', input.nameMasked] },
    { row: ['终端', d.config.kioskId] },
    { rule: '-' },
    { text: '退费结果暂时无法确认, 余额不会丢失.' },
    { text: '请凭此单到人工窗口查询.' },
    { row: ['申请退费(元)', formatYuan(input.amountFen)], bold: true },
    { row: ['交易号', txnId] },
    { qr: txnId },
  ];
}

export function providePrepaid(d: FlowDeps) {
  return prepaidMachine.provide({
    actors: {
      loadAccount: fromPromise(({ input }) => lookUpAccount(d, input.patientId)),
      openRecharge: fromPromise(async ({ input }) => openRecharge(d, input)),
      refundBalance: fromPromise(({ input }) => refundBalance(d, input)),
      payment: d.payment,
    },
  });
}

import { fromPromise } from 'xstate';
import { formatYuan } from '../../contract/money.ts';
import type { DischargeCheckResult, DischargePreSettleResult, DischargeSettleResult, InpatientInfoResult } from '../../contract/rpc.ts';
import type { ReceiptDocument } from '../../drivers/printer/encoder.ts';
import { dischargeMachine, type RefundSettlement } from '../../machines/discharge.ts';
import type { FlowDeps } from '../flows.ts';
import { admissionOf, placeOf } from './deposit.ts';

/**
 * The discharge's transaction is opened before central pre-settles under it. When something is
 * due the plan is journaled at once, as for a bill, so the payment machine and recovery settle the
 * same pre-settlement; when nothing is due the trade goes through the refund steps instead.
 */
async function preSettle(d: FlowDeps, input: { admission: InpatientInfoResult; nameMasked: string }): Promise<{ txnId: string; preSettle: DischargePreSettleResult }> {
  const txnId = d.steps.open({ open: 'discharge.settle', nameMasked: input.nameMasked, title: '出院结算凭证', bills: [], totalFen: 0 });
  const pre = await d.steps.prepare<DischargePreSettleResult>(txnId, 'discharge.preSettle', { admissionNo: input.admission.admissionNo });
  if (pre.dueFen > 0) d.steps.plan(txnId, { op: 'discharge.settle', args: { preSettleId: pre.preSettleId } }, pre.dueFen);
  return { txnId, preSettle: pre };
}

/**
 * The deposits cover the stay: central settles it, the settlement slip (invoice number, figures)
 * comes out, then each surplus part goes back the way it came and the refund slip says where.
 */
async function settleRefunding(d: FlowDeps, input: { txnId: string; preSettleId: string; nameMasked: string; admission: InpatientInfoResult }): Promise<RefundSettlement> {
  const { txnId, nameMasked } = input;
  const outcome = await d.refunds.trade<DischargeSettleResult>(txnId, 'discharge.settle', { preSettleId: input.preSettleId });
  const site = { hospital: d.config.site.hospital, kioskId: d.config.kioskId, txnId, nameMasked };
  if (outcome.state === 'refused') return { state: 'refused', reason: outcome.message };
  if (outcome.state === 'pending') {
    await d.steps.print(pendingSlip(site));
    return { state: 'pending', reason: outcome.reason };
  }
  const result = outcome.data;
  await d.steps.print(settlementSlip(site, input.admission, result));
  const refunds = await d.refunds.giveBack(txnId, result.refunds ?? [], { title: '出院结算 预交金退款凭条', nameMasked });
  return { state: 'done', result, refunds };
}

export function provideDischarge(d: FlowDeps) {
  return dischargeMachine.provide({
    actors: {
      admission: fromPromise(({ input }) => admissionOf(d, input.patientId)),
      check: fromPromise(({ input }) => d.ask<DischargeCheckResult>('discharge.check', { admissionNo: input.admissionNo })),
      preSettle: fromPromise(({ input }) => preSettle(d, input)),
      release: fromPromise(({ input }) => d.steps.resolveNothingCollected(input.txnId)),
      settleRefunding: fromPromise(({ input }) => settleRefunding(d, input)),
      payment: d.payment,
    },
  });
}

interface SlipSite {
  hospital: string;
  kioskId: string;
  txnId: string;
  nameMasked: string;
}

function slipHeader(s: SlipSite, title: string): ReceiptDocument {
  return [
    { text: s.hospital, align: 'center', bold: true, size: 2 },
    { text: title, align: 'center', bold: true },
    { rule: '-' },
    { row: ['患者', s.nameMasked] },
    { row: ['时间', new Date().toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })] },
    { row: ['终端', s.kioskId] },
    { rule: '-' },
  ];
}

/** The settled stay: what the patient keeps as proof of discharge, with the electronic invoice's number. */
function settlementSlip(s: SlipSite, a: InpatientInfoResult, r: DischargeSettleResult): ReceiptDocument {
  return [
    ...slipHeader(s, '出院结算凭证'),
    { row: ['住院号', r.admissionNo] },
    { row: ['科室病区', placeOf(a)] },
    { row: ['电子票据号', r.invoiceNo] },
    { row: ['HIS收据号', r.hisReceiptNo] },
    { rule: '-' },
    { row: ['医疗费用合计(元)', formatYuan(r.totalFen)] },
    { row: ['医保统筹支付(元)', formatYuan(r.fundFen)] },
    { row: ['个人账户支付(元)', formatYuan(r.acctFen)] },
    { row: ['个人自付(元)', formatYuan(r.selfFen)] },
    { row: ['预交金合计(元)', formatYuan(r.depositFen)] },
    { row: ['退还预交金(元)', formatYuan(r.refundFen)], bold: true },
    { rule: '-' },
    { row: ['交易号', s.txnId] },
    { qr: s.txnId },
    { text: '退款去向见预交金退款凭条', align: 'center' },
  ];
}

/** Central could not confirm the settlement in time: the transaction is PENDING and a cashier finishes it. */
function pendingSlip(s: SlipSite): ReceiptDocument {
  return [
    ...slipHeader(s, '出院结算结果待确认'),
    { text: '医院系统暂时无法确认结算结果.' },
    { text: '请勿重复办理, 凭此单到人工窗口核实.' },
    { text: '预交金退款不会丢失.' },
    { rule: '-' },
    { row: ['交易号', s.txnId] },
    { qr: s.txnId },
    { text: '如有疑问请联系人工窗口', align: 'center' },
  ];
}

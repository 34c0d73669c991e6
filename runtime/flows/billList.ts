import { fromPromise } from 'xstate';
import { formatYuan } from '../../contract/money.ts';
import type { BillHistoryResult, InpatientCostsResult, PaidBill, PaymentMethod } from '../../contract/rpc.ts';
import type { ReceiptDocument } from '../../drivers/printer/encoder.ts';
import { billListMachine, type BillListing, type BillListKind, type PrintOutcome, type StayRef } from '../../machines/billList.ts';
import type { FlowDeps } from '../flows.ts';
import { admissionOf } from './deposit.ts';

/** The hospital's business day (Asia/Shanghai, DESIGN.md §1), `offsetDays` from today: the HIS dates payments by it. */
export function businessDay(offsetDays = 0, now = Date.now()): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);
  return new Date(Date.parse(`${today}T00:00:00Z`) + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** The last `days` days, today included, as `bill.history` takes them. */
export function lastDays(days: number): { from: string; to: string } {
  return { from: businessDay(-(days - 1)), to: businessDay(0) };
}

export const methodNames: Record<PaymentMethod, string> = { card: '银行卡', qr: '扫码支付', cash: '现金', insurance: '医保' };

const time = (at: Date) => at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

interface ListFacts {
  hospital: string;
  kioskId: string;
  nameMasked: string;
  at: Date;
}

function header(f: ListFacts, title: string, rows: [string, string][]): ReceiptDocument {
  return [
    { text: f.hospital, align: 'center', bold: true, size: 2 },
    { text: title, align: 'center', bold: true },
    { rule: '-' },
    { row: ['患者', f.nameMasked] },
    ...rows.map((row) => ({ row })),
    { row: ['打印时间', time(f.at)] },
    { row: ['终端', f.kioskId] },
    { rule: '-' },
  ];
}

function paidBillLines(b: PaidBill): ReceiptDocument {
  return [
    { row: [`${b.paidAt.slice(0, 10)} ${b.department} ${b.doctor}`, formatYuan(b.amountFen)], bold: true },
    { row: [`  单据号 ${b.billNo}`, methodNames[b.method]] },
    { row: ['  收据号', b.hisReceiptNo] },
    ...b.items.map((i) => ({ row: [`  ${i.name} x${i.qty}`, formatYuan(i.amountFen)] as [string, string] })),
  ];
}

/** 门诊费用清单: each paid bill with its receipt number, how it was paid and its items; then the total. */
export function outpatientList(f: ListFacts, h: BillHistoryResult): ReceiptDocument {
  return [
    ...header(f, '门诊费用清单', [['缴费日期', `${h.from} 至 ${h.to}`]]),
    ...h.bills.flatMap(paidBillLines),
    { rule: '-' },
    { row: [`共 ${h.bills.length} 张单据`, ''] },
    { row: ['合计(元)', formatYuan(h.totalFen)], bold: true },
    { text: '本清单仅供核对, 不作报销凭证', align: 'center' },
  ];
}

/** 住院费用清单: the stay's lines day by day with each day's total, the totals by category, and the whole. */
export function inpatientList(f: ListFacts, c: InpatientCostsResult): ReceiptDocument {
  return [
    ...header(f, '住院费用清单', [
      ['住院号', c.admissionNo],
      ['科室', `${c.deptName} ${c.ward} ${c.bed}床`],
      ['入院时间', c.admittedAt.slice(0, 10)],
      ['状态', c.state === 'inHospital' ? '在院' : '已出院'],
    ]),
    ...c.byDay.flatMap((day) => [
      { text: day.date, bold: true },
      ...c.items.filter((i) => i.date === day.date).map((i) => ({ row: [`  ${i.name} ${i.qty}${i.unit}`, formatYuan(i.amountFen)] as [string, string] })),
      { row: ['  当日小计', formatYuan(day.amountFen)] as [string, string] },
    ]),
    { rule: '-' },
    { text: '分类汇总', bold: true },
    ...c.byCategory.map((k) => ({ row: [`  ${k.category}`, formatYuan(k.amountFen)] as [string, string] })),
    { rule: '-' },
    { row: ['费用合计(元)', formatYuan(c.totalFen)], bold: true },
    { text: '本清单仅供核对, 以出院结算为准', align: 'center' },
  ];
}

async function loadList(d: FlowDeps, patientId: string, chosen: BillListKind): Promise<BillListing> {
  if (chosen.kind === 'inpatient') return { kind: 'inpatient', ...(await d.ask<InpatientCostsResult>('inpatient.costs', { admissionNo: chosen.admissionNo })) };
  return { kind: 'outpatient', ...(await d.ask<BillHistoryResult>('bill.history', { patientId, ...lastDays(chosen.days) })) };
}

/** What the journal keeps of a list: which list and how much, nothing personal. */
function summary(listing: BillListing): Record<string, unknown> {
  return listing.kind === 'outpatient'
    ? { kind: 'outpatient', from: listing.from, to: listing.to, bills: listing.bills.length, totalFen: listing.totalFen }
    : { kind: 'inpatient', admissionNo: listing.admissionNo, lines: listing.items.length, totalFen: listing.totalFen };
}

/** A slip is a physical item (DESIGN.md §4): journaled before the printer is told, and its outcome after. */
async function printList(d: FlowDeps, input: { nameMasked: string; listing: BillListing }): Promise<PrintOutcome> {
  const { listing } = input;
  const facts: ListFacts = { hospital: d.config.site.hospital, kioskId: d.config.kioskId, nameMasked: input.nameMasked, at: new Date() };
  d.journal.record({ type: 'billList.print.intent', data: summary(listing) });
  const printed = await d.steps.print(listing.kind === 'outpatient' ? outpatientList(facts, listing) : inpatientList(facts, listing));
  d.journal.record({ type: 'billList.printed', data: { ...summary(listing), printed } });
  return { printed };
}

export function provideBillList(d: FlowDeps) {
  return billListMachine.provide({
    actors: {
      findStay: fromPromise(async ({ input }): Promise<StayRef | null> => {
        const stay = await admissionOf(d, input.patientId);
        return stay && { admissionNo: stay.admissionNo, deptName: stay.deptName, admittedAt: stay.admittedAt };
      }),
      loadList: fromPromise(({ input }) => loadList(d, input.patientId, input.chosen)),
      printList: fromPromise(({ input }) => printList(d, input)),
    },
  });
}

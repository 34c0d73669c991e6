import { formatYuan } from '../contract/money.ts';
import type { OpName, PayResult, RegisterResult } from '../contract/rpc.ts';
import type { ReceiptDocument } from '../drivers/printer/encoder.ts';
import type { CashboxCount } from '../machines/maintenance.ts';
import type { CardSale } from '../machines/types.ts';

/** Receipt and slip layouts. Only masked personal data is printed (DESIGN.md §1). */
export interface ReceiptBill {
  billNo: string;
  department: string;
  amountFen: number;
  items?: { name: string; qty: number; amountFen: number }[];
}

export interface PaymentFacts {
  hospital: string;
  kioskId: string;
  txnId: string;
  nameMasked: string;
  /** The receipt's title for what was paid; outpatient bills when absent. */
  title?: string;
  bills: ReceiptBill[];
  amountFen: number;
  sale?: CardSale;
  cash?: { insertedFen: number; changeFen: number };
  qr?: { channel: 'wechat' | 'alipay'; channelTradeNo: string };
  hisReceiptNo?: string;
  /** What the settled op told the patient beyond the payment: where to go, a queue number, a balance. */
  notes?: string[];
  at: Date;
  reprint?: boolean;
}

const time = (d: Date) => d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

function header(f: PaymentFacts, title: string): ReceiptDocument {
  return [
    { text: f.hospital, align: 'center', bold: true, size: 2 },
    { text: title, align: 'center', bold: true },
    ...(f.reprint ? [{ text: '(补打)', align: 'center' as const }] : []),
    { rule: '-' },
    { row: ['患者', f.nameMasked] },
    { row: ['时间', time(f.at)] },
    { row: ['终端', f.kioskId] },
    { rule: '-' },
  ];
}

function billLines(f: PaymentFacts): ReceiptDocument {
  return f.bills.flatMap((b) => [
    { row: [`${b.department} ${b.billNo}`, formatYuan(b.amountFen)] as [string, string], bold: true },
    ...(b.items ?? []).map((i) => ({ row: [`  ${i.name} x${i.qty}`, formatYuan(i.amountFen)] as [string, string] })),
  ]);
}

function cardLines(sale: CardSale | undefined): ReceiptDocument {
  if (!sale) return [];
  return [
    { row: ['银行卡', sale.panMasked] },
    { row: ['参考号', sale.rrn] },
    { row: ['凭证号', sale.trace] },
    { row: ['授权码', sale.authCode || '-'] },
  ];
}

/**
 * The lines a settled money op adds to its receipt, from the op's answer. Only what the patient
 * needs next (queue number, room, time, balance); nothing personal.
 */
export function settledNotes(op: OpName, result: unknown): string[] {
  const notes = noteWriters[op];
  return notes ? notes(result) : [];
}

const noteWriters: Partial<Record<OpName, (result: unknown) => string[]>> = {
  // 建档发卡 with a card fee (CreatePatientResult): the new patient number, and the card's last 4 digits only.
  'patient.create': (r) => {
    const c = r as Partial<import('../contract/rpc.ts').CreatePatientResult>;
    return c.patientId && c.cardNo ? [`病人ID: ${c.patientId}`, `就诊卡号: 尾号 ${c.cardNo.slice(-4)}`] : [];
  },
  // The balance after this top-up (RechargeResult), as the HIS holds it.
  'account.recharge': (r) => {
    const balanceFen = (r as Partial<import('../contract/rpc.ts').RechargeResult>).balanceFen;
    return typeof balanceFen === 'number' ? [`充值后余额(元): ${formatYuan(balanceFen)}`] : [];
  },
  'register.confirm': (r) => appointmentNotes((r as RegisterResult).appointment),
  // The checked-in appointment (CheckInResult): the queue number is what the patient came for.
  'appointment.checkin': (r) => appointmentNotes((r as { appointment: RegisterResult['appointment'] }).appointment),
  // The settled split, then where to go next (the dispensing window, the lab) as the HIS assigned it.
  'bill.pay': (r) => [...insuranceNotes((r as PayResult).insurance), ...guideNotes((r as PayResult).guide)],
  // The deposits after this one, and the balance left after the costs so far.
  'inpatient.deposit': (r) => {
    const d = r as import('../contract/rpc.ts').DepositResult;
    return [`预交金合计(元): ${formatYuan(d.depositFen)}`, `预交金余额(元): ${formatYuan(d.balanceFen)}`];
  },
  // A discharge with something due: the settled split and the electronic invoice (a result rebuilt from a receipt number alone has neither).
  'discharge.settle': (r) => {
    const d = r as Partial<import('../contract/rpc.ts').DischargeSettleResult>;
    if (d.invoiceNo === undefined || d.totalFen === undefined) return [];
    const fen = (v: number | undefined) => formatYuan(v ?? 0);
    return [`住院号: ${d.admissionNo}`, `医疗费用合计(元): ${fen(d.totalFen)}`, `医保统筹支付(元): ${fen(d.fundFen)}`, `个人账户支付(元): ${fen(d.acctFen)}`, `个人自付(元): ${fen(d.selfFen)}`, `预交金合计(元): ${fen(d.depositFen)}`, `出院补缴(元): ${fen(d.paidFen)}`, `电子票据号: ${d.invoiceNo}`];
  },
};

/** The settled split (it may differ slightly from the pre-settle's: the settled figure wins). */
function insuranceNotes(split: PayResult['insurance']): string[] {
  if (!split) return [];
  return [`医保统筹支付(元): ${formatYuan(split.fundFen)}`, `个人账户支付(元): ${formatYuan(split.acctFen)}`, `个人自付(元): ${formatYuan(split.selfFen)}`, `医保结算号: ${split.setlId}`];
}

function guideNotes(guide: PayResult['guide']): string[] {
  return (guide ?? []).map((g) => `下一步: ${g.what} - ${g.where}`);
}

function appointmentNotes(a: RegisterResult['appointment']): string[] {
  return [`${a.deptName} ${a.doctorName} ${a.doctorTitle}`, `就诊序号: ${a.seeNo}`, `就诊时间: ${a.date} ${a.visitTime}`, `就诊地点: ${a.location}`];
}

export function paidReceipt(f: PaymentFacts): ReceiptDocument {
  return [
    ...header(f, f.title ?? '门诊缴费凭证'),
    ...billLines(f),
    { rule: '-' },
    { row: ['实付金额(元)', formatYuan(f.amountFen)], bold: true },
    { row: ['HIS收据号', f.hisReceiptNo ?? ''] },
    { row: ['交易号', f.txnId] },
    ...cardLines(f.sale),
    ...cashLines(f.cash),
    ...qrLines(f.qr),
    ...((f.notes ?? []).length ? [{ rule: '-' as const }, ...(f.notes ?? []).map((text) => ({ text, bold: true }))] : []),
    { qr: f.txnId },
    { text: '请妥善保管本凭证', align: 'center' },
  ];
}

function qrLines(qr: PaymentFacts['qr']): ReceiptDocument {
  if (!qr) return [];
  return [{ row: [qr.channel === 'wechat' ? '微信支付' : '支付宝', qr.channelTradeNo] as [string, string] }];
}

function cashLines(cash: PaymentFacts['cash']): ReceiptDocument {
  if (!cash) return [];
  return [
    { row: ['现金投入(元)', formatYuan(cash.insertedFen)] as [string, string] },
    ...(cash.changeFen > 0 ? [{ row: ['找零凭证(元)', formatYuan(cash.changeFen)] as [string, string] }] : []),
  ];
}

const voucherText: Record<'change' | 'refund', { title: string; lines: string[] }> = {
  change: { title: '现金找零凭证', lines: ['本机不找零.', '请凭此凭证到人工窗口领取找零.'] },
  refund: { title: '现金退款凭证', lines: ['您投入的现金未能用于缴费,', '请凭此凭证到人工窗口领取退款.', '账单仍未缴,可重新缴费.'] },
};

/**
 * Cash the kiosk owes back: change over the amount due, or all of it when nothing was applied.
 * The transaction number in the QR lets a cashier find it in the journal and pay it once.
 */
export function cashVoucher(f: PaymentFacts, kind: 'change' | 'refund'): ReceiptDocument {
  const t = voucherText[kind];
  return [
    ...header(f, t.title),
    ...t.lines.map((text) => ({ text })),
    { rule: '-' },
    { row: ['应退金额(元)', formatYuan(f.amountFen)], bold: true, size: 2 },
    { row: ['交易号', f.txnId] },
    { qr: f.txnId },
    { text: '凭证仅限一次有效', align: 'center' },
  ];
}

export type SlipKind = 'refunded' | 'pending' | 'notCharged';

const slipTitle: Record<SlipKind, string> = {
  refunded: '缴费未成功 款项已退回',
  pending: '缴费结果待确认',
  notCharged: '缴费未完成 未扣款',
};

const slipText: Record<SlipKind, string[]> = {
  refunded: ['医院系统未能完成办理,', '款项已撤销,原路退回.', '费用仍未缴,可重新办理.'],
  pending: ['缴费结果暂时无法确认.', '请勿重复缴费,凭此单到人工窗口', '核实处理,款项不会丢失.'],
  notCharged: ['本次交易没有扣款.', '费用仍未缴,可重新办理.'],
};

export function outcomeSlip(kind: SlipKind, f: PaymentFacts): ReceiptDocument {
  return [
    ...header(f, slipTitle[kind]),
    ...slipText[kind].map((text) => ({ text })),
    { rule: '-' },
    { row: ['金额(元)', formatYuan(f.amountFen)], bold: true },
    { row: ['交易号', f.txnId] },
    ...cardLines(f.sale),
    ...qrLines(f.qr),
    { qr: f.txnId },
    { text: '如有疑问请联系人工窗口', align: 'center' },
  ];
}

/** The slip staff sign when they empty the cash box: the journal's count and their word on it. */
export function clearingSlip(site: { hospital: string; kioskId: string }, staffId: string, count: CashboxCount, matches: boolean): ReceiptDocument {
  return [
    { text: site.hospital, align: 'center', bold: true },
    { text: '钱箱清点单', align: 'center', bold: true, size: 2 },
    { rule: '-' },
    { row: ['终端', site.kioskId] },
    { row: ['时间', time(new Date())] },
    { row: ['操作员', staffId] },
    { rule: '-' },
    ...count.units.map((u) => ({ row: [`${formatYuan(u.denomination)} 元 x ${u.count}`, formatYuan(u.denomination * u.count)] as [string, string] })),
    { rule: '-' },
    { row: ['合计(元)', formatYuan(count.totalFen)], bold: true },
    { row: ['清点结果', matches ? '与记录一致' : '与记录不符, 已上报'] },
    { text: '清点人签字: ____________', align: 'left' },
  ];
}

/** Where each refund went, said plainly: the patient keeps this slip until the money is seen. */
const refundHow: Record<'card' | 'channel' | 'voucher' | 'pending', string> = {
  card: '已退回银行卡',
  channel: '已原路退回',
  voucher: '凭此单到人工窗口领取',
  pending: '退款处理中, 请凭此单到人工窗口查询',
};

export function refundSlip(
  f: { hospital: string; kioskId: string; txnId: string; title: string; nameMasked: string },
  refunds: { method: string; how: keyof typeof refundHow; amount: string }[],
): ReceiptDocument {
  return [
    { text: f.hospital, align: 'center', bold: true, size: 2 },
    { text: f.title, align: 'center', bold: true },
    { rule: '-' },
    { row: ['患者', f.nameMasked] },
    { row: ['时间', time(new Date())] },
    { row: ['终端', f.kioskId] },
    { rule: '-' },
    ...(refunds.length === 0 ? [{ text: '本次无退款' }] : refunds.flatMap((r) => [{ row: [`退款(元)`, r.amount] as [string, string], bold: true }, { text: refundHow[r.how] }])),
    { rule: '-' },
    { row: ['交易号', f.txnId] },
    { qr: f.txnId },
    { text: '如有疑问请联系人工窗口', align: 'center' },
  ];
}

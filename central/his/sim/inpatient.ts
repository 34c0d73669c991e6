import {
  HisError,
  type Deposit,
  type DepositRefund,
  type DepositRequest,
  type DepositResult,
  type DischargeCheck,
  type DischargePreSettlement,
  type DischargePreSettleRequest,
  type DischargeSettlement,
  type DischargeSettleRequest,
  type InpatientInfo,
  type InpatientQuery,
} from '../port.ts';
import { scaled } from '../../../contract/time-scale.ts';
import { fundShare } from '../seed.ts';
import { write, type SimContext } from './context.ts';
import { nextNumber } from './db.ts';
import { compactDate, shanghaiIso } from './time.ts';
import { assertTradeOpen, nowIso, receiptNo, runTrade } from './trades.ts';
import { assertAmount, assertPayment, assertPositiveFen, assertText, invalid } from './validate.ts';

/** How long a discharge pre-settle holds, as for outpatient bills (production time, held at the time scale). */
export const dischargePreSettleTtlMs = 15 * 60_000;

/** The most one deposit may add at a kiosk. */
export const depositLimitFen = 5_000_000;

interface AdmissionRow {
  admissionNo: string;
  patientId: string;
  deptName: string;
  ward: string;
  bed: string;
  admittedAt: string;
  insured: number;
  dischargeOrdered: number;
  state: InpatientInfo['state'];
}

interface DepositRow {
  depositNo: string;
  amountFen: number;
  method: Deposit['method'];
  paidAt: string;
  tradeNo: string | null;
}

type Figures = Omit<DischargePreSettlement, 'preSettleId' | 'admissionNo' | 'expiresAt'>;

const admissionSelect = `SELECT a.admission_no AS admissionNo, a.patient_id AS patientId, dp.name AS deptName, a.ward, a.bed,
  a.admitted_at AS admittedAt, a.insured, a.discharge_ordered AS dischargeOrdered, a.state
  FROM admissions a JOIN departments dp USING (dept_id)`;

function admission(ctx: SimContext, admissionNo: unknown): AdmissionRow {
  assertText(admissionNo, 'admissionNo');
  const row = ctx.db.prepare<[string], AdmissionRow>(`${admissionSelect} WHERE a.admission_no = ?`).get(admissionNo);
  if (!row) throw new HisError('NOT_FOUND', 'no such admission', { admissionNo });
  return row;
}

/** Newest first: the order in which a surplus is refunded. */
function deposits(ctx: SimContext, admissionNo: string): DepositRow[] {
  return ctx.db
    .prepare<[string], DepositRow>('SELECT deposit_no AS depositNo, amount_fen AS amountFen, method, paid_at AS paidAt, trade_no AS tradeNo FROM deposits WHERE admission_no = ? ORDER BY paid_at DESC, deposit_no DESC')
    .all(admissionNo);
}

function costs(ctx: SimContext, admissionNo: string): { totalFen: number; inScopeFen: number } {
  return ctx.db
    .prepare<[string], { totalFen: number; inScopeFen: number }>('SELECT coalesce(sum(amount_fen), 0) AS totalFen, coalesce(sum(amount_fen * in_scope), 0) AS inScopeFen FROM inpatient_costs WHERE admission_no = ?')
    .get(admissionNo)!;
}

/** The fund pays its share of the in-scope costs, rounded down to the fen; the deposits pay the rest first. */
function figures(ctx: SimContext, row: AdmissionRow): Figures {
  const { totalFen, inScopeFen } = costs(ctx, row.admissionNo);
  const fundFen = row.insured ? Math.floor((inScopeFen * fundShare.numerator) / fundShare.denominator) : 0;
  const selfFen = totalFen - fundFen;
  const depositFen = deposits(ctx, row.admissionNo).reduce((sum, d) => sum + d.amountFen, 0);
  return { totalFen, fundFen, acctFen: 0, selfFen, depositFen, dueFen: Math.max(0, selfFen - depositFen), refundFen: Math.max(0, depositFen - selfFen) };
}

function depositView(d: DepositRow): Deposit {
  return { depositNo: d.depositNo, amountFen: d.amountFen, method: d.method, paidAt: d.paidAt, ...(d.tradeNo !== null ? { tradeNo: d.tradeNo } : {}) };
}

export function inpatientInfo(ctx: SimContext, query: InpatientQuery): InpatientInfo {
  const { patientId, admissionNo } = query as { patientId?: unknown; admissionNo?: unknown };
  if ((patientId === undefined) === (admissionNo === undefined)) throw invalid('patientId', 'or admissionNo, exactly one of them, is required');
  let row: AdmissionRow;
  if (patientId !== undefined) {
    assertText(patientId, 'patientId');
    const latest = ctx.db.prepare<[string], AdmissionRow>(`${admissionSelect} WHERE a.patient_id = ? ORDER BY a.admitted_at DESC LIMIT 1`).get(patientId);
    if (!latest) throw new HisError('NOT_FOUND', 'no admission of this patient', { patientId });
    row = latest;
  } else {
    row = admission(ctx, admissionNo);
  }
  const { totalFen } = costs(ctx, row.admissionNo);
  const paid = deposits(ctx, row.admissionNo);
  const depositFen = paid.reduce((sum, d) => sum + d.amountFen, 0);
  return {
    admissionNo: row.admissionNo, patientId: row.patientId, deptName: row.deptName, ward: row.ward, bed: row.bed, admittedAt: row.admittedAt,
    state: row.state, dischargeOrdered: row.dischargeOrdered === 1, insured: row.insured === 1,
    depositFen, costFen: totalFen, balanceFen: depositFen - totalFen, deposits: paid.map(depositView),
  };
}

export function payDeposit(ctx: SimContext, request: DepositRequest): DepositResult {
  assertText(request.admissionNo, 'admissionNo');
  assertPayment(request.payment);
  const payment = request.payment;
  assertPositiveFen(payment.amountFen, 'payment.amountFen');
  if (payment.amountFen > depositLimitFen) throw invalid('payment.amountFen', `must be at most ${depositLimitFen} fen`);
  return runTrade(ctx, 'payDeposit', request.tradeNo, request, () => {
    const row = admission(ctx, request.admissionNo);
    if (row.state !== 'inHospital') throw new HisError('NOT_ALLOWED', 'the patient has been discharged', { admissionNo: row.admissionNo });
    // The receipt number is the deposit's number, as on the paper 预交金收据.
    const depositNo = receiptNo(ctx, 'YJ');
    const settledAt = nowIso(ctx);
    ctx.db.prepare('INSERT INTO deposits (deposit_no, admission_no, amount_fen, method, paid_at, trade_no) VALUES (?, ?, ?, ?, ?, ?)')
      .run(depositNo, row.admissionNo, payment.amountFen, payment.method, settledAt, request.tradeNo);
    const info = inpatientInfo(ctx, { admissionNo: row.admissionNo });
    return {
      result: { depositNo, amountFen: payment.amountFen, depositFen: info.depositFen, balanceFen: info.balanceFen, hisReceiptNo: depositNo, settledAt },
      patientId: row.patientId, hisReceiptNo: depositNo, paidFen: payment.amountFen, refundFen: 0, settledAt,
      receipt: {
        title: '住院预交金凭条',
        fields: [{ label: '住院号', value: row.admissionNo }, { label: '病区床位', value: `${row.ward} ${row.bed}床` }],
        lines: [{ name: '住院预交金', amountFen: payment.amountFen }], totalFen: payment.amountFen, payment,
      },
    };
  });
}

function checkRow(row: AdmissionRow): DischargeCheck {
  const reasons: DischargeCheck['reasons'] = [];
  if (row.state === 'discharged') reasons.push({ code: 'DISCHARGED', message: '已办理出院结算' });
  else if (!row.dischargeOrdered) reasons.push({ code: 'NO_DISCHARGE_ORDER', message: '医生尚未开具出院医嘱' });
  return { admissionNo: row.admissionNo, eligible: reasons.length === 0, reasons };
}

export function dischargeCheck(ctx: SimContext, admissionNo: string): DischargeCheck {
  return checkRow(admission(ctx, admissionNo));
}

function assertEligible(row: AdmissionRow): void {
  const check = checkRow(row);
  if (!check.eligible) throw new HisError('NOT_ALLOWED', check.reasons.map((r) => r.message).join('；'), { admissionNo: row.admissionNo, reasons: check.reasons.map((r) => r.code) });
}

export function dischargePreSettle(ctx: SimContext, request: DischargePreSettleRequest): DischargePreSettlement {
  return write(ctx, () => {
    assertTradeOpen(ctx, request.tradeNo);
    const row = admission(ctx, request.admissionNo);
    assertEligible(row);
    const preSettleId = nextNumber(ctx.db, 'discharge_pre_settles', 'DS', 8);
    const expiresAt = ctx.now() + scaled(dischargePreSettleTtlMs);
    const f = figures(ctx, row);
    ctx.db.prepare('INSERT INTO discharge_pre_settles (pre_settle_id, admission_no, trade_no, figures, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(preSettleId, row.admissionNo, request.tradeNo, JSON.stringify(f), expiresAt);
    return { preSettleId, admissionNo: row.admissionNo, ...f, expiresAt: shanghaiIso(expiresAt) };
  });
}

/** Splits the surplus over the deposits, newest first, so each part goes back on the channel that paid it. */
function refundParts(paid: DepositRow[], refundFen: number): DepositRefund[] {
  const parts: DepositRefund[] = [];
  let left = refundFen;
  for (const d of paid) {
    if (left === 0) break;
    const amountFen = Math.min(left, d.amountFen);
    parts.push({ depositNo: d.depositNo, method: d.method, amountFen, ...(d.tradeNo !== null ? { tradeNo: d.tradeNo } : {}) });
    left -= amountFen;
  }
  return parts;
}

export function dischargeSettle(ctx: SimContext, request: DischargeSettleRequest): DischargeSettlement {
  assertText(request.preSettleId, 'preSettleId');
  if (request.payment !== undefined) assertPayment(request.payment);
  return runTrade(ctx, 'dischargeSettle', request.tradeNo, request, () => {
    const pre = ctx.db
      .prepare<[string], { admissionNo: string; tradeNo: string; figures: string; expiresAt: number }>('SELECT admission_no AS admissionNo, trade_no AS tradeNo, figures, expires_at AS expiresAt FROM discharge_pre_settles WHERE pre_settle_id = ?')
      .get(request.preSettleId);
    if (!pre) throw new HisError('PRESETTLE_NOT_FOUND', 'no such discharge pre-settle', { preSettleId: request.preSettleId });
    if (pre.tradeNo !== request.tradeNo) throw new HisError('TRADE_CONFLICT', 'the pre-settle was made for another trade number', { preSettleId: request.preSettleId });
    if (ctx.now() > pre.expiresAt) throw new HisError('PRESETTLE_EXPIRED', 'the pre-settle has expired; pre-settle again', { expiresAt: shanghaiIso(pre.expiresAt) });
    const row = admission(ctx, pre.admissionNo);
    assertEligible(row);
    const f = figures(ctx, row);
    // A cost or deposit booked since the pre-settle changes what is due: the patient must see it first.
    if (JSON.stringify(f) !== pre.figures) throw new HisError('PRESETTLE_EXPIRED', 'the bill changed since the pre-settle; pre-settle again', { preSettleId: request.preSettleId });
    if (f.dueFen > 0) assertAmount(request.payment?.amountFen ?? 0, f.dueFen);
    else if (request.payment) throw invalid('payment', 'must be absent: the deposits cover the stay');
    const refunds = refundParts(deposits(ctx, row.admissionNo), f.refundFen);
    ctx.db.prepare("UPDATE admissions SET state = 'discharged' WHERE admission_no = ?").run(row.admissionNo);
    const hisReceiptNo = receiptNo(ctx, 'CY');
    const invoiceNo = `FP${compactDate(ctx.now())}${hisReceiptNo.slice(-6)}`;
    const settledAt = nowIso(ctx);
    const lines = [
      { name: '住院医疗费用合计', amountFen: f.totalFen },
      { name: '医保统筹支付', amountFen: f.fundFen },
      { name: '个人自付', amountFen: f.selfFen },
      { name: '预交金合计', amountFen: f.depositFen },
      f.dueFen > 0 ? { name: '出院补缴', amountFen: f.dueFen } : { name: '退还预交金', amountFen: f.refundFen },
    ];
    return {
      result: {
        admissionNo: row.admissionNo, totalFen: f.totalFen, fundFen: f.fundFen, acctFen: f.acctFen, selfFen: f.selfFen, depositFen: f.depositFen,
        paidFen: f.dueFen, refundFen: f.refundFen, refunds, hisReceiptNo, invoiceNo, settledAt,
      },
      patientId: row.patientId, hisReceiptNo, paidFen: f.dueFen, refundFen: f.refundFen, settledAt,
      receipt: {
        title: '出院结算凭条',
        fields: [{ label: '住院号', value: row.admissionNo }, { label: '科室', value: row.deptName }, { label: '入院时间', value: row.admittedAt.slice(0, 10) }, { label: '电子票据号', value: invoiceNo }],
        lines, totalFen: f.selfFen, ...(request.payment ? { payment: request.payment } : {}),
      },
    };
  });
}

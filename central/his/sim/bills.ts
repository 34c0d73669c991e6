import { formatYuan } from '../../../contract/money.ts';
import { scaled } from '../../../contract/time-scale.ts';
import { HisError, type Bill, type BillItem, type PreSettlement, type PreSettleRequest, type Settlement, type SettleRequest } from '../port.ts';
import { write, type SimContext } from './context.ts';
import { nextNumber } from './db.ts';
import { settlementGuide } from './guide.ts';
import { assertPatient } from './patients.ts';
import { shanghaiIso } from './time.ts';
import { assertTradeOpen, nowIso, receiptNo, runTrade } from './trades.ts';
import { assertAmount, assertInsuranceShare, assertPayment, assertText, invalid } from './validate.ts';

/** How long a pre-settle holds; hospitals use minutes so that a stale price is never charged. */
export const preSettleTtlMs = 15 * 60_000;

interface BillRow {
  billNo: string;
  amountFen: number;
  department: string;
  doctor: string;
  createdAt: string;
  patientId: string;
  tradeNo: string | null;
  hisReceiptNo: string | null;
}

interface PreSettleRow {
  patientId: string;
  tradeNo: string;
  billNos: string;
  selfFen: number;
  expiresAt: number;
}

const billSelect = `SELECT b.bill_no AS billNo, b.amount_fen AS amountFen, dp.name AS department, d.name AS doctor,
  b.created_at AS createdAt, b.patient_id AS patientId, b.trade_no AS tradeNo, t.his_receipt_no AS hisReceiptNo
  FROM bills b JOIN doctors d USING (doctor_id) JOIN departments dp ON dp.dept_id = d.dept_id
  LEFT JOIN trades t ON t.trade_no = b.trade_no`;

/** A bill as the hospital's own records show it, paid or not. */
export interface BillRecord extends Bill {
  paid: boolean;
  hisReceiptNo?: string;
  tradeNo?: string;
}

function billRows(ctx: SimContext, patientId: string): BillRow[] {
  return ctx.db.prepare<[string], BillRow>(`${billSelect} WHERE b.patient_id = ? ORDER BY b.bill_no`).all(patientId);
}

type BillItemRow = Omit<BillItem, 'insuranceCode'> & { insuranceCode: string | null };

/** A bill's items in order; an item mapped to no national catalogue code has no `insuranceCode`. */
export function billItems(ctx: SimContext, billNo: string): BillItem[] {
  return ctx.db
    .prepare<[string], BillItemRow>('SELECT name, qty, unit, price_fen AS priceFen, amount_fen AS amountFen, insurance_code AS insuranceCode FROM bill_items WHERE bill_no = ? ORDER BY line')
    .all(billNo)
    .map(({ insuranceCode, ...i }) => (insuranceCode === null ? i : { ...i, insuranceCode }));
}

function bill(ctx: SimContext, row: BillRow): Bill {
  return { billNo: row.billNo, amountFen: row.amountFen, department: row.department, doctor: row.doctor, createdAt: row.createdAt, items: billItems(ctx, row.billNo) };
}

export function listBills(ctx: SimContext, patientId: string): { bills: Bill[] } {
  assertPatient(ctx, patientId);
  return { bills: billRows(ctx, patientId).filter((b) => !b.tradeNo).map((b) => bill(ctx, b)) };
}

export function billRecords(ctx: SimContext, patientId: string): BillRecord[] {
  assertPatient(ctx, patientId);
  return billRows(ctx, patientId).map((row) => ({
    ...bill(ctx, row),
    paid: row.tradeNo !== null,
    ...(row.tradeNo !== null ? { tradeNo: row.tradeNo } : {}),
    ...(row.hisReceiptNo !== null ? { hisReceiptNo: row.hisReceiptNo } : {}),
  }));
}

export function billSummaries(ctx: SimContext, patientId: string): { billNo: string; amountFen: number }[] {
  return billRows(ctx, patientId).map(({ billNo, amountFen }) => ({ billNo, amountFen }));
}

/** The named bills, each unpaid and this patient's, or BILL_NOT_PAYABLE naming the first that is not. */
function payableBills(ctx: SimContext, patientId: string, billNos: string[]): BillRow[] {
  const byNo = ctx.db.prepare<[string], BillRow>(`${billSelect} WHERE b.bill_no = ?`);
  return billNos.map((billNo) => {
    const row = typeof billNo === 'string' ? byNo.get(billNo) : undefined;
    if (!row || row.patientId !== patientId || row.tradeNo !== null) {
      throw new HisError('BILL_NOT_PAYABLE', `bill ${String(billNo)} is not an unpaid bill of this patient`, { billNo });
    }
    return row;
  });
}

export function preSettle(ctx: SimContext, request: PreSettleRequest): PreSettlement {
  return write(ctx, () => {
    assertTradeOpen(ctx, request.tradeNo);
    assertPatient(ctx, request.patientId);
    const billNos = request.billNos;
    if (!Array.isArray(billNos) || billNos.length === 0 || new Set(billNos).size !== billNos.length) throw invalid('billNos', 'must list one or more distinct bills');
    const totalFen = payableBills(ctx, request.patientId, billNos).reduce((sum, b) => sum + b.amountFen, 0);
    const preSettleId = nextNumber(ctx.db, 'pre_settles', 'PS', 8);
    const expiresAt = ctx.now() + scaled(preSettleTtlMs);
    // A card payment is all self-pay; the insurance split arrives with the insurance adapter.
    ctx.db
      .prepare('INSERT INTO pre_settles (pre_settle_id, patient_id, trade_no, bill_nos, total_fen, self_fen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(preSettleId, request.patientId, request.tradeNo, JSON.stringify(billNos), totalFen, totalFen, expiresAt);
    return { preSettleId, totalFen, fundFen: 0, acctFen: 0, selfFen: totalFen, expiresAt: shanghaiIso(expiresAt) };
  });
}

export function settle(ctx: SimContext, request: SettleRequest): Settlement {
  assertText(request.preSettleId, 'preSettleId');
  assertPayment(request.payment);
  if (request.insurance !== undefined) assertInsuranceShare(request.insurance);
  const payment = request.payment;
  return runTrade(ctx, 'settle', request.tradeNo, request, () => {
    const pre = ctx.db
      .prepare<[string], PreSettleRow>('SELECT patient_id AS patientId, trade_no AS tradeNo, bill_nos AS billNos, self_fen AS selfFen, expires_at AS expiresAt FROM pre_settles WHERE pre_settle_id = ?')
      .get(request.preSettleId);
    if (!pre) throw new HisError('PRESETTLE_NOT_FOUND', 'no such pre-settle', { preSettleId: request.preSettleId });
    if (pre.tradeNo !== request.tradeNo) throw new HisError('TRADE_CONFLICT', 'the pre-settle was made for another trade number', { preSettleId: request.preSettleId });
    if (ctx.now() > pre.expiresAt) throw new HisError('PRESETTLE_EXPIRED', 'the pre-settle has expired; pre-settle again', { expiresAt: shanghaiIso(pre.expiresAt) });
    const share = request.insurance;
    assertAmount(payment.amountFen, pre.selfFen - (share ? share.fundFen + share.acctFen : 0));
    // A bill may have been paid at the counter between pre-settle and settle.
    const bills = payableBills(ctx, pre.patientId, JSON.parse(pre.billNos) as string[]);

    const mark = ctx.db.prepare('UPDATE bills SET trade_no = ? WHERE bill_no = ?');
    for (const b of bills) mark.run(request.tradeNo, b.billNo);
    const settledAt = nowIso(ctx);
    const hisReceiptNo = receiptNo(ctx, 'SF');
    // Kept in the trade book with the answer, so a repeat names the same window.
    const guide = settlementGuide(ctx, bills.flatMap((b) => billItems(ctx, b.billNo)));
    return {
      result: { hisReceiptNo, settledAt, ...(guide.length ? { guide } : {}) }, patientId: pre.patientId, hisReceiptNo, paidFen: payment.amountFen, refundFen: 0, settledAt,
      receipt: {
        title: '门诊缴费凭条',
        fields: [
          { label: '缴费单号', value: bills.map((b) => b.billNo).join(',') },
          ...(share ? [{ label: '医保统筹支付', value: formatYuan(share.fundFen) }, { label: '个人账户支付', value: formatYuan(share.acctFen) }] : []),
        ],
        lines: bills.flatMap((b) => bill(ctx, b).items.map((i) => ({ name: i.name, amountFen: i.amountFen }))),
        totalFen: pre.selfFen, payment,
      },
    };
  });
}

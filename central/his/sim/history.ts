import type { BillItem, PaidBill, PaymentMethod } from '../../../contract/rpc.ts';
import { HisError, type BillHistoryQuery, type InpatientCostItem, type InpatientCosts } from '../port.ts';
import { billItems } from './bills.ts';
import type { SimContext } from './context.ts';
import { assertHistoryQuery } from './inquiry-args.ts';
import { assertPatient } from './patients.ts';
import { assertText } from './validate.ts';

/**
 * What a patient has paid and what a stay has cost: the outpatient bill list (门诊费用清单), the
 * payment history and the inpatient bill list (住院费用清单). Read-only.
 */

interface PaidRow {
  billNo: string;
  amountFen: number;
  department: string;
  doctor: string;
  createdAt: string;
  paidAt: string;
  hisReceiptNo: string;
  method: PaymentMethod;
  /** JSON of the items for a bill paid elsewhere; null for ours, whose items are rows. */
  items: string | null;
}

const doctorJoin = 'JOIN doctors d USING (doctor_id) JOIN departments dp ON dp.dept_id = d.dept_id';

/** Paid through a trade of ours (the payment method is on the trade's receipt), or at a counter before. */
const paidSelect = `
  SELECT b.bill_no AS billNo, b.amount_fen AS amountFen, dp.name AS department, d.name AS doctor, b.created_at AS createdAt,
    t.settled_at AS paidAt, t.his_receipt_no AS hisReceiptNo, json_extract(t.receipt, '$.payment.method') AS method, NULL AS items
  FROM bills b ${doctorJoin} JOIN trades t ON t.trade_no = b.trade_no
  WHERE b.patient_id = @patientId AND substr(t.settled_at, 1, 10) BETWEEN @from AND @to
  UNION ALL
  SELECT p.bill_no, p.amount_fen, dp.name, d.name, p.created_at, p.paid_at, p.his_receipt_no, p.method, p.items
  FROM paid_elsewhere p ${doctorJoin}
  WHERE p.patient_id = @patientId AND substr(p.paid_at, 1, 10) BETWEEN @from AND @to
  ORDER BY paidAt DESC, billNo`;

export function billHistory(ctx: SimContext, query: BillHistoryQuery): { bills: PaidBill[] } {
  assertHistoryQuery(query);
  assertPatient(ctx, query.patientId);
  const rows = ctx.db.prepare<[BillHistoryQuery], PaidRow>(paidSelect).all({ patientId: query.patientId, from: query.from, to: query.to });
  return {
    bills: rows.map(({ items, ...row }) => ({ ...row, items: items === null ? billItems(ctx, row.billNo) : (JSON.parse(items) as BillItem[]) })),
  };
}

export function inpatientCosts(ctx: SimContext, admissionNo: unknown): InpatientCosts {
  assertText(admissionNo, 'admissionNo');
  const stay = ctx.db
    .prepare<[string], Omit<InpatientCosts, 'items'>>(
      `SELECT a.admission_no AS admissionNo, a.patient_id AS patientId, dp.name AS deptName, a.ward, a.bed, a.admitted_at AS admittedAt, a.state
       FROM admissions a JOIN departments dp USING (dept_id) WHERE a.admission_no = ?`,
    )
    .get(admissionNo);
  if (!stay) throw new HisError('NOT_FOUND', 'no such admission', { admissionNo });
  const items = ctx.db
    .prepare<[string], InpatientCostItem>(
      'SELECT day AS date, category, name, qty, unit, price_fen AS priceFen, amount_fen AS amountFen FROM inpatient_costs WHERE admission_no = ? ORDER BY day, line',
    )
    .all(admissionNo);
  return { ...stay, items };
}

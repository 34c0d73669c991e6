import { canonicalJson } from '../../../contract/rpc.ts';
import { HisError, type Payment, type ReceiptData, type TradeKind, type TradeStatus } from '../port.ts';
import { write, type SimContext } from './context.ts';
import { compactDate, shanghaiIso } from './time.ts';
import { assertText, assertTradeNo } from './validate.ts';

/**
 * The trade book: one row per trade number that changed something, with the request it came
 * with and the answer it got. It makes every changing call idempotent and every trade number
 * answerable by `queryTrade`, and holds what a reprinted receipt shows.
 */

export interface Receipt {
  title: string;
  fields: { label: string; value: string }[];
  lines: { name: string; amountFen: number }[];
  totalFen: number;
  payment?: Payment;
}

export interface TradeRecord<T> {
  result: T;
  patientId: string;
  hisReceiptNo: string;
  paidFen: number;
  refundFen: number;
  settledAt: string;
  receipt: Receipt;
}

interface TradeRow {
  kind: TradeKind;
  request: string;
  result: string;
  patientId: string;
  hisReceiptNo: string;
  paidFen: number;
  refundFen: number;
  receipt: string;
  settledAt: string;
}

const tradeSelect = `SELECT kind, request, result, patient_id AS patientId, his_receipt_no AS hisReceiptNo, paid_fen AS paidFen,
  refund_fen AS refundFen, receipt, settled_at AS settledAt FROM trades WHERE trade_no = ?`;

function tradeRow(ctx: SimContext, tradeNo: string): TradeRow | undefined {
  return ctx.db.prepare<[string], TradeRow>(tradeSelect).get(tradeNo);
}

/**
 * Runs `op` once per trade number. The trade number decides first, so a retry after a lost answer
 * gets the first answer even when a lock or pre-settle has expired since; the same number with
 * another function or other arguments is TRADE_CONFLICT. A definite refusal records nothing.
 */
export function runTrade<T>(ctx: SimContext, kind: TradeKind, tradeNo: string, request: object, op: () => TradeRecord<T>): T {
  assertTradeNo(tradeNo);
  const canonical = canonicalJson(request);
  return write(ctx, () => {
    const done = tradeRow(ctx, tradeNo);
    if (done) {
      if (done.kind !== kind || done.request !== canonical) {
        throw new HisError('TRADE_CONFLICT', `trade number ${tradeNo} was used for another ${done.kind === kind ? 'request' : 'function'}`, { tradeNo, kind: done.kind });
      }
      return JSON.parse(done.result) as T;
    }
    const record = op();
    // Stored and returned through JSON, so the first answer and every repeat are the same shape.
    const result = JSON.stringify(record.result);
    ctx.db
      .prepare('INSERT INTO trades (trade_no, kind, request, result, patient_id, his_receipt_no, paid_fen, refund_fen, receipt, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(tradeNo, kind, canonical, result, record.patientId, record.hisReceiptNo, record.paidFen, record.refundFen, JSON.stringify(record.receipt), record.settledAt);
    return JSON.parse(result) as T;
  });
}

/** Throws TRADE_CONFLICT when the trade number already did something: a preparation must not follow its own trade. */
export function assertTradeOpen(ctx: SimContext, tradeNo: string): void {
  assertTradeNo(tradeNo);
  const done = tradeRow(ctx, tradeNo);
  if (done) throw new HisError('TRADE_CONFLICT', `trade number ${tradeNo} is already settled`, { tradeNo, kind: done.kind });
}

/** A receipt number: a prefix for the kind of business, the business day, then a serial. */
export function receiptNo(ctx: SimContext, prefix: string): string {
  const n = ctx.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM trades').get()!.n + 1;
  return `${prefix}${compactDate(ctx.now())}${String(n).padStart(6, '0')}`;
}

export function nowIso(ctx: SimContext): string {
  return shanghaiIso(ctx.now());
}

export function queryTrade(ctx: SimContext, tradeNo: string): TradeStatus {
  assertTradeNo(tradeNo);
  const row = tradeRow(ctx, tradeNo);
  if (!row) return { state: 'notFound' };
  return { state: 'settled', kind: row.kind, hisReceiptNo: row.hisReceiptNo, paidFen: row.paidFen, refundFen: row.refundFen, settledAt: row.settledAt };
}

export function receiptData(ctx: SimContext, tradeNo: string, patientId: string): ReceiptData {
  assertTradeNo(tradeNo);
  assertText(patientId, 'patientId');
  const row = tradeRow(ctx, tradeNo);
  // Another patient's receipt is as absent as a trade that never happened.
  if (!row || row.patientId !== patientId) throw new HisError('NOT_FOUND', 'no receipt of that trade for this patient', { tradeNo });
  const receipt = JSON.parse(row.receipt) as Receipt;
  return {
    hisReceiptNo: row.hisReceiptNo, tradeNo, kind: row.kind, title: receipt.title, patientId,
    fields: receipt.fields, lines: receipt.lines, totalFen: receipt.totalFen, paidFen: row.paidFen, refundFen: row.refundFen,
    ...(receipt.payment ? { payment: receipt.payment } : {}),
    settledAt: row.settledAt,
  };
}

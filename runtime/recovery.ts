import type { CardSale, CashResult, Collected, QrOutcome, QrPaid, SettleOutcome, SettlePlan } from '../machines/types.ts';
import type { Journal } from './journal/journal.ts';
import type { PaymentSteps } from './payment-steps.ts';
import { refundingOps, type RefundSteps } from './refund-steps.ts';

/**
 * Before the attract screen, every transaction left open by a crash or power cut is resolved
 * (DESIGN.md §5 recovery): what the journal says happened is completed from where it stopped,
 * asking the payment module and central what the journal cannot know, and a slip or receipt
 * tells the patient (or the cashier who finds it) the outcome.
 */
export async function recoverOpenTransactions(journal: Journal, steps: PaymentSteps, refunds: RefundSteps, log: (msg: string, f?: Record<string, unknown>) => void): Promise<number> {
  const open = journal.openTxns();
  for (const txn of open) {
    log('recovering open transaction', { txnId: txn.txnId, kind: txn.kind });
    // A trade that collects nothing here (a cancel, a balance refund) may owe refunds instead.
    const collects = journal.eventsOf(txn.txnId).some((e) => e.type === 'settle.planned' || e.type === 'bill.presettled');
    if (!collects && (refundingOps as readonly string[]).includes(txn.kind)) await refunds.recover(txn.txnId);
    else await recoverOne(journal, steps, txn.txnId);
  }
  return open.length;
}

async function recoverOne(journal: Journal, steps: PaymentSteps, txnId: string): Promise<void> {
  const events = journal.eventsOf(txnId);
  const has = (type: string) => events.some((e) => e.type === type);
  const last = (type: string) => events.filter((e) => e.type === type).at(-1)?.data;
  const plan = planOf(journal, txnId);
  const amountFen = Number(last('settle.planned')?.amountFen ?? last('bill.presettled')?.selfFen ?? 0);

  if (has('cash.collect.intent')) return recoverCash(journal, steps, txnId, amountFen, plan);
  if (has('qr.pay.intent')) return recoverQr(journal, steps, txnId, plan);
  if (!has('card.sale.intent')) {
    // No money was asked for. Telling central first makes a late pre-settle or pay refuse itself.
    await steps.resolveNothingCollected(txnId);
    await steps.printSlip(txnId);
    return;
  }

  let sale = last('card.sale.result') as CardSale | undefined;
  if (!sale) sale = await steps.saleFromModule(txnId, amountFen);
  if (!sale.approved) {
    await steps.printSlip(txnId);
    return;
  }

  const settleResult = last('his.settle.result');
  const outcome: SettleOutcome = settleResult
    ? settleResult.settled
      ? { outcome: 'settled', hisReceiptNo: String(settleResult.hisReceiptNo) }
      : { outcome: 'reverse', reason: String(settleResult.code) }
    : await steps.resolveByQuery(txnId, { method: 'card', sale }, plan);

  if (journal.txn(txnId)?.state !== 'OPEN') {
    await steps.printSlip(txnId);
    return;
  }
  if (outcome.outcome === 'settled') {
    await steps.printReceipt(txnId, { reprint: has('receipt.print.intent') });
    return;
  }
  if (outcome.outcome === 'reverse') await steps.voidSale(txnId, sale, outcome.reason);
  await steps.printSlip(txnId);
}

/**
 * Cash: the journal counted every credited note, so it knows what the patient put in even when
 * the collection never finished. Enough for the bill → settle as the flow would have; less →
 * the notes are owed back on a voucher; none → nothing happened.
 */
async function recoverCash(journal: Journal, steps: PaymentSteps, txnId: string, dueFen: number, plan: SettlePlan | undefined): Promise<void> {
  const events = journal.eventsOf(txnId);
  const notes = events.filter((e) => e.type === 'cash.note.stacked').map((e) => Number(e.data.fen));
  const insertedFen = notes.reduce((a, b) => a + b, 0);
  if (insertedFen === 0) {
    await steps.resolveNothingCollected(txnId);
    await steps.printSlip(txnId);
    return;
  }
  const cash: CashResult = { insertedFen, notes, changeFen: Math.max(0, insertedFen - dueFen), ended: insertedFen >= dueFen ? 'paid' : 'stopped' };
  const settle = events.filter((e) => e.type === 'his.settle.result').at(-1)?.data;
  if (cash.ended !== 'paid' || settle?.settled === false) {
    await steps.printCashVoucher(txnId, insertedFen, settle ? String(settle.code) : 'kiosk stopped during cash payment');
    return;
  }
  const collected: Collected = { method: 'cash', cash };
  const outcome: SettleOutcome = settle?.settled
    ? { outcome: 'settled', hisReceiptNo: String(settle.hisReceiptNo) }
    : await steps.resolveByQuery(txnId, collected, plan);
  if (journal.txn(txnId)?.state !== 'OPEN') return steps.printSlip(txnId);
  if (outcome.outcome === 'settled') return steps.printReceipt(txnId, { reprint: events.some((e) => e.type === 'receipt.print.intent') });
  await steps.printCashVoucher(txnId, insertedFen, outcome.reason);
}

/**
 * QR: the code went to central, which may have collected it. Central's record decides — never
 * "nothing was collected" on the kiosk's word: paid → settle as the flow would have; failed →
 * nothing to undo; still unknown at the deadline → PENDING, central's saga goes on.
 */
async function recoverQr(journal: Journal, steps: PaymentSteps, txnId: string, plan: SettlePlan | undefined): Promise<void> {
  const events = journal.eventsOf(txnId);
  const intent = events.find((e) => e.type === 'qr.pay.intent')!.data;
  const known = events.filter((e) => e.type === 'qr.pay.result').at(-1)?.data;
  const outcome: QrOutcome =
    known?.state === 'paid'
      ? { state: 'paid', qr: { channel: known.channel as QrPaid['channel'], channelTradeNo: String(known.channelTradeNo), amountFen: Number(intent.amountFen) } }
      : await steps.awaitQr(txnId, Number(intent.amountFen));
  if (journal.txn(txnId)?.state !== 'OPEN') return steps.printSlip(txnId);
  if (outcome.state !== 'paid') return steps.printSlip(txnId);
  const settle = events.filter((e) => e.type === 'his.settle.result').at(-1)?.data;
  const collected: Collected = { method: 'qr', qr: outcome.qr };
  const result: SettleOutcome = settle?.settled
    ? { outcome: 'settled', hisReceiptNo: String(settle.hisReceiptNo) }
    : await steps.resolveByQuery(txnId, collected, plan);
  if (result.outcome === 'settled' && journal.txn(txnId)?.state === 'OPEN') return steps.printReceipt(txnId, { reprint: events.some((e) => e.type === 'receipt.print.intent') });
  await steps.printSlip(txnId);
}

/** What central was to be asked once the money was in; a journal written before plans were journaled has only the pre-settlement. */
function planOf(journal: Journal, txnId: string): SettlePlan | undefined {
  const events = journal.eventsOf(txnId);
  const planned = events.filter((e) => e.type === 'settle.planned').at(-1)?.data;
  if (planned) return { op: planned.op as SettlePlan['op'], args: planned.args as Record<string, unknown> };
  const preSettleId = events.filter((e) => e.type === 'bill.presettled').at(-1)?.data.preSettleId;
  return typeof preSettleId === 'string' ? { op: 'bill.pay', args: { preSettleId } } : undefined;
}

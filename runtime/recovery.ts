import type { CardSale, SettleOutcome } from '../machines/types.ts';
import type { Journal } from './journal/journal.ts';
import type { PaymentSteps } from './payment-steps.ts';

/**
 * Before the attract screen, every transaction left open by a crash or power cut is resolved
 * (DESIGN.md §5 recovery): what the journal says happened is completed from where it stopped,
 * asking the payment module and central what the journal cannot know, and a slip or receipt
 * tells the patient (or the cashier who finds it) the outcome.
 */
export async function recoverOpenTransactions(journal: Journal, steps: PaymentSteps, log: (msg: string, f?: Record<string, unknown>) => void): Promise<number> {
  const open = journal.openTxns();
  for (const txn of open) {
    log('recovering open transaction', { txnId: txn.txnId });
    await recoverOne(journal, steps, txn.txnId);
  }
  return open.length;
}

async function recoverOne(journal: Journal, steps: PaymentSteps, txnId: string): Promise<void> {
  const events = journal.eventsOf(txnId);
  const has = (type: string) => events.some((e) => e.type === type);
  const last = (type: string) => events.filter((e) => e.type === type).at(-1)?.data;
  const presettle = last('bill.presettled');
  const preSettleId = presettle?.preSettleId as string | undefined;
  const amountFen = Number(presettle?.selfFen ?? 0);

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
    : await steps.resolveByQuery(txnId, sale.amountFen, sale, preSettleId ? { preSettleId } : undefined);

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

import { factTypes, type Fact, type TxAck } from '../../contract/facts.ts';
import type { Ledger } from './ledger.ts';

/**
 * Facts from a kiosk's outbox, applied to the ledger in seq order exactly once. The ack is in
 * business terms: it is sent after the ledger commit and names the highest contiguous seq applied;
 * a gap asks the kiosk to resend from the first missing seq (DESIGN.md §5, §7).
 */
export function receiveFact(ledger: Ledger, fact: Fact): TxAck {
  const { kid, journalId } = fact;
  return ledger.transaction(() => {
    const acked = ledger.ackedUpTo(kid, journalId);
    if (fact.seq > acked) ledger.storeFact(kid, journalId, fact.seq, fact.type, fact.txnId, fact.data);
    const ready = ledger.contiguousFacts(kid, journalId, acked);
    for (const f of ready) apply(ledger, kid, f);
    const upTo = ready.length ? ready[ready.length - 1]!.seq : acked;
    ledger.setAckedUpTo(kid, journalId, upTo);
    return fact.seq > upTo + 1 ? { v: 1 as const, journalId, resendFrom: upTo + 1 } : { v: 1 as const, journalId, upToSeq: upTo };
  });
}

function apply(ledger: Ledger, kid: string, fact: { type: string; txnId?: string; data: Record<string, unknown> }): void {
  if (!fact.txnId) return;
  const d = fact.data;
  switch (fact.type) {
    case factTypes.cardSaleResult:
      if (d.approved === true) {
        ledger.updateTxn(kid, fact.txnId, {
          method: 'card', amountFen: Number(d.amountFen), rrn: str(d.rrn), trace: str(d.trace), batch: str(d.batch),
          authCode: str(d.authCode), panMasked: str(d.panMasked), tid: str(d.tid), mid: str(d.mid), settleDate: str(d.settleDate),
        });
      }
      return;
    case factTypes.cardVoidResult:
      if (d.approved === true) ledger.updateTxn(kid, fact.txnId, { state: 'COMPENSATED' });
      return;
    case factTypes.cardRefundResult: {
      ledger.appendEvent(kid, fact.txnId, 'card.refund.result', d);
      if (d.approved !== true) return;
      const open = ledger.refunds(kid, fact.txnId).find((r) => r.instruction.method === 'card' && r.state === 'instructed' && r.instruction.ofTxnId === d.ofTxnId);
      if (open) ledger.updateRefund(kid, fact.txnId, open.n, open.instruction, 'done');
      return;
    }
    case factTypes.txnClosed: {
      // The kiosk gave up a transaction with nothing collected: a late request must not revive it.
      // A QR payment the bridge holds is not the kiosk's to abandon: the resolver gives it back.
      if (d.state === 'ABANDONED') ledger.updateTxn(kid, fact.txnId, { state: 'ABANDONED', reason: str(d.reason) }, { state: ['OPEN'], qrState: [null, 'failed', 'reversed'] });
      if (d.state === 'PENDING') ledger.updateTxn(kid, fact.txnId, { state: 'PENDING', reason: str(d.reason) }, ['OPEN', 'PAYING']);
      if (d.state === 'COMPENSATED') ledger.updateTxn(kid, fact.txnId, { state: 'COMPENSATED' }, ['COMPENSATING', 'OPEN', 'PAYING']);
      return;
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

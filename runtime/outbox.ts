import type { TxAck } from '../contract/facts.ts';
import { scaled } from '../contract/time-scale.ts';
import { topics } from '../contract/topics.ts';
import type { Journal } from './journal/journal.ts';
import type { Link } from './link.ts';

/**
 * Publishes journal events on `tx` in seq order until central acknowledges them after its ledger
 * commit (DESIGN.md §5). Unacknowledged events are sent again after a quiet period and on every
 * reconnect; central ignores duplicates by (kid, journalId, seq).
 */
export class Outbox {
  private sentUpTo = 0;
  private timer?: NodeJS.Timeout;
  private pumping = false;

  constructor(
    private readonly journal: Journal,
    private readonly link: Link,
    private readonly resendMs = scaled(3000),
  ) {
    link.onAck((ack) => this.onAck(ack));
    link.onConnect(() => {
      this.sentUpTo = journal.ackedUpTo();
      void this.pump();
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sentUpTo = this.journal.ackedUpTo();
      void this.pump();
    }, this.resendMs);
  }

  /** Call after every journal write. */
  async pump(): Promise<void> {
    if (this.pumping || !this.link.connected) return;
    this.pumping = true;
    try {
      for (;;) {
        const batch = this.journal.unacked(100).filter((e) => e.seq > this.sentUpTo);
        if (!batch.length) break;
        for (const e of batch) {
          const fact = { v: 1, kid: this.link.kioskId, journalId: this.journal.journalId, seq: e.seq, type: e.type, ...(e.txnId ? { txnId: e.txnId } : {}), ts: e.ts, data: e.data };
          await this.link.publish(topics.tx(this.link.kioskId), JSON.stringify(fact));
          this.sentUpTo = e.seq;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private onAck(ack: TxAck): void {
    if (ack.journalId !== this.journal.journalId) return;
    if ('upToSeq' in ack) this.journal.acknowledge(ack.upToSeq);
    else {
      this.sentUpTo = Math.min(this.sentUpTo, ack.resendFrom - 1);
      void this.pump();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

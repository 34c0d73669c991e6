import { leaseFrom, type SagaContext } from './context.ts';
import type { Ledger } from './ledger.ts';
import { driveSaga } from './saga/drive.ts';

export interface ResolverOptions {
  ledger: Ledger;
  worker: string;
  /** A context for one transaction, with the deadline of one pass. */
  contextFor: (kid: string, txnId: string) => SagaContext;
  everyMs: number;
  settleWindowMs: number;
  leaseMs: number;
  /** A QR payment with no money op after this long is refunded: its kiosk went away. */
  orphanQrAfterMs: number;
  now: () => number;
  log: SagaContext['log'];
}

/**
 * Sagas survive their worker (DESIGN.md §6): at start and every few seconds, every saga whose
 * worker's lease has expired and whose current step began longer ago than the settle window (so
 * a live worker's HIS call is never raced) is taken over, one worker winning each in the ledger,
 * and driven to a definite end by the same rules as the request path.
 */
export class Resolver {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly o: ResolverOptions) {}

  start(): void {
    this.kick();
    this.timer = setInterval(() => this.kick(), this.o.everyMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep at a time; a tick that finds one running skips. */
  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.sweep()
      .catch((e: unknown) => this.o.log('error', 'resolver sweep failed', { error: (e as Error).message }))
      .finally(() => (this.running = undefined));
  }

  async sweep(): Promise<void> {
    const { ledger, worker } = this.o;
    const now = this.o.now();
    for (const { kid, txnId } of ledger.staleSagas(now, now - this.o.settleWindowMs)) {
      if (this.stopped) return;
      if (!ledger.takeOver(kid, txnId, worker, now, now + this.o.leaseMs)) continue;
      await driveSaga(this.o.contextFor(kid, txnId));
    }
    for (const { kid, txnId } of ledger.orphanQrPayments(now - this.o.orphanQrAfterMs)) {
      if (this.stopped) return;
      const ctx = this.o.contextFor(kid, txnId);
      const claimed = ledger.updateTxn(
        kid,
        txnId,
        { state: 'COMPENSATING', reason: 'QR payment with no business after it', step: 'qrRefund', stepAt: now, owner: worker, leaseUntil: leaseFrom(ctx) },
        { state: ['OPEN'], qrState: ['paid'], step: [null] },
      );
      if (claimed) await driveSaga(ctx);
    }
  }
}

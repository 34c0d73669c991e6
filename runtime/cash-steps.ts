import type { AcceptResult, BillAcceptor, CashEvent, InDoubtNote } from '../drivers/cash/driver.ts';
import type { Journal, JournalEntry } from './journal/journal.ts';

/** What to do with a note that would take the total past the amount due (config `payment.cashOverpay`). */
export type OverpayPolicy = 'refuse' | 'voucher';

/** The largest note the kiosk takes: a voucher never owes as much as one more of it. */
const LARGEST_NOTE_FEN = 10_000;

export interface CashCollected {
  /** What the notes credited: collected money, whatever happens next. */
  insertedFen: number;
  notes: number[];
  /** Owed back on a change voucher when `insertedFen` passed the amount due. */
  changeFen: number;
  /** Notes the acceptor could not make definite: a cashier counts them at the next clearing. */
  inDoubt: InDoubtNote[];
  ended: 'paid' | 'stopped' | 'fault';
  fault?: string;
}

export interface CashDeps {
  journal: Journal;
  acceptor: BillAcceptor;
  afterRecord: () => void;
  overpay: OverpayPolicy;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * Taking notes for one transaction (DESIGN.md §1, §5). The acceptor holds each note in escrow
 * while its intent is journaled, and a note counts only when the unit credits it — journaled
 * at once as collected money and one more note in the cash box. Cash cannot be handed back by
 * this kiosk, so a note that would pay too much is refused, or taken against a change voucher.
 */
export class CashSteps {
  constructor(private readonly d: CashDeps) {}

  private record(entry: JournalEntry): void {
    this.d.journal.record(entry);
    this.d.afterRecord();
  }

  async collect(txnId: string, dueFen: number, options: { signal: AbortSignal; onProgress?: (insertedFen: number) => void }): Promise<CashCollected> {
    this.record({ type: 'cash.collect.intent', txnId, data: { dueFen, overpay: this.d.overpay } });
    let credited = 0;
    // Stop as soon as the amount is met: with a voucher, the last note may pass it.
    const enough = new AbortController();
    const signal = AbortSignal.any([options.signal, enough.signal]);
    let result: AcceptResult;
    try {
      result = await this.d.acceptor.acceptNotes({
        maxFen: this.d.overpay === 'voucher' ? dueFen + LARGEST_NOTE_FEN - 1 : dueFen,
        signal,
        decide: (noteFen, acceptedFen) => {
          if (acceptedFen >= dueFen) return 'return';
          this.record({ type: 'cash.note.escrow', txnId, data: { fen: noteFen, insertedFen: acceptedFen } });
          return 'accept';
        },
        onEvent: (event) => {
          credited = this.onEvent(txnId, event, credited);
          options.onProgress?.(credited);
          if (credited >= dueFen) enough.abort();
        },
      });
    } catch (e) {
      // The unit never got enabled: nothing was taken.
      this.record({ type: 'cash.collect.result', txnId, data: { insertedFen: 0, ended: 'fault', error: (e as Error).message } });
      return { insertedFen: 0, notes: [], changeFen: 0, inDoubt: [], ended: 'fault', fault: (e as Error).message };
    }
    for (const note of result.inDoubt) {
      this.record({ type: 'cash.note.inDoubt', txnId, data: { fen: note.fen, why: note.why } });
      this.d.log('a note the bill acceptor did not make definite', { txnId, fen: note.fen, why: note.why });
    }
    if (result.acceptedFen !== credited) this.d.log('acceptor total differs from the credits seen', { txnId, credited, acceptedFen: result.acceptedFen });
    const insertedFen = credited;
    const ended = insertedFen >= dueFen ? 'paid' : result.ended === 'fault' ? 'fault' : 'stopped';
    const collected: CashCollected = {
      insertedFen,
      notes: result.notes,
      changeFen: Math.max(0, insertedFen - dueFen),
      inDoubt: result.inDoubt,
      ended,
      ...(result.fault ? { fault: result.fault.code } : {}),
    };
    this.record({ type: 'cash.collect.result', txnId, data: { insertedFen, notes: result.notes, changeFen: collected.changeFen, ended, ...(result.fault ? { fault: result.fault.code } : {}) } });
    return collected;
  }

  /** Journals each credit the moment it arrives; returns the running total. */
  private onEvent(txnId: string, event: CashEvent, credited: number): number {
    if (event.type === 'credit' && 'fen' in event && event.fen !== null) {
      const total = credited + event.fen;
      this.record({ type: 'cash.note.stacked', txnId, stacked: event.fen, money: { collected: event.fen }, data: { fen: event.fen, insertedFen: total } });
      return total;
    }
    // What the patient got back or tried: audit for the cashier, no money moved.
    if (event.type === 'rejected') this.record({ type: 'cash.note.returned', txnId, data: {} });
    if (event.type === 'fraudAttempt') this.record({ type: 'cash.note.fraud', txnId, data: {} });
    return credited;
  }
}

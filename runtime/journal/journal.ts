import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { TxnState } from '../../contract/rpc.ts';
import { journalSchema } from './schema.ts';

/**
 * A transaction's money counters in fen (DESIGN.md §5): once closed,
 * collected = applied + refunded + change + voucher + pending.
 */
export const moneyKeys = ['collected', 'applied', 'refunded', 'change', 'voucher', 'pending'] as const;
export type MoneyKey = (typeof moneyKeys)[number];
export type MoneyTotals = Record<MoneyKey, number>;
/** Money moved by one event, each a non-negative fen delta on the transaction's counters. */
export type MoneyDelta = Partial<MoneyTotals>;

export interface JournalEntry {
  type: string;
  txnId?: string;
  /** Masked data only: the journal never holds a name, an ID number or a card number. */
  data?: Record<string, unknown>;
  money?: MoneyDelta;
  /** Opens a transaction of this kind. */
  open?: string;
  /** Closes the transaction in this state. */
  close?: Exclude<TxnState, 'OPEN'>;
  /** A note of this many fen went into the cash box (the cash-unit counters, DESIGN.md §5). */
  stacked?: number;
  /** Staff emptied the cash box: the counters start again from zero. */
  cashboxCleared?: true;
}

export interface JournalEvent {
  seq: number;
  ts: number;
  type: string;
  txnId?: string;
  data: Record<string, unknown>;
}

export interface TxnRow extends MoneyTotals {
  txnId: string;
  kind: string;
  state: TxnState;
  openedAt: number;
  closedAt?: number;
}

/** What an event did to its transaction, kept beside the data so `journal verify` can replay it. */
export type TxnEffect = Pick<JournalEntry, 'money' | 'open' | 'close' | 'stacked' | 'cashboxCleared'>;

export function eventHash(
  prevHash: string,
  e: { seq: number; ts: number; type: string; txnId?: string | null; data: string; effect?: string | null },
): string {
  return createHash('sha256')
    .update(`${prevHash}|${e.seq}|${e.ts}|${e.type}|${e.txnId ?? ''}|${e.data}|${e.effect ?? ''}`)
    .digest('hex');
}

/** The SQL column of each counter. */
export const moneyColumns: Record<MoneyKey, string> = { collected: 'collected', applied: 'applied', refunded: 'refunded', change: 'change_given', voucher: 'voucher', pending: 'pending' };

/**
 * The kiosk's durable memory: SQLite in WAL mode with synchronous=FULL, so a row that `record`
 * returned is on disk before any device is told to act. Each event is also the outbox entry for
 * the `tx` topic (one seq space), acknowledged up to `ackedUpTo` by central.
 */
export class Journal {
  readonly journalId: string;
  private lastHash: string;

  private constructor(
    private readonly db: Database.Database,
    private readonly afterWrite: (() => void) | undefined,
    private readonly now: () => number,
  ) {
    this.journalId = this.meta('journalId')!;
    const last = db.prepare('SELECT hash FROM events ORDER BY seq DESC LIMIT 1').get() as { hash: string } | undefined;
    this.lastHash = last?.hash ?? this.journalId;
  }

  static open(file: string, options: { afterWrite?: () => void; now?: () => number } = {}): Journal {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(journalSchema);
    db.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('journalId', ?)").run(ulid());
    db.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('ackedUpTo', '0')").run();
    return new Journal(db, options.afterWrite, options.now ?? Date.now);
  }

  private meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  /** Appends one event and applies its transaction changes, atomically; then the crash hook. */
  record(entry: JournalEntry): JournalEvent {
    const event = this.db.transaction((): JournalEvent => {
      const ts = this.now();
      const data = JSON.stringify(entry.data ?? {});
      const seq = ((this.db.prepare('SELECT max(seq) AS m FROM events').get() as { m: number | null }).m ?? 0) + 1;
      const effect =
        entry.money || entry.open || entry.close || entry.stacked || entry.cashboxCleared
          ? JSON.stringify({ money: entry.money, open: entry.open, close: entry.close, stacked: entry.stacked, cashboxCleared: entry.cashboxCleared })
          : null;
      const hash = eventHash(this.lastHash, { seq, ts, type: entry.type, txnId: entry.txnId, data, effect });
      this.db
        .prepare('INSERT INTO events(seq, ts, type, txn_id, data, effect, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(seq, ts, entry.type, entry.txnId ?? null, data, effect, this.lastHash, hash);
      if (entry.open) {
        if (!entry.txnId) throw new Error(`${entry.type}: opening a transaction needs a txnId`);
        this.db.prepare("INSERT INTO txns(txn_id, kind, state, opened_at) VALUES (?, ?, 'OPEN', ?)").run(entry.txnId, entry.open, ts);
      }
      if (entry.money || entry.close) this.applyToTxn(entry, ts);
      if (entry.cashboxCleared) this.db.prepare('DELETE FROM cash_units').run();
      if (entry.stacked !== undefined) {
        if (!Number.isSafeInteger(entry.stacked) || entry.stacked <= 0) throw new Error(`${entry.type}: stacked must be a note's value in fen`);
        this.db.prepare('INSERT INTO cash_units(denomination, count) VALUES (?, 1) ON CONFLICT(denomination) DO UPDATE SET count = count + 1').run(entry.stacked);
      }
      this.lastHash = hash;
      return { seq, ts, type: entry.type, txnId: entry.txnId, data: entry.data ?? {} };
    })();
    this.afterWrite?.();
    return event;
  }

  private applyToTxn(entry: JournalEntry, ts: number): void {
    const txn = entry.txnId ? this.txn(entry.txnId) : undefined;
    if (!txn) throw new Error(`${entry.type}: no transaction ${entry.txnId ?? '(none)'}`);
    if (txn.state !== 'OPEN') throw new Error(`${entry.type}: transaction ${txn.txnId} is already ${txn.state}`);
    for (const key of moneyKeys) {
      const column = moneyColumns[key];
      const delta = entry.money?.[key];
      if (delta === undefined) continue;
      if (!Number.isSafeInteger(delta) || delta < 0) throw new Error(`${entry.type}: ${key} must be non-negative integer fen`);
      this.db.prepare(`UPDATE txns SET ${column} = ${column} + ? WHERE txn_id = ?`).run(delta, txn.txnId);
    }
    if (entry.close) this.db.prepare('UPDATE txns SET state = ?, closed_at = ? WHERE txn_id = ?').run(entry.close, ts, txn.txnId);
  }

  /** Notes in the cash box by denomination since it was last emptied, as the journal counted them. */
  cashUnits(): { denomination: number; count: number }[] {
    return this.db.prepare('SELECT denomination, count FROM cash_units ORDER BY denomination').all() as { denomination: number; count: number }[];
  }

  txn(txnId: string): TxnRow | undefined {
    const row = this.db.prepare('SELECT * FROM txns WHERE txn_id = ?').get(txnId) as Record<string, number | string | null> | undefined;
    return row ? toTxn(row) : undefined;
  }

  /** The last transaction that closed SETTLED: what a staff reprint prints again. */
  lastSettled(): TxnRow | undefined {
    const row = this.db.prepare("SELECT * FROM txns WHERE state = 'SETTLED' ORDER BY closed_at DESC LIMIT 1").get() as Record<string, number | string | null> | undefined;
    return row ? toTxn(row) : undefined;
  }

  openTxns(): TxnRow[] {
    return (this.db.prepare("SELECT * FROM txns WHERE state = 'OPEN' ORDER BY opened_at").all() as Record<string, number | string | null>[]).map(toTxn);
  }

  eventsOf(txnId: string): JournalEvent[] {
    return this.rows('SELECT seq, ts, type, txn_id, data FROM events WHERE txn_id = ? ORDER BY seq', txnId);
  }

  /** Events central has not acknowledged yet, in order: the outbox. */
  unacked(limit = 100): JournalEvent[] {
    return this.rows('SELECT seq, ts, type, txn_id, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?', this.ackedUpTo(), limit);
  }

  /** How far behind central is: events not yet acknowledged and the age of the oldest (heartbeat, state). */
  outboxStats(now = Date.now()): { depth: number; oldestAgeMs: number } {
    const row = this.db.prepare('SELECT COUNT(*) AS n, MIN(ts) AS oldest FROM events WHERE seq > ?').get(this.ackedUpTo()) as { n: number; oldest: number | null };
    return { depth: row.n, oldestAgeMs: row.oldest === null ? 0 : Math.max(0, now - row.oldest) };
  }

  ackedUpTo(): number {
    return Number(this.meta('ackedUpTo'));
  }

  /** Only moves forward: a late or duplicated ack changes nothing. */
  acknowledge(upToSeq: number): void {
    this.db.prepare("UPDATE meta SET value = ? WHERE key = 'ackedUpTo' AND CAST(value AS INTEGER) < ?").run(String(upToSeq), upToSeq);
  }

  private rows(sql: string, ...params: unknown[]): JournalEvent[] {
    return (this.db.prepare(sql).all(...params) as { seq: number; ts: number; type: string; txn_id: string | null; data: string }[]).map((r) => ({
      seq: r.seq,
      ts: r.ts,
      type: r.type,
      txnId: r.txn_id ?? undefined,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  close(): void {
    this.db.close();
  }
}

function toTxn(row: Record<string, number | string | null>): TxnRow {
  return {
    txnId: String(row.txn_id),
    kind: String(row.kind),
    state: row.state as TxnState,
    openedAt: Number(row.opened_at),
    closedAt: row.closed_at === null ? undefined : Number(row.closed_at),
    ...moneyFromRow(row),
  };
}

export function moneyFromRow(row: Record<string, unknown>): MoneyTotals {
  return Object.fromEntries(moneyKeys.map((k) => [k, Number(row[moneyColumns[k]])])) as MoneyTotals;
}

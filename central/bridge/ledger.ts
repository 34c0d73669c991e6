import Database from 'better-sqlite3';
import type { RpcResponse } from '../../contract/rpc.ts';

/**
 * Central's record of every kiosk transaction (DESIGN.md §6). The unique key (kid, txnId) decides
 * which request owns a saga; the columns reconciliation needs are there from day one.
 * Internal saga states extend the public ones: PAYING (the HIS call may be in flight) and
 * COMPENSATING (a reversal was ordered from the kiosk and not yet reported done).
 */
export type LedgerState = 'OPEN' | 'PAYING' | 'SETTLED' | 'COMPENSATING' | 'COMPENSATED' | 'PENDING' | 'ABANDONED';

export interface LedgerTxn {
  kid: string;
  txnId: string;
  kind: string;
  state: LedgerState;
  patientId?: string;
  preSettleId?: string;
  amountFen?: number;
  method?: string;
  rrn?: string;
  trace?: string;
  batch?: string;
  authCode?: string;
  panMasked?: string;
  tid?: string;
  mid?: string;
  settleDate?: string;
  hisReceiptNo?: string;
  reason?: string;
  updatedAt: number;
}

const schema = `
CREATE TABLE IF NOT EXISTS txns (
  kid TEXT NOT NULL, txn_id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,
  patient_id TEXT, pre_settle_id TEXT, amount_fen INTEGER, method TEXT,
  rrn TEXT, trace TEXT, batch TEXT, auth_code TEXT, pan_masked TEXT, tid TEXT, mid TEXT, settle_date TEXT,
  his_receipt_no TEXT, reason TEXT, updated_at INTEGER NOT NULL,
  PRIMARY KEY (kid, txn_id)
);
CREATE TABLE IF NOT EXISTS requests (
  kid TEXT NOT NULL, txn_id TEXT NOT NULL, op TEXT NOT NULL, args TEXT NOT NULL,
  response TEXT, created_at INTEGER NOT NULL,
  PRIMARY KEY (kid, txn_id, op)
);
CREATE TABLE IF NOT EXISTS facts (
  kid TEXT NOT NULL, journal_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
  txn_id TEXT, data TEXT NOT NULL, received_at INTEGER NOT NULL,
  PRIMARY KEY (kid, journal_id, seq)
);
CREATE TABLE IF NOT EXISTS journals (
  kid TEXT NOT NULL, journal_id TEXT NOT NULL, acked_up_to INTEGER NOT NULL,
  PRIMARY KEY (kid, journal_id)
);
`;

const columns: Record<keyof Omit<LedgerTxn, 'kid' | 'txnId' | 'updatedAt'>, string> = {
  kind: 'kind',
  state: 'state',
  patientId: 'patient_id',
  preSettleId: 'pre_settle_id',
  amountFen: 'amount_fen',
  method: 'method',
  rrn: 'rrn',
  trace: 'trace',
  batch: 'batch',
  authCode: 'auth_code',
  panMasked: 'pan_masked',
  tid: 'tid',
  mid: 'mid',
  settleDate: 'settle_date',
  hisReceiptNo: 'his_receipt_no',
  reason: 'reason',
};

export type RequestClaim = { kind: 'new' } | { kind: 'stored'; args: string; response?: RpcResponse };

export class Ledger {
  private constructor(private readonly db: Database.Database) {}

  static open(file: string): Ledger {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(schema);
    return new Ledger(db);
  }

  txn(kid: string, txnId: string): LedgerTxn | undefined {
    const row = this.db.prepare('SELECT * FROM txns WHERE kid = ? AND txn_id = ?').get(kid, txnId) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const txn: Record<string, unknown> = { kid, txnId, updatedAt: row.updated_at };
    for (const [key, column] of Object.entries(columns)) if (row[column] !== null) txn[key] = row[column];
    return txn as unknown as LedgerTxn;
  }

  /** Creates the transaction if it does not exist; returns whether this call created it. */
  createTxn(kid: string, txnId: string, kind: string, state: LedgerState, fields: Partial<LedgerTxn> = {}): boolean {
    const created = this.db
      .prepare('INSERT OR IGNORE INTO txns(kid, txn_id, kind, state, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(kid, txnId, kind, state, Date.now()).changes === 1;
    if (created && Object.keys(fields).length) this.updateTxn(kid, txnId, fields);
    return created;
  }

  updateTxn(kid: string, txnId: string, fields: Partial<LedgerTxn>, onlyFrom?: LedgerState[]): boolean {
    const sets: string[] = ['updated_at = ?'];
    const values: unknown[] = [Date.now()];
    for (const [key, value] of Object.entries(fields)) {
      const column = columns[key as keyof typeof columns];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(value);
    }
    const guard = onlyFrom ? ` AND state IN (${onlyFrom.map(() => '?').join(',')})` : '';
    return this.db.prepare(`UPDATE txns SET ${sets.join(', ')} WHERE kid = ? AND txn_id = ?${guard}`).run(...values, kid, txnId, ...(onlyFrom ?? [])).changes === 1;
  }

  /** The unique key decides: the first request for (kid, txnId, op) owns it. */
  claimRequest(kid: string, txnId: string, op: string, args: string): RequestClaim {
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO requests(kid, txn_id, op, args, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(kid, txnId, op, args, Date.now()).changes === 1;
    if (inserted) return { kind: 'new' };
    const row = this.db.prepare('SELECT args, response FROM requests WHERE kid = ? AND txn_id = ? AND op = ?').get(kid, txnId, op) as { args: string; response: string | null };
    return { kind: 'stored', args: row.args, response: row.response ? (JSON.parse(row.response) as RpcResponse) : undefined };
  }

  storeResponse(kid: string, txnId: string, op: string, response: RpcResponse): void {
    this.db.prepare('UPDATE requests SET response = ? WHERE kid = ? AND txn_id = ? AND op = ?').run(JSON.stringify(response), kid, txnId, op);
  }

  /** Forget a request whose answer must not be replayed (a failure that changed nothing). */
  releaseRequest(kid: string, txnId: string, op: string): void {
    this.db.prepare('DELETE FROM requests WHERE kid = ? AND txn_id = ? AND op = ?').run(kid, txnId, op);
  }

  ackedUpTo(kid: string, journalId: string): number {
    const row = this.db.prepare('SELECT acked_up_to FROM journals WHERE kid = ? AND journal_id = ?').get(kid, journalId) as { acked_up_to: number } | undefined;
    return row?.acked_up_to ?? 0;
  }

  /** Stores a fact once; a duplicate (same kid, journal, seq) is ignored. */
  storeFact(kid: string, journalId: string, seq: number, type: string, txnId: string | undefined, data: unknown): boolean {
    return this.db
      .prepare('INSERT OR IGNORE INTO facts(kid, journal_id, seq, type, txn_id, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(kid, journalId, seq, type, txnId ?? null, JSON.stringify(data), Date.now()).changes === 1;
  }

  /** Facts after `afterSeq` that are stored and contiguous, in order: the ones ready to apply. */
  contiguousFacts(kid: string, journalId: string, afterSeq: number): { seq: number; type: string; txnId?: string; data: Record<string, unknown> }[] {
    const rows = this.db
      .prepare('SELECT seq, type, txn_id, data FROM facts WHERE kid = ? AND journal_id = ? AND seq > ? ORDER BY seq')
      .all(kid, journalId, afterSeq) as { seq: number; type: string; txn_id: string | null; data: string }[];
    const ready = [];
    let next = afterSeq + 1;
    for (const r of rows) {
      if (r.seq !== next) break;
      ready.push({ seq: r.seq, type: r.type, txnId: r.txn_id ?? undefined, data: JSON.parse(r.data) as Record<string, unknown> });
      next += 1;
    }
    return ready;
  }

  setAckedUpTo(kid: string, journalId: string, seq: number): void {
    this.db
      .prepare('INSERT INTO journals(kid, journal_id, acked_up_to) VALUES (?, ?, ?) ON CONFLICT(kid, journal_id) DO UPDATE SET acked_up_to = max(acked_up_to, excluded.acked_up_to)')
      .run(kid, journalId, seq);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}

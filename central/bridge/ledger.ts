import Database from 'better-sqlite3';
import type { Compensation, RefundInstruction, RpcResponse } from '../../contract/rpc.ts';
import { LedgerKey } from './ledger-key.ts';

/**
 * Central's record of every kiosk transaction (DESIGN.md §6). The unique key (kid, txnId) decides
 * which request owns a transaction; the columns reconciliation needs are there from day one (bank
 * rrn/trace/batch/terminal/merchant, the QR channel's transaction id, the insurance msgid and
 * settlement id, the HIS receipt and invoice numbers, the settlement date).
 *
 * Internal saga states extend the public ones: PAYING (the HIS money call may be in flight) and
 * COMPENSATING (money is being given back: a card reversal ordered from the kiosk, or a channel
 * refund not yet confirmed). `step` names what the bridge itself still has to drive to a definite
 * end; the worker in `owner` holds it while `leaseUntil` is in the future, and only an expired
 * lease may be taken over, so several workers share one ledger file without racing a saga.
 *
 * Personal data never lands here in clear: request arguments are kept as a keyed digest, and what
 * a saga must replay (the HIS call, the insurance credential) is sealed with the ledger's key.
 */
export type LedgerState = 'OPEN' | 'PAYING' | 'SETTLED' | 'COMPENSATING' | 'COMPENSATED' | 'PENDING' | 'ABANDONED';

/** What the bridge must still do to reach a definite end. */
export type SagaStep = 'his' | 'qrPay' | 'qrRefund' | 'insSettle' | 'insCancel' | 'refunds';

export type QrLedgerState = 'paying' | 'paid' | 'failed' | 'reversed' | 'pending' | 'refunding' | 'refunded';

export type InsuranceLedgerState = 'presettled' | 'settling' | 'settled' | 'cancelled' | 'reversed';

export interface LedgerTxn {
  kid: string;
  txnId: string;
  /** The op that opened the transaction. */
  kind: string;
  state: LedgerState;
  patientId?: string;
  preSettleId?: string;
  /** What the next money op must collect, when an earlier step said (pre-settle, slot lock). */
  dueFen?: number;
  /** The money op that ran (bill.pay, register.confirm, …). */
  op?: string;
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
  qrChannel?: string;
  qrState?: QrLedgerState;
  qrAmountFen?: number;
  qrTradeNo?: string;
  qrPaidAt?: string;
  qrStartedAt?: number;
  qrRefundNo?: string;
  qrReason?: string;
  cashInsertedFen?: number;
  cashChangeFen?: number;
  /** JSON list of fen. */
  cashNotes?: string;
  insState?: InsuranceLedgerState;
  insPsnNo?: string;
  insMdtrtId?: string;
  insChrgBchno?: string;
  /** Sealed JSON of the insured person's credential and plan. */
  insInsured?: string;
  insTotalFen?: number;
  insFundFen?: number;
  insAcctFen?: number;
  insSelfFen?: number;
  insMsgid?: string;
  insSetlId?: string;
  insCancelMsgid?: string;
  hisReceiptNo?: string;
  invoiceNo?: string;
  /** Sealed JSON `{fn, request}`: the HIS money call, replayable on its trade number. */
  hisCall?: string;
  /** JSON: the money op's answer data. */
  result?: string;
  compensate?: Compensation;
  voucherFen?: number;
  reason?: string;
  step?: SagaStep;
  stepAt?: number;
  owner?: string;
  leaseUntil?: number;
  updatedAt: number;
}

type Column = Exclude<keyof LedgerTxn, 'kid' | 'txnId' | 'updatedAt'>;

const columns: Record<Column, string> = {
  kind: 'kind',
  state: 'state',
  patientId: 'patient_id',
  preSettleId: 'pre_settle_id',
  dueFen: 'due_fen',
  op: 'op',
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
  qrChannel: 'qr_channel',
  qrState: 'qr_state',
  qrAmountFen: 'qr_amount_fen',
  qrTradeNo: 'qr_trade_no',
  qrPaidAt: 'qr_paid_at',
  qrStartedAt: 'qr_started_at',
  qrRefundNo: 'qr_refund_no',
  qrReason: 'qr_reason',
  cashInsertedFen: 'cash_inserted_fen',
  cashChangeFen: 'cash_change_fen',
  cashNotes: 'cash_notes',
  insState: 'ins_state',
  insPsnNo: 'ins_psn_no',
  insMdtrtId: 'ins_mdtrt_id',
  insChrgBchno: 'ins_chrg_bchno',
  insInsured: 'ins_insured',
  insTotalFen: 'ins_total_fen',
  insFundFen: 'ins_fund_fen',
  insAcctFen: 'ins_acct_fen',
  insSelfFen: 'ins_self_fen',
  insMsgid: 'ins_msgid',
  insSetlId: 'ins_setl_id',
  insCancelMsgid: 'ins_cancel_msgid',
  hisReceiptNo: 'his_receipt_no',
  invoiceNo: 'invoice_no',
  hisCall: 'his_call',
  result: 'result',
  compensate: 'compensate',
  voucherFen: 'voucher_fen',
  reason: 'reason',
  step: 'step',
  stepAt: 'step_at',
  owner: 'owner',
  leaseUntil: 'lease_until',
};

const integerColumns = new Set<Column>([
  'dueFen', 'amountFen', 'qrAmountFen', 'qrStartedAt', 'cashInsertedFen', 'cashChangeFen', 'insTotalFen', 'insFundFen', 'insAcctFen',
  'insSelfFen', 'voucherFen', 'stepAt', 'leaseUntil',
]);

const columnType = (key: Column) => (integerColumns.has(key) ? 'INTEGER' : 'TEXT');
const optionalColumns = (Object.entries(columns) as [Column, string][]).filter(([key]) => key !== 'kind' && key !== 'state');

const schema = `
CREATE TABLE IF NOT EXISTS txns (
  kid TEXT NOT NULL, txn_id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL,
  ${optionalColumns.map(([key, column]) => `${column} ${columnType(key)}`).join(', ')},
  PRIMARY KEY (kid, txn_id)
);
CREATE TABLE IF NOT EXISTS requests (
  kid TEXT NOT NULL, txn_id TEXT NOT NULL, op TEXT NOT NULL, args TEXT NOT NULL,
  response TEXT, created_at INTEGER NOT NULL,
  PRIMARY KEY (kid, txn_id, op)
);
CREATE TABLE IF NOT EXISTS refunds (
  kid TEXT NOT NULL, txn_id TEXT NOT NULL, n INTEGER NOT NULL, instruction TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (kid, txn_id, n)
);
CREATE TABLE IF NOT EXISTS events (
  kid TEXT NOT NULL, txn_id TEXT NOT NULL, at INTEGER NOT NULL, step TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sequences (
  name TEXT PRIMARY KEY, period TEXT NOT NULL, value INTEGER NOT NULL
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

/** Indexes on columns a ledger made by an earlier version gains only in `migrate`. */
const indexes = `
CREATE INDEX IF NOT EXISTS txns_by_id ON txns (txn_id);
CREATE INDEX IF NOT EXISTS txns_in_flight ON txns (step) WHERE step IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_of_txn ON events (kid, txn_id);
`;

export type RequestClaim = { kind: 'new' } | { kind: 'stored'; sameArgs: boolean; response?: RpcResponse; createdAt: number };

/** Which rows an update may touch: each listed column must hold one of the values (null: IS NULL). */
export interface Guard {
  state?: LedgerState[];
  qrState?: (QrLedgerState | null)[];
  step?: (SagaStep | null)[];
}

export type RefundState = 'instructed' | 'refunding' | 'done' | 'pending';
export interface StoredRefund {
  n: number;
  instruction: RefundInstruction;
  state: RefundState;
}

export class Ledger {
  private constructor(
    private readonly db: Database.Database,
    private readonly key: LedgerKey,
  ) {}

  /** Opens (creating if needed) the ledger and its key file `<file>.key`, which must stay beside it. */
  static open(file: string): Ledger {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(schema);
    migrate(db);
    db.exec(indexes);
    return new Ledger(db, LedgerKey.beside(file));
  }

  txn(kid: string, txnId: string): LedgerTxn | undefined {
    const row = this.db.prepare('SELECT * FROM txns WHERE kid = ? AND txn_id = ?').get(kid, txnId) as Record<string, unknown> | undefined;
    return row ? toTxn(row) : undefined;
  }

  /** A transaction of any kiosk: a refund may go back on a trade another kiosk collected. */
  txnById(txnId: string): LedgerTxn | undefined {
    const row = this.db.prepare('SELECT * FROM txns WHERE txn_id = ? LIMIT 1').get(txnId) as Record<string, unknown> | undefined;
    return row ? toTxn(row) : undefined;
  }

  /** Creates the transaction if it does not exist; returns whether this call created it. */
  createTxn(kid: string, txnId: string, kind: string, state: LedgerState, fields: Partial<LedgerTxn> = {}): boolean {
    const created = this.db
      .prepare('INSERT OR IGNORE INTO txns(kid, txn_id, kind, state, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(kid, txnId, kind, state, Date.now()).changes === 1;
    if (created && Object.keys(fields).length) this.updateTxn(kid, txnId, fields);
    return created;
  }

  /**
   * Sets the fields (undefined leaves a column alone, null clears it) where the guard holds;
   * returns whether a row changed. `onlyFrom` is the guard on state alone.
   */
  updateTxn(kid: string, txnId: string, fields: { [K in keyof LedgerTxn]?: LedgerTxn[K] | null }, guard?: LedgerState[] | Guard): boolean {
    const sets: string[] = ['updated_at = ?'];
    const values: unknown[] = [Date.now()];
    for (const [key, value] of Object.entries(fields)) {
      const column = columns[key as Column];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(value);
    }
    const where = guardSql(Array.isArray(guard) ? { state: guard } : (guard ?? {}));
    return this.db.prepare(`UPDATE txns SET ${sets.join(', ')} WHERE kid = ? AND txn_id = ?${where.sql}`).run(...values, kid, txnId, ...where.values).changes === 1;
  }

  /** Keeps alive the lease of every saga this worker drives. */
  renewLeases(owner: string, leaseUntil: number): void {
    this.db.prepare('UPDATE txns SET lease_until = ? WHERE owner = ? AND step IS NOT NULL').run(leaseUntil, owner);
  }

  /** Sagas whose worker is gone (no owner, or its lease expired) and whose step began before `stepBefore`. */
  staleSagas(now: number, stepBefore: number, limit = 50): { kid: string; txnId: string }[] {
    return this.db
      .prepare(
        'SELECT kid, txn_id AS txnId FROM txns WHERE step IS NOT NULL AND (owner IS NULL OR lease_until IS NULL OR lease_until < ?) AND step_at < ? ORDER BY step_at LIMIT ?',
      )
      .all(now, stepBefore, limit) as { kid: string; txnId: string }[];
  }

  /** QR payments collected for a business that never came (the kiosk went away): refundable. */
  orphanQrPayments(paidBefore: number, limit = 50): { kid: string; txnId: string }[] {
    return this.db
      .prepare("SELECT kid, txn_id AS txnId FROM txns WHERE state = 'OPEN' AND qr_state = 'paid' AND step IS NULL AND updated_at < ? ORDER BY updated_at LIMIT ?")
      .all(paidBefore, limit) as { kid: string; txnId: string }[];
  }

  /** Takes over a saga whose lease expired; exactly one worker wins (SQLite serialises the update). */
  takeOver(kid: string, txnId: string, owner: string, now: number, leaseUntil: number): boolean {
    return this.db
      .prepare('UPDATE txns SET owner = ?, lease_until = ? WHERE kid = ? AND txn_id = ? AND step IS NOT NULL AND (owner IS NULL OR lease_until IS NULL OR lease_until < ? OR owner = ?)')
      .run(owner, leaseUntil, kid, txnId, now, owner).changes === 1;
  }

  appendEvent(kid: string, txnId: string, step: string, data: Record<string, unknown>): void {
    this.db.prepare('INSERT INTO events(kid, txn_id, at, step, data) VALUES (?, ?, ?, ?, ?)').run(kid, txnId, Date.now(), step, JSON.stringify(data));
  }

  events(kid: string, txnId: string): { at: number; step: string; data: Record<string, unknown> }[] {
    return (this.db.prepare('SELECT at, step, data FROM events WHERE kid = ? AND txn_id = ? ORDER BY rowid').all(kid, txnId) as { at: number; step: string; data: string }[]).map(
      (e) => ({ at: e.at, step: e.step, data: JSON.parse(e.data) as Record<string, unknown> }),
    );
  }

  /** Stores a transaction's refunds once; a second call (a replay) keeps the first. */
  addRefunds(kid: string, txnId: string, refunds: { instruction: RefundInstruction; state: RefundState }[]): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO refunds(kid, txn_id, n, instruction, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.transaction(() => refunds.forEach((r, n) => insert.run(kid, txnId, n + 1, JSON.stringify(r.instruction), r.state, Date.now())));
  }

  refunds(kid: string, txnId: string): StoredRefund[] {
    return (this.db.prepare('SELECT n, instruction, state FROM refunds WHERE kid = ? AND txn_id = ? ORDER BY n').all(kid, txnId) as { n: number; instruction: string; state: RefundState }[]).map(
      (r) => ({ n: r.n, instruction: JSON.parse(r.instruction) as RefundInstruction, state: r.state }),
    );
  }

  updateRefund(kid: string, txnId: string, n: number, instruction: RefundInstruction, state: RefundState): void {
    this.db.prepare('UPDATE refunds SET instruction = ?, state = ?, updated_at = ? WHERE kid = ? AND txn_id = ? AND n = ?').run(JSON.stringify(instruction), state, Date.now(), kid, txnId, n);
  }

  /** The next value of a counter that restarts each `period` (1 … 9999): unique across every worker on this file. */
  nextSequence(name: string, period: string): number {
    return this.transaction(() => {
      const row = this.db.prepare('SELECT period, value FROM sequences WHERE name = ?').get(name) as { period: string; value: number } | undefined;
      const value = row && row.period === period ? (row.value % 9999) + 1 : 1;
      this.db.prepare('INSERT INTO sequences(name, period, value) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET period = excluded.period, value = excluded.value').run(name, period, value);
      return value;
    });
  }

  seal(value: unknown): string {
    return this.key.seal(JSON.stringify(value));
  }

  unseal<T>(sealed: string): T {
    return JSON.parse(this.key.unseal(sealed)) as T;
  }

  /** The unique key decides: the first request for (kid, txnId, op) owns it. Arguments are kept as a keyed digest. */
  claimRequest(kid: string, txnId: string, op: string, args: string): RequestClaim {
    const digest = this.key.digest(args);
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO requests(kid, txn_id, op, args, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(kid, txnId, op, digest, Date.now()).changes === 1;
    if (inserted) return { kind: 'new' };
    const row = this.db.prepare('SELECT args, response, created_at FROM requests WHERE kid = ? AND txn_id = ? AND op = ?').get(kid, txnId, op) as { args: string; response: string | null; created_at: number } | undefined;
    // Released between the insert and the read: the caller tries again.
    if (!row) return this.claimRequest(kid, txnId, op, args);
    return { kind: 'stored', sameArgs: row.args === digest, response: row.response ? (JSON.parse(row.response) as RpcResponse) : undefined, createdAt: row.created_at };
  }

  /**
   * A request still unanswered since `before` belonged to a worker that died mid-op: the caller
   * takes it over (one caller wins) and runs the op again, which answers from the ledger.
   */
  takeOverRequest(kid: string, txnId: string, op: string, before: number): boolean {
    return this.db
      .prepare('UPDATE requests SET created_at = ? WHERE kid = ? AND txn_id = ? AND op = ? AND response IS NULL AND created_at < ?')
      .run(Date.now(), kid, txnId, op, before).changes === 1;
  }

  storeResponse(kid: string, txnId: string, op: string, response: RpcResponse): void {
    this.db.prepare('UPDATE requests SET response = ? WHERE kid = ? AND txn_id = ? AND op = ?').run(JSON.stringify(response), kid, txnId, op);
  }

  /** Forget a request whose answer must not be replayed (a failure that changed nothing, an answer not final yet). */
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

  /** One SQLite write transaction, taken at once so a read-then-write cannot race another worker. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    this.db.close();
  }
}

function toTxn(row: Record<string, unknown>): LedgerTxn {
  const txn: Record<string, unknown> = { kid: row.kid, txnId: row.txn_id, updatedAt: row.updated_at };
  for (const [key, column] of Object.entries(columns)) if (row[column] !== null && row[column] !== undefined) txn[key] = row[column];
  return txn as unknown as LedgerTxn;
}

function guardSql(guard: Guard): { sql: string; values: unknown[] } {
  let sql = '';
  const values: unknown[] = [];
  for (const [key, allowed] of Object.entries(guard) as [keyof Guard, (string | null)[] | undefined][]) {
    if (!allowed) continue;
    const column = columns[key];
    const named = allowed.filter((v): v is string => v !== null);
    const parts = [...(named.length ? [`${column} IN (${named.map(() => '?').join(',')})`] : []), ...(allowed.includes(null) ? [`${column} IS NULL`] : [])];
    sql += ` AND (${parts.join(' OR ') || '0'})`;
    values.push(...named);
  }
  return { sql, values };
}

/** A ledger made by an earlier version gains the columns this one keeps; nothing is ever dropped. */
function migrate(db: Database.Database): void {
  const present = new Set((db.prepare('PRAGMA table_info(txns)').all() as { name: string }[]).map((c) => c.name));
  const missing = optionalColumns.filter(([, column]) => !present.has(column));
  db.transaction(() => {
    for (const [key, column] of missing) db.exec(`ALTER TABLE txns ADD COLUMN ${column} ${columnType(key)}`);
  })();
}

import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import {
  assertFen,
  HisError,
  hisFunctions,
  isHisErrorCode,
  type Bill,
  type BillItem,
  type CredType,
  type HisErrorCode,
  type HisFunction,
  type HisPort,
  type Patient,
  type PatientQuery,
  type PreSettlement,
  type PreSettleRequest,
  type Settlement,
  type SettleRequest,
  type TradeStatus,
} from './port.ts';
import { hospital as seedHospital, patients as seedPatients } from './seed.ts';

/**
 * A simulated HIS that keeps its own ledger in `his.sqlite` inside a data folder, so a test can
 * assert from the hospital's side what was paid, and so it outlives the bridge that uses it.
 * Faults live in the same file and are read at every call: a separate process
 * (`zizhu his-sim fault ...`) can break a running bridge's HIS.
 */

export type HisFault = (
  | { mode: 'down' }
  | { mode: 'error'; code: HisErrorCode }
  | { mode: 'slow'; ms: number }
  /** The call takes effect, then the answer is lost: the outcome the bridge must query for. */
  | { mode: 'commitThenSilent' }
) & { once?: boolean };

export interface HisSimulatorOptions {
  /** Epoch milliseconds; injected so tests can expire a pre-settle without waiting. */
  now?: () => number;
}

export interface HospitalFixture {
  hospitalId: string;
  name: string;
  departments: { deptId: string; name: string; location: string }[];
  doctors: { doctorId: string; deptId: string; name: string; title: string; feeFen: number }[];
}

export interface PatientFixture {
  patientId: string;
  cardNo: string;
  idNumber: string;
  insuranceCode: string;
  name: string;
  bills: { billNo: string; amountFen: number }[];
}

export interface Fixtures {
  hospital: HospitalFixture;
  patients: PatientFixture[];
}

/** A bill as the hospital's own records show it, paid or not. */
export interface BillRecord extends Bill {
  paid: boolean;
  hisReceiptNo?: string;
  tradeNo?: string;
}

/** How long a pre-settle holds; hospitals use minutes so that a stale price is never charged. */
export const preSettleTtlMs = 15 * 60_000;

const schema = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS departments (dept_id TEXT PRIMARY KEY, name TEXT NOT NULL, location TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS doctors (doctor_id TEXT PRIMARY KEY, dept_id TEXT NOT NULL REFERENCES departments,
    name TEXT NOT NULL, title TEXT NOT NULL, fee_fen INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS patients (patient_id TEXT PRIMARY KEY, name TEXT NOT NULL, sex TEXT NOT NULL,
    birth_date TEXT NOT NULL, id_number TEXT NOT NULL UNIQUE, card_no TEXT NOT NULL UNIQUE, insurance_code TEXT NOT NULL UNIQUE);
  CREATE TABLE IF NOT EXISTS bills (bill_no TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients,
    doctor_id TEXT NOT NULL REFERENCES doctors, created_at TEXT NOT NULL, amount_fen INTEGER NOT NULL,
    trade_no TEXT REFERENCES trades);
  CREATE TABLE IF NOT EXISTS bill_items (bill_no TEXT NOT NULL REFERENCES bills, line INTEGER NOT NULL, name TEXT NOT NULL,
    qty INTEGER NOT NULL, unit TEXT NOT NULL, price_fen INTEGER NOT NULL, amount_fen INTEGER NOT NULL, PRIMARY KEY (bill_no, line));
  CREATE TABLE IF NOT EXISTS pre_settles (pre_settle_id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, trade_no TEXT NOT NULL,
    bill_nos TEXT NOT NULL, total_fen INTEGER NOT NULL, self_fen INTEGER NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS trades (trade_no TEXT PRIMARY KEY, pre_settle_id TEXT NOT NULL, his_receipt_no TEXT NOT NULL UNIQUE,
    amount_fen INTEGER NOT NULL, payment TEXT NOT NULL, settled_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS faults (fn TEXT PRIMARY KEY, fault TEXT NOT NULL);
`;

interface BillRow {
  billNo: string;
  amountFen: number;
  department: string;
  doctor: string;
  createdAt: string;
  patientId: string;
  tradeNo: string | null;
  hisReceiptNo: string | null;
}

interface PreSettleRow {
  patientId: string;
  tradeNo: string;
  billNos: string;
  selfFen: number;
  expiresAt: number;
}

interface TradeRow {
  preSettleId: string;
  hisReceiptNo: string;
  amountFen: number;
  payment: string;
  settledAt: string;
}

const billSelect = `SELECT b.bill_no AS billNo, b.amount_fen AS amountFen, dp.name AS department, d.name AS doctor,
  b.created_at AS createdAt, b.patient_id AS patientId, b.trade_no AS tradeNo, t.his_receipt_no AS hisReceiptNo
  FROM bills b JOIN doctors d USING (doctor_id) JOIN departments dp ON dp.dept_id = d.dept_id
  LEFT JOIN trades t ON t.trade_no = b.trade_no`;

const credColumns: Record<CredType, string> = { patientCard: 'card_no', idCard: 'id_number', insuranceCode: 'insurance_code' };

/** Hospital local time, because that is how a HIS prints it and how the business day is cut. */
function shanghaiIso(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
}

/** Our ULIDs are 26 characters; 32 is the longest trade number the channels and HIS accept. */
function assertTradeNo(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(value)) {
    throw new HisError('INVALID_REQUEST', 'tradeNo must be 1 to 32 letters, digits, "-" or "_"', { field: 'tradeNo' });
  }
}

function assertText(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new HisError('INVALID_REQUEST', `${field} must be a non-empty string`, { field });
}

/** Throws INVALID_REQUEST when `fault` is not one the simulator knows how to play. */
export function assertFault(fault: HisFault): void {
  const f: unknown = fault;
  if (typeof f !== 'object' || f === null || !('mode' in f)) throw new HisError('INVALID_REQUEST', 'a fault needs a mode', { field: 'mode' });
  if ('once' in f && f.once !== undefined && typeof f.once !== 'boolean') throw new HisError('INVALID_REQUEST', 'once must be a boolean', { field: 'once' });
  switch (f.mode) {
    case 'down':
    case 'commitThenSilent':
      return;
    case 'error':
      if (!('code' in f) || typeof f.code !== 'string' || !isHisErrorCode(f.code)) {
        throw new HisError('INVALID_REQUEST', 'code must be a HIS error code such as REJECTED or BILL_NOT_PAYABLE', { field: 'code' });
      }
      return;
    case 'slow':
      if (!('ms' in f) || typeof f.ms !== 'number' || !Number.isSafeInteger(f.ms) || f.ms < 1) {
        throw new HisError('INVALID_REQUEST', 'ms must be a positive whole number of milliseconds', { field: 'ms' });
      }
      return;
    default:
      throw new HisError('INVALID_REQUEST', 'mode must be down, error, slow or commitThenSilent', { field: 'mode' });
  }
}

export class HisSimulator implements HisPort {
  private constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {}

  /** Opens the simulator's ledger in `dataDir`, creating and seeding it on first use. */
  static open(dataDir: string, options: HisSimulatorOptions = {}): HisSimulator {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, 'his.sqlite'));
    // The bridge and `zizhu his-sim` open the same file from different processes.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Immediate, so two processes opening a fresh folder at once seed it only once.
    db.transaction(() => {
      db.exec(schema);
      if (!db.prepare('SELECT 1 FROM meta WHERE key = ?').get('seeded')) seed(db);
    }).immediate();
    return new HisSimulator(db, options.now ?? Date.now);
  }

  close(): void {
    this.db.close();
  }

  identifyPatient(query: PatientQuery): Promise<Patient> {
    return this.call('identifyPatient', () => {
      const column = Object.hasOwn(credColumns, query.credType) ? credColumns[query.credType] : undefined;
      if (!column) throw new HisError('INVALID_REQUEST', 'credType must be patientCard, idCard or insuranceCode', { field: 'credType' });
      assertText(query.credNo, 'credNo');
      // The check digit X is written in either case on forms; the register holds capitals.
      const credNo = query.credType === 'idCard' ? query.credNo.toUpperCase() : query.credNo;
      const patient = this.db
        .prepare<[string], Patient>(`SELECT patient_id AS patientId, name, id_number AS idNumber, card_no AS cardNo, sex, birth_date AS birthDate FROM patients WHERE ${column} = ?`)
        .get(credNo);
      if (!patient) throw new HisError('NOT_FOUND', `no patient with that ${query.credType}`, { credType: query.credType });
      return patient;
    });
  }

  listBills(query: { patientId: string }): Promise<{ bills: Bill[] }> {
    return this.call('listBills', () => {
      this.assertPatient(query.patientId);
      return { bills: this.billRows(query.patientId).filter((b) => !b.tradeNo).map((b) => this.bill(b)) };
    });
  }

  preSettle(request: PreSettleRequest): Promise<PreSettlement> {
    return this.call('preSettle', () =>
      this.db.transaction((): PreSettlement => {
        assertTradeNo(request.tradeNo);
        this.assertPatient(request.patientId);
        const billNos = request.billNos;
        if (!Array.isArray(billNos) || billNos.length === 0 || new Set(billNos).size !== billNos.length) {
          throw new HisError('INVALID_REQUEST', 'billNos must list one or more distinct bills', { field: 'billNos' });
        }
        if (this.trade(request.tradeNo)) throw new HisError('TRADE_CONFLICT', 'this trade number is already settled', { tradeNo: request.tradeNo });
        const totalFen = this.payableBills(request.patientId, billNos).reduce((sum, b) => sum + b.amountFen, 0);
        const preSettleId = `PS${String(this.count('pre_settles') + 1).padStart(8, '0')}`;
        const expiresAt = this.now() + preSettleTtlMs;
        // A card payment is all self-pay; the insurance split arrives with the insurance adapter.
        this.db
          .prepare('INSERT INTO pre_settles (pre_settle_id, patient_id, trade_no, bill_nos, total_fen, self_fen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(preSettleId, request.patientId, request.tradeNo, JSON.stringify(billNos), totalFen, totalFen, expiresAt);
        return { preSettleId, totalFen, fundFen: 0, acctFen: 0, selfFen: totalFen, expiresAt: shanghaiIso(expiresAt) };
      }).immediate(),
    );
  }

  settle(request: SettleRequest): Promise<Settlement> {
    return this.call('settle', () => this.db.transaction(() => this.settleNow(request)).immediate());
  }

  queryTrade(query: { tradeNo: string }): Promise<TradeStatus> {
    return this.call('queryTrade', () => {
      assertTradeNo(query.tradeNo);
      const trade = this.trade(query.tradeNo);
      return trade ? { state: 'settled', hisReceiptNo: trade.hisReceiptNo } : { state: 'notFound' };
    });
  }

  /** Replaces the fault on `fn`; it applies from the next call, in this process or any other. */
  setFault(fn: HisFunction, fault: HisFault): void {
    if (!hisFunctions.includes(fn)) throw new HisError('INVALID_REQUEST', `fn must be one of ${hisFunctions.join(', ')}`, { field: 'fn' });
    assertFault(fault);
    this.db.prepare('INSERT INTO faults (fn, fault) VALUES (?, ?) ON CONFLICT (fn) DO UPDATE SET fault = excluded.fault').run(fn, JSON.stringify(fault));
  }

  clearFault(fn: HisFunction): void {
    this.db.prepare('DELETE FROM faults WHERE fn = ?').run(fn);
  }

  /** What the seed created: the names, numbers and amounts tests and demos refer to. */
  fixtures(): Fixtures {
    const name = this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get('hospital');
    const hospital: HospitalFixture = {
      ...(JSON.parse(name?.value ?? '{}') as Pick<HospitalFixture, 'hospitalId' | 'name'>),
      departments: this.db.prepare<[], HospitalFixture['departments'][number]>('SELECT dept_id AS deptId, name, location FROM departments ORDER BY dept_id').all(),
      doctors: this.db
        .prepare<[], HospitalFixture['doctors'][number]>('SELECT doctor_id AS doctorId, dept_id AS deptId, name, title, fee_fen AS feeFen FROM doctors ORDER BY doctor_id')
        .all(),
    };
    const patients = this.db
      .prepare<[], Omit<PatientFixture, 'bills'>>('SELECT patient_id AS patientId, card_no AS cardNo, id_number AS idNumber, insurance_code AS insuranceCode, name FROM patients ORDER BY patient_id')
      .all()
      .map((p) => ({ ...p, bills: this.billRows(p.patientId).map(({ billNo, amountFen }) => ({ billNo, amountFen })) }));
    return { hospital, patients };
  }

  /** Every bill of the patient, paid or not, as the hospital's ledger holds it. NOT_FOUND for an unknown patient. */
  bills(patientId: string): BillRecord[] {
    this.assertPatient(patientId);
    return this.billRows(patientId).map((row) => ({
      ...this.bill(row),
      paid: row.tradeNo !== null,
      ...(row.tradeNo !== null ? { tradeNo: row.tradeNo } : {}),
      ...(row.hisReceiptNo !== null ? { hisReceiptNo: row.hisReceiptNo } : {}),
    }));
  }

  private settleNow(request: SettleRequest): Settlement {
    assertTradeNo(request.tradeNo);
    assertText(request.preSettleId, 'preSettleId');
    const payment = request.payment;
    if (payment?.method !== 'card') throw new HisError('INVALID_REQUEST', 'payment.method must be card', { field: 'payment.method' });
    assertFen(payment.amountFen, 'payment.amountFen');
    for (const field of ['rrn', 'trace', 'batch', 'authCode', 'panMasked', 'tid', 'mid', 'settleDate'] as const) assertText(payment[field], `payment.${field}`);

    // The trade number decides first, so a retry after a lost answer gets the first receipt even
    // when the pre-settle has expired since.
    const done = this.trade(request.tradeNo);
    if (done) {
      const first = JSON.parse(done.payment) as { rrn: string };
      if (done.preSettleId !== request.preSettleId || done.amountFen !== payment.amountFen || first.rrn !== payment.rrn) {
        throw new HisError('TRADE_CONFLICT', 'this trade number was settled with another pre-settle or payment', { tradeNo: request.tradeNo });
      }
      return { hisReceiptNo: done.hisReceiptNo, settledAt: done.settledAt };
    }

    const pre = this.db
      .prepare<[string], PreSettleRow>('SELECT patient_id AS patientId, trade_no AS tradeNo, bill_nos AS billNos, self_fen AS selfFen, expires_at AS expiresAt FROM pre_settles WHERE pre_settle_id = ?')
      .get(request.preSettleId);
    if (!pre) throw new HisError('PRESETTLE_NOT_FOUND', 'no such pre-settle', { preSettleId: request.preSettleId });
    if (pre.tradeNo !== request.tradeNo) throw new HisError('TRADE_CONFLICT', 'the pre-settle was made for another trade number', { preSettleId: request.preSettleId });
    const now = this.now();
    if (now > pre.expiresAt) throw new HisError('PRESETTLE_EXPIRED', 'the pre-settle has expired; pre-settle again', { expiresAt: shanghaiIso(pre.expiresAt) });
    if (payment.amountFen !== pre.selfFen) {
      throw new HisError('AMOUNT_MISMATCH', 'the amount paid is not the self-pay amount', { expectedFen: pre.selfFen, paidFen: payment.amountFen });
    }
    // A bill may have been paid at the counter between pre-settle and settle.
    const billNos = this.payableBills(pre.patientId, JSON.parse(pre.billNos) as string[]).map((b) => b.billNo);

    const settledAt = shanghaiIso(now);
    const hisReceiptNo = `SF${settledAt.slice(0, 10).replaceAll('-', '')}${String(this.count('trades') + 1).padStart(6, '0')}`;
    this.db
      .prepare('INSERT INTO trades (trade_no, pre_settle_id, his_receipt_no, amount_fen, payment, settled_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(request.tradeNo, request.preSettleId, hisReceiptNo, payment.amountFen, JSON.stringify(payment), settledAt);
    const markPaid = this.db.prepare('UPDATE bills SET trade_no = ? WHERE bill_no = ?');
    for (const billNo of billNos) markPaid.run(request.tradeNo, billNo);
    return { hisReceiptNo, settledAt };
  }

  /** Plays the fault set on `fn`, if any, around `op`, and keeps the promise of the port: only HisError escapes. */
  private async call<T>(fn: HisFunction, op: () => T): Promise<T> {
    try {
      const fault = this.takeFault(fn);
      if (fault?.mode === 'down') throw new HisError('UNAVAILABLE', `simulated HIS is down (${fn})`, { fn });
      if (fault?.mode === 'error') throw new HisError(fault.code, `simulated HIS error ${fault.code} (${fn})`, { fn });
      if (fault?.mode === 'slow') await sleep(fault.ms);
      const result = op();
      if (fault?.mode === 'commitThenSilent') throw new HisError('NO_ANSWER', `simulated HIS committed ${fn} and the answer was lost`, { fn });
      return result;
    } catch (e) {
      if (e instanceof HisError) throw e;
      throw new HisError('INTERNAL', `simulated HIS failed: ${(e as Error).message}`, { fn }, { cause: e });
    }
  }

  /** Reads the fault at every call, since another process may have set it; a `once` fault fires for one caller only. */
  private takeFault(fn: HisFunction): HisFault | undefined {
    const row = this.db.prepare<[string], { fault: string }>('SELECT fault FROM faults WHERE fn = ?').get(fn);
    if (!row) return undefined;
    const fault = JSON.parse(row.fault) as HisFault;
    if (fault.once && this.db.prepare('DELETE FROM faults WHERE fn = ? AND fault = ?').run(fn, row.fault).changes === 0) return undefined;
    return fault;
  }

  private assertPatient(patientId: string): void {
    assertText(patientId, 'patientId');
    if (!this.db.prepare('SELECT 1 FROM patients WHERE patient_id = ?').get(patientId)) {
      throw new HisError('NOT_FOUND', 'no such patient', { patientId });
    }
  }

  /** The named bills, each unpaid and this patient's, or BILL_NOT_PAYABLE naming the first that is not. */
  private payableBills(patientId: string, billNos: string[]): BillRow[] {
    const byNo = this.db.prepare<[string], BillRow>(`${billSelect} WHERE b.bill_no = ?`);
    return billNos.map((billNo) => {
      const row = typeof billNo === 'string' ? byNo.get(billNo) : undefined;
      if (!row || row.patientId !== patientId || row.tradeNo !== null) {
        throw new HisError('BILL_NOT_PAYABLE', `bill ${String(billNo)} is not an unpaid bill of this patient`, { billNo });
      }
      return row;
    });
  }

  private billRows(patientId: string): BillRow[] {
    return this.db.prepare<[string], BillRow>(`${billSelect} WHERE b.patient_id = ? ORDER BY b.bill_no`).all(patientId);
  }

  private bill(row: BillRow): Bill {
    const items = this.db
      .prepare<[string], BillItem>('SELECT name, qty, unit, price_fen AS priceFen, amount_fen AS amountFen FROM bill_items WHERE bill_no = ? ORDER BY line')
      .all(row.billNo);
    return { billNo: row.billNo, amountFen: row.amountFen, department: row.department, doctor: row.doctor, createdAt: row.createdAt, items };
  }

  private trade(tradeNo: string): TradeRow | undefined {
    return this.db
      .prepare<[string], TradeRow>('SELECT pre_settle_id AS preSettleId, his_receipt_no AS hisReceiptNo, amount_fen AS amountFen, payment, settled_at AS settledAt FROM trades WHERE trade_no = ?')
      .get(tradeNo);
  }

  private count(table: 'pre_settles' | 'trades'): number {
    return this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
  }
}

function seed(db: Database.Database): void {
  const { departments, doctors, ...head } = seedHospital;
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('hospital', JSON.stringify(head));
  const dept = db.prepare('INSERT INTO departments (dept_id, name, location) VALUES (?, ?, ?)');
  for (const d of departments) dept.run(d.deptId, d.name, d.location);
  const doctor = db.prepare('INSERT INTO doctors (doctor_id, dept_id, name, title, fee_fen) VALUES (?, ?, ?, ?, ?)');
  for (const d of doctors) doctor.run(d.doctorId, d.deptId, d.name, d.title, d.feeFen);
  const patient = db.prepare('INSERT INTO patients (patient_id, name, sex, birth_date, id_number, card_no, insurance_code) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const bill = db.prepare('INSERT INTO bills (bill_no, patient_id, doctor_id, created_at, amount_fen) VALUES (?, ?, ?, ?, ?)');
  const line = db.prepare('INSERT INTO bill_items (bill_no, line, name, qty, unit, price_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const p of seedPatients) {
    // GB 11643: digits 7 to 14 of the ID number are the date of birth.
    const birthDate = `${p.idNumber.slice(6, 10)}-${p.idNumber.slice(10, 12)}-${p.idNumber.slice(12, 14)}`;
    patient.run(p.patientId, p.name, p.sex, birthDate, p.idNumber, p.cardNo, p.insuranceCode);
    for (const b of p.bills) {
      const amounts = b.items.map((i) => i.priceFen * i.qty);
      bill.run(b.billNo, p.patientId, b.doctorId, b.createdAt, amounts.reduce((sum, a) => sum + a, 0));
      b.items.forEach((i, n) => line.run(b.billNo, n + 1, i.name, i.qty, i.unit, i.priceFen, amounts[n]));
    }
  }
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('seeded', '1');
}

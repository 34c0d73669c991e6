import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { accounts, admissions, appointments, doctorProfiles, feeByTitle, hospital, otherPatients, paidBills, patients, reports } from '../seed.ts';
import { priceCatalogue } from '../seed-prices.ts';
import { firstSession, slotId } from './rota.ts';
import { addDays, compactDate, shanghaiDate, shanghaiIso, shanghaiMs } from './time.ts';

/**
 * The simulated hospital's own database, `his.sqlite` in a data folder. It is the HIS's ledger:
 * tests assert from it what the hospital believes, and it outlives the bridge that uses it.
 */

/** Bumped when the tables change, so an old data folder is refused rather than misread. */
const schemaVersion = '4';

const schema = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS departments (dept_id TEXT PRIMARY KEY, name TEXT NOT NULL, location TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS doctors (doctor_id TEXT PRIMARY KEY, dept_id TEXT NOT NULL REFERENCES departments,
    name TEXT NOT NULL, title TEXT NOT NULL, fee_fen INTEGER NOT NULL, capacity INTEGER NOT NULL,
    mornings TEXT NOT NULL, afternoons TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS patients (patient_id TEXT PRIMARY KEY, name TEXT NOT NULL, sex TEXT NOT NULL,
    birth_date TEXT NOT NULL, id_number TEXT NOT NULL UNIQUE, card_no TEXT NOT NULL UNIQUE, insurance_code TEXT UNIQUE,
    nation TEXT, address TEXT, phone TEXT);
  CREATE TABLE IF NOT EXISTS trades (trade_no TEXT PRIMARY KEY, kind TEXT NOT NULL, request TEXT NOT NULL, result TEXT NOT NULL,
    patient_id TEXT NOT NULL, his_receipt_no TEXT NOT NULL UNIQUE, paid_fen INTEGER NOT NULL, refund_fen INTEGER NOT NULL,
    receipt TEXT NOT NULL, settled_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS bills (bill_no TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients,
    doctor_id TEXT NOT NULL REFERENCES doctors, created_at TEXT NOT NULL, amount_fen INTEGER NOT NULL,
    trade_no TEXT REFERENCES trades DEFERRABLE INITIALLY DEFERRED); -- the trade row is written after its effects
  CREATE TABLE IF NOT EXISTS bill_items (bill_no TEXT NOT NULL REFERENCES bills, line INTEGER NOT NULL, name TEXT NOT NULL,
    qty INTEGER NOT NULL, unit TEXT NOT NULL, price_fen INTEGER NOT NULL, amount_fen INTEGER NOT NULL,
    insurance_code TEXT, -- 医保对照: the national catalogue code, NULL when the item is mapped to none
    PRIMARY KEY (bill_no, line));
  CREATE TABLE IF NOT EXISTS pre_settles (pre_settle_id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, trade_no TEXT NOT NULL,
    bill_nos TEXT NOT NULL, total_fen INTEGER NOT NULL, self_fen INTEGER NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS slot_locks (lock_id TEXT PRIMARY KEY, slot_id TEXT NOT NULL, patient_id TEXT NOT NULL REFERENCES patients,
    trade_no TEXT NOT NULL, expires_at INTEGER NOT NULL, state TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS slot_locks_slot ON slot_locks (slot_id, state);
  CREATE TABLE IF NOT EXISTS appointments (appointment_no TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients,
    slot_id TEXT NOT NULL, doctor_id TEXT NOT NULL REFERENCES doctors, date TEXT NOT NULL, period TEXT NOT NULL,
    see_no INTEGER NOT NULL, fee_fen INTEGER NOT NULL, state TEXT NOT NULL, paid_by TEXT);
  CREATE INDEX IF NOT EXISTS appointments_slot ON appointments (slot_id, state);
  CREATE TABLE IF NOT EXISTS accounts (patient_id TEXT PRIMARY KEY REFERENCES patients, balance_fen INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS admissions (admission_no TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients,
    dept_id TEXT NOT NULL REFERENCES departments, ward TEXT NOT NULL, bed TEXT NOT NULL, admitted_at TEXT NOT NULL,
    insured INTEGER NOT NULL, discharge_ordered INTEGER NOT NULL, state TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS inpatient_costs (admission_no TEXT NOT NULL REFERENCES admissions, line INTEGER NOT NULL,
    day TEXT NOT NULL, category TEXT NOT NULL, name TEXT NOT NULL, qty INTEGER NOT NULL, unit TEXT NOT NULL, price_fen INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL, in_scope INTEGER NOT NULL, PRIMARY KEY (admission_no, line));
  CREATE TABLE IF NOT EXISTS deposits (deposit_no TEXT PRIMARY KEY, admission_no TEXT NOT NULL REFERENCES admissions,
    amount_fen INTEGER NOT NULL, method TEXT NOT NULL, paid_at TEXT NOT NULL, trade_no TEXT);
  CREATE TABLE IF NOT EXISTS discharge_pre_settles (pre_settle_id TEXT PRIMARY KEY, admission_no TEXT NOT NULL,
    trade_no TEXT NOT NULL, figures TEXT NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS reports (report_id TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients,
    type TEXT NOT NULL, title TEXT NOT NULL, dept_id TEXT NOT NULL REFERENCES departments, reported_at TEXT,
    results TEXT NOT NULL, pdf BLOB, pages INTEGER, print_count INTEGER NOT NULL DEFAULT 0, printed_at TEXT);
  CREATE TABLE IF NOT EXISTS paid_elsewhere (bill_no TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients,
    doctor_id TEXT NOT NULL REFERENCES doctors, created_at TEXT NOT NULL, paid_at TEXT NOT NULL, his_receipt_no TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL, amount_fen INTEGER NOT NULL, items TEXT NOT NULL); -- paid at a counter or in the app, not through a trade of ours
  CREATE TABLE IF NOT EXISTS price_items (item_code TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, unit TEXT NOT NULL,
    price_fen INTEGER NOT NULL, category TEXT NOT NULL, insurance_class TEXT NOT NULL, initials TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS price_items_initials ON price_items (initials);
  CREATE TABLE IF NOT EXISTS doctor_profiles (doctor_id TEXT PRIMARY KEY REFERENCES doctors, specialty TEXT NOT NULL, profile TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS faults (fn TEXT PRIMARY KEY, fault TEXT NOT NULL);
`;

/** Hospital settings that change what the HIS offers; kept in the folder so every process agrees. */
export interface HisConfig {
  /** Runs prepaid patient accounts (recharge). Off by default since the 2025 abolition. */
  prepaid: boolean;
  /** The fee for a new patient card; 0 when cards are free. */
  cardFeeFen: number;
}

export const defaultConfig: HisConfig = { prepaid: false, cardFeeFen: 0 };

export function readConfig(db: Database.Database): HisConfig {
  const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get('config');
  return { ...defaultConfig, ...(row ? (JSON.parse(row.value) as Partial<HisConfig>) : {}) };
}

export function writeConfig(db: Database.Database, config: HisConfig): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run('config', JSON.stringify(config));
}

/** Opens `his.sqlite` in `dataDir`, creating and seeding it on first use, as of `now`. */
export function openDatabase(dataDir: string, now: number): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'his.sqlite'));
  // The bridge, `zizhu his-sim serve` and `zizhu his-sim fault` open the same file from different processes.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  try {
    // Immediate, so two processes opening a fresh folder at once seed it only once.
    db.transaction(() => {
      const made = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
      const value = (key: string) => (made ? db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value : undefined);
      const seeded = value('seeded') !== undefined;
      if (seeded && value('schema') !== schemaVersion) {
        throw new Error(`${dataDir} holds a simulated hospital of an older version; remove the folder to start afresh`);
      }
      db.exec(schema);
      if (!seeded) seed(db, now);
    }).immediate();
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

function seed(db: Database.Database, now: number): void {
  const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  meta.run('hospital', JSON.stringify({ hospitalId: hospital.hospitalId, name: hospital.name }));
  const dept = db.prepare('INSERT INTO departments (dept_id, name, location) VALUES (?, ?, ?)');
  for (const d of hospital.departments) dept.run(d.deptId, d.name, d.location);
  const doctor = db.prepare('INSERT INTO doctors (doctor_id, dept_id, name, title, fee_fen, capacity, mornings, afternoons) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const d of hospital.doctors) doctor.run(d.doctorId, d.deptId, d.name, d.title, feeByTitle[d.title], d.capacity, d.mornings, d.afternoons);

  const patient = db.prepare('INSERT INTO patients (patient_id, name, sex, birth_date, id_number, card_no, insurance_code) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const bill = db.prepare('INSERT INTO bills (bill_no, patient_id, doctor_id, created_at, amount_fen) VALUES (?, ?, ?, ?, ?)');
  const line = db.prepare('INSERT INTO bill_items (bill_no, line, name, qty, unit, price_fen, amount_fen, insurance_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const p of [...patients, ...otherPatients.map((p) => ({ ...p, bills: [] }))]) {
    // GB 11643: digits 7 to 14 of the ID number are the date of birth.
    const birthDate = `${p.idNumber.slice(6, 10)}-${p.idNumber.slice(10, 12)}-${p.idNumber.slice(12, 14)}`;
    patient.run(p.patientId, p.name, p.sex, birthDate, p.idNumber, p.cardNo, p.insuranceCode);
    for (const b of p.bills) {
      const amounts = b.items.map((i) => i.priceFen * i.qty);
      bill.run(b.billNo, p.patientId, b.doctorId, b.createdAt, amounts.reduce((sum, a) => sum + a, 0));
      b.items.forEach((i, n) => line.run(b.billNo, n + 1, i.name, i.qty, i.unit, i.priceFen, amounts[n], i.insuranceCode ?? null));
    }
  }

  const today = shanghaiDate(now);
  const doctors = new Map(hospital.doctors.map((d) => [d.doctorId, d]));
  const appointment = db.prepare('INSERT INTO appointments (appointment_no, patient_id, slot_id, doctor_id, date, period, see_no, fee_fen, state, paid_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  appointments.forEach((a, n) => {
    const d = doctors.get(a.doctorId)!;
    const session = firstSession(d, addDays(today, a.fromDay));
    const sameSlot = appointments.slice(0, n).filter((b) => b.doctorId === a.doctorId && firstSession(d, addDays(today, b.fromDay)).date === session.date);
    // A number paid by phone or app before the kiosks came: no trade of ours stands behind it.
    appointment.run(`YY${String(n + 1).padStart(10, '0')}`, a.patientId, slotId(d.doctorId, session.date, session.period), d.doctorId, session.date, session.period,
      sameSlot.length + 1, feeByTitle[d.title], 'booked', a.paid ? `APP${String(n + 1).padStart(10, '0')}` : null);
  });

  const admission = db.prepare('INSERT INTO admissions (admission_no, patient_id, dept_id, ward, bed, admitted_at, insured, discharge_ordered, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const cost = db.prepare('INSERT INTO inpatient_costs (admission_no, line, day, category, name, qty, unit, price_fen, amount_fen, in_scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const deposit = db.prepare('INSERT INTO deposits (deposit_no, admission_no, amount_fen, method, paid_at) VALUES (?, ?, ?, ?, ?)');
  for (const a of admissions) {
    const admittedAt = shanghaiIso(shanghaiMs(addDays(today, -a.daysIn), '10:20'));
    admission.run(a.admissionNo, a.patientId, a.deptId, a.ward, a.bed, admittedAt, a.insured ? 1 : 0, a.dischargeOrdered ? 1 : 0, 'inHospital');
    // Booked day by day, as the ward enters them.
    [...a.costs]
      .sort((x, y) => x.day - y.day)
      .forEach((c, n) => cost.run(a.admissionNo, n + 1, addDays(today, c.day - a.daysIn), c.category, c.name, c.qty, c.unit, c.priceFen, c.amountFen, c.inScope ? 1 : 0));
    for (const d of a.deposits) deposit.run(d.depositNo, a.admissionNo, d.amountFen, d.method, shanghaiIso(shanghaiMs(addDays(today, -d.daysAgo), '11:05')));
  }

  const report = db.prepare('INSERT INTO reports (report_id, patient_id, type, title, dept_id, reported_at, results) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const r of reports) {
    const reportedAt = r.daysAgo === null ? null : shanghaiIso(shanghaiMs(addDays(today, -r.daysAgo), '07:40'));
    report.run(r.reportId, r.patientId, r.type, r.title, r.deptId, reportedAt, JSON.stringify(r.results));
  }

  const account = db.prepare('INSERT INTO accounts (patient_id, balance_fen) VALUES (?, ?)');
  for (const a of accounts) account.run(a.patientId, a.balanceFen);

  const paid = db.prepare('INSERT INTO paid_elsewhere (bill_no, patient_id, doctor_id, created_at, paid_at, his_receipt_no, method, amount_fen, items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  paidBills.forEach((b, n) => {
    const day = addDays(today, -b.daysAgo);
    const items = b.items.map((i) => ({ ...i, amountFen: i.priceFen * i.qty }));
    // The counter's receipt numbers run in a series of their own, from 900001.
    paid.run(b.billNo, b.patientId, b.doctorId, shanghaiIso(shanghaiMs(day, b.openedAt)), shanghaiIso(shanghaiMs(day, b.paidAt)), `SF${compactDate(shanghaiMs(day))}${900001 + n}`,
      b.method, items.reduce((sum, i) => sum + i.amountFen, 0), JSON.stringify(items));
  });
  const price = db.prepare('INSERT INTO price_items (item_code, name, spec, unit, price_fen, category, insurance_class, initials) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const p of priceCatalogue) price.run(p.itemCode, p.name, p.spec, p.unit, p.priceFen, p.category, p.insuranceClass, p.initials);
  const profile = db.prepare('INSERT INTO doctor_profiles (doctor_id, specialty, profile) VALUES (?, ?, ?)');
  for (const p of doctorProfiles) profile.run(p.doctorId, p.specialty, p.profile);

  meta.run('schema', schemaVersion);
  meta.run('seeded', '1');
}

/** The next number of a series: its prefix, then the count so far plus one, zero-padded. */
export function nextNumber(db: Database.Database, table: string, prefix: string, width: number): string {
  const n = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n + 1;
  return `${prefix}${String(n).padStart(width, '0')}`;
}

import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import {
  HisError,
  hisFunctions,
  isHisErrorCode,
  isHisFunction,
  type AccountBalance,
  type Appointment,
  type BalanceRefund,
  type BalanceRefundRequest,
  type Bill,
  type BillHistoryQuery,
  type BookRequest,
  type Cancellation,
  type CancelRequest,
  type CheckIn,
  type CheckInRequest,
  type CreatedPatient,
  type CreatePatientRequest,
  type DepositRequest,
  type DepositResult,
  type DischargeCheck,
  type DischargePreSettlement,
  type DischargePreSettleRequest,
  type DischargeSettlement,
  type DischargeSettleRequest,
  type DoctorProfile,
  type DoctorTitle,
  type HisErrorCode,
  type HisFunction,
  type HisPort,
  type InpatientCosts,
  type InpatientInfo,
  type InpatientQuery,
  type Patient,
  type PaidBill,
  type PatientQuery,
  type PreSettlement,
  type PreSettleRequest,
  type PriceMatches,
  type PriceQuery,
  type ReceiptData,
  type ReceiptQuery,
  type Recharge,
  type RechargeRequest,
  type Registration,
  type RegisterRequest,
  type ReportDocument,
  type ReportPrinted,
  type ReportPrintedRequest,
  type ReportQuery,
  type ReportSummary,
  type Schedule,
  type ScheduleQuery,
  type Settlement,
  type SettleRequest,
  type SlotLock,
  type SlotLockRequest,
  type TradeStatus,
} from './port.ts';
import * as account from './sim/account.ts';
import * as outpatient from './sim/bills.ts';
import * as catalogue from './sim/catalogue.ts';
import type { SimContext } from './sim/context.ts';
import { openDatabase, readConfig, writeConfig, type HisConfig } from './sim/db.ts';
import * as history from './sim/history.ts';
import * as inpatient from './sim/inpatient.ts';
import * as patients from './sim/patients.ts';
import * as reports from './sim/reports.ts';
import * as schedule from './sim/schedule.ts';
import * as trades from './sim/trades.ts';

/**
 * A simulated HIS that keeps its own ledger in `his.sqlite` inside a data folder, so a test can
 * assert from the hospital's side what was paid, and so it outlives the bridge that uses it.
 * Faults and settings live in the same file and are read at every call: a separate process
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
  /** Epoch milliseconds; injected so tests can expire a lock or a pre-settle without waiting. */
  now?: () => number;
}

export type { HisConfig } from './sim/db.ts';
export type { BillRecord } from './sim/bills.ts';
export { preSettleTtlMs } from './sim/bills.ts';
export { slotLockTtlMs } from './sim/schedule.ts';
export { dischargePreSettleTtlMs } from './sim/inpatient.ts';

export interface HospitalFixture {
  hospitalId: string;
  name: string;
  departments: { deptId: string; name: string; location: string }[];
  doctors: { doctorId: string; deptId: string; name: string; title: DoctorTitle; feeFen: number; capacity: number }[];
}

export interface PatientFixture {
  patientId: string;
  cardNo: string;
  idNumber: string;
  /** Absent for a patient created at a kiosk without an insurance e-voucher. */
  insuranceCode?: string;
  name: string;
  bills: { billNo: string; amountFen: number }[];
}

export interface Fixtures {
  hospital: HospitalFixture;
  patients: PatientFixture[];
  appointments: { appointmentNo: string; patientId: string; slotId: string; date: string; paid: boolean; state: Appointment['state'] }[];
  admissions: { admissionNo: string; patientId: string; dischargeOrdered: boolean; state: InpatientInfo['state'] }[];
  reports: { reportId: string; patientId: string; title: string; state: ReportSummary['state'] }[];
  accounts: { patientId: string; balanceFen: number }[];
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

/**
 * The fault a simulated failure came from, in `detail.fault` of the HisError it throws, so the
 * HTTP server can play it on the wire (a 503, a dropped connection) instead of as an answer.
 */
export type PlayedFault = 'down' | 'commitThenSilent';

export class HisSimulator implements HisPort {
  private readonly ctx: SimContext;

  private constructor(
    private readonly db: Database.Database,
    now: () => number,
  ) {
    this.ctx = { db, now, config: () => readConfig(db) };
  }

  /** Opens the simulator's ledger in `dataDir`, creating and seeding it on first use. */
  static open(dataDir: string, options: HisSimulatorOptions = {}): HisSimulator {
    const now = options.now ?? Date.now;
    return new HisSimulator(openDatabase(dataDir, now()), now);
  }

  close(): void {
    this.db.close();
  }

  identifyPatient(query: PatientQuery): Promise<Patient> {
    return this.call('identifyPatient', () => patients.identifyPatient(this.ctx, query));
  }

  createPatient(request: CreatePatientRequest): Promise<CreatedPatient> {
    return this.call('createPatient', () => patients.createPatient(this.ctx, request));
  }

  querySchedule(query: ScheduleQuery): Promise<Schedule> {
    return this.call('querySchedule', () => schedule.querySchedule(this.ctx, query));
  }

  lockSlot(request: SlotLockRequest): Promise<SlotLock> {
    return this.call('lockSlot', () => schedule.lockSlot(this.ctx, request));
  }

  unlockSlot(request: { lockId: string }): Promise<{ lockId: string; released: true }> {
    return this.call('unlockSlot', () => schedule.unlockSlot(this.ctx, request.lockId));
  }

  register(request: RegisterRequest): Promise<Registration> {
    return this.call('register', () => schedule.register(this.ctx, request));
  }

  listAppointments(query: { patientId: string }): Promise<{ appointments: Appointment[] }> {
    return this.call('listAppointments', () => schedule.listAppointments(this.ctx, query.patientId));
  }

  bookAppointment(request: BookRequest): Promise<Appointment> {
    return this.call('bookAppointment', () => schedule.bookAppointment(this.ctx, request));
  }

  checkIn(request: CheckInRequest): Promise<CheckIn> {
    return this.call('checkIn', () => schedule.checkIn(this.ctx, request));
  }

  cancelAppointment(request: CancelRequest): Promise<Cancellation> {
    return this.call('cancelAppointment', () => schedule.cancelAppointment(this.ctx, request));
  }

  listBills(query: { patientId: string }): Promise<{ bills: Bill[] }> {
    return this.call('listBills', () => outpatient.listBills(this.ctx, query.patientId));
  }

  preSettle(request: PreSettleRequest): Promise<PreSettlement> {
    return this.call('preSettle', () => outpatient.preSettle(this.ctx, request));
  }

  settle(request: SettleRequest): Promise<Settlement> {
    return this.call('settle', () => outpatient.settle(this.ctx, request));
  }

  accountBalance(query: { patientId: string }): Promise<AccountBalance> {
    return this.call('accountBalance', () => account.accountBalance(this.ctx, query.patientId));
  }

  recharge(request: RechargeRequest): Promise<Recharge> {
    return this.call('recharge', () => account.recharge(this.ctx, request));
  }

  refundBalance(request: BalanceRefundRequest): Promise<BalanceRefund> {
    return this.call('refundBalance', () => account.refundBalance(this.ctx, request));
  }

  inpatientInfo(query: InpatientQuery): Promise<InpatientInfo> {
    return this.call('inpatientInfo', () => inpatient.inpatientInfo(this.ctx, query));
  }

  payDeposit(request: DepositRequest): Promise<DepositResult> {
    return this.call('payDeposit', () => inpatient.payDeposit(this.ctx, request));
  }

  dischargeCheck(query: { admissionNo: string }): Promise<DischargeCheck> {
    return this.call('dischargeCheck', () => inpatient.dischargeCheck(this.ctx, query.admissionNo));
  }

  dischargePreSettle(request: DischargePreSettleRequest): Promise<DischargePreSettlement> {
    return this.call('dischargePreSettle', () => inpatient.dischargePreSettle(this.ctx, request));
  }

  dischargeSettle(request: DischargeSettleRequest): Promise<DischargeSettlement> {
    return this.call('dischargeSettle', () => inpatient.dischargeSettle(this.ctx, request));
  }

  listReports(query: { patientId: string }): Promise<{ reports: ReportSummary[] }> {
    return this.call('listReports', () => reports.listReports(this.ctx, query.patientId));
  }

  fetchReport(query: ReportQuery): Promise<ReportDocument> {
    return this.call('fetchReport', () => reports.fetchReport(this.ctx, query));
  }

  markReportPrinted(request: ReportPrintedRequest): Promise<ReportPrinted> {
    return this.call('markReportPrinted', () => reports.markReportPrinted(this.ctx, request));
  }

  billHistory(query: BillHistoryQuery): Promise<{ bills: PaidBill[] }> {
    return this.call('billHistory', () => history.billHistory(this.ctx, query));
  }

  inpatientCosts(query: { admissionNo: string }): Promise<InpatientCosts> {
    return this.call('inpatientCosts', () => history.inpatientCosts(this.ctx, query.admissionNo));
  }

  searchPrices(query: PriceQuery): Promise<PriceMatches> {
    return this.call('searchPrices', () => catalogue.searchPrices(this.ctx, query));
  }

  doctorInfo(query: { doctorId: string }): Promise<DoctorProfile> {
    return this.call('doctorInfo', () => catalogue.doctorInfo(this.ctx, query.doctorId));
  }

  receiptData(query: ReceiptQuery): Promise<ReceiptData> {
    return this.call('receiptData', () => trades.receiptData(this.ctx, query.tradeNo, query.patientId));
  }

  queryTrade(query: { tradeNo: string }): Promise<TradeStatus> {
    return this.call('queryTrade', () => trades.queryTrade(this.ctx, query.tradeNo));
  }

  /** Replaces the fault on `fn`; it applies from the next call, in this process or any other. */
  setFault(fn: HisFunction, fault: HisFault): void {
    if (!isHisFunction(fn)) throw new HisError('INVALID_REQUEST', `fn must be one of ${hisFunctions.join(', ')}`, { field: 'fn' });
    assertFault(fault);
    this.db.prepare('INSERT INTO faults (fn, fault) VALUES (?, ?) ON CONFLICT (fn) DO UPDATE SET fault = excluded.fault').run(fn, JSON.stringify(fault));
  }

  clearFault(fn: HisFunction): void {
    this.db.prepare('DELETE FROM faults WHERE fn = ?').run(fn);
  }

  /** The faults set now, by function. */
  faults(): Partial<Record<HisFunction, HisFault>> {
    const rows = this.db.prepare<[], { fn: HisFunction; fault: string }>('SELECT fn, fault FROM faults ORDER BY fn').all();
    return Object.fromEntries(rows.map((r) => [r.fn, JSON.parse(r.fault) as HisFault]));
  }

  config(): HisConfig {
    return readConfig(this.db);
  }

  /** Changes the hospital's settings; every process on the folder sees them from its next call. */
  configure(change: Partial<HisConfig>): HisConfig {
    const next = { ...readConfig(this.db), ...change };
    if (typeof next.prepaid !== 'boolean') throw new HisError('INVALID_REQUEST', 'prepaid must be true or false', { field: 'prepaid' });
    if (!Number.isSafeInteger(next.cardFeeFen) || next.cardFeeFen < 0) throw new HisError('INVALID_REQUEST', 'cardFeeFen must be a non-negative whole number of fen', { field: 'cardFeeFen' });
    writeConfig(this.db, next);
    return next;
  }

  /** What the data folder holds: the names, numbers and amounts tests and demos refer to. */
  fixtures(): Fixtures {
    const db = this.db;
    const head = JSON.parse(db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'hospital'").get()!.value) as Pick<HospitalFixture, 'hospitalId' | 'name'>;
    const hospital: HospitalFixture = {
      ...head,
      departments: db.prepare<[], HospitalFixture['departments'][number]>('SELECT dept_id AS deptId, name, location FROM departments ORDER BY dept_id').all(),
      doctors: db
        .prepare<[], HospitalFixture['doctors'][number]>('SELECT doctor_id AS doctorId, dept_id AS deptId, name, title, fee_fen AS feeFen, capacity FROM doctors ORDER BY doctor_id')
        .all(),
    };
    const patientRows = db
      .prepare<[], Omit<PatientFixture, 'bills' | 'insuranceCode'> & { insuranceCode: string | null }>(
        'SELECT patient_id AS patientId, card_no AS cardNo, id_number AS idNumber, insurance_code AS insuranceCode, name FROM patients ORDER BY patient_id',
      )
      .all();
    return {
      hospital,
      patients: patientRows.map(({ insuranceCode, ...p }) => ({ ...p, ...(insuranceCode !== null ? { insuranceCode } : {}), bills: outpatient.billSummaries(this.ctx, p.patientId) })),
      appointments: db
        .prepare<[], { appointmentNo: string; patientId: string; slotId: string; date: string; paid: number; state: Appointment['state'] }>(
          'SELECT appointment_no AS appointmentNo, patient_id AS patientId, slot_id AS slotId, date, paid_by IS NOT NULL AS paid, state FROM appointments ORDER BY appointment_no',
        )
        .all()
        .map((a) => ({ ...a, paid: a.paid === 1 })),
      admissions: db
        .prepare<[], { admissionNo: string; patientId: string; dischargeOrdered: number; state: InpatientInfo['state'] }>(
          'SELECT admission_no AS admissionNo, patient_id AS patientId, discharge_ordered AS dischargeOrdered, state FROM admissions ORDER BY admission_no',
        )
        .all()
        .map((a) => ({ ...a, dischargeOrdered: a.dischargeOrdered === 1 })),
      reports: db
        .prepare<[], { reportId: string; patientId: string; title: string; state: ReportSummary['state'] }>(
          "SELECT report_id AS reportId, patient_id AS patientId, title, CASE WHEN reported_at IS NULL THEN 'pending' ELSE 'ready' END AS state FROM reports ORDER BY report_id",
        )
        .all(),
      accounts: db.prepare<[], { patientId: string; balanceFen: number }>('SELECT patient_id AS patientId, balance_fen AS balanceFen FROM accounts ORDER BY patient_id').all(),
    };
  }

  /** Every bill of the patient, paid or not, as the hospital's ledger holds it. NOT_FOUND for an unknown patient. */
  bills(patientId: string): outpatient.BillRecord[] {
    return outpatient.billRecords(this.ctx, patientId);
  }

  /** Plays the fault set on `fn`, if any, around `op`, and keeps the promise of the port: only HisError escapes. */
  private async call<T>(fn: HisFunction, op: () => T | Promise<T>): Promise<T> {
    try {
      const fault = this.takeFault(fn);
      if (fault?.mode === 'down') throw new HisError('UNAVAILABLE', `simulated HIS is down (${fn})`, { fn, fault: 'down' satisfies PlayedFault });
      if (fault?.mode === 'error') throw new HisError(fault.code, `simulated HIS error ${fault.code} (${fn})`, { fn });
      if (fault?.mode === 'slow') await sleep(fault.ms);
      const result = await op();
      if (fault?.mode === 'commitThenSilent') {
        throw new HisError('NO_ANSWER', `simulated HIS committed ${fn} and the answer was lost`, { fn, fault: 'commitThenSilent' satisfies PlayedFault });
      }
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
}

/**
 * The HIS port: what the bridge asks of a hospital information system. Adapters (the simulator,
 * a vendor HTTP/JSON interface, FHIR R4) implement it; the bridge never sees a vendor format.
 *
 * Every method throws only a `HisError`. Its `kind` carries the rule that keeps money safe
 * (DESIGN.md §1): `definite` means the HIS answered no and nothing changed, so a payment may be
 * compensated; `unknown` means no answer came back and the outcome must be queried by trade
 * number (`queryTrade`), never compensated blindly.
 *
 * Money is integer fen: a non-negative safe integer `number`, except a balance, which may be
 * negative (an inpatient who has spent more than the deposits). Times are ISO 8601 in hospital
 * local time to the second, `2025-06-04T10:15:00+08:00`; dates are `YYYY-MM-DD`.
 *
 * Every call that changes something carries a trade number (our transaction id). It is idempotent
 * on it: the same call again returns the first result, even after the HIS's own deadlines have
 * passed, and the same trade number with other arguments or for another function is TRADE_CONFLICT.
 * `queryTrade` resolves every such trade number; preparations (a pre-settle, a slot lock) are not
 * trades and never appear there.
 */

import type { Bill, GuideStep, InpatientCostItem, PaidBill, Payment, PreSettleResult, PriceCategory, PriceItem } from '../../contract/rpc.ts';

export type HisErrorKind = 'definite' | 'unknown';

/** Stable codes, each with the kind it always has. Operators look them up; tests assert them. */
export const hisErrorKinds = {
  NOT_FOUND: 'definite', // no patient for that credential, or no such appointment, admission, report, lock or receipt
  ALREADY_EXISTS: 'definite', // a patient record already holds that ID number, or the card is already issued
  BILL_NOT_PAYABLE: 'definite', // a bill is already paid, unknown, or not this patient's
  PRESETTLE_NOT_FOUND: 'definite',
  PRESETTLE_EXPIRED: 'definite', // pre-settle again: the bills may have changed since
  AMOUNT_MISMATCH: 'definite', // the amount paid is not the amount due
  SLOT_FULL: 'definite', // no number left in that slot
  LOCK_EXPIRED: 'definite', // the slot lock ran out or was released; lock again
  NOT_ALLOWED: 'definite', // the record is not in a state that allows it (cancelled, not today, not ready, no discharge order)
  NOT_OFFERED: 'definite', // the hospital does not run this function (the prepaid account when it is off)
  TRADE_CONFLICT: 'definite', // the trade number is already bound to another call
  INVALID_REQUEST: 'definite', // a malformed argument; the HIS was not asked to change anything
  REJECTED: 'definite', // any other refusal by the HIS; a vendor's own code goes in `detail`
  // Kept unknown even where a refused connection proves nothing was sent: one trade query settles
  // it, and a port that sometimes calls "unreachable" definite invites blind compensation.
  UNAVAILABLE: 'unknown', // the HIS could not be reached or refused the connection
  TIMEOUT: 'unknown', // the HIS did not answer within the deadline
  NO_ANSWER: 'unknown', // the connection broke after the request was sent
  INTERNAL: 'unknown', // the adapter failed in a way it cannot classify, so assume the worst
} as const satisfies Record<string, HisErrorKind>;

export type HisErrorCode = keyof typeof hisErrorKinds;
export const hisErrorCodes = Object.keys(hisErrorKinds) as HisErrorCode[];

export function isHisErrorCode(value: string): value is HisErrorCode {
  return Object.hasOwn(hisErrorKinds, value);
}

export class HisError extends Error {
  override readonly name = 'HisError';
  readonly kind: HisErrorKind;
  constructor(
    readonly code: HisErrorCode,
    message: string,
    readonly detail: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kind = hisErrorKinds[code];
  }
}

export function isHisError(e: unknown, code?: HisErrorCode): e is HisError {
  return e instanceof HisError && (code === undefined || e.code === code);
}

/** Throws INVALID_REQUEST unless `value` is a whole, non-negative number of fen. */
export function assertFen(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new HisError('INVALID_REQUEST', `${field} must be a non-negative safe integer of fen`, { field });
  }
}

/* ---------------------------------------------------------------- patients */

export type CredType = 'patientCard' | 'idCard' | 'insuranceCode';
export type Sex = 'male' | 'female';

export interface PatientQuery {
  credType: CredType;
  credNo: string;
}

/** Sensitive personal data (DESIGN.md §1): it leaves the bridge only in the identify RPC result. */
export interface Patient {
  patientId: string;
  name: string;
  idNumber: string;
  cardNo: string;
  sex: Sex;
  /** YYYY-MM-DD */
  birthDate: string;
}

/** 建档发卡: a record from the ID card, bound to the card the dispenser is about to issue. */
export interface CreatePatientRequest {
  tradeNo: string;
  name: string;
  sex: Sex;
  birthDate: string;
  /** GB 11643 citizen ID number; its check digit, birth date and sex digit must agree. */
  idNumber: string;
  nation?: string;
  address?: string;
  /** 11-digit mainland mobile number. */
  phone: string;
  /** Read from the card's chip before it is dispensed. */
  cardNo: string;
  /** The card fee, exactly `cardFeeFen` of the hospital; absent when the card is free. */
  payment?: Payment;
}

export interface CreatedPatient {
  patientId: string;
  cardNo: string;
  feeFen: number;
  hisReceiptNo: string;
  createdAt: string;
}

/* ---------------------------------------------------------------- schedule and appointments */

export type DoctorTitle = '主任医师' | '副主任医师' | '主治医师' | '住院医师';
export type Period = 'morning' | 'afternoon';

export interface Department {
  deptId: string;
  name: string;
  location: string;
}

export interface Doctor {
  doctorId: string;
  deptId: string;
  name: string;
  title: DoctorTitle;
  /** Registration fee, set by title. */
  feeFen: number;
}

/** One doctor's session on one day; its id is stable, so a kiosk may hold it across calls. */
export interface Slot {
  slotId: string;
  doctorId: string;
  deptId: string;
  date: string;
  period: Period;
  /** HH:mm, hospital local time. */
  startTime: string;
  endTime: string;
  feeFen: number;
  capacity: number;
  /** Capacity less the appointments and the live locks on it. */
  remaining: number;
}

export interface ScheduleQuery {
  /** One day from today to today + 14; absent: all of them. */
  date?: string;
  deptId?: string;
  doctorId?: string;
}

/** Departments and doctors that match the filter, and their open sessions (ended ones omitted). */
export interface Schedule {
  departments: Department[];
  doctors: Doctor[];
  slots: Slot[];
}

/** 锁号: holds one number of a slot for a patient while the fee is collected. */
export interface SlotLockRequest {
  slotId: string;
  patientId: string;
  /** The trade number the registration that follows will carry. */
  tradeNo: string;
}

export interface SlotLock {
  lockId: string;
  slotId: string;
  feeFen: number;
  expiresAt: string;
}

export type AppointmentState = 'booked' | 'checkedIn' | 'cancelled';

/** A registration or an appointment (挂号/预约 record), paid or to be paid at check-in. */
export interface Appointment {
  appointmentNo: string;
  patientId: string;
  slotId: string;
  deptId: string;
  deptName: string;
  doctorId: string;
  doctorName: string;
  doctorTitle: DoctorTitle;
  date: string;
  period: Period;
  /** Expected time to be seen, HH:mm. */
  visitTime: string;
  /** 就诊序号: the queue number within the slot. */
  seeNo: number;
  location: string;
  feeFen: number;
  paid: boolean;
  state: AppointmentState;
}

export interface RegisterRequest {
  lockId: string;
  patientId: string;
  tradeNo: string;
  /** Exactly the fee of the locked slot. */
  payment: Payment;
}

/** A paid registration: today's is checked in at once; a later day's is a paid appointment. */
export interface Registration {
  appointment: Appointment;
  hisReceiptNo: string;
  settledAt: string;
}

export interface BookRequest {
  slotId: string;
  patientId: string;
  tradeNo: string;
}

export interface CheckInRequest {
  appointmentNo: string;
  patientId: string;
  tradeNo: string;
  /** The fee, when the appointment is unpaid; absent when it was paid at booking. */
  payment?: Payment;
}

export interface CheckIn {
  appointment: Appointment;
  /** What this check-in collected: the fee, or 0 for an appointment paid before. */
  paidFen: number;
  hisReceiptNo: string;
  settledAt: string;
}

export interface CancelRequest {
  appointmentNo: string;
  patientId: string;
  tradeNo: string;
  reason?: string;
}

/** 退号: the fee goes back to the patient through the channel of the trade that paid it. */
export interface Cancellation {
  appointment: Appointment;
  refundFen: number;
  /** The trade that collected the fee, to refund on its channel; absent when nothing was paid. */
  refundOf?: string;
  hisReceiptNo: string;
  settledAt: string;
}

/* ---------------------------------------------------------------- outpatient bills */

/**
 * Bills and payments are the contract's types: what the HIS says is what the kiosk shows. A bill
 * item's `insuranceCode` is the HIS's 医保对照 (the national catalogue code); an adapter leaves it
 * out for an item the HIS maps to none, never sends it empty.
 */
export type { Bill, BillItem, CardPayment, GuideStep, Payment } from '../../contract/rpc.ts';

export interface PreSettleRequest {
  patientId: string;
  billNos: string[];
  /** Our transaction id (a ULID), the HIS trade number from here on. */
  tradeNo: string;
}

/** totalFen = fundFen + acctFen + selfFen; only selfFen is collected from the patient. */
export type PreSettlement = PreSettleResult;

export interface SettleRequest {
  preSettleId: string;
  tradeNo: string;
  /** What the patient paid: the pre-settled amount less the insurance share, if any. */
  payment: Payment;
  insurance?: InsuranceShare;
}

/** What the national insurance platform settled (2207) for this trade; the HIS files it and collects only the rest. */
export interface InsuranceShare {
  setlId: string;
  mdtrtId: string;
  fundFen: number;
  acctFen: number;
}

export interface Settlement {
  hisReceiptNo: string;
  settledAt: string;
  /**
   * Where the patient goes next for what was paid (the dispensing window assigned to this
   * settlement, the lab, the exam rooms), kept with the settlement so a repeat names the same
   * window. Absent when the HIS says nothing.
   */
  guide?: GuideStep[];
}

/* ---------------------------------------------------------------- prepaid account */

export interface AccountBalance {
  patientId: string;
  balanceFen: number;
  /** Whether the hospital takes recharges; a legacy balance is refundable either way. */
  rechargeOffered: boolean;
}

export interface RechargeRequest {
  patientId: string;
  tradeNo: string;
  payment: Payment;
}

export interface Recharge {
  amountFen: number;
  balanceFen: number;
  hisReceiptNo: string;
  settledAt: string;
}

/** Refund of the whole balance: `amountFen` is the balance the patient was shown. */
export interface BalanceRefundRequest {
  patientId: string;
  tradeNo: string;
  amountFen: number;
}

export interface BalanceRefund {
  refundFen: number;
  balanceFen: number;
  hisReceiptNo: string;
  settledAt: string;
}

/* ---------------------------------------------------------------- inpatients */

export type DepositMethod = 'card' | 'cash' | 'qr';

export interface Deposit {
  depositNo: string;
  amountFen: number;
  method: DepositMethod;
  paidAt: string;
  /** The trade that paid it, when it was paid through us. */
  tradeNo?: string;
}

export type InpatientQuery = { patientId: string } | { admissionNo: string };

export interface InpatientInfo {
  admissionNo: string;
  patientId: string;
  deptName: string;
  ward: string;
  bed: string;
  admittedAt: string;
  state: 'inHospital' | 'discharged';
  dischargeOrdered: boolean;
  insured: boolean;
  depositFen: number;
  costFen: number;
  /** depositFen - costFen; negative when the stay has cost more than was deposited. */
  balanceFen: number;
  deposits: Deposit[];
}

export interface DepositRequest {
  admissionNo: string;
  tradeNo: string;
  payment: Payment;
}

export interface DepositResult {
  depositNo: string;
  amountFen: number;
  depositFen: number;
  balanceFen: number;
  hisReceiptNo: string;
  settledAt: string;
}

export interface DischargeCheck {
  admissionNo: string;
  eligible: boolean;
  /** Why not, when not: codes NO_DISCHARGE_ORDER, DISCHARGED. */
  reasons: { code: string; message: string }[];
}

export interface DischargePreSettleRequest {
  admissionNo: string;
  tradeNo: string;
}

/**
 * totalFen = fundFen + acctFen + selfFen. The deposits pay selfFen first: dueFen is what is left
 * to pay, refundFen what is left over; at most one of them is not zero.
 */
export interface DischargePreSettlement {
  preSettleId: string;
  admissionNo: string;
  totalFen: number;
  fundFen: number;
  acctFen: number;
  selfFen: number;
  depositFen: number;
  dueFen: number;
  refundFen: number;
  expiresAt: string;
}

export interface DischargeSettleRequest {
  preSettleId: string;
  tradeNo: string;
  /** Exactly dueFen when something is due; absent when the deposits cover the stay. */
  payment?: Payment;
}

/** One part of the surplus going back on the channel of the deposit it came from. */
export interface DepositRefund {
  depositNo: string;
  method: DepositMethod;
  amountFen: number;
  tradeNo?: string;
}

export interface DischargeSettlement {
  admissionNo: string;
  totalFen: number;
  fundFen: number;
  acctFen: number;
  selfFen: number;
  depositFen: number;
  paidFen: number;
  refundFen: number;
  /** Sums to refundFen: the newest deposits are refunded first. */
  refunds: DepositRefund[];
  hisReceiptNo: string;
  invoiceNo: string;
  settledAt: string;
}

/* ---------------------------------------------------------------- reports */

export type ReportType = 'LAB' | 'EXAM' | 'IMAGING';

export interface ReportSummary {
  reportId: string;
  patientId: string;
  type: ReportType;
  title: string;
  deptName: string;
  state: 'ready' | 'pending';
  reportedAt?: string;
  printCount: number;
  printedAt?: string;
}

export interface ReportQuery {
  reportId: string;
  patientId: string;
}

/** A ready report as PDF; `printed` says a copy was already printed (hospitals limit reprints). */
export interface ReportDocument {
  reportId: string;
  title: string;
  pdf: Buffer;
  pages: number;
  printed: boolean;
  printCount: number;
  printedAt?: string;
}

export interface ReportPrintedRequest extends ReportQuery {
  tradeNo: string;
}

export interface ReportPrinted {
  reportId: string;
  printCount: number;
  printedAt: string;
}

/* ---------------------------------------------------------------- history, prices and doctors */

/** Read-only lookups for the bill list and the inquiry screens; they change nothing and carry no trade number. */
export type { InpatientCostItem, InsuranceClass, PaidBill, PriceCategory, PriceItem } from '../../contract/rpc.ts';

/** Dates by the business day of the payment, both included, at most `billHistoryMaxDays` apart. */
export interface BillHistoryQuery {
  patientId: string;
  from: string;
  to: string;
}

export interface InpatientCosts {
  admissionNo: string;
  patientId: string;
  deptName: string;
  ward: string;
  bed: string;
  admittedAt: string;
  state: 'inHospital' | 'discharged';
  /** By day, then as booked; their amounts sum to the stay's costFen. */
  items: InpatientCostItem[];
}

/** At least one of initials and category; `page` from 1, `pageSize` 1 to 100. */
export interface PriceQuery {
  initials?: string;
  category?: PriceCategory;
  page: number;
  pageSize: number;
}

export interface PriceMatches {
  items: PriceItem[];
  /** Matches in all pages. */
  total: number;
}

export interface DoctorProfile {
  doctorId: string;
  name: string;
  title: DoctorTitle;
  deptId: string;
  deptName: string;
  specialty: string;
  profile: string;
}

/* ---------------------------------------------------------------- trades and receipts */

export const tradeKinds = [
  'createPatient', 'register', 'bookAppointment', 'checkIn', 'cancelAppointment', 'settle',
  'recharge', 'refundBalance', 'payDeposit', 'dischargeSettle', 'markReportPrinted',
] as const satisfies readonly HisFunction[];
export type TradeKind = (typeof tradeKinds)[number];

/**
 * The HIS's own record of a trade number: the primitive that turns `unknown` into definite.
 * `paidFen` is what the trade collected from the patient, `refundFen` what it owes back.
 */
export type TradeStatus =
  | { state: 'settled'; kind: TradeKind; hisReceiptNo: string; paidFen: number; refundFen: number; settledAt: string }
  | { state: 'notFound' };

export interface ReceiptQuery {
  tradeNo: string;
  patientId: string;
}

/** What a reprinted receipt shows; money lines and labelled facts, in the order printed. */
export interface ReceiptData {
  hisReceiptNo: string;
  tradeNo: string;
  kind: TradeKind;
  title: string;
  patientId: string;
  fields: { label: string; value: string }[];
  lines: { name: string; amountFen: number }[];
  totalFen: number;
  paidFen: number;
  refundFen: number;
  payment?: Payment;
  settledAt: string;
}

/* ---------------------------------------------------------------- the port */

export interface HisPort {
  /** NOT_FOUND when no patient holds the credential. */
  identifyPatient(query: PatientQuery): Promise<Patient>;
  /** ALREADY_EXISTS for a known ID number or card; AMOUNT_MISMATCH for a wrong card fee. */
  createPatient(request: CreatePatientRequest): Promise<CreatedPatient>;

  /** INVALID_REQUEST for a date outside today to today + 14. */
  querySchedule(query: ScheduleQuery): Promise<Schedule>;
  /** SLOT_FULL, NOT_FOUND (no such session), NOT_ALLOWED (ended, or this doctor already that day). Idempotent while held. */
  lockSlot(request: SlotLockRequest): Promise<SlotLock>;
  /** Releasing a released or expired lock is fine; NOT_ALLOWED once it became a registration. */
  unlockSlot(request: { lockId: string }): Promise<{ lockId: string; released: true }>;
  /** LOCK_EXPIRED, AMOUNT_MISMATCH, TRADE_CONFLICT (the lock is another trade's). */
  register(request: RegisterRequest): Promise<Registration>;
  /** Every appointment and registration of the patient, newest day first. */
  listAppointments(query: { patientId: string }): Promise<{ appointments: Appointment[] }>;
  /** An unpaid appointment, paid at check-in. SLOT_FULL, NOT_ALLOWED as for a lock. */
  bookAppointment(request: BookRequest): Promise<Appointment>;
  /** 预约取号, on the appointment's day only (NOT_ALLOWED otherwise). */
  checkIn(request: CheckInRequest): Promise<CheckIn>;
  /** NOT_ALLOWED once checked in, or after its day. */
  cancelAppointment(request: CancelRequest): Promise<Cancellation>;

  /** Unpaid bills only. NOT_FOUND for an unknown patient. */
  listBills(query: { patientId: string }): Promise<{ bills: Bill[] }>;
  /**
   * No money moves; repeatable. BILL_NOT_PAYABLE for a bill paid, unknown or not this patient's;
   * TRADE_CONFLICT when the trade number is already settled.
   */
  preSettle(request: PreSettleRequest): Promise<PreSettlement>;
  /**
   * Definite failures: AMOUNT_MISMATCH (payment + insurance share is not the pre-settled amount),
   * PRESETTLE_EXPIRED, PRESETTLE_NOT_FOUND, BILL_NOT_PAYABLE, TRADE_CONFLICT.
   */
  settle(request: SettleRequest): Promise<Settlement>;

  accountBalance(query: { patientId: string }): Promise<AccountBalance>;
  /** NOT_OFFERED unless the hospital runs prepaid accounts. */
  recharge(request: RechargeRequest): Promise<Recharge>;
  /** NOT_ALLOWED for an empty balance; AMOUNT_MISMATCH unless amountFen is the balance. */
  refundBalance(request: BalanceRefundRequest): Promise<BalanceRefund>;

  /** By patient: the latest admission. NOT_FOUND when there is none. */
  inpatientInfo(query: InpatientQuery): Promise<InpatientInfo>;
  /** NOT_ALLOWED after discharge. */
  payDeposit(request: DepositRequest): Promise<DepositResult>;
  dischargeCheck(query: { admissionNo: string }): Promise<DischargeCheck>;
  /** No money moves; repeatable. NOT_ALLOWED when not eligible. */
  dischargePreSettle(request: DischargePreSettleRequest): Promise<DischargePreSettlement>;
  /** As settle; the result says how the surplus deposit goes back. */
  dischargeSettle(request: DischargeSettleRequest): Promise<DischargeSettlement>;

  listReports(query: { patientId: string }): Promise<{ reports: ReportSummary[] }>;
  /** NOT_FOUND unless the report is this patient's; NOT_ALLOWED while it is pending. */
  fetchReport(query: ReportQuery): Promise<ReportDocument>;
  markReportPrinted(request: ReportPrintedRequest): Promise<ReportPrinted>;

  /** Paid outpatient bills, newest payment first. INVALID_REQUEST for a range backwards or over `billHistoryMaxDays`. */
  billHistory(query: BillHistoryQuery): Promise<{ bills: PaidBill[] }>;
  /** A stay's cost lines (住院费用清单). NOT_FOUND for an unknown admission. */
  inpatientCosts(query: { admissionNo: string }): Promise<InpatientCosts>;
  /** The price catalogue (物价公示) by pinyin initials and/or category, ordered by initials. */
  searchPrices(query: PriceQuery): Promise<PriceMatches>;
  /** An expert's introduction. NOT_FOUND for an unknown doctor. */
  doctorInfo(query: { doctorId: string }): Promise<DoctorProfile>;

  /** The receipt of any trade, for a reprint. NOT_FOUND unless the trade is this patient's. */
  receiptData(query: ReceiptQuery): Promise<ReceiptData>;
  queryTrade(query: { tradeNo: string }): Promise<TradeStatus>;
}

export const hisFunctions = [
  'identifyPatient', 'createPatient',
  'querySchedule', 'lockSlot', 'unlockSlot', 'register', 'listAppointments', 'bookAppointment', 'checkIn', 'cancelAppointment',
  'listBills', 'preSettle', 'settle',
  'accountBalance', 'recharge', 'refundBalance',
  'inpatientInfo', 'payDeposit', 'dischargeCheck', 'dischargePreSettle', 'dischargeSettle',
  'listReports', 'fetchReport', 'markReportPrinted',
  'billHistory', 'inpatientCosts', 'searchPrices', 'doctorInfo',
  'receiptData', 'queryTrade',
] as const satisfies readonly (keyof HisPort)[];
export type HisFunction = (typeof hisFunctions)[number];
/** Fails to compile when a port method is missing from hisFunctions (and so from faults and the wire). */
const _everyMethodListed: Record<Exclude<keyof HisPort, HisFunction>, never> = {};

export function isHisFunction(value: string): value is HisFunction {
  return (hisFunctions as readonly string[]).includes(value);
}

import * as account from './fhir/account.ts';
import * as appointments from './fhir/appointments.ts';
import * as bills from './fhir/bills.ts';
import { FhirClient, VersionConflict } from './fhir/client.ts';
import type { FhirContext, FhirHospitalSettings } from './fhir/context.ts';
import { doctorInfo, querySchedule } from './fhir/directory.ts';
import * as inpatient from './fhir/inpatient.ts';
import * as patients from './fhir/patients.ts';
import { searchPrices } from './fhir/prices.ts';
import * as reports from './fhir/reports.ts';
import { defaultSystems, type FhirSystems } from './fhir/systems.ts';
import * as trades from './fhir/trades.ts';
import {
  HisError,
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

/**
 * The HIS port over FHIR R4 REST (docs/fhir-adapter.md): every kiosk function as searches,
 * reads and transaction Bundles against a FHIR server, with the business rules a FHIR server does
 * not keep (fees, one number per doctor a day, pre-settles, the trade book) kept by the adapter
 * in the server's own resources, so several bridge workers on one server agree. It needs no
 * FHIR library at run time: fetch and the R4 types only.
 */

export interface FhirHisOptions {
  /** The service base, `http://HOST:PORT/fhir/R4`. */
  baseUrl: string;
  /** The whole port call, every request in it; past it the outcome is unknown. */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer …` when the server wants one. */
  bearerToken?: string;
  /** Identifier and code systems (the national insurance catalogue among them), where the hospital's server names them otherwise than the defaults. */
  systems?: Partial<FhirSystems>;
  /** Runs prepaid accounts (recharge offered). Default off: outpatient prepayment ended in 2025. */
  prepaid?: boolean;
  /** The new-card fee in fen; default 0, free. */
  cardFeeFen?: number;
  /** How long a slot hold lasts; default 10 minutes. */
  slotHoldMs?: number;
  /** How long a pre-settle holds; default 15 minutes. */
  preSettleTtlMs?: number;
  /** Epoch milliseconds; injected so tests can expire a hold or a pre-settle without waiting. */
  now?: () => number;
}

export const defaultFhirTimeoutMs = 10_000;

export class FhirHis implements HisPort {
  private readonly client: FhirClient;
  private readonly systems: FhirSystems;
  private readonly settings: FhirHospitalSettings;
  private readonly now: () => number;

  constructor(options: FhirHisOptions) {
    const timeoutMs = options.timeoutMs ?? defaultFhirTimeoutMs;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new HisError('INVALID_REQUEST', 'timeoutMs must be a positive whole number of milliseconds', { field: 'timeoutMs' });
    const cardFeeFen = options.cardFeeFen ?? 0;
    if (!Number.isSafeInteger(cardFeeFen) || cardFeeFen < 0) throw new HisError('INVALID_REQUEST', 'cardFeeFen must be a non-negative whole number of fen', { field: 'cardFeeFen' });
    this.client = new FhirClient({ baseUrl: options.baseUrl, timeoutMs, headers: options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {} });
    this.systems = { ...defaultSystems, ...options.systems };
    this.settings = { prepaid: options.prepaid ?? false, cardFeeFen, slotHoldMs: options.slotHoldMs ?? 10 * 60_000, preSettleTtlMs: options.preSettleTtlMs ?? 15 * 60_000 };
    this.now = options.now ?? Date.now;
  }

  identifyPatient(query: PatientQuery): Promise<Patient> {
    return this.call('identifyPatient', (ctx) => patients.identifyPatient(ctx, query));
  }

  createPatient(request: CreatePatientRequest): Promise<CreatedPatient> {
    return this.call('createPatient', (ctx) => patients.createPatient(ctx, request));
  }

  querySchedule(query: ScheduleQuery): Promise<Schedule> {
    return this.call('querySchedule', (ctx) => querySchedule(ctx, query));
  }

  lockSlot(request: SlotLockRequest): Promise<SlotLock> {
    return this.call('lockSlot', (ctx) => appointments.lockSlot(ctx, request));
  }

  unlockSlot(request: { lockId: string }): Promise<{ lockId: string; released: true }> {
    return this.call('unlockSlot', (ctx) => appointments.unlockSlot(ctx, request.lockId));
  }

  register(request: RegisterRequest): Promise<Registration> {
    return this.call('register', (ctx) => appointments.register(ctx, request));
  }

  listAppointments(query: { patientId: string }): Promise<{ appointments: Appointment[] }> {
    return this.call('listAppointments', (ctx) => appointments.listAppointments(ctx, query.patientId));
  }

  bookAppointment(request: BookRequest): Promise<Appointment> {
    return this.call('bookAppointment', (ctx) => appointments.bookAppointment(ctx, request));
  }

  checkIn(request: CheckInRequest): Promise<CheckIn> {
    return this.call('checkIn', (ctx) => appointments.checkIn(ctx, request));
  }

  cancelAppointment(request: CancelRequest): Promise<Cancellation> {
    return this.call('cancelAppointment', (ctx) => appointments.cancelAppointment(ctx, request));
  }

  listBills(query: { patientId: string }): Promise<{ bills: Bill[] }> {
    return this.call('listBills', (ctx) => bills.listBills(ctx, query.patientId));
  }

  preSettle(request: PreSettleRequest): Promise<PreSettlement> {
    return this.call('preSettle', (ctx) => bills.preSettle(ctx, request));
  }

  settle(request: SettleRequest): Promise<Settlement> {
    return this.call('settle', (ctx) => bills.settle(ctx, request));
  }

  accountBalance(query: { patientId: string }): Promise<AccountBalance> {
    return this.call('accountBalance', (ctx) => account.accountBalance(ctx, query.patientId));
  }

  recharge(request: RechargeRequest): Promise<Recharge> {
    return this.call('recharge', (ctx) => account.recharge(ctx, request));
  }

  refundBalance(request: BalanceRefundRequest): Promise<BalanceRefund> {
    return this.call('refundBalance', (ctx) => account.refundBalance(ctx, request));
  }

  inpatientInfo(query: InpatientQuery): Promise<InpatientInfo> {
    return this.call('inpatientInfo', (ctx) => inpatient.inpatientInfo(ctx, query));
  }

  payDeposit(request: DepositRequest): Promise<DepositResult> {
    return this.call('payDeposit', (ctx) => inpatient.payDeposit(ctx, request));
  }

  dischargeCheck(query: { admissionNo: string }): Promise<DischargeCheck> {
    return this.call('dischargeCheck', (ctx) => inpatient.dischargeCheck(ctx, query.admissionNo));
  }

  dischargePreSettle(request: DischargePreSettleRequest): Promise<DischargePreSettlement> {
    return this.call('dischargePreSettle', (ctx) => inpatient.dischargePreSettle(ctx, request));
  }

  dischargeSettle(request: DischargeSettleRequest): Promise<DischargeSettlement> {
    return this.call('dischargeSettle', (ctx) => inpatient.dischargeSettle(ctx, request));
  }

  listReports(query: { patientId: string }): Promise<{ reports: ReportSummary[] }> {
    return this.call('listReports', (ctx) => reports.listReports(ctx, query.patientId));
  }

  fetchReport(query: ReportQuery): Promise<ReportDocument> {
    return this.call('fetchReport', (ctx) => reports.fetchReport(ctx, query));
  }

  markReportPrinted(request: ReportPrintedRequest): Promise<ReportPrinted> {
    return this.call('markReportPrinted', (ctx) => reports.markReportPrinted(ctx, request));
  }

  billHistory(query: BillHistoryQuery): Promise<{ bills: PaidBill[] }> {
    return this.call('billHistory', (ctx) => bills.billHistory(ctx, query));
  }

  inpatientCosts(query: { admissionNo: string }): Promise<InpatientCosts> {
    return this.call('inpatientCosts', (ctx) => inpatient.inpatientCosts(ctx, query.admissionNo));
  }

  searchPrices(query: PriceQuery): Promise<PriceMatches> {
    return this.call('searchPrices', (ctx) => searchPrices(ctx, query));
  }

  doctorInfo(query: { doctorId: string }): Promise<DoctorProfile> {
    return this.call('doctorInfo', (ctx) => doctorInfo(ctx, query.doctorId));
  }

  receiptData(query: ReceiptQuery): Promise<ReceiptData> {
    return this.call('receiptData', (ctx) => trades.receiptData(ctx, query.tradeNo, query.patientId));
  }

  queryTrade(query: { tradeNo: string }): Promise<TradeStatus> {
    return this.call('queryTrade', (ctx) => trades.queryTrade(ctx, query.tradeNo));
  }

  /** One port call under one deadline; keeps the port's promise that only a HisError escapes. */
  private async call<T>(fn: HisFunction, op: (ctx: FhirContext) => Promise<T>): Promise<T> {
    const ctx: FhirContext = { fhir: this.client.session(fn), systems: this.systems, now: this.now, settings: this.settings };
    try {
      return await op(ctx);
    } catch (e) {
      if (e instanceof HisError) throw e.detail.fn === undefined ? new HisError(e.code, e.message, { fn, ...e.detail }, { cause: e.cause }) : e;
      // A write that lost its race outside a retry loop: the server refused it whole.
      if (e instanceof VersionConflict) throw new HisError('REJECTED', `the HIS record changed during ${fn}; nothing was changed, try again`, { fn }, { cause: e });
      throw new HisError('INTERNAL', `the FHIR adapter failed: ${(e as Error).message}; the outcome is not known`, { fn }, { cause: e });
    }
  }
}

import crypto from 'node:crypto';
import http from 'node:http';
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
import { decode, encode, translatePath } from './vendor/codec.ts';
import { services } from './vendor/services.ts';
import { gatewayPath, headers, sign, simulatorCredentials, vendorCodes, vendorErrorCodes, WireError, type RequestEnvelope, type ResponseEnvelope } from './vendor/wire.ts';

/**
 * The HIS port over the vendor HTTP/JSON interface (docs/his-interface.md). It turns every way a
 * call can end into a HisError of the right kind:
 *
 * | what happened                                   | code            | kind     |
 * |-------------------------------------------------|-----------------|----------|
 * | connection refused, host unknown, reset before the request was written | UNAVAILABLE | unknown |
 * | HTTP 502, 503, 504 (a gateway in front of a stopped HIS)               | UNAVAILABLE | unknown |
 * | no complete answer within `timeoutMs`           | TIMEOUT         | unknown  |
 * | connection reset or closed after the request was written, or mid-answer | NO_ANSWER | unknown |
 * | HTTP 500, other statuses, a body that is not the envelope, an unknown vendor code, a 9xxx code | INTERNAL (or the 9xxx's own) | unknown |
 * | HTTP 400                                        | INVALID_REQUEST | definite |
 * | HTTP 401, 403, 404, 405, 413 (refused before the HIS saw it) | REJECTED | definite |
 * | a vendor business code                          | its HisError code | definite |
 *
 * A refused connection proves nothing was sent, yet it stays `unknown` as the port's table says:
 * one trade query makes it definite, and one rule for "unreachable" is safer than two.
 */

export interface HttpHisOptions {
  /** `http://HOST:PORT` of the HIS gateway. */
  baseUrl: string;
  appId?: string;
  appSecret?: string;
  hospitalId?: string;
  /** Sent as the vendor's `terminal_no`: which of our systems called. */
  terminalNo?: string;
  /** The whole exchange, connect to last byte; past it the outcome is unknown. */
  timeoutMs?: number;
}

export const defaultHisTimeoutMs = 10_000;

/** New connection per call: a reused keep-alive socket that the HIS closed would fail in a way that looks like a lost answer. */
const agent = new http.Agent({ keepAlive: false });

const refusedBeforeSending = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

const definiteStatuses: Record<number, HisErrorCode> = { 400: 'INVALID_REQUEST', 401: 'REJECTED', 403: 'REJECTED', 404: 'REJECTED', 405: 'REJECTED', 413: 'REJECTED' };

interface Exchange {
  status: number;
  body: string;
}

export class HttpHis implements HisPort {
  private readonly url: URL;
  private readonly appId: string;
  private readonly appSecret: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpHisOptions) {
    this.url = new URL(gatewayPath, options.baseUrl);
    if (this.url.protocol !== 'http:') throw new HisError('INVALID_REQUEST', 'baseUrl must be an http:// URL', { field: 'baseUrl' });
    this.appId = options.appId ?? simulatorCredentials.appId;
    this.appSecret = options.appSecret ?? simulatorCredentials.appSecret;
    this.timeoutMs = options.timeoutMs ?? defaultHisTimeoutMs;
  }

  identifyPatient(query: PatientQuery): Promise<Patient> {
    return this.call('identifyPatient', query);
  }

  createPatient(request: CreatePatientRequest): Promise<CreatedPatient> {
    return this.call('createPatient', request);
  }

  querySchedule(query: ScheduleQuery): Promise<Schedule> {
    return this.call('querySchedule', query);
  }

  lockSlot(request: SlotLockRequest): Promise<SlotLock> {
    return this.call('lockSlot', request);
  }

  unlockSlot(request: { lockId: string }): Promise<{ lockId: string; released: true }> {
    return this.call('unlockSlot', request);
  }

  register(request: RegisterRequest): Promise<Registration> {
    return this.call('register', request);
  }

  listAppointments(query: { patientId: string }): Promise<{ appointments: Appointment[] }> {
    return this.call('listAppointments', query);
  }

  bookAppointment(request: BookRequest): Promise<Appointment> {
    return this.call('bookAppointment', request);
  }

  checkIn(request: CheckInRequest): Promise<CheckIn> {
    return this.call('checkIn', request);
  }

  cancelAppointment(request: CancelRequest): Promise<Cancellation> {
    return this.call('cancelAppointment', request);
  }

  listBills(query: { patientId: string }): Promise<{ bills: Bill[] }> {
    return this.call('listBills', query);
  }

  preSettle(request: PreSettleRequest): Promise<PreSettlement> {
    return this.call('preSettle', request);
  }

  settle(request: SettleRequest): Promise<Settlement> {
    return this.call('settle', request);
  }

  accountBalance(query: { patientId: string }): Promise<AccountBalance> {
    return this.call('accountBalance', query);
  }

  recharge(request: RechargeRequest): Promise<Recharge> {
    return this.call('recharge', request);
  }

  refundBalance(request: BalanceRefundRequest): Promise<BalanceRefund> {
    return this.call('refundBalance', request);
  }

  inpatientInfo(query: InpatientQuery): Promise<InpatientInfo> {
    return this.call('inpatientInfo', query);
  }

  payDeposit(request: DepositRequest): Promise<DepositResult> {
    return this.call('payDeposit', request);
  }

  dischargeCheck(query: { admissionNo: string }): Promise<DischargeCheck> {
    return this.call('dischargeCheck', query);
  }

  dischargePreSettle(request: DischargePreSettleRequest): Promise<DischargePreSettlement> {
    return this.call('dischargePreSettle', request);
  }

  dischargeSettle(request: DischargeSettleRequest): Promise<DischargeSettlement> {
    return this.call('dischargeSettle', request);
  }

  listReports(query: { patientId: string }): Promise<{ reports: ReportSummary[] }> {
    return this.call('listReports', query);
  }

  fetchReport(query: ReportQuery): Promise<ReportDocument> {
    return this.call('fetchReport', query);
  }

  markReportPrinted(request: ReportPrintedRequest): Promise<ReportPrinted> {
    return this.call('markReportPrinted', request);
  }

  billHistory(query: BillHistoryQuery): Promise<{ bills: PaidBill[] }> {
    return this.call('billHistory', query);
  }

  inpatientCosts(query: { admissionNo: string }): Promise<InpatientCosts> {
    return this.call('inpatientCosts', query);
  }

  searchPrices(query: PriceQuery): Promise<PriceMatches> {
    return this.call('searchPrices', query);
  }

  doctorInfo(query: { doctorId: string }): Promise<DoctorProfile> {
    return this.call('doctorInfo', query);
  }

  receiptData(query: ReceiptQuery): Promise<ReceiptData> {
    return this.call('receiptData', query);
  }

  queryTrade(query: { tradeNo: string }): Promise<TradeStatus> {
    return this.call('queryTrade', query);
  }

  private async call<T>(fn: HisFunction, args: object): Promise<T> {
    const spec = services[fn];
    let data: Record<string, unknown>;
    try {
      data = encode(spec.request, args);
    } catch (e) {
      // Refused before anything was sent: the caller's argument cannot be written on the wire.
      if (e instanceof WireError) throw new HisError('INVALID_REQUEST', e.message, { field: translatePath(spec.request, e.path, false) });
      throw e;
    }
    const envelope: RequestEnvelope = {
      service: spec.service,
      hospital_id: this.options.hospitalId ?? '',
      terminal_no: this.options.terminalNo ?? 'zizhu-bridge',
      source: 'ZZJ',
      data,
    };
    const body = JSON.stringify(envelope);
    const requestId = crypto.randomUUID();
    const { status, body: answer } = await this.exchange(fn, body, requestId);

    if (status === 502 || status === 503 || status === 504) throw new HisError('UNAVAILABLE', `the HIS gateway answered HTTP ${status}`, { fn, status });
    const refusedAs = definiteStatuses[status];
    if (refusedAs) throw new HisError(refusedAs, `the HIS refused the call with HTTP ${status}`, { fn, status });
    if (status !== 200) throw new HisError('INTERNAL', `the HIS answered HTTP ${status}; the outcome is not known`, { fn, status });

    const reply = parseEnvelope(answer);
    if (!reply || reply.request_id !== requestId) throw new HisError('INTERNAL', 'the HIS answer is not a response envelope for this request; the outcome is not known', { fn });
    if (reply.code === vendorCodes.OK) {
      try {
        return decode(spec.result, reply.data, 'data') as T;
      } catch (e) {
        if (e instanceof WireError) throw new HisError('INTERNAL', `the HIS answered success but ${e.message}; the outcome is not known`, { fn, field: e.path });
        throw e;
      }
    }
    const known = vendorErrorCodes[reply.code];
    // A code this adapter does not know might mean "still processing": never read it as a refusal.
    if (!known) throw new HisError('INTERNAL', `the HIS answered unknown code ${reply.code} (${reply.msg}); the outcome is not known`, { fn, vendorCode: reply.code });
    const field = known.code === 'INVALID_REQUEST' && reply.err_field ? { field: translatePath(spec.request, reply.err_field, false) } : {};
    const expected = known.code === 'AMOUNT_MISMATCH' && reply.expected_fen !== undefined && Number.isSafeInteger(reply.expected_fen) ? { expectedFen: reply.expected_fen } : {};
    throw new HisError(known.code, reply.msg || known.msg, { fn, vendorCode: reply.code, ...field, ...expected });
  }

  /** One POST; every transport failure becomes a HisError by whether the request had been written. */
  private exchange(fn: HisFunction, body: string, requestId: string): Promise<Exchange> {
    const timestamp = String(Date.now());
    return new Promise((resolve, reject) => {
      let written = false;
      let timedOut = false;
      let settled = false;
      const req = http.request(this.url, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          [headers.appId]: this.appId,
          [headers.timestamp]: timestamp,
          [headers.requestId]: requestId,
          [headers.sign]: sign(this.appSecret, this.appId, timestamp, requestId, body),
        },
      });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('deadline passed'));
      }, this.timeoutMs);
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const fail = (e: Error & { code?: string }) =>
        settle(() => {
          if (timedOut) return reject(new HisError('TIMEOUT', `no answer from the HIS within ${this.timeoutMs} ms`, { fn }, { cause: e }));
          if (!written || refusedBeforeSending.has(e.code ?? '')) return reject(new HisError('UNAVAILABLE', `cannot reach the HIS: ${e.message}`, { fn, errno: e.code }, { cause: e }));
          reject(new HisError('NO_ANSWER', `the HIS connection broke after the request was sent: ${e.message}`, { fn, errno: e.code }, { cause: e }));
        });
      req.on('finish', () => (written = true));
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }));
        });
      });
      req.end(body);
    });
  }
}

function parseEnvelope(text: string): ResponseEnvelope | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<ResponseEnvelope>;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.code !== 'string' || typeof parsed.request_id !== 'string') return undefined;
    return { code: parsed.code, msg: typeof parsed.msg === 'string' ? parsed.msg : '', request_id: parsed.request_id, timestamp: String(parsed.timestamp ?? ''), data: parsed.data ?? null, ...(typeof parsed.err_field === 'string' ? { err_field: parsed.err_field } : {}), ...(typeof parsed.expected_fen === 'number' ? { expected_fen: parsed.expected_fen } : {}) };
  } catch {
    return undefined;
  }
}

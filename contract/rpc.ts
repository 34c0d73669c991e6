import { z } from 'zod';

/** RPC envelope and operations (DESIGN.md §7; docs/rpc.md lists every op). Both sides validate with these. */
export const rpcStatuses = ['OK', 'FAILED', 'PENDING', 'UNKNOWN'] as const;
export type RpcStatus = (typeof rpcStatuses)[number];

export const rpcErrorCodes = [
  'BAD_REQUEST', // not JSON, or breaks the op's schema; message names the field
  'UNKNOWN_OP',
  'IDEMPOTENCY_CONFLICT', // the txnId was used with another op or other arguments
  'EXPIRED', // arrived past its deadline
  'TXN_ABANDONED', // the kiosk already gave up this transaction (txn.query recorded it)
  'TXN_REQUIRED', // a state-changing op without a txnId
  'NOT_FOUND', // patient, bill, appointment, admission, report, lock or pre-settlement unknown
  'NOT_PAYABLE', // bill paid already, or not this patient's
  'PRESETTLE_EXPIRED',
  'AMOUNT_MISMATCH',
  'ALREADY_EXISTS', // a patient record already holds that ID number or card
  'SLOT_FULL',
  'LOCK_EXPIRED', // the slot lock ran out or was released: lock again
  'NOT_ALLOWED', // the record's state forbids it (cancelled, not today, no discharge order, …)
  'NOT_OFFERED', // the hospital does not run this (the prepaid account when it is off), or this central has no such channel
  'PAYMENT_REFUSED', // the QR channel refused the payment code, or the patient did not confirm in time; nothing was taken
  'PAYMENT_NOT_COLLECTED', // a money op names a QR payment this transaction does not hold as paid
  'INSURANCE_REJECTED', // the insurance platform said no, definitely
  'INSURANCE_UNAVAILABLE', // the insurance platform could not be reached; nothing was settled
  'HIS_REJECTED', // the HIS said no, definitely
  'HIS_UNAVAILABLE', // the HIS could not be reached; nothing was changed
  'INTERNAL',
] as const;
export type RpcErrorCode = (typeof rpcErrorCodes)[number];

export const txnIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID of 26 Crockford base32 characters');

export const rpcRequestSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  ts: z.number().int().optional(),
  kid: z.string().optional(),
  op: z.string().min(1).max(64),
  txnId: txnIdSchema.optional(),
  deadline: z.number().int().positive().optional(),
  args: z.record(z.string(), z.unknown()),
});
export type RpcRequest = z.infer<typeof rpcRequestSchema>;

export interface RpcResponse<D = unknown> {
  v: 1;
  id: string;
  ts: number;
  status: RpcStatus;
  code?: RpcErrorCode;
  message?: string;
  data?: D;
}

const fenSchema = z.number().int().nonnegative();
const positiveFenSchema = z.number().int().positive();
const idSchema = z.string().min(1).max(64);
const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

/* ---------------------------------------------------------------- payment */

/** A bank card sale the kiosk's payment module made; the bridge never sees the card itself. */
export const cardPaymentSchema = z.object({
  method: z.literal('card'),
  amountFen: fenSchema,
  rrn: z.string().min(1).max(12),
  trace: z.string().min(1).max(6),
  batch: z.string().min(1).max(6),
  authCode: z.string().max(6),
  panMasked: z.string().max(20).regex(/^[0-9*]*$/, 'masked: digits and * only'),
  tid: z.string().max(8),
  mid: z.string().max(15),
  settleDate: dateSchema,
});

export const qrChannels = ['wechat', 'alipay'] as const;
export type QrChannelName = (typeof qrChannels)[number];

/** The record of a QR payment the bridge itself collected under the same txnId (`payment.qr.pay`). */
export const qrPaymentSchema = z.object({
  method: z.literal('qr'),
  amountFen: positiveFenSchema,
  channel: z.enum(qrChannels),
  channelTradeNo: z.string().min(1).max(64),
});

/** Banknotes the acceptor takes, in fen (1, 5, 10, 20, 50 and 100 yuan). */
export const noteFen = [100, 500, 1000, 2000, 5000, 10000] as const;

/**
 * Notes stacked in the kiosk's cash box. Cash cannot be reversed (DESIGN.md §1): what is inserted
 * beyond the amount applied is owed to the patient on a printed change voucher, never kept as credit.
 */
export const cashPaymentSchema = z
  .object({
    method: z.literal('cash'),
    /** Applied to the business: exactly the amount due. */
    amountFen: positiveFenSchema,
    insertedFen: positiveFenSchema,
    notes: z.array(z.literal(noteFen)).min(1).max(200),
    /** Owed back on a change voucher. */
    changeFen: fenSchema,
  })
  .refine((p) => p.notes.reduce((sum, n) => sum + n, 0) === p.insertedFen, { path: ['insertedFen'], message: 'must be the sum of notes' })
  .refine((p) => p.insertedFen === p.amountFen + p.changeFen, { path: ['changeFen'], message: 'must be insertedFen - amountFen' });

/** Medical insurance pays everything (fund and personal account): nothing is collected at the kiosk. */
export const insurancePaymentSchema = z.object({
  method: z.literal('insurance'),
  amountFen: z.literal(0),
});

/** The one payment object every money op takes. */
export const paymentSchema = z.discriminatedUnion('method', [cardPaymentSchema, qrPaymentSchema, cashPaymentSchema, insurancePaymentSchema]);
export type Payment = z.infer<typeof paymentSchema>;
export type CardPayment = z.infer<typeof cardPaymentSchema>;
export type QrPayment = z.infer<typeof qrPaymentSchema>;
export type CashPayment = z.infer<typeof cashPaymentSchema>;
export type InsurancePayment = z.infer<typeof insurancePaymentSchema>;
export type PaymentMethod = Payment['method'];

/** The patient's medical-insurance credential, for a pre-settle that splits the bill with the national platform. */
export const insuranceCredentialSchema = z.object({
  certType: z.enum(['ecToken', 'idCard', 'ssCard']),
  certNo: z.string().min(1).max(64),
});
export type InsuranceCredential = z.infer<typeof insuranceCredentialSchema>;

export const txnStates = ['OPEN', 'SETTLED', 'COMPENSATED', 'PENDING', 'ABANDONED'] as const;
export type TxnState = (typeof txnStates)[number];

/* ---------------------------------------------------------------- operations */

/** The longest range `bill.history` answers: a quarter and a little, so "the last 90 days" always fits. */
export const billHistoryMaxDays = 92;
/** Matches of `price.search` per page. */
export const priceSearchPageSize = 20;
export const priceCategories = ['drug', 'service'] as const;
export type PriceCategory = (typeof priceCategories)[number];

/** Whole days from one `YYYY-MM-DD` to another. */
export function daysApart(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

const calendarDateSchema = dateSchema.refine((d) => {
  const ms = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(d);
}, 'a real calendar day');
const credTypeSchema = z.enum(['patientCard', 'idCard', 'insuranceCode']);
const patientIdArgs = z.object({ patientId: idSchema });

export const ops = {
  'patient.identify': { txn: false, args: z.object({ credType: credTypeSchema, credNo: z.string().min(1).max(64) }) },
  'patient.create': {
    txn: true,
    args: z.object({
      name: z.string().min(1).max(50),
      sex: z.enum(['male', 'female']),
      birthDate: dateSchema,
      idNumber: z.string().regex(/^\d{17}[\dX]$/, 'a citizen ID number of 18 characters'),
      nation: z.string().min(1).max(20).optional(),
      address: z.string().min(1).max(200).optional(),
      phone: z.string().regex(/^1\d{10}$/, 'an 11-digit mobile number'),
      cardNo: idSchema,
      /** The card fee; absent when the card is free. */
      payment: paymentSchema.optional(),
    }),
  },
  'schedule.query': { txn: false, args: z.object({ date: dateSchema.optional(), deptId: idSchema.optional(), doctorId: idSchema.optional() }) },
  'slot.lock': { txn: true, args: z.object({ slotId: idSchema, patientId: idSchema }) },
  'slot.unlock': { txn: true, args: z.object({ lockId: idSchema }) },
  'register.confirm': { txn: true, args: z.object({ lockId: idSchema, patientId: idSchema, payment: paymentSchema }) },
  'appointment.list': { txn: false, args: patientIdArgs },
  'appointment.book': { txn: true, args: z.object({ slotId: idSchema, patientId: idSchema }) },
  'appointment.checkin': { txn: true, args: z.object({ appointmentNo: idSchema, patientId: idSchema, payment: paymentSchema.optional() }) },
  'appointment.cancel': { txn: true, args: z.object({ appointmentNo: idSchema, patientId: idSchema, reason: z.string().min(1).max(100).optional() }) },
  'bill.list': { txn: false, args: patientIdArgs },
  'bill.preSettle': {
    txn: true,
    args: z.object({
      patientId: idSchema,
      billNos: z.array(idSchema).min(1).max(50),
      insurance: insuranceCredentialSchema.optional(),
    }),
  },
  'bill.pay': { txn: true, args: z.object({ preSettleId: idSchema, payment: paymentSchema }) },
  'account.balance': { txn: false, args: patientIdArgs },
  'account.recharge': { txn: true, args: z.object({ patientId: idSchema, payment: paymentSchema }) },
  'account.refund': { txn: true, args: z.object({ patientId: idSchema, amountFen: positiveFenSchema }) },
  'inpatient.info': {
    txn: false,
    args: z
      .object({ patientId: idSchema.optional(), admissionNo: idSchema.optional() })
      .refine((a) => (a.patientId === undefined) !== (a.admissionNo === undefined), { path: ['patientId'], message: 'give patientId or admissionNo, not both' }),
  },
  'inpatient.deposit': { txn: true, args: z.object({ admissionNo: idSchema, payment: paymentSchema }) },
  'discharge.check': { txn: false, args: z.object({ admissionNo: idSchema }) },
  'discharge.preSettle': { txn: true, args: z.object({ admissionNo: idSchema }) },
  'discharge.settle': { txn: true, args: z.object({ preSettleId: idSchema, payment: paymentSchema.optional() }) },
  'report.list': { txn: false, args: patientIdArgs },
  'report.fetch': { txn: false, args: z.object({ reportId: idSchema, patientId: idSchema }) },
  'report.printed': { txn: true, args: z.object({ reportId: idSchema, patientId: idSchema }) },
  'receipt.reprint': { txn: false, args: z.object({ patientId: idSchema, txnId: txnIdSchema }) },
  'bill.history': {
    txn: false,
    args: z
      .object({ patientId: idSchema, from: calendarDateSchema, to: calendarDateSchema })
      .refine((a) => a.from <= a.to, { path: ['to'], message: 'must not be before from' })
      .refine((a) => daysApart(a.from, a.to) <= billHistoryMaxDays, { path: ['to'], message: `must be at most ${billHistoryMaxDays} days after from` }),
  },
  'inpatient.costs': { txn: false, args: z.object({ admissionNo: idSchema }) },
  'price.search': {
    txn: false,
    args: z
      .object({
        /** 拼音码: the first letter of each syllable of the item's name, matched from the start ('AMXL' finds 阿莫西林胶囊). */
        initials: z.string().regex(/^[A-Z]{1,12}$/, 'pinyin initials: 1 to 12 capital letters A-Z').optional(),
        category: z.enum(priceCategories).optional(),
        /** 1 for the first `priceSearchPageSize` matches. */
        page: z.number().int().min(1).max(1000).optional(),
      })
      .refine((a) => a.initials !== undefined || a.category !== undefined, { path: ['initials'], message: 'give pinyin initials, a category, or both' }),
  },
  'doctor.info': { txn: false, args: z.object({ doctorId: idSchema }) },
  'payment.qr.pay': {
    txn: true,
    args: z.object({
      /** The payment code the scanner read; the channel follows from it. */
      authCode: z.string().regex(/^\d{16,24}$/, 'a payment code of 16 to 24 digits'),
      amountFen: positiveFenSchema,
      /** What the patient sees in the payment app. */
      description: z.string().min(1).max(128).optional(),
    }),
  },
  'payment.qr.query': { txn: false, args: z.object({ txnId: txnIdSchema }) },
  'txn.query': { txn: false, args: z.object({ txnId: txnIdSchema }) },
} as const;
export type OpName = keyof typeof ops;
export type OpArgs<O extends OpName> = z.infer<(typeof ops)[O]['args']>;

/** The ops that settle money with the HIS; each takes a payment (or none, where nothing is due). */
export const moneyOps = ['patient.create', 'register.confirm', 'appointment.checkin', 'bill.pay', 'account.recharge', 'inpatient.deposit', 'discharge.settle'] as const;
export type MoneyOp = (typeof moneyOps)[number];

/**
 * The ops that may follow the op that opened a transaction, under the same txnId. A QR payment
 * and the HIS settlement it pays for share one txnId, since `out_trade_no` = txnId: the QR
 * payment either follows a preparation (pre-settle, slot lock) or opens the transaction itself.
 */
export const sagaSteps: Partial<Record<OpName, readonly OpName[]>> = {
  'patient.create': ['patient.create'],
  'slot.lock': ['slot.lock', 'payment.qr.pay', 'register.confirm', 'slot.unlock'],
  'appointment.book': ['appointment.book'],
  'appointment.checkin': ['appointment.checkin'],
  'appointment.cancel': ['appointment.cancel'],
  'bill.preSettle': ['bill.preSettle', 'payment.qr.pay', 'bill.pay'],
  'account.recharge': ['account.recharge'],
  'account.refund': ['account.refund'],
  'inpatient.deposit': ['inpatient.deposit'],
  'discharge.preSettle': ['discharge.preSettle', 'payment.qr.pay', 'discharge.settle'],
  'report.printed': ['report.printed'],
  'payment.qr.pay': ['payment.qr.pay', 'patient.create', 'appointment.checkin', 'account.recharge', 'inpatient.deposit'],
};

export function isOpName(op: string): op is OpName {
  return Object.hasOwn(ops, op);
}

/* ---------------------------------------------------------------- results */

export interface BillItem {
  name: string;
  qty: number;
  unit: string;
  priceFen: number;
  amountFen: number;
  /**
   * The national medical-insurance catalogue code the HIS maps the item to (医保对照,
   * `med_list_codg`): digits for a service, X… a western drug, Z… a Chinese patent drug, C… a
   * material. Absent when the item is not mapped: insurance pays nothing for it.
   */
  insuranceCode?: string;
}
export interface Bill {
  billNo: string;
  amountFen: number;
  department: string;
  doctor: string;
  createdAt: string;
  items: BillItem[];
}

export interface IdentifyResult {
  patientId: string;
  nameMasked: string;
}
export interface CreatePatientResult {
  patientId: string;
  cardNo: string;
  feeFen: number;
  hisReceiptNo: string;
  createdAt: string;
}

export interface ScheduleResult {
  departments: { deptId: string; name: string; location: string }[];
  doctors: { doctorId: string; deptId: string; name: string; title: string; feeFen: number }[];
  slots: {
    slotId: string;
    doctorId: string;
    deptId: string;
    date: string;
    period: 'morning' | 'afternoon';
    startTime: string;
    endTime: string;
    feeFen: number;
    capacity: number;
    remaining: number;
  }[];
}
export interface SlotLockResult {
  lockId: string;
  slotId: string;
  feeFen: number;
  expiresAt: string;
}
export interface SlotUnlockResult {
  lockId: string;
  released: true;
  /** A QR payment this transaction had collected, given back on the channel. */
  compensate?: Compensation;
}
export interface AppointmentView {
  appointmentNo: string;
  patientId: string;
  slotId: string;
  deptId: string;
  deptName: string;
  doctorId: string;
  doctorName: string;
  doctorTitle: string;
  date: string;
  period: 'morning' | 'afternoon';
  visitTime: string;
  seeNo: number;
  location: string;
  feeFen: number;
  paid: boolean;
  state: 'booked' | 'checkedIn' | 'cancelled';
}
export interface RegisterResult {
  appointment: AppointmentView;
  hisReceiptNo: string;
  settledAt: string;
}
export interface AppointmentListResult {
  appointments: AppointmentView[];
}
export interface CheckInResult {
  appointment: AppointmentView;
  paidFen: number;
  hisReceiptNo: string;
  settledAt: string;
}

/**
 * How money the HIS ordered back reaches the patient. `void`/`refund`: the kiosk's payment module
 * does it (a same-day sale is voided, an older one refunded) and reports a `card.refund.result`
 * fact; `refunded`: the bridge gave a QR payment back on its channel; `pending`: that channel
 * refund is not confirmed yet; `voucher`: a cashier pays it against the printed voucher.
 */
export type RefundInstruction =
  | { method: 'card'; action: 'void' | 'refund'; amountFen: number; ofTxnId: string; rrn: string; trace: string; settleDate: string }
  | { method: 'qr'; action: 'refunded' | 'pending'; amountFen: number; ofTxnId: string; channel: QrChannelName; outRefundNo: string }
  | { method: string; action: 'voucher'; amountFen: number; ofTxnId?: string };

export interface CancelResult {
  appointment: AppointmentView;
  refundFen: number;
  refunds: RefundInstruction[];
  hisReceiptNo: string;
  settledAt: string;
}
export interface BillListResult {
  bills: Bill[];
}
/** totalFen = fundFen + acctFen + selfFen; only selfFen is collected from the patient. */
export interface PreSettleResult {
  preSettleId: string;
  totalFen: number;
  fundFen: number;
  acctFen: number;
  selfFen: number;
  expiresAt: string;
}
export interface PayResult {
  hisReceiptNo: string;
  settledAt: string;
  /** With insurance: what the platform settled (the settled figures win over the pre-settle's). */
  insurance?: { setlId: string; fundFen: number; acctFen: number; selfFen: number };
  /**
   * Where the patient goes next, as the HIS assigned it with the settlement: the dispensing window
   * for the drugs, where blood is drawn, where the exams are done. In the HIS's own words, in order;
   * absent when the HIS says nothing (docs/rpc.md).
   */
  guide?: GuideStep[];
}
/** One step after paying, e.g. `{ what: '取药', where: '门诊西药房 3号窗口 (门诊楼1层)' }`. */
export interface GuideStep {
  what: string;
  where: string;
}
export interface BalanceResult {
  balanceFen: number;
  rechargeOffered: boolean;
}
export interface RechargeResult {
  amountFen: number;
  balanceFen: number;
  hisReceiptNo: string;
  settledAt: string;
}
export interface BalanceRefundResult {
  refundFen: number;
  balanceFen: number;
  refunds: RefundInstruction[];
  hisReceiptNo: string;
  settledAt: string;
}
export interface InpatientInfoResult {
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
  balanceFen: number;
  deposits: { depositNo: string; amountFen: number; method: string; paidAt: string; tradeNo?: string }[];
}
export interface DepositResult {
  depositNo: string;
  amountFen: number;
  depositFen: number;
  balanceFen: number;
  hisReceiptNo: string;
  settledAt: string;
}
export interface DischargeCheckResult {
  admissionNo: string;
  eligible: boolean;
  reasons: { code: string; message: string }[];
}
/** The deposits pay selfFen first: dueFen is collected, refundFen goes back; at most one is not zero. */
export interface DischargePreSettleResult {
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
export interface DischargeSettleResult {
  admissionNo: string;
  totalFen: number;
  fundFen: number;
  acctFen: number;
  selfFen: number;
  depositFen: number;
  paidFen: number;
  refundFen: number;
  refunds: RefundInstruction[];
  hisReceiptNo: string;
  invoiceNo: string;
  settledAt: string;
}
export interface ReportListResult {
  reports: { reportId: string; type: 'LAB' | 'EXAM' | 'IMAGING'; title: string; deptName: string; state: 'ready' | 'pending'; reportedAt?: string; printCount: number; printedAt?: string }[];
}
export interface ReportFetchResult {
  reportId: string;
  title: string;
  /** The PDF, base64. */
  pdfBase64: string;
  pages: number;
  printed: boolean;
  printCount: number;
  printedAt?: string;
}
export interface ReportPrintedResult {
  reportId: string;
  printCount: number;
  printedAt: string;
}
export interface ReceiptReprintResult {
  hisReceiptNo: string;
  txnId: string;
  kind: string;
  title: string;
  fields: { label: string; value: string }[];
  lines: { name: string; amountFen: number }[];
  totalFen: number;
  paidFen: number;
  refundFen: number;
  payment?: Payment;
  settledAt: string;
}

/** An outpatient bill the patient has paid, at a kiosk or a counter: what the bill list and the payment history show. */
export interface PaidBill extends Bill {
  paidAt: string;
  hisReceiptNo: string;
  method: PaymentMethod;
}
export interface BillHistoryResult {
  from: string;
  to: string;
  /** Newest payment first. */
  bills: PaidBill[];
  totalFen: number;
}

/** One line of a stay's costs, as the HIS books it each day (床位费, 西药费, 检查费, ...). */
export interface InpatientCostItem {
  date: string;
  category: string;
  name: string;
  qty: number;
  unit: string;
  priceFen: number;
  amountFen: number;
}
export interface InpatientCostsResult {
  admissionNo: string;
  deptName: string;
  ward: string;
  bed: string;
  admittedAt: string;
  state: 'inHospital' | 'discharged';
  /** By day, then as booked. */
  items: InpatientCostItem[];
  byDay: { date: string; amountFen: number }[];
  byCategory: { category: string; amountFen: number }[];
  totalFen: number;
}

/** The national medical-insurance catalogue class: 甲 fully covered, 乙 partly, 丙 self-pay. */
export type InsuranceClass = '甲' | '乙' | '丙';
export interface PriceItem {
  itemCode: string;
  name: string;
  /** 规格: strength and pack for a drug, empty for most services. */
  spec: string;
  unit: string;
  priceFen: number;
  category: PriceCategory;
  insuranceClass: InsuranceClass;
  /** 拼音码 the HIS keeps with the item. */
  initials: string;
}
export interface PriceSearchResult {
  items: PriceItem[];
  /** Matches in all pages. */
  total: number;
  page: number;
  pageSize: number;
}

export interface DoctorInfoResult {
  doctorId: string;
  name: string;
  title: string;
  deptId: string;
  deptName: string;
  specialty: string;
  profile: string;
}

/** The bridge's record of a QR collection: `paying` while its saga runs, then final. */
export type QrState = 'none' | 'paying' | 'paid' | 'failed' | 'reversed' | 'pending' | 'refunding' | 'refunded';
export interface QrPaymentResult {
  state: QrState;
  channel?: QrChannelName;
  amountFen?: number;
  channelTradeNo?: string;
  paidAt?: string;
  /** Why a payment failed, was reversed or is pending: the channel's code or a reason. */
  reason?: string;
}

/** What the kiosk must do, or what was done, for money taken before a definite refusal. */
export type Compensation = 'reverse' | 'refunded' | 'voucher';

/** What a cashier needs to settle a PENDING transaction by hand. */
export interface PendingView {
  txnId: string;
  op?: string;
  method?: string;
  amountFen?: number;
  reason?: string;
  refs: Record<string, string | number | number[]>;
}

export interface TxnQueryResult {
  state: TxnState;
  compensate?: Compensation;
  hisReceiptNo?: string;
  refunds?: RefundInstruction[];
  qr?: QrPaymentResult;
  pending?: PendingView;
}

/* ---------------------------------------------------------------- helpers */

/** Canonical JSON (sorted keys) so a repeated request compares equal to the stored one. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Names the first offending field of a zod error, e.g. `args.payment.amountFen: expected number`. */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path || '(root)'}: ${issue.message}`;
}

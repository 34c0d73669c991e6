/**
 * The medical-insurance port: the national platform's outpatient sequence (国家医保信息平台
 * 接口规范) as the bridge needs it — 1101 person info, 2201 registration, 2204 fee upload, 2206
 * pre-settle, 2207 settle, 2208 settlement cancel, 2601 reversal by original message id.
 *
 * Every method throws only an `InsuranceError`. `definite` means the platform answered
 * (infcode -1: it refused and changed nothing); `unknown` means the outcome is not known, and a
 * call that may have moved money (2207) is resolved by 2601 with its message id, never by
 * guessing. Each call's message id (`msgid`) is chosen before the call — `newMsgid()`, then pass
 * it in — so the bridge can journal it first: 2601 needs it even when no answer came back.
 *
 * Money is integer fen; the wire's yuan strings are converted at the adapter.
 */

export type InsuranceErrorKind = 'definite' | 'unknown';

export const insuranceErrorKinds = {
  REJECTED: 'definite', // infcode -1: the platform refused; its err_msg is in `detail.errMsg`
  INVALID_REQUEST: 'definite', // a malformed argument, found before anything was sent
  UNAVAILABLE: 'unknown', // no connection, or an HTTP error page instead of an answer
  TIMEOUT: 'unknown',
  NO_ANSWER: 'unknown', // the connection broke after the request was sent
  BAD_RESPONSE: 'unknown', // an answer we cannot read, or whose amounts do not add up
  INTERNAL: 'unknown',
} as const satisfies Record<string, InsuranceErrorKind>;

export type InsuranceErrorCode = keyof typeof insuranceErrorKinds;

export class InsuranceError extends Error {
  override readonly name = 'InsuranceError';
  readonly kind: InsuranceErrorKind;
  constructor(
    readonly code: InsuranceErrorCode,
    message: string,
    readonly detail: { infno?: string; msgid?: string; errMsg?: string; field?: string; [key: string]: unknown } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kind = insuranceErrorKinds[code];
  }
}

export function isInsuranceError(e: unknown, code?: InsuranceErrorCode): e is InsuranceError {
  return e instanceof InsuranceError && (code === undefined || e.code === code);
}

/** 就诊凭证类型 mdtrt_cert_type: 01 e-voucher token (ecToken), 02 national ID card, 03 social security card. */
export type CertType = '01' | '02' | '03';
export const certTypes = { ecToken: '01', idCard: '02', socialSecurityCard: '03' } as const satisfies Record<string, CertType>;

/** The platform's numbers for the calls this port makes. */
export const infnos = {
  personInfo: '1101',
  register: '2201',
  uploadFees: '2204',
  preSettle: '2206',
  settle: '2207',
  cancelSettlement: '2208',
  reverse: '2601',
} as const;
export type Infno = (typeof infnos)[keyof typeof infnos];

export interface CallOptions {
  /** From `newMsgid()`, journaled before the call; a fresh one is made when absent. */
  msgid?: string;
}

export interface PersonQuery {
  certType: CertType;
  certNo: string;
}

export interface InsuranceRecord {
  /** 险种 insutype: 310 employees' basic medical insurance, 390 urban and rural residents'. */
  insutype: string;
  psnType: string;
  /** Personal account balance (balc). */
  balanceFen: number;
  /** Where the person is insured (insuplc_admdvs): every later call's envelope carries it. */
  insuplcAdmdvs: string;
}

/** Sensitive personal data (DESIGN.md §1): it leaves the bridge only in the identify RPC result. */
export interface PersonInfo {
  msgid: string;
  psnNo: string;
  name: string;
  idNumber: string;
  gender: 'male' | 'female';
  /** YYYY-MM-DD */
  birthDate: string;
  insurances: InsuranceRecord[];
}

/** Who is being treated, under which insurance and credential: carried by 2201, 2206 and 2207. */
export interface Insured {
  psnNo: string;
  insutype: string;
  insuplcAdmdvs: string;
  certType: CertType;
  certNo: string;
}

export interface RegisterRequest extends Insured {
  /** The HIS outpatient number (ipt_otp_no). */
  hisVisitNo: string;
  deptCode: string;
  deptName: string;
  doctorCode: string;
  doctorName: string;
  /** Epoch ms of the visit's start; now when absent. */
  startedAt?: number;
}

export interface Registration {
  msgid: string;
  /** 就诊ID, the platform's visit id every later call refers to. */
  mdtrtId: string;
}

export interface FeeLine {
  /** 费用明细流水号, unique within the visit. */
  feedetlSn: string;
  /** The national catalogue code (med_list_codg). */
  listCode: string;
  /** The hospital's own item code (medins_list_codg). */
  hospCode: string;
  name: string;
  qty: number;
  priceFen: number;
  /** priceFen × qty, checked before sending. */
  amountFen: number;
  /** Epoch ms when the fee arose. */
  occurredAt: number;
}

export interface FeeUploadRequest {
  psnNo: string;
  insuplcAdmdvs: string;
  mdtrtId: string;
  /** 收费批次号: the bill batch that 2206/2207 settle together. */
  chrgBchno: string;
  deptCode: string;
  deptName: string;
  doctorCode: string;
  doctorName: string;
  lines: FeeLine[];
}

/** 01 甲类 fully covered, 02 乙类 partly self-paid first, 03 丙类 not covered. */
export type ChargeLevel = '01' | '02' | '03';

export interface UploadedLine {
  feedetlSn: string;
  amountFen: number;
  level: ChargeLevel;
  /** fulamt_ownpay_amt: not covered at all. */
  ownPayFen: number;
  /** preselfpay_amt: the part of a 乙类 item the patient pays before the fund. */
  preSelfPayFen: number;
  /** inscp_scp_amt: within the policy scope. */
  inScopeFen: number;
}

export interface FeeUpload {
  msgid: string;
  lines: UploadedLine[];
}

export interface SettleRequest extends Insured {
  mdtrtId: string;
  chrgBchno: string;
  /** medfee_sumamt: the sum of the batch's lines; the platform checks it against what was uploaded. */
  totalFen: number;
  /** acct_used_flag: let the personal account pay what the fund does not. */
  useAccount: boolean;
}

/** totalFen = fundFen + acctFen + cashFen, to the fen; only cashFen is collected from the patient. */
export interface Split {
  msgid: string;
  mdtrtId: string;
  totalFen: number;
  /** fund_pay_sumamt */
  fundFen: number;
  /** acct_pay */
  acctFen: number;
  /** psn_cash_pay */
  cashFen: number;
  ownPayFen: number;
  inScopeFen: number;
  /** balc: the personal account after this settlement (after the would-be settlement, for a pre-settle). */
  balanceFen: number;
}

export interface Settlement extends Split {
  setlId: string;
  /** ISO 8601 with +08:00, the platform's clock. */
  settledAt: string;
}

export interface CancelRequest {
  setlId: string;
  mdtrtId: string;
  psnNo: string;
  insuplcAdmdvs: string;
}

/** What went back: the fund and account parts to the platform, cashFen for the hospital to refund. */
export interface Cancellation {
  msgid: string;
  setlId: string;
  cancelSetlId: string;
  fundFen: number;
  acctFen: number;
  cashFen: number;
  balanceFen: number;
}

export interface ReverseRequest {
  psnNo: string;
  insuplcAdmdvs: string;
  /** The msgid of the call to undo. */
  omsgid: string;
  oinfno: Infno;
}

export interface Reversal {
  msgid: string;
  omsgid: string;
  /** true: the original had taken effect and is undone; false: it never took effect, and now never will. */
  reversed: boolean;
}

export interface InsurancePort {
  /** A message id of the documented form: institution code + yyyyMMddHHmmss + 4-digit sequence. */
  newMsgid(): string;
  personInfo(query: PersonQuery, call?: CallOptions): Promise<PersonInfo>;
  register(request: RegisterRequest, call?: CallOptions): Promise<Registration>;
  uploadFees(request: FeeUploadRequest, call?: CallOptions): Promise<FeeUpload>;
  /** No money moves; repeatable. */
  preSettle(request: SettleRequest, call?: CallOptions): Promise<Split>;
  /** Moves fund and account money. Unknown outcome → `reverse` with this call's msgid. */
  settle(request: SettleRequest, call?: CallOptions): Promise<Settlement>;
  cancelSettlement(request: CancelRequest, call?: CallOptions): Promise<Cancellation>;
  /** Idempotent: reversing the same original twice answers the same. */
  reverse(request: ReverseRequest, call?: CallOptions): Promise<Reversal>;
}

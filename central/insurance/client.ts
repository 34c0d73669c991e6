import type http from 'node:http';
import { formatYuan } from '../../contract/money.ts';
import { post, TransportError } from '../pay/http.ts';
import { yuanFromWire } from '../pay/yuan.ts';
import { compactTime, isoFromPlatformTime, platformTime, servicePath, type Envelope, type PlatformAnswer } from './envelope.ts';
import {
  InsuranceError,
  infnos,
  type CallOptions,
  type CancelRequest,
  type Cancellation,
  type ChargeLevel,
  type FeeUpload,
  type FeeUploadRequest,
  type Infno,
  type InsurancePort,
  type PersonInfo,
  type PersonQuery,
  type RegisterRequest,
  type Registration,
  type Reversal,
  type ReverseRequest,
  type Settlement,
  type SettleRequest,
  type Split,
} from './port.ts';

/**
 * The national platform over HTTP: builds the common envelope for a self-service terminal
 * (opter_type 2), reads `infcode`, and turns the yuan the platform writes into fen by their
 * digits. It drops the personal data the settlement answers repeat (name, ID number); only 1101
 * returns them.
 */

export interface InsuranceConfig {
  /** The gateway's base URL; the fsi service path is appended. */
  url: string;
  /** 定点医药机构编号, e.g. H33010000001: the first 12 characters of every msgid. */
  fixmedinsCode: string;
  fixmedinsName: string;
  /** 就医地医保区划 of the hospital. */
  mdtrtareaAdmvs: string;
  /** The kiosk id and its display name, as the platform logs the operator. */
  opter: string;
  opterName: string;
  /**
   * The 4-digit sequence of a msgid within `second` (yyyyMMddHHmmss). By default one counter per
   * institution code in this process; several bridge processes must draw from a shared one (the
   * ledger), or their ids collide and the platform refuses the second.
   */
  sequence?: (second: string) => number;
  /** 签到编号 from 9001, where the province requires it. */
  signNo?: string;
  recerSysCode?: string;
  timeoutMs?: number;
  agent?: http.Agent;
  now?: () => number;
}

type Output = Record<string, unknown>;

/** Shared by every client of one institution in this process, so two of them never make the same msgid. */
const counters = new Map<string, { second: string; value: number }>();

function processSequence(fixmedinsCode: string): (second: string) => number {
  return (second) => {
    const counter = counters.get(fixmedinsCode);
    const value = counter && counter.second === second ? (counter.value % 9999) + 1 : 1;
    counters.set(fixmedinsCode, { second, value });
    return value;
  };
}

export class InsuranceClient implements InsurancePort {
  private readonly now: () => number;
  private readonly sequence: (second: string) => number;

  constructor(private readonly config: InsuranceConfig) {
    if (!/^[A-Z]\d{11}$/.test(config.fixmedinsCode)) throw new RangeError('fixmedinsCode: must be a letter and 11 digits, e.g. H33010000001');
    if (!/^\d{6}$/.test(config.mdtrtareaAdmvs)) throw new RangeError('mdtrtareaAdmvs: must be a 6-digit division code');
    this.now = config.now ?? Date.now;
    this.sequence = config.sequence ?? processSequence(config.fixmedinsCode);
  }

  newMsgid(): string {
    const second = compactTime(this.now());
    const value = this.sequence(second);
    if (!Number.isSafeInteger(value) || value < 0 || value > 9999) throw new RangeError(`sequence: ${value} is not a 4-digit number`);
    return `${this.config.fixmedinsCode}${second}${String(value).padStart(4, '0')}`;
  }

  async personInfo(query: PersonQuery, call: CallOptions = {}): Promise<PersonInfo> {
    if (!['01', '02', '03'].includes(query.certType)) throw invalid('certType', 'certType must be 01 (e-voucher), 02 (ID card) or 03 (social security card)');
    text(query.certNo, 'certNo');
    const isId = query.certType === '02';
    const { msgid, output } = await this.call(infnos.personInfo, '', { data: { mdtrt_cert_type: query.certType, mdtrt_cert_no: query.certNo, card_sn: '', begntime: '', psn_cert_type: isId ? '01' : '', certno: isId ? query.certNo : '', psn_name: '' } }, call);
    const base = record(output.baseinfo, 'baseinfo', msgid);
    const insurances = Array.isArray(output.insuinfo) ? output.insuinfo : [];
    return {
      msgid,
      psnNo: str(base.psn_no, 'baseinfo.psn_no', msgid),
      name: str(base.psn_name, 'baseinfo.psn_name', msgid),
      idNumber: str(base.certno, 'baseinfo.certno', msgid),
      gender: base.gend === '2' ? 'female' : 'male',
      birthDate: str(base.brdy, 'baseinfo.brdy', msgid),
      insurances: insurances.map((i: unknown, n) => {
        const r = record(i, `insuinfo[${n}]`, msgid);
        return {
          insutype: str(r.insutype, `insuinfo[${n}].insutype`, msgid),
          psnType: str(r.psn_type, `insuinfo[${n}].psn_type`, msgid),
          balanceFen: fen(r.balc, `insuinfo[${n}].balc`, msgid),
          insuplcAdmdvs: str(r.insuplc_admdvs, `insuinfo[${n}].insuplc_admdvs`, msgid),
        };
      }),
    };
  }

  async register(request: RegisterRequest, call: CallOptions = {}): Promise<Registration> {
    for (const field of ['psnNo', 'insutype', 'insuplcAdmdvs', 'certNo', 'hisVisitNo', 'deptCode', 'deptName', 'doctorCode', 'doctorName'] as const) text(request[field], field);
    const { msgid, output } = await this.call(infnos.register, request.insuplcAdmdvs, {
      data: {
        psn_no: request.psnNo,
        insutype: request.insutype,
        begntime: platformTime(request.startedAt ?? this.now()),
        mdtrt_cert_type: request.certType,
        mdtrt_cert_no: request.certNo,
        ipt_otp_no: request.hisVisitNo,
        atddr_no: request.doctorCode,
        dr_name: request.doctorName,
        dept_code: request.deptCode,
        dept_name: request.deptName,
        caty: request.deptCode,
      },
    }, call);
    return { msgid, mdtrtId: str(record(output.data, 'data', msgid).mdtrt_id, 'data.mdtrt_id', msgid) };
  }

  async uploadFees(request: FeeUploadRequest, call: CallOptions = {}): Promise<FeeUpload> {
    for (const field of ['psnNo', 'insuplcAdmdvs', 'mdtrtId', 'chrgBchno', 'deptCode', 'deptName', 'doctorCode', 'doctorName'] as const) text(request[field], field);
    if (!Array.isArray(request.lines) || request.lines.length === 0) throw invalid('lines', 'lines must list one or more fees');
    const feedetail = request.lines.map((line, n) => {
      text(line.feedetlSn, `lines[${n}].feedetlSn`);
      text(line.listCode, `lines[${n}].listCode`);
      if (!Number.isSafeInteger(line.qty) || line.qty <= 0) throw invalid(`lines[${n}].qty`, `lines[${n}].qty must be a positive whole number`);
      if (!Number.isSafeInteger(line.priceFen) || line.priceFen < 0) throw invalid(`lines[${n}].priceFen`, `lines[${n}].priceFen must be a non-negative whole number of fen`);
      if (line.amountFen !== line.priceFen * line.qty) throw invalid(`lines[${n}].amountFen`, `lines[${n}].amountFen must be priceFen × qty`);
      return {
        feedetl_sn: line.feedetlSn,
        mdtrt_id: request.mdtrtId,
        psn_no: request.psnNo,
        chrg_bchno: request.chrgBchno,
        rx_circ_flag: '0',
        fee_ocur_time: platformTime(line.occurredAt),
        med_list_codg: line.listCode,
        medins_list_codg: line.hospCode,
        medins_list_name: line.name,
        det_item_fee_sumamt: formatYuan(line.amountFen),
        cnt: String(line.qty),
        pric: formatYuan(line.priceFen),
        bilg_dept_codg: request.deptCode,
        bilg_dept_name: request.deptName,
        bilg_dr_codg: request.doctorCode,
        bilg_dr_name: request.doctorName,
        hosp_appr_flag: '1',
      };
    });
    const { msgid, output } = await this.call(infnos.uploadFees, request.insuplcAdmdvs, { feedetail }, call);
    const result = Array.isArray(output.result) ? output.result : [];
    return {
      msgid,
      lines: result.map((r: unknown, n) => {
        const line = record(r, `result[${n}]`, msgid);
        const where = (f: string) => `result[${n}].${f}`;
        return {
          feedetlSn: str(line.feedetl_sn, where('feedetl_sn'), msgid),
          amountFen: fen(line.det_item_fee_sumamt, where('det_item_fee_sumamt'), msgid),
          level: level(line.chrgitm_lv, where('chrgitm_lv'), msgid),
          ownPayFen: fen(line.fulamt_ownpay_amt, where('fulamt_ownpay_amt'), msgid),
          preSelfPayFen: fen(line.preselfpay_amt, where('preselfpay_amt'), msgid),
          inScopeFen: fen(line.inscp_scp_amt, where('inscp_scp_amt'), msgid),
        };
      }),
    };
  }

  async preSettle(request: SettleRequest, call: CallOptions = {}): Promise<Split> {
    const { msgid, output } = await this.call(infnos.preSettle, request.insuplcAdmdvs, this.settleInput(request), call);
    return split(record(output.setlinfo, 'setlinfo', msgid), request, msgid);
  }

  async settle(request: SettleRequest, call: CallOptions = {}): Promise<Settlement> {
    const { msgid, output } = await this.call(infnos.settle, request.insuplcAdmdvs, this.settleInput(request), call);
    const info = record(output.setlinfo, 'setlinfo', msgid);
    const settledAt = str(info.setl_time, 'setlinfo.setl_time', msgid);
    try {
      return { ...split(info, request, msgid), setlId: str(info.setl_id, 'setlinfo.setl_id', msgid), settledAt: isoFromPlatformTime(settledAt) };
    } catch (e) {
      if (e instanceof InsuranceError) throw e;
      throw new InsuranceError('BAD_RESPONSE', `setlinfo.setl_time is not a platform time: ${settledAt}`, { msgid, field: 'setlinfo.setl_time' }, { cause: e });
    }
  }

  async cancelSettlement(request: CancelRequest, call: CallOptions = {}): Promise<Cancellation> {
    for (const field of ['setlId', 'mdtrtId', 'psnNo', 'insuplcAdmdvs'] as const) text(request[field], field);
    const { msgid, output } = await this.call(infnos.cancelSettlement, request.insuplcAdmdvs, { data: { setl_id: request.setlId, mdtrt_id: request.mdtrtId, psn_no: request.psnNo } }, call);
    const info = record(output.setlinfo, 'setlinfo', msgid);
    // A cancellation is written as a negative settlement.
    const back = (field: string) => -fen(info[field], `setlinfo.${field}`, msgid);
    return {
      msgid,
      setlId: request.setlId,
      cancelSetlId: str(info.setl_id, 'setlinfo.setl_id', msgid),
      fundFen: back('fund_pay_sumamt'),
      acctFen: back('acct_pay'),
      cashFen: back('psn_cash_pay'),
      balanceFen: fen(info.balc, 'setlinfo.balc', msgid),
    };
  }

  async reverse(request: ReverseRequest, call: CallOptions = {}): Promise<Reversal> {
    for (const field of ['psnNo', 'insuplcAdmdvs', 'omsgid', 'oinfno'] as const) text(request[field], field);
    const { msgid, output } = await this.call(infnos.reverse, request.insuplcAdmdvs, { data: { psn_no: request.psnNo, omsgid: request.omsgid, oinfno: request.oinfno } }, call);
    const data = record(output.data, 'data', msgid);
    if (data.omsgid !== request.omsgid || (data.rvs_rslt !== '1' && data.rvs_rslt !== '0')) {
      throw new InsuranceError('BAD_RESPONSE', 'the 2601 answer does not name the reversed message and its result', { msgid, infno: infnos.reverse });
    }
    return { msgid, omsgid: request.omsgid, reversed: data.rvs_rslt === '1' };
  }

  private settleInput(request: SettleRequest): Record<string, unknown> {
    for (const field of ['psnNo', 'insutype', 'insuplcAdmdvs', 'certNo', 'mdtrtId', 'chrgBchno'] as const) text(request[field], field);
    if (!Number.isSafeInteger(request.totalFen) || request.totalFen <= 0) throw invalid('totalFen', 'totalFen must be a positive whole number of fen');
    return {
      data: {
        psn_no: request.psnNo,
        mdtrt_cert_type: request.certType,
        mdtrt_cert_no: request.certNo,
        med_type: '11',
        medfee_sumamt: formatYuan(request.totalFen),
        psn_setlway: '01',
        mdtrt_id: request.mdtrtId,
        chrg_bchno: request.chrgBchno,
        insutype: request.insutype,
        acct_used_flag: request.useAccount ? '1' : '0',
      },
    };
  }

  /** One envelope out, one answer back: output on infcode 0, REJECTED on -1, unknown for anything else. */
  private async call(infno: Infno, insuplcAdmdvs: string, input: Record<string, unknown>, options: CallOptions): Promise<{ msgid: string; output: Output }> {
    const msgid = options.msgid ?? this.newMsgid();
    const envelope: Envelope = {
      infno,
      msgid,
      mdtrtarea_admvs: this.config.mdtrtareaAdmvs,
      insuplc_admdvs: insuplcAdmdvs,
      recer_sys_code: this.config.recerSysCode ?? 'FSI_LOCAL',
      dev_no: this.config.opter,
      dev_safe_info: '',
      cainfo: '',
      signtype: '',
      infver: 'V1.0',
      opter_type: '2',
      opter: this.config.opter,
      opter_name: this.config.opterName,
      inf_time: platformTime(this.now()),
      fixmedins_code: this.config.fixmedinsCode,
      fixmedins_name: this.config.fixmedinsName,
      sign_no: this.config.signNo ?? '',
      input,
    };
    const at = { infno, msgid };
    let body: string;
    try {
      const answer = await post(new URL(servicePath, this.config.url).href, JSON.stringify(envelope), {
        timeoutMs: this.config.timeoutMs ?? 15_000,
        contentType: 'application/json;charset=utf-8',
        agent: this.config.agent,
      });
      if (answer.status !== 200) throw new InsuranceError('UNAVAILABLE', `insurance platform ${infno} answered HTTP ${answer.status}`, { ...at, status: answer.status });
      body = answer.body;
    } catch (e) {
      if (e instanceof TransportError) throw new InsuranceError(e.failure, `insurance platform ${infno}: ${e.message}`, at, { cause: e });
      throw e;
    }
    let answer: PlatformAnswer;
    try {
      answer = JSON.parse(body) as PlatformAnswer;
    } catch (e) {
      throw new InsuranceError('BAD_RESPONSE', `insurance platform ${infno} answered something that is not JSON`, at, { cause: e });
    }
    const infcode = String(answer?.infcode);
    if (infcode === '-1') throw new InsuranceError('REJECTED', `insurance platform refused ${infno}: ${answer.err_msg ?? ''}`, { ...at, errMsg: answer.err_msg ?? '' });
    if (infcode !== '0' || typeof answer.output !== 'object' || answer.output === null) {
      throw new InsuranceError('BAD_RESPONSE', `insurance platform ${infno} answered infcode ${infcode} without an output`, at);
    }
    return { msgid, output: answer.output };
  }
}

function invalid(field: string, message: string): InsuranceError {
  return new InsuranceError('INVALID_REQUEST', message, { field });
}

function text(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, `${field} must be a non-empty string`);
}

function record(value: unknown, field: string, msgid: string): Output {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InsuranceError('BAD_RESPONSE', `the answer has no ${field}`, { msgid, field });
  return value as Output;
}

function str(value: unknown, field: string, msgid: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InsuranceError('BAD_RESPONSE', `the answer's ${field} is missing`, { msgid, field });
  return value;
}

function fen(value: unknown, field: string, msgid: string): number {
  try {
    return yuanFromWire(value);
  } catch (e) {
    throw new InsuranceError('BAD_RESPONSE', `the answer's ${field} is not an amount of yuan: ${JSON.stringify(value)}`, { msgid, field }, { cause: e });
  }
}

function level(value: unknown, field: string, msgid: string): ChargeLevel {
  if (value === '01' || value === '02' || value === '03') return value;
  throw new InsuranceError('BAD_RESPONSE', `the answer's ${field} is not a charge level`, { msgid, field });
}

/** Reads a setlinfo and holds the platform to its own sum: fund + account + cash = total, to the fen. */
function split(info: Output, request: SettleRequest, msgid: string): Split {
  const amount = (field: string) => fen(info[field], `setlinfo.${field}`, msgid);
  const result: Split = {
    msgid,
    mdtrtId: str(info.mdtrt_id, 'setlinfo.mdtrt_id', msgid),
    totalFen: amount('medfee_sumamt'),
    fundFen: amount('fund_pay_sumamt'),
    acctFen: amount('acct_pay'),
    cashFen: amount('psn_cash_pay'),
    ownPayFen: amount('fulamt_ownpay_amt'),
    inScopeFen: amount('inscp_scp_amt'),
    balanceFen: amount('balc'),
  };
  if (result.fundFen + result.acctFen + result.cashFen !== result.totalFen || result.totalFen !== request.totalFen || result.mdtrtId !== request.mdtrtId) {
    throw new InsuranceError('BAD_RESPONSE', 'the settlement split does not add up to the total of the request', { ...result });
  }
  return result;
}

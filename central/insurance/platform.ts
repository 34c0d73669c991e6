import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { formatYuan } from '../../contract/money.ts';
import { FaultTable } from '../pay/sim-server.ts';
import { parseYuan } from '../pay/yuan.ts';
import { compactTime, msgidPattern, platformTime, type Envelope, type PlatformAnswer } from './envelope.ts';
import { infnos, type ChargeLevel } from './port.ts';
import { insuredPersons } from './seed.ts';
import { chargeLevel, lineShares, splitFigures, type SplitFigures } from './split.ts';

/**
 * The simulated national platform's book, in its own SQLite file: insured persons with their
 * fund allowance and personal account, visits, uploaded fees, settlements, cancellations,
 * reversals and every message id it has seen. It answers envelopes as the platform does —
 * `infcode` 0 with an output, or -1 with an `err_msg` that names the problem — and refuses a
 * message id twice, or one a 2601 has already barred.
 */

export const platformApis = Object.values(infnos);

/** A refusal the platform answers with infcode -1. */
class Refusal extends Error {}

type Input = Record<string, unknown>;

export interface PersonState {
  psnNo: string;
  insutype: string;
  insuplcAdmdvs: string;
  fundRemainingFen: number;
  acctBalanceFen: number;
}

export type SettlementState = 'settled' | 'cancelled' | 'reversed';

export interface SettlementRecord {
  setlId: string;
  mdtrtId: string;
  chrgBchno: string;
  psnNo: string;
  msgid: string;
  totalFen: number;
  fundFen: number;
  acctFen: number;
  cashFen: number;
  state: SettlementState;
  cancelSetlId: string | null;
}

const schema = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS persons (psn_no TEXT PRIMARY KEY, psn_name TEXT NOT NULL, gend TEXT NOT NULL, brdy TEXT NOT NULL,
    certno TEXT NOT NULL UNIQUE, ec_token TEXT NOT NULL UNIQUE, sscard_no TEXT NOT NULL UNIQUE, insutype TEXT NOT NULL, psn_type TEXT NOT NULL,
    insuplc_admdvs TEXT NOT NULL, ratio_bp INTEGER NOT NULL, fund_remaining_fen INTEGER NOT NULL, acct_balance_fen INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (msgid TEXT PRIMARY KEY, infno TEXT NOT NULL, infcode INTEGER NOT NULL, err_msg TEXT, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS registrations (mdtrt_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL REFERENCES persons, insutype TEXT NOT NULL,
    ipt_otp_no TEXT NOT NULL, msgid TEXT NOT NULL UNIQUE, state TEXT NOT NULL, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS fees (mdtrt_id TEXT NOT NULL REFERENCES registrations, feedetl_sn TEXT NOT NULL, chrg_bchno TEXT NOT NULL,
    med_list_codg TEXT NOT NULL, amount_fen INTEGER NOT NULL, chrgitm_lv TEXT NOT NULL, own_pay_fen INTEGER NOT NULL,
    pre_self_pay_fen INTEGER NOT NULL, in_scope_fen INTEGER NOT NULL, msgid TEXT NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (mdtrt_id, feedetl_sn));
  CREATE TABLE IF NOT EXISTS settlements (setl_id TEXT PRIMARY KEY, mdtrt_id TEXT NOT NULL REFERENCES registrations, chrg_bchno TEXT NOT NULL,
    psn_no TEXT NOT NULL, msgid TEXT NOT NULL UNIQUE, total_fen INTEGER NOT NULL, fund_fen INTEGER NOT NULL, acct_fen INTEGER NOT NULL,
    cash_fen INTEGER NOT NULL, state TEXT NOT NULL, settled_at INTEGER NOT NULL, cancel_setl_id TEXT, cancel_msgid TEXT, closed_at INTEGER);
  CREATE TABLE IF NOT EXISTS reversals (omsgid TEXT PRIMARY KEY, oinfno TEXT NOT NULL, msgid TEXT NOT NULL, reversed INTEGER NOT NULL, at INTEGER NOT NULL);
`;

interface PersonRow {
  psnNo: string;
  name: string;
  gend: string;
  brdy: string;
  certno: string;
  insutype: string;
  psnType: string;
  insuplcAdmdvs: string;
  ratioBp: number;
  fundRemainingFen: number;
  acctBalanceFen: number;
}

const personSelect = `SELECT psn_no AS psnNo, psn_name AS name, gend, brdy, certno, insutype, psn_type AS psnType, insuplc_admdvs AS insuplcAdmdvs,
  ratio_bp AS ratioBp, fund_remaining_fen AS fundRemainingFen, acct_balance_fen AS acctBalanceFen FROM persons`;
const settlementSelect = `SELECT setl_id AS setlId, mdtrt_id AS mdtrtId, chrg_bchno AS chrgBchno, psn_no AS psnNo, msgid, total_fen AS totalFen,
  fund_fen AS fundFen, acct_fen AS acctFen, cash_fen AS cashFen, state, cancel_setl_id AS cancelSetlId FROM settlements`;
const certColumns: Record<string, string> = { '01': 'ec_token', '02': 'certno', '03': 'sscard_no' };
const fundPayTypes: Record<string, [string, string]> = { '310': ['310100', '职工基本医疗保险统筹基金'], '390': ['390100', '城乡居民基本医疗保险基金'] };

export class SimulatedPlatform {
  static readonly apis = platformApis;
  readonly faults: FaultTable;

  private constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.faults = new FaultTable(db, platformApis);
  }

  /** Opens the book in `dataDir/insurance.sqlite`, creating and seeding it on first use. */
  static open(dataDir: string, options: { now?: () => number } = {}): SimulatedPlatform {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, 'insurance.sqlite'));
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.transaction(() => {
      db.exec(schema);
      if (!db.prepare("SELECT 1 FROM meta WHERE key = 'seeded'").get()) seed(db);
    }).immediate();
    return new SimulatedPlatform(db, options.now ?? Date.now);
  }

  close(): void {
    this.db.close();
  }

  /** One envelope in, one answer out. Only a bug throws; every refusal is an answer. */
  handle(body: string): PlatformAnswer {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(body) as Envelope;
    } catch {
      return this.answer(undefined, -1, '报文不是合法的 JSON');
    }
    const problem = envelopeProblem(envelope);
    if (problem) return this.answer(envelope, -1, problem);
    try {
      const output = this.db
        .transaction(() => {
          if (this.db.prepare('SELECT 1 FROM messages WHERE msgid = ?').get(envelope.msgid)) throw new Refusal(`报文ID重复：${envelope.msgid}`);
          if (this.db.prepare('SELECT 1 FROM reversals WHERE omsgid = ?').get(envelope.msgid)) throw new Refusal(`该报文已被冲正，不能再处理：${envelope.msgid}`);
          const result = this.process(envelope);
          this.db.prepare('INSERT INTO messages (msgid, infno, infcode, at) VALUES (?, ?, 0, ?)').run(envelope.msgid, envelope.infno, this.now());
          return result;
        })
        .immediate();
      return this.answer(envelope, 0, null, output);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return this.refuse(envelope, e.message);
    }
  }

  /** A refusal that consumes the message id, as the platform's own failures do. */
  refuse(envelope: Envelope, errMsg: string): PlatformAnswer {
    if (typeof envelope?.msgid === 'string' && msgidPattern.test(envelope.msgid)) {
      this.db.prepare('INSERT OR IGNORE INTO messages (msgid, infno, infcode, err_msg, at) VALUES (?, ?, -1, ?, ?)').run(envelope.msgid, String(envelope.infno), errMsg, this.now());
    }
    return this.answer(envelope, -1, errMsg);
  }

  person(psnNo: string): PersonState | undefined {
    const row = this.db.prepare<[string], PersonRow>(`${personSelect} WHERE psn_no = ?`).get(psnNo);
    return row && { psnNo: row.psnNo, insutype: row.insutype, insuplcAdmdvs: row.insuplcAdmdvs, fundRemainingFen: row.fundRemainingFen, acctBalanceFen: row.acctBalanceFen };
  }

  persons(): PersonState[] {
    return this.db.prepare<[], { psnNo: string }>('SELECT psn_no AS psnNo FROM persons ORDER BY psn_no').all().map((r) => this.person(r.psnNo)!);
  }

  settlements(): SettlementRecord[] {
    return this.db.prepare<[], SettlementRecord>(`${settlementSelect} ORDER BY settled_at, setl_id`).all();
  }

  private process(envelope: Envelope): Record<string, unknown> {
    const input = envelope.input;
    switch (envelope.infno) {
      case infnos.personInfo:
        return this.personInfo(data(input));
      case infnos.register:
        return this.register(envelope, data(input));
      case infnos.uploadFees:
        return this.uploadFees(envelope, input);
      case infnos.preSettle:
        return this.settle(envelope, data(input), false);
      case infnos.settle:
        return this.settle(envelope, data(input), true);
      case infnos.cancelSettlement:
        return this.cancel(envelope, data(input));
      default:
        return this.reverse(envelope, data(input));
    }
  }

  private personInfo(d: Input): Record<string, unknown> {
    const type = field(d, 'mdtrt_cert_type');
    const column = certColumns[type];
    if (!column) throw new Refusal('input.data.mdtrt_cert_type 应为 01（电子凭证）、02（身份证）或 03（社保卡）');
    const certNo = type === '02' ? field(d, 'mdtrt_cert_no').toUpperCase() : field(d, 'mdtrt_cert_no');
    const p = this.db.prepare<[string], PersonRow>(`${personSelect} WHERE ${column} = ?`).get(certNo);
    if (!p) throw new Refusal('未查询到该人员的参保信息');
    return {
      baseinfo: { psn_no: p.psnNo, psn_cert_type: '01', certno: p.certno, psn_name: p.name, gend: p.gend, naty: '01', brdy: p.brdy, age: this.age(p.brdy) },
      insuinfo: [
        { balc: formatYuan(p.acctBalanceFen), insutype: p.insutype, psn_type: p.psnType, psn_insu_stas: '1', psn_insu_date: '2010-01-01', paus_insu_date: null, cvlserv_flag: '0', insuplc_admdvs: p.insuplcAdmdvs, emp_name: '' },
      ],
      idetinfo: [],
    };
  }

  private register(envelope: Envelope, d: Input): Record<string, unknown> {
    const p = this.insured(envelope, d);
    if (field(d, 'insutype') !== p.insutype) throw new Refusal(`该人员未参加险种 ${String(d.insutype)}`);
    const certType = field(d, 'mdtrt_cert_type');
    const column = certColumns[certType];
    if (!column || !this.db.prepare(`SELECT 1 FROM persons WHERE psn_no = ? AND ${column} = ?`).get(p.psnNo, field(d, 'mdtrt_cert_no'))) throw new Refusal('就诊凭证与人员不符');
    for (const f of ['begntime', 'ipt_otp_no', 'dept_code', 'dept_name']) field(d, f);
    const now = this.now();
    const mdtrtId = `${envelope.mdtrtarea_admvs}${compactTime(now).slice(0, 8)}${String(this.next('mdtrt')).padStart(8, '0')}`;
    this.db.prepare("INSERT INTO registrations (mdtrt_id, psn_no, insutype, ipt_otp_no, msgid, state, at) VALUES (?, ?, ?, ?, ?, 'active', ?)").run(mdtrtId, p.psnNo, p.insutype, field(d, 'ipt_otp_no'), envelope.msgid, now);
    return { data: { mdtrt_id: mdtrtId, psn_no: p.psnNo, ipt_otp_no: field(d, 'ipt_otp_no') } };
  }

  private uploadFees(envelope: Envelope, input: Input): Record<string, unknown> {
    const lines = input.feedetail;
    if (!Array.isArray(lines) || lines.length === 0) throw new Refusal('input.feedetail 不能为空');
    const insert = this.db.prepare(`INSERT INTO fees (mdtrt_id, feedetl_sn, chrg_bchno, med_list_codg, amount_fen, chrgitm_lv, own_pay_fen, pre_self_pay_fen, in_scope_fen, msgid, state)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')`);
    const result = lines.map((raw: unknown, n) => {
      const line = (typeof raw === 'object' && raw !== null ? raw : {}) as Input;
      const at = `input.feedetail[${n}]`;
      const mdtrtId = field(line, 'mdtrt_id', at);
      const visit = this.activeVisit(mdtrtId);
      const p = this.insured(envelope, line, at);
      if (visit.psnNo !== p.psnNo) throw new Refusal(`${at}.mdtrt_id 不是该人员的就诊`);
      const chrgBchno = field(line, 'chrg_bchno', at);
      if (this.activeSettlement(mdtrtId, chrgBchno)) throw new Refusal(`${at}: 该批次费用已结算，不能再上传`);
      const amountFen = yuan(line, 'det_item_fee_sumamt', at);
      const priceFen = yuan(line, 'pric', at);
      const cnt = field(line, 'cnt', at);
      if (!/^[1-9]\d{0,5}$/.test(cnt)) throw new Refusal(`${at}.cnt 应为正整数`);
      if (priceFen * Number(cnt) !== amountFen) throw new Refusal(`${at}.det_item_fee_sumamt 不等于 pric × cnt`);
      const feedetlSn = field(line, 'feedetl_sn', at);
      if (this.db.prepare('SELECT 1 FROM fees WHERE mdtrt_id = ? AND feedetl_sn = ?').get(mdtrtId, feedetlSn)) throw new Refusal(`${at}.feedetl_sn 重复：${feedetlSn}`);
      const listCode = field(line, 'med_list_codg', at);
      const level = chargeLevel(listCode);
      const shares = lineShares(amountFen, level);
      insert.run(mdtrtId, feedetlSn, chrgBchno, listCode, amountFen, level, shares.ownPayFen, shares.preSelfPayFen, shares.inScopeFen, envelope.msgid);
      return {
        feedetl_sn: feedetlSn,
        det_item_fee_sumamt: formatYuan(amountFen),
        cnt,
        pric: formatYuan(priceFen),
        pric_uplmt_amt: formatYuan(priceFen),
        selfpay_prop: level === '03' ? '1.00' : level === '02' ? '0.10' : '0.00',
        fulamt_ownpay_amt: formatYuan(shares.ownPayFen),
        overlmt_amt: '0.00',
        preselfpay_amt: formatYuan(shares.preSelfPayFen),
        inscp_scp_amt: formatYuan(shares.inScopeFen),
        chrgitm_lv: level satisfies ChargeLevel,
        lmt_used_flag: '0',
        memo: '',
      };
    });
    return { result };
  }

  /** 2206 (commit false) and 2207: the same figures, but only 2207 moves the fund and the account. */
  private settle(envelope: Envelope, d: Input, commit: boolean): Record<string, unknown> {
    const p = this.insured(envelope, d);
    if (field(d, 'insutype') !== p.insutype) throw new Refusal(`该人员未参加险种 ${String(d.insutype)}`);
    const mdtrtId = field(d, 'mdtrt_id');
    if (this.activeVisit(mdtrtId).psnNo !== p.psnNo) throw new Refusal('input.data.mdtrt_id 不是该人员的就诊');
    const chrgBchno = field(d, 'chrg_bchno');
    const done = this.activeSettlement(mdtrtId, chrgBchno);
    if (done) throw new Refusal(`该批次费用已结算（setl_id ${done.setlId}）`);
    const flag = field(d, 'acct_used_flag');
    if (flag !== '0' && flag !== '1') throw new Refusal('input.data.acct_used_flag 应为 0 或 1');
    const lines = this.db
      .prepare<[string, string], { amountFen: number; ownPayFen: number; preSelfPayFen: number; inScopeFen: number }>(
        "SELECT amount_fen AS amountFen, own_pay_fen AS ownPayFen, pre_self_pay_fen AS preSelfPayFen, in_scope_fen AS inScopeFen FROM fees WHERE mdtrt_id = ? AND chrg_bchno = ? AND state = 'active'",
      )
      .all(mdtrtId, chrgBchno);
    if (lines.length === 0) throw new Refusal(`收费批次 ${chrgBchno} 没有已上传的费用明细`);
    const figures = splitFigures({ lines, ratioBp: p.ratioBp, fundRemainingFen: p.fundRemainingFen, acctBalanceFen: p.acctBalanceFen, useAccount: flag === '1' });
    const declared = yuan(d, 'medfee_sumamt');
    if (declared !== figures.totalFen) throw new Refusal(`input.data.medfee_sumamt ${formatYuan(declared)} 与已上传明细合计 ${formatYuan(figures.totalFen)} 不符`);
    const now = this.now();
    const balanceAfter = p.acctBalanceFen - figures.acctFen;
    const setlinfo = this.setlinfo(p, d, mdtrtId, figures, balanceAfter, now, envelope.msgid);
    if (!commit) return { setlinfo, setldetail: this.setldetail(p, figures) };
    const setlId = this.newSetlId(p.insuplcAdmdvs, now);
    this.db
      .prepare("INSERT INTO settlements (setl_id, mdtrt_id, chrg_bchno, psn_no, msgid, total_fen, fund_fen, acct_fen, cash_fen, state, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'settled', ?)")
      .run(setlId, mdtrtId, chrgBchno, p.psnNo, envelope.msgid, figures.totalFen, figures.fundFen, figures.acctFen, figures.cashFen, now);
    this.db.prepare('UPDATE persons SET fund_remaining_fen = fund_remaining_fen - ?, acct_balance_fen = acct_balance_fen - ? WHERE psn_no = ?').run(figures.fundFen, figures.acctFen, p.psnNo);
    return { setlinfo: { setl_id: setlId, ...setlinfo }, setldetail: this.setldetail(p, figures) };
  }

  private cancel(envelope: Envelope, d: Input): Record<string, unknown> {
    const p = this.insured(envelope, d);
    const s = this.db.prepare<[string], SettlementRecord>(`${settlementSelect} WHERE setl_id = ?`).get(field(d, 'setl_id'));
    if (!s || s.psnNo !== p.psnNo || s.mdtrtId !== field(d, 'mdtrt_id')) throw new Refusal(`结算信息不存在（setl_id ${String(d.setl_id)}）`);
    if (s.state !== 'settled') throw new Refusal(`该结算已${s.state === 'cancelled' ? '撤销' : '冲正'}（setl_id ${s.setlId}）`);
    const now = this.now();
    const cancelSetlId = this.newSetlId(p.insuplcAdmdvs, now);
    this.undo(s, 'cancelled', now, cancelSetlId, envelope.msgid);
    const negative = (fen: number) => formatYuan(-fen);
    return {
      setlinfo: {
        setl_id: cancelSetlId,
        mdtrt_id: s.mdtrtId,
        psn_no: s.psnNo,
        setl_time: platformTime(now),
        medfee_sumamt: negative(s.totalFen),
        fund_pay_sumamt: negative(s.fundFen),
        hifp_pay: negative(s.fundFen),
        acct_pay: negative(s.acctFen),
        psn_cash_pay: negative(s.cashFen),
        psn_part_amt: negative(s.acctFen + s.cashFen),
        balc: formatYuan(this.person(p.psnNo)!.acctBalanceFen),
      },
    };
  }

  /** 2601: undoes the message `omsgid` if it took effect; either way, bars it from ever taking effect. */
  private reverse(envelope: Envelope, d: Input): Record<string, unknown> {
    const p = this.insured(envelope, d);
    const omsgid = field(d, 'omsgid');
    const oinfno = field(d, 'oinfno');
    const answer = (reversed: boolean) => ({ data: { omsgid, oinfno, rvs_rslt: reversed ? '1' : '0' } });
    const earlier = this.db.prepare<[string], { oinfno: string; reversed: number }>('SELECT oinfno, reversed FROM reversals WHERE omsgid = ?').get(omsgid);
    if (earlier) {
      if (earlier.oinfno !== oinfno) throw new Refusal(`原交易编号与已冲正的原报文不符（${earlier.oinfno}）`);
      return answer(earlier.reversed === 1);
    }
    const original = this.db.prepare<[string], { infno: string; infcode: number }>('SELECT infno, infcode FROM messages WHERE msgid = ?').get(omsgid);
    if (original && original.infno !== oinfno) throw new Refusal(`原交易编号 ${oinfno} 与原报文（${original.infno}）不符`);
    const now = this.now();
    const reversed = original?.infcode === 0 ? this.undoMessage(omsgid, oinfno, p.psnNo, now) : false;
    this.db.prepare('INSERT INTO reversals (omsgid, oinfno, msgid, reversed, at) VALUES (?, ?, ?, ?, ?)').run(omsgid, oinfno, envelope.msgid, reversed ? 1 : 0, now);
    return answer(reversed);
  }

  private undoMessage(omsgid: string, oinfno: string, psnNo: string, now: number): boolean {
    switch (oinfno) {
      case infnos.settle: {
        const s = this.db.prepare<[string], SettlementRecord>(`${settlementSelect} WHERE msgid = ?`).get(omsgid)!;
        if (s.psnNo !== psnNo) throw new Refusal('原结算不属于该人员');
        if (s.state !== 'settled') throw new Refusal(`原结算已撤销，不能冲正（setl_id ${s.setlId}）`);
        this.undo(s, 'reversed', now, null, null);
        return true;
      }
      case infnos.register: {
        const visit = this.db.prepare<[string], { mdtrtId: string; psnNo: string }>('SELECT mdtrt_id AS mdtrtId, psn_no AS psnNo FROM registrations WHERE msgid = ?').get(omsgid)!;
        if (visit.psnNo !== psnNo) throw new Refusal('原就诊不属于该人员');
        if (this.db.prepare("SELECT 1 FROM settlements WHERE mdtrt_id = ? AND state = 'settled'").get(visit.mdtrtId)) throw new Refusal('该就诊存在有效结算，不能冲正挂号');
        this.db.prepare("UPDATE registrations SET state = 'reversed' WHERE mdtrt_id = ?").run(visit.mdtrtId);
        this.db.prepare("UPDATE fees SET state = 'reversed' WHERE mdtrt_id = ?").run(visit.mdtrtId);
        return true;
      }
      case infnos.uploadFees: {
        const settled = this.db.prepare("SELECT 1 FROM fees f JOIN settlements s ON s.mdtrt_id = f.mdtrt_id AND s.chrg_bchno = f.chrg_bchno WHERE f.msgid = ? AND s.state = 'settled'").get(omsgid);
        if (settled) throw new Refusal('该批次费用已结算，不能冲正明细上传');
        this.db.prepare("UPDATE fees SET state = 'reversed' WHERE msgid = ?").run(omsgid);
        return true;
      }
      case infnos.cancelSettlement:
        throw new Refusal('结算撤销交易不支持冲正');
      default:
        // 1101 and 2206 change nothing: there is nothing to undo.
        return false;
    }
  }

  /** Gives the fund allowance and the account back; the cash part is the hospital's to refund. */
  private undo(s: SettlementRecord, state: 'cancelled' | 'reversed', now: number, cancelSetlId: string | null, cancelMsgid: string | null): void {
    this.db.prepare('UPDATE settlements SET state = ?, cancel_setl_id = ?, cancel_msgid = ?, closed_at = ? WHERE setl_id = ?').run(state, cancelSetlId, cancelMsgid, now, s.setlId);
    this.db.prepare('UPDATE persons SET fund_remaining_fen = fund_remaining_fen + ?, acct_balance_fen = acct_balance_fen + ? WHERE psn_no = ?').run(s.fundFen, s.acctFen, s.psnNo);
  }

  /** The person named by input psn_no, insured where the envelope says. */
  private insured(envelope: Envelope, d: Input, at = 'input.data'): PersonRow {
    const p = this.db.prepare<[string], PersonRow>(`${personSelect} WHERE psn_no = ?`).get(field(d, 'psn_no', at));
    if (!p) throw new Refusal(`人员编号不存在：${String(d.psn_no)}`);
    if (envelope.insuplc_admdvs !== p.insuplcAdmdvs) throw new Refusal(`insuplc_admdvs ${envelope.insuplc_admdvs} 与人员参保地 ${p.insuplcAdmdvs} 不符`);
    return p;
  }

  private activeVisit(mdtrtId: string): { psnNo: string } {
    const visit = this.db.prepare<[string], { psnNo: string; state: string }>('SELECT psn_no AS psnNo, state FROM registrations WHERE mdtrt_id = ?').get(mdtrtId);
    if (!visit || visit.state !== 'active') throw new Refusal(`就诊信息不存在或已冲正（mdtrt_id ${mdtrtId}）`);
    return visit;
  }

  private activeSettlement(mdtrtId: string, chrgBchno: string): SettlementRecord | undefined {
    return this.db.prepare<[string, string], SettlementRecord>(`${settlementSelect} WHERE mdtrt_id = ? AND chrg_bchno = ? AND state = 'settled'`).get(mdtrtId, chrgBchno);
  }

  private setlinfo(p: PersonRow, d: Input, mdtrtId: string, f: SplitFigures, balanceAfter: number, now: number, msgid: string): Record<string, unknown> {
    const y = formatYuan;
    return {
      mdtrt_id: mdtrtId,
      psn_no: p.psnNo,
      psn_name: p.name,
      psn_cert_type: '01',
      certno: p.certno,
      gend: p.gend,
      naty: '01',
      brdy: p.brdy,
      age: this.age(p.brdy),
      insutype: p.insutype,
      psn_type: p.psnType,
      cvlserv_flag: '0',
      setl_time: platformTime(now),
      mdtrt_cert_type: d.mdtrt_cert_type,
      med_type: d.med_type ?? '11',
      medfee_sumamt: y(f.totalFen),
      fulamt_ownpay_amt: y(f.ownPayFen),
      overlmt_selfpay: '0.00',
      preselfpay_amt: y(f.preSelfPayFen),
      inscp_scp_amt: y(f.inScopeFen),
      act_pay_dedc: '0.00',
      hifp_pay: y(f.fundFen),
      pool_prop_selfpay: y(Math.max(0, f.inScopeFen - f.fundFen)),
      cvlserv_pay: '0.00',
      hifes_pay: '0.00',
      hifmi_pay: '0.00',
      hifob_pay: '0.00',
      maf_pay: '0.00',
      oth_pay: '0.00',
      fund_pay_sumamt: y(f.fundFen),
      psn_part_amt: y(f.acctFen + f.cashFen),
      acct_pay: y(f.acctFen),
      psn_cash_pay: y(f.cashFen),
      hosp_part_amt: '0.00',
      balc: y(balanceAfter),
      acct_mulaid_pay: '0.00',
      medins_setl_id: msgid,
      clr_optins: p.insuplcAdmdvs,
      clr_way: '1',
      clr_type: '11',
    };
  }

  private setldetail(p: PersonRow, f: SplitFigures): Record<string, unknown>[] {
    const [type, name] = fundPayTypes[p.insutype] ?? ['310100', '统筹基金'];
    return f.fundFen > 0 ? [{ fund_pay_type: type, fund_pay_type_name: name, inscp_scp_amt: formatYuan(f.inScopeFen), crt_payb_lmt_amt: formatYuan(p.fundRemainingFen), fund_payamt: formatYuan(f.fundFen), setl_proc_info: '' }] : [];
  }

  private newSetlId(admdvs: string, now: number): string {
    return `${admdvs}${compactTime(now).slice(0, 8)}${String(this.next('setl')).padStart(10, '0')}`;
  }

  private next(name: string): number {
    return this.db.prepare<[string], { value: number }>('INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value').get(name)!.value;
  }

  private age(brdy: string): string {
    const today = platformTime(this.now()).slice(0, 10);
    const years = Number(today.slice(0, 4)) - Number(brdy.slice(0, 4)) - (today.slice(5) < brdy.slice(5) ? 1 : 0);
    return `${years}.0`;
  }

  private answer(envelope: Envelope | undefined, infcode: 0 | -1, errMsg: string | null, output: Record<string, unknown> | null = null): PlatformAnswer {
    const now = this.now();
    const area = typeof envelope?.mdtrtarea_admvs === 'string' && /^\d{6}$/.test(envelope.mdtrtarea_admvs) ? envelope.mdtrtarea_admvs : '000000';
    return {
      infcode,
      inf_refmsgid: `${area}${compactTime(now)}${String(this.next('refmsg')).padStart(10, '0')}`,
      refmsg_time: compactTime(now),
      respond_time: compactTime(now),
      err_msg: errMsg,
      warn_msg: null,
      cainfo: null,
      signtype: null,
      output,
    };
  }
}

/** What is wrong with the envelope itself, naming the field, or undefined. */
function envelopeProblem(e: Envelope): string | undefined {
  if (typeof e !== 'object' || e === null) return '报文应为 JSON 对象';
  if (!platformApis.includes(e.infno as (typeof platformApis)[number])) return `infno 不支持：${String(e.infno)}`;
  if (typeof e.msgid !== 'string' || !msgidPattern.test(e.msgid)) return 'msgid 应为 定点医药机构编号(12位)+yyyyMMddHHmmss+4位顺序号';
  if (e.msgid.slice(0, 12) !== e.fixmedins_code) return 'msgid 应以 fixmedins_code 开头';
  if (typeof e.mdtrtarea_admvs !== 'string' || !/^\d{6}$/.test(e.mdtrtarea_admvs)) return 'mdtrtarea_admvs 应为 6 位医保区划';
  if (e.infno !== infnos.personInfo && (typeof e.insuplc_admdvs !== 'string' || !/^\d{6}$/.test(e.insuplc_admdvs))) return 'insuplc_admdvs 应为 6 位医保区划';
  if (!['1', '2', '3'].includes(e.opter_type)) return 'opter_type 应为 1、2 或 3';
  if (typeof e.opter !== 'string' || e.opter === '' || typeof e.opter_name !== 'string') return 'opter 与 opter_name 不能为空';
  if (typeof e.inf_time !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(e.inf_time)) return 'inf_time 应为 yyyy-MM-dd HH:mm:ss';
  if (typeof e.input !== 'object' || e.input === null) return 'input 不能为空';
  return undefined;
}

function data(input: Input): Input {
  const d = input.data;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new Refusal('input.data 不能为空');
  return d as Input;
}

function field(d: Input, name: string, at = 'input.data'): string {
  const value = d[name];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '') throw new Refusal(`${at}.${name} 不能为空`);
  return value;
}

function yuan(d: Input, name: string, at = 'input.data'): number {
  try {
    return parseYuan(field(d, name, at));
  } catch (e) {
    if (e instanceof Refusal) throw e;
    throw new Refusal(`${at}.${name} 应为保留两位小数的金额`);
  }
}

function seed(db: Database.Database): void {
  const insert = db.prepare(`INSERT INTO persons (psn_no, psn_name, gend, brdy, certno, ec_token, sscard_no, insutype, psn_type, insuplc_admdvs, ratio_bp, fund_remaining_fen, acct_balance_fen)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const p of insuredPersons) {
    insert.run(p.psnNo, p.name, p.gend, p.brdy, p.certno, p.ecToken, p.socialSecurityCardNo, p.insutype, p.psnType, p.insuplcAdmdvs, p.ratioBp, p.fundRemainingFen, p.acctBalanceFen);
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('seeded', '1')").run();
}

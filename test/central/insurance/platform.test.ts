import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InsuranceClient,
  InsuranceError,
  insuredPersons,
  startInsuranceSimulator,
  type FeeLine,
  type Insured,
  type InsuranceConfig,
  type RunningInsuranceSimulator,
  type SettleRequest,
} from '../../../central/insurance/index.ts';

const hospital = { fixmedinsCode: 'H33010000001', fixmedinsName: '示例市第一人民医院', mdtrtareaAdmvs: '330100', opter: 'KIOSK-001', opterName: '自助机1号' };
const person = (patientId: string) => insuredPersons.find((p) => p.ecToken === `YB330100000000000${patientId.slice(-1)}`)!;

/** Three fee lines, one of each charge level: 1000 (甲类), 2 × 1280 (乙类), 1500 (丙类) = 5060 fen. */
function fees(at: number): FeeLine[] {
  return [
    { feedetlSn: 'F1', listCode: '001101000010000', hospCode: 'MZ-ZC-001', name: '普通门诊诊查费', qty: 1, priceFen: 1000, amountFen: 1000, occurredAt: at },
    { feedetlSn: 'F2', listCode: 'XJ01CAA040A001010100000', hospCode: 'YP-0042', name: '阿莫西林胶囊 0.25g×24粒', qty: 2, priceFen: 1280, amountFen: 2560, occurredAt: at },
    { feedetlSn: 'F3', listCode: '9000000001', hospCode: 'ZF-0007', name: '自费敷料', qty: 1, priceFen: 1500, amountFen: 1500, occurredAt: at },
  ];
}

describe('insurance client against the simulated national platform', () => {
  let dir: string;
  let now: number;
  let sim: RunningInsuranceSimulator;
  let client: InsuranceClient;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-insurance-'));
    now = Date.UTC(2025, 5, 3, 2, 15, 30);
    sim = await startInsuranceSimulator({ dataDir: dir, now: () => now });
    client = new InsuranceClient({ url: sim.url, ...hospital, now: () => now, timeoutMs: 5000 });
  });

  afterEach(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected an InsuranceError'), (e: unknown) => e as InsuranceError);

  /** 1101 by e-voucher, 2201, 2204: a visit with its fees uploaded, ready to pre-settle. */
  async function visit(patientId: string, chrgBchno = 'B0001'): Promise<{ insured: Insured; settle: SettleRequest; registerMsgid: string }> {
    const who = await client.personInfo({ certType: '01', certNo: person(patientId).ecToken });
    const insurance = who.insurances[0]!;
    const insured: Insured = { psnNo: who.psnNo, insutype: insurance.insutype, insuplcAdmdvs: insurance.insuplcAdmdvs, certType: '01', certNo: person(patientId).ecToken };
    const { mdtrtId, msgid: registerMsgid } = await client.register({ ...insured, hisVisitNo: `MZ${patientId}`, deptCode: 'D01', deptName: '内科', doctorCode: 'E001', doctorName: '周建国' });
    await client.uploadFees({ psnNo: who.psnNo, insuplcAdmdvs: insured.insuplcAdmdvs, mdtrtId, chrgBchno, deptCode: 'D01', deptName: '内科', doctorCode: 'E001', doctorName: '周建国', lines: fees(now) });
    return { insured, settle: { ...insured, mdtrtId, chrgBchno, totalFen: 5060, useAccount: true }, registerMsgid };
  }

  it('finds the same insured person by e-voucher, ID card and social security card (1101)', async () => {
    const p = person('P0004');
    const byToken = await client.personInfo({ certType: '01', certNo: p.ecToken });
    const byId = await client.personInfo({ certType: '02', certNo: p.certno.toLowerCase() });
    const byCard = await client.personInfo({ certType: '03', certNo: p.socialSecurityCardNo });
    expect(byToken).toMatchObject({ psnNo: p.psnNo, name: '陈静', idNumber: '33010519930717086X', gender: 'female', birthDate: '1993-07-17' });
    expect(byToken.insurances).toEqual([{ insutype: '310', psnType: '11', balanceFen: 88_000, insuplcAdmdvs: '330100' }]);
    expect({ ...byId, msgid: '' }).toEqual({ ...byToken, msgid: '' });
    expect({ ...byCard, msgid: '' }).toEqual({ ...byToken, msgid: '' });
    expect(new Set([byToken.msgid, byId.msgid, byCard.msgid]).size).toBe(3);
  });

  it('refuses a person who is not insured, and a bad certificate type before sending', async () => {
    const error = await failure(client.personInfo({ certType: '01', certNo: 'YB3301000000000008' }));
    expect(error).toBeInstanceOf(InsuranceError);
    expect(error).toMatchObject({ code: 'REJECTED', kind: 'definite', detail: { infno: '1101', errMsg: '未查询到该人员的参保信息' } });
    expect(await failure(client.personInfo({ certType: '04' as '01', certNo: 'x' }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'certType' } });
  });

  it('makes message ids of the documented form: institution code, Beijing time to the second, a 4-digit sequence', () => {
    now = Date.UTC(2025, 5, 3, 2, 16, 0);
    const other = new InsuranceClient({ url: sim.url, ...hospital, now: () => now });
    expect(client.newMsgid()).toBe('H33010000001202506031016000001');
    // Two clients of one hospital in one process share the sequence.
    expect(other.newMsgid()).toBe('H33010000001202506031016000002');
    now += 1000;
    expect(client.newMsgid()).toBe('H33010000001202506031016010001');
    const shared = new InsuranceClient({ url: sim.url, ...hospital, now: () => now, sequence: () => 42 });
    expect(shared.newMsgid()).toBe('H33010000001202506031016010042');
  });

  it('settles an outpatient bill: the split adds up to the fen, and only 2207 moves money', async () => {
    const { settle } = await visit('P0001');
    const before = sim.platform.person(settle.psnNo)!;
    expect(before).toMatchObject({ fundRemainingFen: 5_000_000, acctBalanceFen: 123_456 });

    const pre = await client.preSettle(settle);
    // In scope: 1000 + (2560 − 256) = 3304; the fund's 70 % is 2312.8 → 2313; the account pays the other 2747.
    expect(pre).toMatchObject({ totalFen: 5060, fundFen: 2313, acctFen: 2747, cashFen: 0, ownPayFen: 1500, inScopeFen: 3304, balanceFen: 120_709 });
    expect(pre.fundFen + pre.acctFen + pre.cashFen).toBe(pre.totalFen);
    expect(sim.platform.person(settle.psnNo)).toEqual(before);

    const settled = await client.settle(settle);
    expect(settled).toMatchObject({ totalFen: 5060, fundFen: 2313, acctFen: 2747, cashFen: 0, balanceFen: 120_709, settledAt: '2025-06-03T10:15:30+08:00' });
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ fundRemainingFen: 5_000_000 - 2313, acctBalanceFen: 120_709 });
    expect(sim.platform.settlements()).toEqual([expect.objectContaining({ setlId: settled.setlId, msgid: settled.msgid, totalFen: 5060, fundFen: 2313, acctFen: 2747, cashFen: 0, state: 'settled' })]);
    expect(await failure(client.settle(settle))).toMatchObject({ code: 'REJECTED', detail: { errMsg: `该批次费用已结算（setl_id ${settled.setlId}）` } });
  });

  it('splits by each person\'s plan: a thin account leaves cash to pay, a spent fund leaves the account to pay', async () => {
    const thin = await visit('P0002');
    expect(await client.settle(thin.settle)).toMatchObject({ fundFen: 2313, acctFen: 2050, cashFen: 697, balanceFen: 0 });
    const noAccount = await visit('P0001', 'B0009');
    expect(await client.preSettle({ ...noAccount.settle, useAccount: false })).toMatchObject({ fundFen: 2313, acctFen: 0, cashFen: 2747 });
    const spentFund = await visit('P0007');
    expect(await client.settle(spentFund.settle)).toMatchObject({ fundFen: 1000, acctFen: 4060, cashFen: 0 });
    const resident = await visit('P0003');
    // Residents: 50 % of 3304, and no personal account.
    expect(await client.settle(resident.settle)).toMatchObject({ fundFen: 1652, acctFen: 0, cashFen: 3408 });
  });

  it('reports each uploaded line with its charge level and shares (2204)', async () => {
    const who = await client.personInfo({ certType: '02', certNo: person('P0001').certno });
    const insured = { psnNo: who.psnNo, insutype: '310', insuplcAdmdvs: '330100', certType: '02' as const, certNo: person('P0001').certno };
    const { mdtrtId } = await client.register({ ...insured, hisVisitNo: 'MZ1', deptCode: 'D01', deptName: '内科', doctorCode: 'E001', doctorName: '周建国' });
    const upload = await client.uploadFees({ ...insured, mdtrtId, chrgBchno: 'B1', deptCode: 'D01', deptName: '内科', doctorCode: 'E001', doctorName: '周建国', lines: fees(now) });
    expect(upload.lines).toEqual([
      { feedetlSn: 'F1', amountFen: 1000, level: '01', ownPayFen: 0, preSelfPayFen: 0, inScopeFen: 1000 },
      { feedetlSn: 'F2', amountFen: 2560, level: '02', ownPayFen: 0, preSelfPayFen: 256, inScopeFen: 2304 },
      { feedetlSn: 'F3', amountFen: 1500, level: '03', ownPayFen: 1500, preSelfPayFen: 0, inScopeFen: 0 },
    ]);
    const again = await failure(client.uploadFees({ ...insured, mdtrtId, chrgBchno: 'B1', deptCode: 'D01', deptName: '内科', doctorCode: 'E001', doctorName: '周建国', lines: fees(now).slice(0, 1) }));
    expect(again).toMatchObject({ code: 'REJECTED', detail: { errMsg: 'input.feedetail[0].feedetl_sn 重复：F1' } });
    expect(await failure(client.preSettle({ ...insured, mdtrtId, chrgBchno: 'B1', totalFen: 5061, useAccount: true }))).toMatchObject({ code: 'REJECTED', detail: { errMsg: expect.stringContaining('medfee_sumamt 50.61') } });
    expect(await failure(client.uploadFees({ ...insured, mdtrtId, chrgBchno: 'B2', deptCode: 'D01', deptName: '内科', doctorCode: 'E001', doctorName: '周建国', lines: [{ ...fees(now)[0]!, feedetlSn: 'F9', amountFen: 999 }] }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'lines[0].amountFen' } });
  });

  it('cancels a settlement (2208): fund and account restored, cash to refund, and only once', async () => {
    const { settle } = await visit('P0002');
    const settled = await client.settle(settle);
    const cancelled = await client.cancelSettlement({ setlId: settled.setlId, mdtrtId: settle.mdtrtId, psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs });
    expect(cancelled).toMatchObject({ setlId: settled.setlId, fundFen: 2313, acctFen: 2050, cashFen: 697, balanceFen: 2050 });
    expect(cancelled.cancelSetlId).not.toBe(settled.setlId);
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ fundRemainingFen: 5_000_000, acctBalanceFen: 2050 });
    expect(sim.platform.settlements()[0]).toMatchObject({ state: 'cancelled', cancelSetlId: cancelled.cancelSetlId });
    expect(await failure(client.cancelSettlement({ setlId: settled.setlId, mdtrtId: settle.mdtrtId, psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs }))).toMatchObject({ code: 'REJECTED', kind: 'definite' });
    // The batch may be settled afresh after a cancellation.
    expect(await client.settle(settle)).toMatchObject({ fundFen: 2313, acctFen: 2050, cashFen: 697 });
  });

  it('reverses a settlement by its message id (2601), idempotently, and then it cannot be cancelled', async () => {
    const { settle } = await visit('P0001');
    const settled = await client.settle(settle);
    const reverse = { psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, omsgid: settled.msgid, oinfno: '2207' as const };
    expect(await client.reverse(reverse)).toMatchObject({ omsgid: settled.msgid, reversed: true });
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ fundRemainingFen: 5_000_000, acctBalanceFen: 123_456 });
    expect(await client.reverse(reverse)).toMatchObject({ reversed: true });
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ acctBalanceFen: 123_456 });
    expect(sim.platform.settlements()[0]).toMatchObject({ state: 'reversed' });
    expect(await failure(client.cancelSettlement({ setlId: settled.setlId, mdtrtId: settle.mdtrtId, psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs }))).toMatchObject({ code: 'REJECTED' });
  });

  it('commit then no answer on 2207: unknown, and the reversal by the journaled msgid restores the balances', async () => {
    const { settle } = await visit('P0004');
    sim.platform.faults.set('2207', { mode: 'commitThenSilent', once: true });
    const msgid = client.newMsgid();
    const error = await failure(client.settle(settle, { msgid }));
    expect(error).toMatchObject({ code: 'NO_ANSWER', kind: 'unknown', detail: { infno: '2207', msgid } });
    // The platform did settle: exactly why an unknown outcome is never treated as a refusal.
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ acctBalanceFen: 88_000 - 2747 });
    expect(await client.reverse({ psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, omsgid: msgid, oinfno: '2207' })).toMatchObject({ reversed: true });
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ fundRemainingFen: 5_000_000, acctBalanceFen: 88_000 });
    expect(sim.platform.settlements()).toEqual([expect.objectContaining({ msgid, state: 'reversed' })]);
  });

  it('a 2207 that never arrived: 2601 finds nothing to undo and bars that message id for good', async () => {
    const { settle } = await visit('P0004');
    sim.platform.faults.set('2207', { mode: 'down', once: true });
    const msgid = client.newMsgid();
    expect(await failure(client.settle(settle, { msgid }))).toMatchObject({ code: 'UNAVAILABLE', kind: 'unknown' });
    expect(await client.reverse({ psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, omsgid: msgid, oinfno: '2207' })).toMatchObject({ reversed: false });
    // The lost request, arriving late, is refused; a new message id settles normally.
    expect(await failure(client.settle(settle, { msgid }))).toMatchObject({ code: 'REJECTED', detail: { errMsg: expect.stringContaining('已被冲正') } });
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ acctBalanceFen: 88_000 });
    expect(await client.settle(settle)).toMatchObject({ acctFen: 2747 });
  });

  it('a slow platform past the client timeout is unknown; the reversal settles it either way', async () => {
    const { settle } = await visit('P0006');
    const impatient = new InsuranceClient({ url: sim.url, ...hospital, now: () => now, timeoutMs: 100 });
    sim.platform.faults.set('2207', { mode: 'slow', ms: 400, once: true });
    const msgid = impatient.newMsgid();
    expect(await failure(impatient.settle(settle, { msgid }))).toMatchObject({ code: 'TIMEOUT', kind: 'unknown' });
    for (let i = 0; i < 100 && sim.platform.settlements().length === 0; i += 1) await sleep(20);
    expect(await client.reverse({ psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, omsgid: msgid, oinfno: '2207' })).toMatchObject({ reversed: true });
    expect(sim.platform.person(settle.psnNo)).toMatchObject({ fundRemainingFen: 5_000_000, acctBalanceFen: 356_789 });
  });

  it('a definite refusal changes nothing and uses up its message id', async () => {
    const { settle } = await visit('P0001');
    sim.platform.faults.set('2207', { mode: 'error', once: true });
    const msgid = client.newMsgid();
    expect(await failure(client.settle(settle, { msgid }))).toMatchObject({ code: 'REJECTED', kind: 'definite', detail: { msgid } });
    expect(sim.platform.settlements()).toEqual([]);
    expect(await failure(client.settle(settle, { msgid }))).toMatchObject({ code: 'REJECTED', detail: { errMsg: `报文ID重复：${msgid}` } });
  });

  it('reverses a registration only while nothing is settled on it', async () => {
    const { settle, registerMsgid } = await visit('P0005');
    const fresh = await client.register({ ...settle, hisVisitNo: 'MZ-X', deptCode: 'D03', deptName: '儿科', doctorCode: 'E005', doctorName: '何晴' });
    expect(await client.reverse({ psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, omsgid: fresh.msgid, oinfno: '2201' })).toMatchObject({ reversed: true });
    const onReversed = { psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, mdtrtId: fresh.mdtrtId, chrgBchno: 'B1', deptCode: 'D03', deptName: '儿科', doctorCode: 'E005', doctorName: '何晴', lines: fees(now) };
    expect(await failure(client.uploadFees(onReversed))).toMatchObject({ code: 'REJECTED', detail: { errMsg: expect.stringContaining('已冲正') } });
    await client.settle(settle);
    const settled = await failure(client.reverse({ psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, omsgid: registerMsgid, oinfno: '2201' }));
    expect(settled).toMatchObject({ code: 'REJECTED', detail: { errMsg: '该就诊存在有效结算，不能冲正挂号' } });
    // The original's transaction number must match the message it names.
    const mismatch = await failure(client.reverse({ psnNo: settle.psnNo, insuplcAdmdvs: settle.insuplcAdmdvs, omsgid: sim.platform.settlements()[0]!.msgid, oinfno: '2201' }));
    expect(mismatch).toMatchObject({ code: 'REJECTED', detail: { errMsg: '原交易编号 2201 与原报文（2207）不符' } });
  });
});

describe('insurance client reading the platform\'s answers', () => {
  /** A hand-written platform answer on a real local HTTP server, to test the adapter's reading of the wire. */
  async function answering(output: unknown): Promise<{ config: InsuranceConfig; requests: Record<string, unknown>[]; close: () => Promise<void> }> {
    const requests: Record<string, unknown>[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ path: req.url, ...(JSON.parse(body) as Record<string, unknown>) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(typeof output === 'string' ? output : JSON.stringify({ infcode: 0, inf_refmsgid: 'R', refmsg_time: '', respond_time: '', err_msg: null, warn_msg: null, cainfo: null, signtype: null, output }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { config: { url, ...hospital, now: () => Date.UTC(2025, 5, 3, 2, 15, 30) }, requests, close: () => new Promise((r) => server.close(() => r())) };
  }

  const settle: SettleRequest = { psnNo: 'P1', insutype: '310', insuplcAdmdvs: '330100', certType: '01', certNo: 'T', mdtrtId: 'M1', chrgBchno: 'B1', totalFen: 5060, useAccount: true };
  const setlinfo = { mdtrt_id: 'M1', medfee_sumamt: '50.60', fund_pay_sumamt: '23.13', acct_pay: '27.47', psn_cash_pay: '0.00', fulamt_ownpay_amt: '15.00', inscp_scp_amt: '33.04', balc: '1207.09' };

  it('sends the common envelope of a self-service terminal', async () => {
    const platform = await answering({ setlinfo });
    try {
      await new InsuranceClient(platform.config).preSettle(settle, { msgid: 'H33010000001202506031015300042' });
      expect(platform.requests[0]).toMatchObject({
        path: '/fsi/api/rsfComIfsService/callService',
        infno: '2206',
        msgid: 'H33010000001202506031015300042',
        mdtrtarea_admvs: '330100',
        insuplc_admdvs: '330100',
        infver: 'V1.0',
        opter_type: '2',
        opter: 'KIOSK-001',
        opter_name: '自助机1号',
        inf_time: '2025-06-03 10:15:30',
        fixmedins_code: 'H33010000001',
        input: { data: { psn_no: 'P1', medfee_sumamt: '50.60', acct_used_flag: '1', mdtrt_id: 'M1', chrg_bchno: 'B1', med_type: '11' } },
      });
    } finally {
      await platform.close();
    }
  });

  it('reads amounts written as JSON numbers exactly, and refuses a split that does not add up', async () => {
    const numbers = await answering({ setlinfo: { ...setlinfo, medfee_sumamt: 50.6, fund_pay_sumamt: 23.13, acct_pay: 27.47, psn_cash_pay: 0 } });
    const wrong = await answering({ setlinfo: { ...setlinfo, psn_cash_pay: '0.01' } });
    const garbled = await answering('<html>gateway error</html>');
    try {
      expect(await new InsuranceClient(numbers.config).preSettle(settle)).toMatchObject({ totalFen: 5060, fundFen: 2313, acctFen: 2747, cashFen: 0 });
      expect(await new InsuranceClient(wrong.config).preSettle(settle).catch((e: unknown) => e)).toMatchObject({ code: 'BAD_RESPONSE', kind: 'unknown' });
      expect(await new InsuranceClient(garbled.config).settle(settle).catch((e: unknown) => e)).toMatchObject({ code: 'BAD_RESPONSE', kind: 'unknown', detail: { infno: '2207' } });
    } finally {
      await Promise.all([numbers.close(), wrong.close(), garbled.close()]);
    }
  });
});

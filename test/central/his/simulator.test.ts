import { afterEach, describe, expect, it } from 'vitest';
import { HisError, preSettleTtlMs, type HisErrorCode } from '../../../central/his/index.ts';
import { feeByTitle } from '../../../central/his/seed.ts';
import { card, cleanUp, clock, closeSimulator, refusedWith as rejection, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

/** GB 11643-1999: weights 2^(17-i) mod 11, check character from the weighted sum mod 11. */
function gb11643CheckChar(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * weights[i]!, 0);
  return '10X98765432'[sum % 11]!;
}

const tradeNo = '01JXAMPLE0000000000000TRD1';

describe('HisSimulator seed', () => {
  it('is the same in every fresh data folder', () => {
    const a = simulator();
    const b = simulator();
    expect(a.fixtures()).toEqual(b.fixtures());
    const patientIds = a.fixtures().patients.map((p) => p.patientId);
    expect(patientIds.map((id) => a.bills(id))).toEqual(patientIds.map((id) => b.bills(id)));
  });

  it('holds a hospital with departments, doctors and patients', () => {
    const { hospital, patients } = simulator().fixtures();
    expect(hospital.name).toBe('示例市第一人民医院');
    expect(hospital.departments.map((d) => d.name)).toEqual(expect.arrayContaining(['内科', '外科', '儿科', '妇产科', '眼科', '口腔科', '皮肤科', '中医科', '急诊科', '检验科']));
    expect(hospital.doctors.length).toBeGreaterThanOrEqual(16);
    for (const doctor of hospital.doctors) {
      expect(hospital.departments.map((d) => d.deptId)).toContain(doctor.deptId);
      // The price list sets the fee by title, and every title has its price.
      expect(doctor.feeFen).toBe(feeByTitle[doctor.title]);
      expect(doctor.capacity).toBeGreaterThan(0);
    }
    expect(new Set(hospital.doctors.map((d) => d.title))).toEqual(new Set(['主任医师', '副主任医师', '主治医师', '住院医师']));
    expect(patients.length).toBeGreaterThanOrEqual(14);
    expect(patients.some((p) => /[喆堃]/.test(p.name))).toBe(true);
    expect(new Set(patients.map((p) => p.cardNo)).size).toBe(patients.length);
    for (const p of patients) expect(p.cardNo).toMatch(/^\d{10}$/);
  });

  it('gives every patient an ID number with a valid check digit, birth date and sex digit', async () => {
    expect(gb11643CheckChar('11010519491231002')).toBe('X'); // the standard's own example
    const his = simulator();
    const { patients } = his.fixtures();
    expect(patients.some((p) => p.idNumber.endsWith('X'))).toBe(true);
    for (const p of patients) {
      expect(p.idNumber).toMatch(/^\d{17}[\dX]$/);
      expect(p.idNumber[17]).toBe(gb11643CheckChar(p.idNumber.slice(0, 17)));
      const identity = await his.identifyPatient({ credType: 'idCard', credNo: p.idNumber });
      expect(identity.birthDate.replaceAll('-', '')).toBe(p.idNumber.slice(6, 14));
      expect(identity.sex).toBe(Number(p.idNumber[16]) % 2 === 1 ? 'male' : 'female');
    }
  });

  it('gives eight patients one to three bills of one to four items that sum to the bill', () => {
    const his = simulator();
    const withBills = his.fixtures().patients.filter((p) => p.bills.length > 0);
    expect(withBills).toHaveLength(8);
    for (const p of withBills) {
      const bills = his.bills(p.patientId);
      expect(bills.length).toBeLessThanOrEqual(3);
      for (const bill of bills) {
        expect(bill.paid).toBe(false);
        expect(bill.items.length).toBeGreaterThanOrEqual(1);
        expect(bill.items.length).toBeLessThanOrEqual(4);
        for (const item of bill.items) {
          expect(Number.isSafeInteger(item.priceFen) && Number.isSafeInteger(item.amountFen)).toBe(true);
          expect(item.amountFen).toBe(item.priceFen * item.qty);
        }
        expect(bill.amountFen).toBe(bill.items.reduce((sum, i) => sum + i.amountFen, 0));
      }
    }
  });
});

describe('HisSimulator as a HIS port', () => {
  it('identifies a patient by card, ID number (either case of X) and insurance code', async () => {
    const his = simulator();
    const chen = his.fixtures().patients.find((p) => p.idNumber.endsWith('X'))!;
    const byCard = await his.identifyPatient({ credType: 'patientCard', credNo: chen.cardNo });
    expect(byCard).toEqual({ patientId: chen.patientId, name: chen.name, idNumber: chen.idNumber, cardNo: chen.cardNo, sex: 'female', birthDate: '1993-07-17' });
    expect(await his.identifyPatient({ credType: 'idCard', credNo: chen.idNumber.toLowerCase() })).toEqual(byCard);
    expect(await his.identifyPatient({ credType: 'insuranceCode', credNo: chen.insuranceCode! })).toEqual(byCard);
    expect(await rejection(his.identifyPatient({ credType: 'patientCard', credNo: '9999999999' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('pre-settles, settles and answers a trade query; the bills leave the unpaid list', async () => {
    const his = simulator();
    const [first, second] = (await his.listBills({ patientId: 'P0001' })).bills;
    const billNos = [first!.billNo, second!.billNo];
    const pre = await his.preSettle({ patientId: 'P0001', billNos, tradeNo });
    expect(pre).toMatchObject({ totalFen: first!.amountFen + second!.amountFen, fundFen: 0, acctFen: 0, selfFen: first!.amountFen + second!.amountFen });
    expect(Date.parse(pre.expiresAt)).toBeGreaterThan(Date.now());
    expect(await his.queryTrade({ tradeNo })).toEqual({ state: 'notFound' });

    const settled = await his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) });
    expect(settled.hisReceiptNo).toMatch(/^SF\d{14}$/);
    expect(await his.queryTrade({ tradeNo })).toEqual({ state: 'settled', kind: 'settle', hisReceiptNo: settled.hisReceiptNo, paidFen: pre.selfFen, refundFen: 0, settledAt: settled.settledAt });
    expect((await his.listBills({ patientId: 'P0001' })).bills).toEqual([]);
    for (const bill of his.bills('P0001')) expect(bill).toMatchObject({ paid: true, tradeNo, hisReceiptNo: settled.hisReceiptNo });
  });

  it('settles a trade number once: a repeat returns the first receipt, a different payment conflicts', async () => {
    const his = simulator();
    const pre = await his.preSettle({ patientId: 'P0002', billNos: ['MZ00000201'], tradeNo });
    const once = await his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) });
    expect(await his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) })).toEqual(once);
    expect(await rejection(his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: { ...card(pre.selfFen), rrn: '599999999999' } }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await rejection(his.preSettle({ patientId: 'P0002', billNos: ['MZ00000201'], tradeNo: 'OTHERTRADE' }))).toEqual({ code: 'BILL_NOT_PAYABLE', kind: 'definite' });
  });

  it('refuses bills that are not payable by this patient', async () => {
    const his = simulator();
    expect(await rejection(his.preSettle({ patientId: 'P0002', billNos: ['MZ00000101'], tradeNo }))).toEqual({ code: 'BILL_NOT_PAYABLE', kind: 'definite' });
    expect(await rejection(his.preSettle({ patientId: 'P0002', billNos: ['MZ99999999'], tradeNo }))).toEqual({ code: 'BILL_NOT_PAYABLE', kind: 'definite' });
    expect(await rejection(his.preSettle({ patientId: 'P0002', billNos: [], tradeNo }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
  });

  it('refuses a payment that is not the self-pay amount, or not whole fen', async () => {
    const his = simulator();
    const pre = await his.preSettle({ patientId: 'P0004', billNos: ['MZ00000401'], tradeNo });
    expect(await rejection(his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen - 1) }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    expect(await rejection(his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen + 0.5) }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    expect(await his.queryTrade({ tradeNo })).toEqual({ state: 'notFound' });
    expect(his.bills('P0004')[0]!.paid).toBe(false);
  });

  it('refuses a settle after the pre-settle expired, by the injected clock', async () => {
    const time = clock('2025-06-04T10:00:00+08:00');
    const his = simulator(tempDir(), time.now);
    const pre = await his.preSettle({ patientId: 'P0004', billNos: ['MZ00000401'], tradeNo });
    expect(pre.expiresAt).toBe('2025-06-04T10:15:00+08:00');
    time.advance(preSettleTtlMs + 1);
    expect(await rejection(his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) }))).toEqual({ code: 'PRESETTLE_EXPIRED', kind: 'definite' });
    expect(his.bills('P0004')[0]!.paid).toBe(false);
  });

  it('keeps its ledger across a reopen', async () => {
    const dir = tempDir();
    const his = simulator(dir);
    const pre = await his.preSettle({ patientId: 'P0007', billNos: ['MZ00000702'], tradeNo });
    const settled = await his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) });
    closeSimulator(his);
    const again = simulator(dir);
    expect(await again.queryTrade({ tradeNo })).toMatchObject({ state: 'settled', hisReceiptNo: settled.hisReceiptNo });
    expect(again.bills('P0007').map((b) => b.paid)).toEqual([false, true]);
    expect(await again.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) })).toEqual(settled);
  });
});

describe('HisSimulator faults', () => {
  it('down: an unknown failure that changes nothing', async () => {
    const his = simulator();
    const pre = await his.preSettle({ patientId: 'P0008', billNos: ['MZ00000801'], tradeNo });
    his.setFault('settle', { mode: 'down' });
    expect(await rejection(his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) }))).toEqual({ code: 'UNAVAILABLE', kind: 'unknown' });
    expect(await rejection(his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) }))).toEqual({ code: 'UNAVAILABLE', kind: 'unknown' });
    expect(await his.queryTrade({ tradeNo })).toEqual({ state: 'notFound' });
    his.clearFault('settle');
    await his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) });
    expect(his.bills('P0008')[0]!.paid).toBe(true);
  });

  it('error: a definite failure with the code asked for, once', async () => {
    const his = simulator();
    his.setFault('identifyPatient', { mode: 'error', code: 'REJECTED', once: true });
    expect(await rejection(his.identifyPatient({ credType: 'patientCard', credNo: '2000000101' }))).toEqual({ code: 'REJECTED', kind: 'definite' });
    expect((await his.identifyPatient({ credType: 'patientCard', credNo: '2000000101' })).patientId).toBe('P0001');
  });

  it('slow: answers, late', async () => {
    const his = simulator();
    his.setFault('listBills', { mode: 'slow', ms: 200 });
    const started = performance.now();
    expect((await his.listBills({ patientId: 'P0006' })).bills).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('commitThenSilent: settle commits, the answer is lost, and queryTrade and a retry tell the truth', async () => {
    const his = simulator();
    const pre = await his.preSettle({ patientId: 'P0005', billNos: ['MZ00000501', 'MZ00000502'], tradeNo });
    his.setFault('settle', { mode: 'commitThenSilent', once: true });
    expect(await rejection(his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) }))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
    const status = await his.queryTrade({ tradeNo });
    expect(status.state).toBe('settled');
    expect(his.bills('P0005').every((b) => b.paid)).toBe(true);
    const retry = await his.settle({ preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) });
    expect(status).toMatchObject({ state: 'settled', hisReceiptNo: retry.hisReceiptNo, settledAt: retry.settledAt });
  });

  it('reads faults set by another handle on the same folder at every call', async () => {
    const dir = tempDir();
    const bridgeSide = simulator(dir);
    const operatorSide = simulator(dir);
    operatorSide.setFault('queryTrade', { mode: 'down', once: true });
    expect(await rejection(bridgeSide.queryTrade({ tradeNo }))).toEqual({ code: 'UNAVAILABLE', kind: 'unknown' });
    expect(await bridgeSide.queryTrade({ tradeNo })).toEqual({ state: 'notFound' });
  });

  it('refuses a fault it cannot play', () => {
    const his = simulator();
    expect(() => his.setFault('settle', { mode: 'slow', ms: -1 })).toThrow(HisError);
    expect(() => his.setFault('settle', { mode: 'error', code: 'NOPE' as HisErrorCode })).toThrow(HisError);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { dischargePreSettleTtlMs } from '../../../central/his/index.ts';
import { admissions } from '../../../central/his/seed.ts';
import { card, cleanUp, clock, refusedWith, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

/** The figures a discharge must come to, worked out here from the seed: fund 70% of the in-scope costs, rounded down. */
function expectedFigures(admissionNo: string) {
  const a = admissions.find((x) => x.admissionNo === admissionNo)!;
  const totalFen = a.costs.reduce((s, c) => s + c.amountFen, 0);
  const inScopeFen = a.costs.filter((c) => c.inScope).reduce((s, c) => s + c.amountFen, 0);
  const fundFen = a.insured ? Math.floor((inScopeFen * 7) / 10) : 0;
  const selfFen = totalFen - fundFen;
  const depositFen = a.deposits.reduce((s, d) => s + d.amountFen, 0);
  return { totalFen, fundFen, acctFen: 0, selfFen, depositFen, dueFen: Math.max(0, selfFen - depositFen), refundFen: Math.max(0, depositFen - selfFen) };
}

describe('the simulated inpatient ward', () => {
  it('tells a stay by patient or admission number: deposits, costs and a balance that may be negative', async () => {
    const his = simulator(tempDir(), clock().now);
    const info = await his.inpatientInfo({ patientId: 'P0009' });
    expect(info).toMatchObject({
      admissionNo: 'ZY2025000101', deptName: '内科', ward: '内科一病区', bed: '12', admittedAt: '2025-05-27T10:20:00+08:00',
      state: 'inHospital', dischargeOrdered: true, insured: true, depositFen: 500000, costFen: 350163, balanceFen: 149837,
    });
    expect(info.deposits.map((d) => [d.depositNo, d.amountFen, d.method])).toEqual([['YJ0000000002', 200000, 'cash'], ['YJ0000000001', 300000, 'card']]);
    expect(await his.inpatientInfo({ admissionNo: 'ZY2025000101' })).toEqual(info);
    expect((await his.inpatientInfo({ patientId: 'P0013' })).balanceFen).toBe(100000 - 134567);
    expect(await refusedWith(his.inpatientInfo({ patientId: 'P0001' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
    expect(await refusedWith(his.inpatientInfo({} as { patientId: string }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
  });

  it('takes a deposit once per trade number and refuses the trade number for another amount', async () => {
    const his = simulator(tempDir(), clock().now);
    const request = { admissionNo: 'ZY2025000103', tradeNo: 'T-DEP', payment: card(150000) };
    const paid = await his.payDeposit(request);
    expect(paid).toMatchObject({ amountFen: 150000, depositFen: 350000, balanceFen: 350000 - 87650 });
    expect(paid.depositNo).toBe(paid.hisReceiptNo);
    expect(await his.payDeposit(request)).toEqual(paid);
    expect(await refusedWith(his.payDeposit({ ...request, payment: card(150001) }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect((await his.inpatientInfo({ admissionNo: 'ZY2025000103' })).deposits[0]).toEqual({ depositNo: paid.depositNo, amountFen: 150000, method: 'card', paidAt: paid.settledAt, tradeNo: 'T-DEP' });
    expect(await his.queryTrade({ tradeNo: 'T-DEP' })).toMatchObject({ state: 'settled', kind: 'payDeposit', paidFen: 150000, refundFen: 0 });
    expect(await refusedWith(his.payDeposit({ ...request, tradeNo: 'T-ZERO', payment: card(0) }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    expect(await refusedWith(his.payDeposit({ ...request, tradeNo: 'T-NONE', admissionNo: 'ZY0000000000' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('lets only a stay with a discharge order settle', async () => {
    const his = simulator(tempDir(), clock().now);
    expect(await his.dischargeCheck({ admissionNo: 'ZY2025000103' })).toEqual({ admissionNo: 'ZY2025000103', eligible: false, reasons: [{ code: 'NO_DISCHARGE_ORDER', message: '医生尚未开具出院医嘱' }] });
    expect(await his.dischargeCheck({ admissionNo: 'ZY2025000101' })).toEqual({ admissionNo: 'ZY2025000101', eligible: true, reasons: [] });
    expect(await refusedWith(his.dischargePreSettle({ admissionNo: 'ZY2025000103', tradeNo: 'T-NO' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
  });

  it('settles a discharge with a surplus: the refund is the deposits less the self-pay, to the fen, newest deposit first', async () => {
    const his = simulator(tempDir(), clock().now);
    const expected = expectedFigures('ZY2025000101');
    // The seed is chosen so the fund's share has a fraction of a fen to drop.
    expect((admissions[0]!.costs.filter((c) => c.inScope).reduce((s, c) => s + c.amountFen, 0) * 7) % 10).not.toBe(0);
    const pre = await his.dischargePreSettle({ admissionNo: 'ZY2025000101', tradeNo: 'T-OUT' });
    expect(pre).toEqual({ preSettleId: pre.preSettleId, admissionNo: 'ZY2025000101', ...expected, expiresAt: '2025-06-02T09:15:00+08:00' });
    expect(expected).toMatchObject({ totalFen: 350163, fundFen: 204101, selfFen: 146062, refundFen: 353938, dueFen: 0 });
    expect(pre.fundFen + pre.acctFen + pre.selfFen).toBe(pre.totalFen);

    expect(await refusedWith(his.dischargeSettle({ preSettleId: pre.preSettleId, tradeNo: 'T-OUT', payment: card(1) }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    const settled = await his.dischargeSettle({ preSettleId: pre.preSettleId, tradeNo: 'T-OUT' });
    const { dueFen, ...figures } = expected;
    expect(settled).toMatchObject({ ...figures, paidFen: dueFen, admissionNo: 'ZY2025000101' });
    expect(settled.refunds).toEqual([
      { depositNo: 'YJ0000000002', method: 'cash', amountFen: 200000 },
      { depositNo: 'YJ0000000001', method: 'card', amountFen: 353938 - 200000 },
    ]);
    expect(settled.refunds.reduce((s, r) => s + r.amountFen, 0)).toBe(settled.refundFen);
    expect(settled.invoiceNo).toMatch(/^FP20250602\d{6}$/);
    expect(await his.dischargeSettle({ preSettleId: pre.preSettleId, tradeNo: 'T-OUT' })).toEqual(settled);
    expect(await his.queryTrade({ tradeNo: 'T-OUT' })).toMatchObject({ state: 'settled', kind: 'dischargeSettle', paidFen: 0, refundFen: 353938 });
    expect((await his.inpatientInfo({ patientId: 'P0009' })).state).toBe('discharged');
    expect(await his.dischargeCheck({ admissionNo: 'ZY2025000101' })).toMatchObject({ eligible: false, reasons: [{ code: 'DISCHARGED' }] });
    expect(await refusedWith(his.payDeposit({ admissionNo: 'ZY2025000101', tradeNo: 'T-AFTER', payment: card(100) }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
  });

  it('settles a discharge with money due: exactly the due amount is collected', async () => {
    const time = clock();
    const his = simulator(tempDir(), time.now);
    const expected = expectedFigures('ZY2025000102');
    const pre = await his.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'T-DUE' });
    expect(pre).toMatchObject({ ...expected, dueFen: 34567, refundFen: 0, fundFen: 0 });
    const request = { preSettleId: pre.preSettleId, tradeNo: 'T-DUE' };
    expect(await refusedWith(his.dischargeSettle(request))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    expect(await refusedWith(his.dischargeSettle({ ...request, payment: card(34566) }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    time.advance(dischargePreSettleTtlMs + 1);
    expect(await refusedWith(his.dischargeSettle({ ...request, payment: card(34567) }))).toEqual({ code: 'PRESETTLE_EXPIRED', kind: 'definite' });
    const again = await his.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'T-DUE' });
    const settled = await his.dischargeSettle({ preSettleId: again.preSettleId, tradeNo: 'T-DUE', payment: card(34567) });
    expect(settled).toMatchObject({ paidFen: 34567, refundFen: 0, refunds: [] });
    expect(await his.queryTrade({ tradeNo: 'T-DUE' })).toMatchObject({ paidFen: 34567, refundFen: 0 });
    expect(await refusedWith(his.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'T-DUE' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
  });

  it('refuses a settle when a deposit came in after the pre-settle: the patient must see the new figures', async () => {
    const his = simulator(tempDir(), clock().now);
    const pre = await his.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'T-STALE' });
    await his.payDeposit({ admissionNo: 'ZY2025000102', tradeNo: 'T-TOPUP', payment: card(50000) });
    expect(await refusedWith(his.dischargeSettle({ preSettleId: pre.preSettleId, tradeNo: 'T-STALE', payment: card(pre.dueFen) }))).toEqual({ code: 'PRESETTLE_EXPIRED', kind: 'definite' });
    const fresh = await his.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'T-STALE' });
    expect(fresh).toMatchObject({ dueFen: 0, refundFen: 150000 - 134567 });
    const settled = await his.dischargeSettle({ preSettleId: fresh.preSettleId, tradeNo: 'T-STALE' });
    expect(settled.refunds).toEqual([{ depositNo: expect.stringMatching(/^YJ2025/), method: 'card', amountFen: 15433, tradeNo: 'T-TOPUP' }]);
  });
});

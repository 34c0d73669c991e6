import { afterEach, describe, expect, it } from 'vitest';
import { tradeKinds, type HisSimulator, type TradeKind } from '../../../central/his/index.ts';
import { card, cleanUp, clock, refusedWith, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

/** One trade of every kind, each with its own trade number T-<kind>. */
async function oneOfEach(his: HisSimulator): Promise<void> {
  his.configure({ prepaid: true });
  await his.createPatient({ tradeNo: 'T-createPatient', name: '林一诺', sex: 'female', birthDate: '2002-03-15', idNumber: '330106200203150022', phone: '13800000000', cardNo: '2000000201' });
  const lock = await his.lockSlot({ slotId: 'E002-20250603-AM', patientId: 'P0001', tradeNo: 'T-register' });
  await his.register({ lockId: lock.lockId, patientId: 'P0001', tradeNo: 'T-register', payment: card(2500) });
  const booked = await his.bookAppointment({ slotId: 'E004-20250602-PM', patientId: 'P0003', tradeNo: 'T-bookAppointment' });
  await his.checkIn({ appointmentNo: booked.appointmentNo, patientId: 'P0003', tradeNo: 'T-checkIn', payment: card(1500) });
  const seeded = (await his.listAppointments({ patientId: 'P0010' })).appointments.find((a) => a.paid)!;
  await his.cancelAppointment({ appointmentNo: seeded.appointmentNo, patientId: 'P0010', tradeNo: 'T-cancelAppointment' });
  const pre = await his.preSettle({ patientId: 'P0004', billNos: ['MZ00000401'], tradeNo: 'T-settle' });
  await his.settle({ preSettleId: pre.preSettleId, tradeNo: 'T-settle', payment: card(pre.selfFen) });
  await his.recharge({ patientId: 'P0005', tradeNo: 'T-recharge', payment: card(10000) });
  await his.refundBalance({ patientId: 'P0011', tradeNo: 'T-refundBalance', amountFen: 23650 });
  await his.payDeposit({ admissionNo: 'ZY2025000103', tradeNo: 'T-payDeposit', payment: card(30000) });
  const out = await his.dischargePreSettle({ admissionNo: 'ZY2025000101', tradeNo: 'T-dischargeSettle' });
  await his.dischargeSettle({ preSettleId: out.preSettleId, tradeNo: 'T-dischargeSettle' });
  await his.markReportPrinted({ reportId: 'R000000004', patientId: 'P0001', tradeNo: 'T-markReportPrinted' });
}

const owners: Record<TradeKind, string> = {
  createPatient: 'P0015', register: 'P0001', bookAppointment: 'P0003', checkIn: 'P0003', cancelAppointment: 'P0010', settle: 'P0004',
  recharge: 'P0005', refundBalance: 'P0011', payDeposit: 'P0014', dischargeSettle: 'P0009', markReportPrinted: 'P0001',
};

describe('the trade book', () => {
  it('resolves the trade number of every kind of trade, with what it collected and what it owes back', async () => {
    const his = simulator(tempDir(), clock().now);
    await oneOfEach(his);
    const expected: Record<TradeKind, [number, number]> = {
      createPatient: [0, 0], register: [2500, 0], bookAppointment: [0, 0], checkIn: [1500, 0], cancelAppointment: [0, 4000],
      settle: [14000, 0], recharge: [10000, 0], refundBalance: [0, 23650], payDeposit: [30000, 0], dischargeSettle: [0, 353938], markReportPrinted: [0, 0],
    };
    for (const kind of tradeKinds) {
      const status = await his.queryTrade({ tradeNo: `T-${kind}` });
      expect(status, kind).toMatchObject({ state: 'settled', kind, paidFen: expected[kind][0], refundFen: expected[kind][1] });
      const receipt = await his.receiptData({ tradeNo: `T-${kind}`, patientId: owners[kind] });
      expect(receipt, kind).toMatchObject({ tradeNo: `T-${kind}`, kind, patientId: owners[kind], paidFen: expected[kind][0], refundFen: expected[kind][1] });
      expect(receipt.hisReceiptNo).toBe(status.state === 'settled' ? status.hisReceiptNo : '');
    }
    expect(await his.queryTrade({ tradeNo: 'T-nothing' })).toEqual({ state: 'notFound' });
  });

  it('never lets a trade number serve two functions', async () => {
    const his = simulator(tempDir(), clock().now);
    await oneOfEach(his);
    expect(await refusedWith(his.payDeposit({ admissionNo: 'ZY2025000103', tradeNo: 'T-settle', payment: card(100) }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await refusedWith(his.preSettle({ patientId: 'P0001', billNos: ['MZ00000101'], tradeNo: 'T-payDeposit' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await refusedWith(his.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'T-register' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await refusedWith(his.recharge({ patientId: 'P0005', tradeNo: 'T-markReportPrinted', payment: card(100) }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
  });

  it('keeps preparations out of it: a lock or a pre-settle alone is no trade', async () => {
    const his = simulator(tempDir(), clock().now);
    await his.lockSlot({ slotId: 'E002-20250603-AM', patientId: 'P0001', tradeNo: 'T-LOCK' });
    await his.preSettle({ patientId: 'P0001', billNos: ['MZ00000101'], tradeNo: 'T-PRE' });
    await his.dischargePreSettle({ admissionNo: 'ZY2025000101', tradeNo: 'T-DPRE' });
    for (const tradeNo of ['T-LOCK', 'T-PRE', 'T-DPRE']) expect(await his.queryTrade({ tradeNo })).toEqual({ state: 'notFound' });
  });

  it('shows a receipt only to the patient it belongs to', async () => {
    const his = simulator(tempDir(), clock().now);
    const pre = await his.preSettle({ patientId: 'P0004', billNos: ['MZ00000401'], tradeNo: 'T-SF' });
    await his.settle({ preSettleId: pre.preSettleId, tradeNo: 'T-SF', payment: card(pre.selfFen) });
    expect(await his.receiptData({ tradeNo: 'T-SF', patientId: 'P0004' })).toMatchObject({
      title: '门诊缴费凭条', totalFen: 14000, lines: [{ name: '妇科超声检查', amountFen: 13000 }, { name: '普通门诊诊查费', amountFen: 1000 }],
      payment: { method: 'card', amountFen: 14000, panMasked: '622848******1234' },
    });
    expect(await refusedWith(his.receiptData({ tradeNo: 'T-SF', patientId: 'P0001' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });
});

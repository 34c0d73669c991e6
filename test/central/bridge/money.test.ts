import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payment, PayResult, RpcResponse } from '../../../contract/rpc.ts';
import { card, cash, payCode, startWorld, today, type World } from './harness.ts';

interface Pre {
  preSettleId: string;
  totalFen: number;
  fundFen: number;
  acctFen: number;
  selfFen: number;
}

/** The money saga, method by method, against the simulators' own ledgers. */
describe('the money saga', () => {
  let w: World;
  const kid = 'KIOSK-M1';

  beforeAll(async () => {
    w = await startWorld({ kid });
  });
  afterAll(async () => {
    await w?.stop();
  });

  const billOf = (patientId: string, n = 0) => w.his.bills(patientId).filter((b) => !b.paid)[n]!;
  async function preSettle(patientId: string, billNo: string, insurance?: { certType: string; certNo: string }) {
    const txnId = ulid();
    const pre = await w.kiosk.call<Pre>('bill.preSettle', { patientId, billNos: [billNo], ...(insurance ? { insurance } : {}) }, { txnId });
    expect(pre.status, pre.message).toBe('OK');
    return { txnId, pre: pre.data! };
  }
  async function payByQr(txnId: string, amountFen: number, channel: 'wechat' | 'alipay' = 'wechat'): Promise<Payment> {
    const qr = await w.kiosk.call<{ channelTradeNo: string }>('payment.qr.pay', { authCode: payCode(channel), amountFen }, { txnId });
    expect(qr.status).toBe('OK');
    return { method: 'qr', amountFen, channel, channelTradeNo: qr.data!.channelTradeNo };
  }
  const pay = (txnId: string, preSettleId: string, payment: Payment, extra: { deadline?: number } = {}) => w.kiosk.call('bill.pay', { preSettleId, payment }, { txnId, ...extra });
  const query = (txnId: string) => w.kiosk.call('txn.query', { txnId });

  it('is idempotent: one HIS trade for the same request twice, the same answer; other arguments are a conflict', async () => {
    const bill = billOf('P0001');
    const { txnId, pre } = await preSettle('P0001', bill.billNo);
    const args = { preSettleId: pre.preSettleId, payment: card(pre.selfFen) };
    const id = await w.kiosk.send('bill.pay', args, { txnId }, 2);
    const [first, second] = await w.kiosk.answer(id, 2);
    expect(first!.status).toBe('OK');
    expect({ ...second, ts: 0 }).toEqual({ ...first, ts: 0 });
    const again = await w.kiosk.call('bill.pay', args, { txnId });
    expect(again.data).toEqual(first!.data);
    expect(w.his.bills('P0001').filter((b) => b.tradeNo === txnId).map((b) => b.billNo)).toEqual([bill.billNo]);
    expect((await w.his.queryTrade({ tradeNo: txnId })).state).toBe('settled');

    expect(await w.kiosk.call('bill.pay', { ...args, payment: card(pre.selfFen, '599999999999') }, { txnId })).toMatchObject({ status: 'FAILED', code: 'IDEMPOTENCY_CONFLICT' });
    expect(await w.kiosk.call('account.recharge', { patientId: 'P0001', payment: card(100) }, { txnId })).toMatchObject({ status: 'FAILED', code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('answers where to go next as the HIS assigned it, and the same again from the ledger', async () => {
    // 胸部正位DR and 复方甘草片: the X-ray room, then a pharmacy window of the HIS's choosing.
    const { txnId, pre } = await preSettle('P0008', billOf('P0008').billNo);
    const paid = await pay(txnId, pre.preSettleId, card(pre.selfFen));
    expect(paid.status, paid.message).toBe('OK');
    const guide = (paid.data as Pick<PayResult, 'guide'>).guide;
    expect(guide).toEqual([{ what: '放射检查', where: '放射科 (医技楼1层)' }, { what: '取药', where: expect.stringMatching(/^门诊西药房 [1-4]号窗口 \(门诊楼1层\)$/) }]);
    expect(JSON.parse(w.ledger.txn(kid, txnId)!.result!)).toMatchObject({ guide });
    // A repeat is answered from the ledger, window and all.
    expect(((await pay(txnId, pre.preSettleId, card(pre.selfFen))).data as Pick<PayResult, 'guide'>).guide).toEqual(guide);
  });

  it('card, HIS refuses: FAILED with a reversal order; the kiosk voids and its fact closes it', async () => {
    const { txnId, pre } = await preSettle('P0002', billOf('P0002').billNo);
    w.his.setFault('settle', { mode: 'error', code: 'REJECTED', once: true });
    expect(await pay(txnId, pre.preSettleId, card(pre.selfFen))).toMatchObject({ status: 'FAILED', code: 'HIS_REJECTED', data: { compensate: 'reverse' } });
    expect(await query(txnId)).toMatchObject({ status: 'OK', data: { state: 'OPEN', compensate: 'reverse' } });
    await w.kiosk.fact('card.void.result', txnId, { approved: true, respCode: '00', trace: '000124' });
    expect(await query(txnId)).toMatchObject({ data: { state: 'COMPENSATED' } });
  });

  it('QR, HIS refuses: the bridge refunds on the channel, journaled, and says refunded', async () => {
    const { txnId, pre } = await preSettle('P0003', billOf('P0003').billNo);
    const payment = await payByQr(txnId, pre.selfFen);
    w.his.setFault('settle', { mode: 'error', code: 'BILL_NOT_PAYABLE', once: true });
    const paid = await pay(txnId, pre.preSettleId, payment);
    expect(paid).toMatchObject({ status: 'FAILED', code: 'NOT_PAYABLE', data: { compensate: 'refunded' } });
    expect(w.pay.simulators.wechat.ledger.refunds(txnId)).toMatchObject([{ outRefundNo: `${txnId}R1`, amountFen: pre.selfFen }]);
    expect(w.ledger.txn(kid, txnId)).toMatchObject({ state: 'COMPENSATED', compensate: 'refunded', qrState: 'refunded' });
    const steps = w.ledger.events(kid, txnId).map((e) => e.step);
    expect(steps.indexOf('qr.refund.intent')).toBeLessThan(steps.indexOf('qr.refund.result'));
    expect(await query(txnId)).toMatchObject({ data: { state: 'COMPENSATED', compensate: 'refunded' } });
  });

  it('cash, HIS refuses: FAILED with a voucher; the notes stay in the box', async () => {
    const bill = billOf('P0004');
    const { txnId, pre } = await preSettle('P0004', bill.billNo);
    w.his.setFault('settle', { mode: 'error', code: 'PRESETTLE_EXPIRED', once: true });
    const notes = [10000, 10000, 10000, 10000, 5000] as const;
    const paid = await pay(txnId, pre.preSettleId, cash(pre.selfFen, [...notes]));
    expect(paid).toMatchObject({ status: 'FAILED', code: 'PRESETTLE_EXPIRED', data: { compensate: 'voucher', voucherFen: pre.selfFen } });
    expect(w.ledger.txn(kid, txnId)).toMatchObject({ state: 'COMPENSATED', method: 'cash', cashInsertedFen: 45000, cashNotes: JSON.stringify(notes) });
    expect(w.his.bills('P0004').find((b) => b.billNo === bill.billNo)?.paid).toBe(false);
  });

  it('insurance pays all: the platform settles (2207), the HIS files the split, nothing is collected', async () => {
    // The first test paid MZ00000101: this is 2 boxes of amoxicillin, 25.60, a drug (乙类): 2.56 is
    // the patient's first, the fund pays 70 % of the 23.04 left (16.13), the rich account the rest.
    const bill = billOf('P0001');
    expect(bill).toMatchObject({ billNo: 'MZ00000102', amountFen: 2560 });
    const before = w.insurance.simulator.platform.persons().find((p) => p.psnNo.endsWith('01'))!;
    const { txnId, pre } = await preSettle('P0001', bill.billNo, { certType: 'ecToken', certNo: 'YB3301000000000001' });
    expect(pre).toMatchObject({ totalFen: 2560, fundFen: 1613, acctFen: 947, selfFen: 0 });
    const paid = await pay(txnId, pre.preSettleId, { method: 'insurance', amountFen: 0 });
    expect(paid).toMatchObject({ status: 'OK', data: { insurance: { fundFen: 1613, acctFen: 947, selfFen: 0 } } });
    const after = w.insurance.simulator.platform.persons().find((p) => p.psnNo === before.psnNo)!;
    expect(after.acctBalanceFen).toBe(before.acctBalanceFen - 947);
    expect(w.insurance.simulator.platform.settlements().filter((s) => s.chrgBchno === txnId)).toMatchObject([{ state: 'settled' }]);
    expect(w.his.bills('P0001').find((b) => b.billNo === bill.billNo)?.paid).toBe(true);
  });

  it('insurance split, HIS refuses: the settlement is cancelled (2208) and the card reversed', async () => {
    const bill = billOf('P0002');
    const person = () => w.insurance.simulator.platform.persons().find((p) => p.psnNo.endsWith('02'))!;
    const before = person();
    const { txnId, pre } = await preSettle('P0002', bill.billNo, { certType: 'ecToken', certNo: 'YB3301000000000002' });
    // Four services (甲类), 237.00: the fund pays 70 % (165.90), the thin account all it holds (20.50), the card the rest.
    expect(pre).toMatchObject({ totalFen: 23700, fundFen: 16590, acctFen: before.acctBalanceFen, selfFen: 23700 - 16590 - before.acctBalanceFen });
    expect(before.acctBalanceFen).toBe(2050);
    w.his.setFault('settle', { mode: 'error', code: 'REJECTED', once: true });
    expect(await pay(txnId, pre.preSettleId, card(pre.selfFen))).toMatchObject({ status: 'FAILED', code: 'HIS_REJECTED', data: { compensate: 'reverse' } });
    expect(w.insurance.simulator.platform.settlements().filter((s) => s.chrgBchno === txnId)).toMatchObject([{ state: 'cancelled' }]);
    expect(person().acctBalanceFen).toBe(before.acctBalanceFen);
    expect(w.ledger.txn(kid, txnId)).toMatchObject({ insState: 'cancelled', state: 'COMPENSATING' });
  });

  it('commit then no answer: resolved by asking the HIS, never compensated', async () => {
    const { txnId, pre } = await preSettle('P0005', billOf('P0005').billNo);
    const payment = await payByQr(txnId, pre.selfFen, 'alipay');
    w.his.setFault('settle', { mode: 'commitThenSilent', once: true });
    const paid = await pay(txnId, pre.preSettleId, payment);
    expect(paid.status).toBe('OK');
    expect((paid.data as { hisReceiptNo: string }).hisReceiptNo).toMatch(/^SF/);
    // The answer fetched again from the HIS still says where to go: the lab, then the pharmacy.
    expect((paid.data as Pick<PayResult, 'guide'>).guide?.map((g) => g.what)).toEqual(['抽血化验', '取药']);
    expect(w.pay.simulators.alipay.ledger.refunds(txnId)).toEqual([]);
    expect(w.ledger.txn(kid, txnId)?.state).toBe('SETTLED');
  });

  it('unknown at the deadline: PENDING with what a cashier needs, and never compensated after', async () => {
    const { txnId, pre } = await preSettle('P0006', billOf('P0006').billNo);
    w.his.setFault('settle', { mode: 'down' });
    w.his.setFault('queryTrade', { mode: 'down' });
    let paid: RpcResponse;
    try {
      paid = await pay(txnId, pre.preSettleId, card(pre.selfFen, '512345670001'), { deadline: Date.now() + 800 });
    } finally {
      w.his.clearFault('settle');
      w.his.clearFault('queryTrade');
    }
    expect(paid).toMatchObject({
      status: 'PENDING',
      data: { state: 'PENDING', pending: { txnId, method: 'card', amountFen: pre.selfFen, refs: { rrn: '512345670001', trace: '000123', hisTradeNo: txnId } } },
    });
    // The HIS never had it, the settle window has long passed: still the cashier's, not reversed.
    await new Promise((r) => setTimeout(r, 400));
    expect(await query(txnId)).toMatchObject({ status: 'OK', data: { state: 'PENDING' } });
    expect((await query(txnId)).data).not.toHaveProperty('compensate');
  });

  it('refunds the HIS orders: a QR deposit back on its channel, the rest on vouchers', async () => {
    const depositTxn = ulid();
    const payment = await payByQr(depositTxn, 10000);
    expect(await w.kiosk.call('inpatient.deposit', { admissionNo: 'ZY2025000101', payment }, { txnId: depositTxn })).toMatchObject({ status: 'OK' });
    const txnId = ulid();
    const pre = (await w.kiosk.call<{ preSettleId: string; refundFen: number; dueFen: number }>('discharge.preSettle', { admissionNo: 'ZY2025000101' }, { txnId })).data!;
    expect(pre.dueFen).toBe(0);
    const settled = await w.kiosk.call<{ refunds: unknown[]; refundFen: number }>('discharge.settle', { preSettleId: pre.preSettleId }, { txnId });
    expect(settled.status).toBe('OK');
    expect(settled.data!.refunds).toEqual([
      { method: 'qr', action: 'refunded', amountFen: 10000, ofTxnId: depositTxn, channel: 'wechat', outRefundNo: `${txnId}R1` },
      { method: 'cash', action: 'voucher', amountFen: 200000 },
      { method: 'card', action: 'voucher', amountFen: pre.refundFen - 210000 },
    ]);
    expect(w.pay.simulators.wechat.ledger.refunds(depositTxn)).toMatchObject([{ outRefundNo: `${txnId}R1`, amountFen: 10000 }]);
  });

  it('a card fee the HIS gives back is voided by the kiosk, which reports it', async () => {
    const slot = (await w.kiosk.call<{ slots: { slotId: string; date: string; remaining: number; feeFen: number }[] }>('schedule.query', {})).data!.slots.find(
      (s) => s.date > today() && s.remaining > 0,
    )!;
    const txnId = ulid();
    const lock = (await w.kiosk.call<{ lockId: string }>('slot.lock', { slotId: slot.slotId, patientId: 'P0007' }, { txnId })).data!;
    const reg = await w.kiosk.call<{ appointment: { appointmentNo: string } }>('register.confirm', { lockId: lock.lockId, patientId: 'P0007', payment: card(slot.feeFen, '512345670002') }, { txnId });
    const cancelTxn = ulid();
    const cancelled = await w.kiosk.call('appointment.cancel', { appointmentNo: reg.data!.appointment.appointmentNo, patientId: 'P0007' }, { txnId: cancelTxn });
    expect(cancelled).toMatchObject({
      status: 'OK',
      data: { refunds: [{ method: 'card', action: 'void', amountFen: slot.feeFen, ofTxnId: txnId, rrn: '512345670002', trace: '000123', settleDate: today() }] },
    });
    await w.kiosk.fact('card.refund.result', cancelTxn, { approved: true, ofTxnId: txnId, amountFen: slot.feeFen });
    expect(w.ledger.refunds(kid, cancelTxn).map((r) => r.state)).toEqual(['done']);
  });

  it('QR: a refused code, a wrong amount, and a payment the transaction never collected', async () => {
    const { txnId, pre } = await preSettle('P0007', billOf('P0007').billNo);
    expect(await w.kiosk.call('payment.qr.pay', { authCode: payCode('wechat'), amountFen: pre.selfFen + 1 }, { txnId })).toMatchObject({ status: 'FAILED', code: 'AMOUNT_MISMATCH' });
    const expired = `1302${String(Date.now()).padStart(14, '0')}`;
    expect(await w.kiosk.call('payment.qr.pay', { authCode: expired, amountFen: pre.selfFen }, { txnId })).toMatchObject({ status: 'FAILED', code: 'PAYMENT_REFUSED', data: { state: 'failed' } });
    const forged = { method: 'qr', amountFen: pre.selfFen, channel: 'wechat', channelTradeNo: '4200000000000000000000' } as const;
    expect(await pay(txnId, pre.preSettleId, forged)).toMatchObject({ status: 'FAILED', code: 'PAYMENT_NOT_COLLECTED' });
  });

  it('insurance: an item the HIS maps to no national code goes up as the hospital\'s own (丙类), and the fund pays nothing for it', async () => {
    const bill = billOf('P0007');
    expect(bill.items.map((i) => [i.name, i.insuranceCode])).toEqual([['牙周洁治', undefined]]);
    const { txnId, pre } = await preSettle('P0007', bill.billNo, { certType: 'ecToken', certNo: 'YB3301000000000007' });
    expect(pre).toMatchObject({ totalFen: 12000, fundFen: 0, acctFen: 12000, selfFen: 0 });
    expect(w.ledger.txn(kid, txnId)).toMatchObject({ insState: 'presettled', insFundFen: 0, insAcctFen: 12000, dueFen: 0 });
  });
});

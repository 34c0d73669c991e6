import fs from 'node:fs';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moneyOps, ops, type OpName } from '../../../contract/rpc.ts';
import { card, cash, citizenId, payCode, startWorld, today, type World } from './harness.ts';

interface Slot {
  slotId: string;
  doctorId: string;
  date: string;
  feeFen: number;
  remaining: number;
}

/** Every op of the contract once through MQTT against the seeded hospital, on its happy path. */
describe('every bridge op through a real Mosquitto', () => {
  let w: World;
  const seen = new Set<OpName>();
  const person = { name: '林新', sex: 'male', birthDate: '1990-03-15', idNumber: citizenId('19900315', '123'), phone: '13800138000', cardNo: '2000009901' };
  let billTxn = '';
  const call = <D = Record<string, unknown>>(op: OpName, args: unknown, txnId?: string) => {
    seen.add(op);
    return w.kiosk.call<D>(op, args, txnId ? { txnId } : {});
  };

  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('patients: identify by card, create a record with the card fee paid in cash', async () => {
    const who = await call('patient.identify', { credType: 'patientCard', credNo: '2000000101' });
    expect(who).toMatchObject({ status: 'OK', data: { patientId: 'P0001', nameMasked: '张*' } });

    w.his.configure({ cardFeeFen: 500 });
    const created = await call('patient.create', { ...person, payment: cash(500, [1000]) }, ulid());
    expect(created).toMatchObject({ status: 'OK', data: { cardNo: '2000009901', feeFen: 500 } });
    expect((created.data as { hisReceiptNo: string }).hisReceiptNo).toMatch(/^JK/);
  });

  it('schedule: query, lock and unlock, lock and register paid by QR, list, book', async () => {
    const tomorrow = new Date(Date.now() + 8 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
    const schedule = await call<{ slots: Slot[] }>('schedule.query', { date: tomorrow });
    expect(schedule.status).toBe('OK');
    const open = schedule.data!.slots.filter((s) => s.remaining > 1);
    const [first, second] = [open[0]!, open.find((s) => s.doctorId !== open[0]!.doctorId)!];

    const dropTxn = ulid();
    const dropped = await call<{ lockId: string }>('slot.lock', { slotId: first.slotId, patientId: 'P0003' }, dropTxn);
    expect(dropped.status).toBe('OK');
    expect(await call('slot.unlock', { lockId: dropped.data!.lockId }, dropTxn)).toMatchObject({ status: 'OK', data: { released: true } });

    const txnId = ulid();
    const lock = await call<{ lockId: string; feeFen: number }>('slot.lock', { slotId: second.slotId, patientId: 'P0004' }, txnId);
    expect(lock.data!.feeFen).toBe(second.feeFen);
    const qr = await call<{ state: string; channelTradeNo: string; channel: 'wechat' }>('payment.qr.pay', { authCode: payCode('wechat'), amountFen: lock.data!.feeFen }, txnId);
    expect(qr).toMatchObject({ status: 'OK', data: { state: 'paid', channel: 'wechat', amountFen: second.feeFen } });
    expect(await call('payment.qr.query', { txnId })).toMatchObject({ status: 'OK', data: { state: 'paid', channelTradeNo: qr.data!.channelTradeNo } });
    const payment = { method: 'qr', amountFen: second.feeFen, channel: 'wechat', channelTradeNo: qr.data!.channelTradeNo };
    const reg = await call<{ appointment: { state: string; paid: boolean } }>('register.confirm', { lockId: lock.data!.lockId, patientId: 'P0004', payment }, txnId);
    expect(reg).toMatchObject({ status: 'OK', data: { appointment: { state: 'booked', paid: true } } });

    const list = await call<{ appointments: { slotId: string }[] }>('appointment.list', { patientId: 'P0004' });
    expect(list.data!.appointments.map((a) => a.slotId)).toContain(second.slotId);

    const booked = await call('appointment.book', { slotId: first.slotId, patientId: 'P0005' }, ulid());
    expect(booked).toMatchObject({ status: 'OK', data: { appointment: { state: 'booked', paid: false } } });
  });

  it('appointments: check in today paying cash, cancel a paid one (a voucher for a trade not ours)', async () => {
    const appointments = w.his.fixtures().appointments.filter((a) => a.patientId === 'P0010');
    const due = appointments.find((a) => a.date === today() && !a.paid)!;
    const fee = (await call<{ appointments: { appointmentNo: string; feeFen: number }[] }>('appointment.list', { patientId: 'P0010' })).data!.appointments.find(
      (a) => a.appointmentNo === due.appointmentNo,
    )!.feeFen;
    const checkedIn = await call('appointment.checkin', { appointmentNo: due.appointmentNo, patientId: 'P0010', payment: cash(fee, [5000]) }, ulid());
    expect(checkedIn).toMatchObject({ status: 'OK', data: { paidFen: fee, appointment: { state: 'checkedIn' } } });

    const paid = appointments.find((a) => a.paid)!;
    const cancelled = await call<{ refundFen: number; refunds: unknown[] }>('appointment.cancel', { appointmentNo: paid.appointmentNo, patientId: 'P0010', reason: '行程变更' }, ulid());
    expect(cancelled.status).toBe('OK');
    expect(cancelled.data!.refunds).toEqual([{ method: 'other', action: 'voucher', amountFen: cancelled.data!.refundFen, ofTxnId: expect.stringMatching(/^APP/) as unknown }]);
  });

  it('bills: list, pre-settle, pay by card, reprint the receipt', async () => {
    const bills = (await call<{ bills: { billNo: string; amountFen: number }[] }>('bill.list', { patientId: 'P0005' })).data!.bills;
    const txnId = ulid();
    billTxn = txnId;
    const pre = await call<{ preSettleId: string; selfFen: number }>('bill.preSettle', { patientId: 'P0005', billNos: [bills[0]!.billNo] }, txnId);
    expect(pre.data!.selfFen).toBe(bills[0]!.amountFen);
    const paid = await call<{ hisReceiptNo: string }>('bill.pay', { preSettleId: pre.data!.preSettleId, payment: card(pre.data!.selfFen) }, txnId);
    expect(paid.status).toBe('OK');
    const receipt = await call('receipt.reprint', { patientId: 'P0005', txnId });
    expect(receipt).toMatchObject({ status: 'OK', data: { hisReceiptNo: paid.data!.hisReceiptNo, txnId, totalFen: bills[0]!.amountFen, payment: { method: 'card' } } });
  });

  it('account: a legacy balance is shown and refunded on a voucher; recharge where the hospital takes it', async () => {
    expect(await call('account.balance', { patientId: 'P0011' })).toMatchObject({ status: 'OK', data: { balanceFen: 23650, rechargeOffered: false } });
    expect(await call('account.balance', { patientId: 'P0001' })).toMatchObject({ status: 'FAILED', code: 'NOT_OFFERED' });
    const refunded = await call('account.refund', { patientId: 'P0011', amountFen: 23650 }, ulid());
    expect(refunded).toMatchObject({ status: 'OK', data: { refundFen: 23650, balanceFen: 0, refunds: [{ method: 'account', action: 'voucher', amountFen: 23650 }] } });

    w.his.configure({ prepaid: true });
    try {
      const recharged = await call('account.recharge', { patientId: 'P0001', payment: card(10000, '512345678902') }, ulid());
      expect(recharged).toMatchObject({ status: 'OK', data: { amountFen: 10000, balanceFen: 10000 } });
    } finally {
      w.his.configure({ prepaid: false });
    }
  });

  it('inpatients: info, a deposit paid by Alipay, discharge check, pre-settle and settle paying what is due', async () => {
    const info = await call<{ admissionNo: string; depositFen: number }>('inpatient.info', { patientId: 'P0014' });
    expect(info).toMatchObject({ status: 'OK', data: { admissionNo: 'ZY2025000103' } });
    const txnId = ulid();
    const qr = await call<{ channelTradeNo: string }>('payment.qr.pay', { authCode: payCode('alipay'), amountFen: 50000, description: '住院预交金' }, txnId);
    expect(qr).toMatchObject({ status: 'OK', data: { state: 'paid', channel: 'alipay' } });
    const deposit = await call('inpatient.deposit', { admissionNo: 'ZY2025000103', payment: { method: 'qr', amountFen: 50000, channel: 'alipay', channelTradeNo: qr.data!.channelTradeNo } }, txnId);
    expect(deposit).toMatchObject({ status: 'OK', data: { amountFen: 50000, depositFen: info.data!.depositFen + 50000 } });

    expect(await call('discharge.check', { admissionNo: 'ZY2025000102' })).toMatchObject({ status: 'OK', data: { eligible: true } });
    const settleTxn = ulid();
    const pre = await call<{ preSettleId: string; dueFen: number }>('discharge.preSettle', { admissionNo: 'ZY2025000102' }, settleTxn);
    expect(pre.data!.dueFen).toBe(34567);
    const settled = await call('discharge.settle', { preSettleId: pre.data!.preSettleId, payment: card(34567, '512345678903') }, settleTxn);
    expect(settled).toMatchObject({ status: 'OK', data: { paidFen: 34567, refundFen: 0, refunds: [] } });
    expect((settled.data as { invoiceNo: string }).invoiceNo).toMatch(/^FP/);
  });

  it('reports: list, fetch the PDF, mark it printed', async () => {
    const reports = await call<{ reports: { reportId: string; state: string }[] }>('report.list', { patientId: 'P0012' });
    const ready = reports.data!.reports.find((r) => r.state === 'ready')!;
    const fetched = await call<{ pdfBase64: string; pages: number }>('report.fetch', { reportId: ready.reportId, patientId: 'P0012' });
    expect(Buffer.from(fetched.data!.pdfBase64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const printed = await call('report.printed', { reportId: ready.reportId, patientId: 'P0012' }, ulid());
    expect(printed).toMatchObject({ status: 'OK', data: { reportId: ready.reportId, printCount: 1 } });
  });

  it('lookups: paid bills of a range, the costs of a stay, prices by pinyin initials, a doctor; bad ranges and searches refused', async () => {
    const day = (offset: number) => new Date(Date.now() + 8 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
    const history = await call<{ bills: { billNo: string; amountFen: number; method: string }[]; totalFen: number }>('bill.history', { patientId: 'P0001', from: day(-30), to: today() });
    expect(history.status).toBe('OK');
    expect(history.data!.bills.map((b) => [b.billNo, b.method])).toEqual([['MZ00009001', 'card'], ['MZ00009002', 'qr']]);
    expect(history.data!.totalFen).toBe(3000 + 15460);
    const tooLong = await call('bill.history', { patientId: 'P0001', from: day(-93), to: today() });
    expect(tooLong).toMatchObject({ status: 'FAILED', code: 'BAD_REQUEST', message: expect.stringContaining('args.to') as unknown });

    const costs = await call<{ totalFen: number; byDay: { amountFen: number }[]; byCategory: { category: string; amountFen: number }[] }>('inpatient.costs', { admissionNo: 'ZY2025000103' });
    expect(costs.data!.totalFen).toBe(87650);
    expect(costs.data!.byDay.reduce((sum, d) => sum + d.amountFen, 0)).toBe(87650);
    expect(costs.data!.byCategory.find((c) => c.category === '床位费')?.amountFen).toBe(12000);

    const prices = await call<{ items: { name: string }[]; total: number; page: number; pageSize: number }>('price.search', { initials: 'AMXL' });
    expect(prices.data).toMatchObject({ total: 2, page: 1, pageSize: 20 });
    expect(prices.data!.items.map((i) => i.name)).toEqual(['阿莫西林胶囊', '阿莫西林克拉维酸钾片']);
    expect(await call('price.search', { initials: '' })).toMatchObject({ status: 'FAILED', code: 'BAD_REQUEST', message: expect.stringContaining('args.initials') as unknown });
    expect(await call('price.search', {})).toMatchObject({ status: 'FAILED', code: 'BAD_REQUEST', message: expect.stringContaining('args.initials') as unknown });

    expect(await call('doctor.info', { doctorId: 'E005' })).toMatchObject({ status: 'OK', data: { name: '何晴', title: '主任医师', deptName: '儿科', specialty: '小儿呼吸、小儿哮喘' } });
    expect(await call('doctor.info', { doctorId: 'E999' })).toMatchObject({ status: 'FAILED', code: 'NOT_FOUND' });
  });

  it('txn.query tells a settled transaction, and every op of the contract was called', async () => {
    expect(await call('txn.query', { txnId: billTxn })).toMatchObject({ status: 'OK', data: { state: 'SETTLED', hisReceiptNo: expect.stringMatching(/^SF/) as unknown } });
    expect([...seen].sort()).toEqual(Object.keys(ops).sort());
    expect(moneyOps.every((op) => seen.has(op))).toBe(true);
  });

  it('keeps the personal data of a new patient out of the ledger', () => {
    for (const file of [w.ledgerFile, `${w.ledgerFile}-wal`]) {
      const bytes = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
      for (const secret of [person.idNumber, person.name, person.phone]) expect(bytes.includes(Buffer.from(secret)), `${file} holds ${secret}`).toBe(false);
    }
  });
});

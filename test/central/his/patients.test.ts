import { afterEach, describe, expect, it } from 'vitest';
import type { CreatePatientRequest } from '../../../central/his/index.ts';
import { card, cleanUp, clock, rejection, refusedWith, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

/** A new patient from an ID card read at the kiosk. 330106200203150022: check digit 2, born 2002-03-15, female. */
const newcomer: CreatePatientRequest = {
  tradeNo: 'T-NEW', name: '林一诺', sex: 'female', birthDate: '2002-03-15', idNumber: '330106200203150022',
  nation: '汉', address: '浙江省示例市西湖区文三路1号', phone: '13800000000', cardNo: '2000000201',
};

describe('creating a patient record and card (建档发卡)', () => {
  it('creates the record once per trade number, and the new card identifies the patient', async () => {
    const his = simulator(tempDir(), clock().now);
    const created = await his.createPatient(newcomer);
    expect(created).toEqual({ patientId: 'P0015', cardNo: '2000000201', feeFen: 0, hisReceiptNo: created.hisReceiptNo, createdAt: '2025-06-02T09:00:00+08:00' });
    expect(await his.createPatient(newcomer)).toEqual(created);
    expect(await his.identifyPatient({ credType: 'patientCard', credNo: '2000000201' })).toEqual({
      patientId: 'P0015', name: '林一诺', idNumber: '330106200203150022', cardNo: '2000000201', sex: 'female', birthDate: '2002-03-15',
    });
    expect(await his.queryTrade({ tradeNo: 'T-NEW' })).toMatchObject({ state: 'settled', kind: 'createPatient', paidFen: 0 });
    expect(await refusedWith(his.createPatient({ ...newcomer, phone: '13900000000' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
  });

  it('refuses a second record for an ID number and a card already issued', async () => {
    const his = simulator(tempDir(), clock().now);
    await his.createPatient(newcomer);
    const again = await rejection(his.createPatient({ ...newcomer, tradeNo: 'T-AGAIN', cardNo: '2000000202' }));
    expect(again).toMatchObject({ code: 'ALREADY_EXISTS', kind: 'definite', detail: { field: 'idNumber', patientId: 'P0015' } });
    // 张伟's card, offered to someone else.
    const other = { ...newcomer, tradeNo: 'T-OTHER', name: '林二诺', idNumber: '330106200203150049', cardNo: '2000000101' };
    expect(await rejection(his.createPatient(other))).toMatchObject({ code: 'ALREADY_EXISTS', detail: { field: 'cardNo' } });
  });

  it('checks the ID number as GB 11643 does, and the form against it', async () => {
    const his = simulator(tempDir(), clock().now);
    const cases: [Partial<CreatePatientRequest>, string][] = [
      [{ idNumber: '330106200203150021' }, 'idNumber'],
      [{ birthDate: '2002-03-16' }, 'birthDate'],
      [{ sex: 'male' }, 'sex'],
      [{ phone: '1380000' }, 'phone'],
      [{ cardNo: 'A1' }, 'cardNo'],
      [{ birthDate: '2002-02-30' }, 'birthDate'],
    ];
    for (const [change, field] of cases) {
      expect(await rejection(his.createPatient({ ...newcomer, ...change })), field).toMatchObject({ code: 'INVALID_REQUEST', detail: { field } });
    }
    // The check digit X is accepted in either case and stored as a capital.
    const x = await his.createPatient({ ...newcomer, tradeNo: 'T-X', idNumber: '11010519491231002x', birthDate: '1949-12-31', cardNo: '2000000203' });
    expect((await his.identifyPatient({ credType: 'idCard', credNo: '11010519491231002X' })).patientId).toBe(x.patientId);
  });

  it('charges the card fee when the hospital sets one, and only then', async () => {
    const his = simulator(tempDir(), clock().now);
    expect(await rejection(his.createPatient({ ...newcomer, payment: card(500) }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'payment' } });
    his.configure({ cardFeeFen: 500 });
    expect(await refusedWith(his.createPatient(newcomer))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    expect(await refusedWith(his.createPatient({ ...newcomer, payment: card(400) }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    const paid = await his.createPatient({ ...newcomer, payment: card(500) });
    expect(paid.feeFen).toBe(500);
    expect(await his.queryTrade({ tradeNo: 'T-NEW' })).toMatchObject({ kind: 'createPatient', paidFen: 500 });
    expect(await his.receiptData({ tradeNo: 'T-NEW', patientId: paid.patientId })).toMatchObject({ title: '建档发卡凭条', lines: [{ name: '就诊卡工本费', amountFen: 500 }], paidFen: 500 });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { card, cleanUp, clock, refusedWith, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

describe('the prepaid account', () => {
  it('is off by default: recharge is NOT_OFFERED, but a legacy balance is shown and refunded in full, once', async () => {
    const his = simulator(tempDir(), clock().now);
    expect(await his.accountBalance({ patientId: 'P0011' })).toEqual({ patientId: 'P0011', balanceFen: 23650, rechargeOffered: false });
    expect(await refusedWith(his.recharge({ patientId: 'P0011', tradeNo: 'T-CZ', payment: card(10000) }))).toEqual({ code: 'NOT_OFFERED', kind: 'definite' });
    expect(await his.queryTrade({ tradeNo: 'T-CZ' })).toEqual({ state: 'notFound' });

    expect(await refusedWith(his.refundBalance({ patientId: 'P0011', tradeNo: 'T-TF', amountFen: 23649 }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    const refund = await his.refundBalance({ patientId: 'P0011', tradeNo: 'T-TF', amountFen: 23650 });
    expect(refund).toMatchObject({ refundFen: 23650, balanceFen: 0 });
    expect(await his.refundBalance({ patientId: 'P0011', tradeNo: 'T-TF', amountFen: 23650 })).toEqual(refund);
    expect(await his.queryTrade({ tradeNo: 'T-TF' })).toMatchObject({ kind: 'refundBalance', paidFen: 0, refundFen: 23650 });
    expect((await his.accountBalance({ patientId: 'P0011' })).balanceFen).toBe(0);
    expect(await refusedWith(his.refundBalance({ patientId: 'P0011', tradeNo: 'T-TF2', amountFen: 0 }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
    expect(await refusedWith(his.accountBalance({ patientId: 'P9999' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('takes recharges where the hospital runs prepayment, once per trade number', async () => {
    const his = simulator(tempDir(), clock().now);
    his.configure({ prepaid: true });
    expect((await his.accountBalance({ patientId: 'P0001' })).rechargeOffered).toBe(true);
    const request = { patientId: 'P0001', tradeNo: 'T-CZ', payment: card(20000) };
    const first = await his.recharge(request);
    expect(first).toMatchObject({ amountFen: 20000, balanceFen: 20000 });
    expect(await his.recharge(request)).toEqual(first);
    await his.recharge({ ...request, tradeNo: 'T-CZ2', payment: card(5050, '512345678902') });
    expect((await his.accountBalance({ patientId: 'P0001' })).balanceFen).toBe(25050);
    expect(await refusedWith(his.recharge({ ...request, payment: card(20001) }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await refusedWith(his.recharge({ ...request, tradeNo: 'T-CZ3', payment: card(500_001) }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    // Switched off again, a recharge already made still resolves by its trade number.
    his.configure({ prepaid: false });
    expect(await his.recharge(request)).toEqual(first);
    expect(await his.queryTrade({ tradeNo: 'T-CZ' })).toMatchObject({ kind: 'recharge', paidFen: 20000 });
  });
});

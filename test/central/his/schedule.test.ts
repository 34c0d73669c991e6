import { afterEach, describe, expect, it } from 'vitest';
import { slotLockTtlMs, type HisSimulator } from '../../../central/his/index.ts';
import { hospital } from '../../../central/his/seed.ts';
import { card, cleanUp, clock, refusedWith, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

/** Monday 2 June 2025, 09:00 in Shanghai: the seed day of every simulator here. */
const today = '2025-06-02';
const tomorrow = '2025-06-03';

async function remaining(his: HisSimulator, slotId: string): Promise<number> {
  const [doctorId] = slotId.split('-');
  const { slots } = await his.querySchedule({ doctorId: doctorId! });
  return slots.find((s) => s.slotId === slotId)!.remaining;
}

describe('the simulated schedule', () => {
  it('offers today and the next 14 days from each doctor\'s rota, and drops a session once it is over', async () => {
    const time = clock();
    const his = simulator(tempDir(), time.now);
    const { departments, doctors, slots } = await his.querySchedule({});
    expect(departments.length).toBeGreaterThanOrEqual(10);
    expect(doctors.length).toBe(hospital.doctors.length);
    expect(new Set(slots.map((s) => s.date)).size).toBe(15);
    expect(slots.map((s) => s.date).sort()[0]).toBe(today);
    expect(slots.map((s) => s.date).sort().at(-1)).toBe('2025-06-16');
    for (const slot of slots) {
      const rota = hospital.doctors.find((d) => d.doctorId === slot.doctorId)!;
      const weekday = (new Date(`${slot.date}T00:00:00Z`).getUTCDay() + 6) % 7;
      expect((slot.period === 'morning' ? rota.mornings : rota.afternoons)[weekday]).toBe('1');
      expect(slot.feeFen).toBe(doctors.find((d) => d.doctorId === slot.doctorId)!.feeFen);
    }
    // Two seeded appointments of today hold numbers of 吴晓梅's morning.
    expect(await remaining(his, 'E002-20250602-AM')).toBe(18);

    const surgery = await his.querySchedule({ deptId: 'D02', date: tomorrow });
    expect(surgery.departments.map((d) => d.name)).toEqual(['外科']);
    expect(new Set(surgery.slots.map((s) => `${s.deptId} ${s.date}`))).toEqual(new Set([`D02 ${tomorrow}`]));

    time.set('2025-06-02T12:30:00+08:00');
    const afternoon = await his.querySchedule({ date: today });
    expect(afternoon.slots.length).toBeGreaterThan(0);
    expect(afternoon.slots.every((s) => s.period === 'afternoon')).toBe(true);
    expect(await refusedWith(his.lockSlot({ slotId: 'E002-20250602-AM', patientId: 'P0001', tradeNo: 'T-LATE' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });

    expect(await refusedWith(his.querySchedule({ date: '2025-06-17' }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    expect(await refusedWith(his.querySchedule({ date: '2025-06-01' }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    // 周建国 holds no clinic on Tuesdays.
    expect(await refusedWith(his.lockSlot({ slotId: 'E001-20250603-AM', patientId: 'P0001', tradeNo: 'T-NONE' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('counts locks against the slot, refuses the one too many, and takes the number back on unlock and on expiry', async () => {
    const time = clock();
    const his = simulator(tempDir(), time.now);
    const slotId = 'E001-20250602-AM'; // 周建国, three numbers
    const locks = [];
    for (const [n, patientId] of ['P0001', 'P0003', 'P0004'].entries()) {
      locks.push(await his.lockSlot({ slotId, patientId, tradeNo: `T-LOCK-${n}` }));
      expect(await remaining(his, slotId)).toBe(2 - n);
    }
    expect(locks[0]).toEqual({ lockId: locks[0]!.lockId, slotId, feeFen: 5000, expiresAt: '2025-06-02T09:10:00+08:00' });
    expect(await refusedWith(his.lockSlot({ slotId, patientId: 'P0005', tradeNo: 'T-LOCK-3' }))).toEqual({ code: 'SLOT_FULL', kind: 'definite' });

    expect(await his.unlockSlot({ lockId: locks[0]!.lockId })).toEqual({ lockId: locks[0]!.lockId, released: true });
    expect(await his.unlockSlot({ lockId: locks[0]!.lockId })).toEqual({ lockId: locks[0]!.lockId, released: true });
    expect(await remaining(his, slotId)).toBe(1);
    await his.lockSlot({ slotId, patientId: 'P0005', tradeNo: 'T-LOCK-3' });
    expect(await remaining(his, slotId)).toBe(0);

    time.advance(slotLockTtlMs);
    expect(await remaining(his, slotId)).toBe(3);
    const expired = his.register({ lockId: locks[1]!.lockId, patientId: 'P0003', tradeNo: 'T-LOCK-1', payment: card(5000) });
    expect(await refusedWith(expired)).toEqual({ code: 'LOCK_EXPIRED', kind: 'definite' });
    const released = his.register({ lockId: locks[0]!.lockId, patientId: 'P0001', tradeNo: 'T-LOCK-0', payment: card(5000) });
    expect(await refusedWith(released)).toEqual({ code: 'LOCK_EXPIRED', kind: 'definite' });
    expect(await his.queryTrade({ tradeNo: 'T-LOCK-1' })).toEqual({ state: 'notFound' });
    expect(await refusedWith(his.unlockSlot({ lockId: 'SD9999999999' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('registers a locked slot once per trade number: a repeat gets the first answer, anything else conflicts', async () => {
    const his = simulator(tempDir(), clock().now);
    const slotId = `E002-${tomorrow.replaceAll('-', '')}-AM`;
    const before = await remaining(his, slotId);
    const lock = await his.lockSlot({ slotId, patientId: 'P0006', tradeNo: 'T-REG' });
    expect(await his.lockSlot({ slotId, patientId: 'P0006', tradeNo: 'T-REG' })).toEqual(lock);
    expect(await refusedWith(his.lockSlot({ slotId: `E002-${tomorrow.replaceAll('-', '')}-PM`, patientId: 'P0006', tradeNo: 'T-REG' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await refusedWith(his.register({ lockId: lock.lockId, patientId: 'P0006', tradeNo: 'T-REG', payment: card(lock.feeFen - 1) }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    expect(await refusedWith(his.register({ lockId: lock.lockId, patientId: 'P0006', tradeNo: 'T-OTHER', payment: card(lock.feeFen) }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });

    const registration = await his.register({ lockId: lock.lockId, patientId: 'P0006', tradeNo: 'T-REG', payment: card(lock.feeFen) });
    expect(registration.appointment).toMatchObject({
      patientId: 'P0006', slotId, doctorName: '吴晓梅', doctorTitle: '主治医师', date: tomorrow, period: 'morning',
      seeNo: 1, visitTime: '08:00', feeFen: 2500, paid: true, state: 'booked', location: '门诊楼2层A区',
    });
    expect(registration.hisReceiptNo).toMatch(/^GH20250602\d{6}$/);
    // The lock's number became the registration's: counted once.
    expect(await remaining(his, slotId)).toBe(before - 1);

    expect(await his.register({ lockId: lock.lockId, patientId: 'P0006', tradeNo: 'T-REG', payment: card(lock.feeFen) })).toEqual(registration);
    expect(await refusedWith(his.register({ lockId: lock.lockId, patientId: 'P0006', tradeNo: 'T-REG', payment: card(lock.feeFen, '599999999999') }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await refusedWith(his.lockSlot({ slotId, patientId: 'P0006', tradeNo: 'T-REG' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await refusedWith(his.unlockSlot({ lockId: lock.lockId }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
    expect(await his.queryTrade({ tradeNo: 'T-REG' })).toEqual({ state: 'settled', kind: 'register', hisReceiptNo: registration.hisReceiptNo, paidFen: 2500, refundFen: 0, settledAt: registration.settledAt });

    const todayLock = await his.lockSlot({ slotId: 'E004-20250602-AM', patientId: 'P0006', tradeNo: 'T-REG-TODAY' });
    const now = await his.register({ lockId: todayLock.lockId, patientId: 'P0006', tradeNo: 'T-REG-TODAY', payment: card(1500) });
    expect(now.appointment).toMatchObject({ state: 'checkedIn', paid: true, doctorTitle: '住院医师', feeFen: 1500 });
  });

  it('keeps a patient to one number of a doctor a day', async () => {
    const his = simulator(tempDir(), clock().now);
    await his.lockSlot({ slotId: 'E002-20250603-AM', patientId: 'P0007', tradeNo: 'T-ONE' });
    expect(await refusedWith(his.lockSlot({ slotId: 'E002-20250603-PM', patientId: 'P0007', tradeNo: 'T-TWO' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
    expect(await refusedWith(his.bookAppointment({ slotId: 'E002-20250603-PM', patientId: 'P0007', tradeNo: 'T-THREE' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
    // Another doctor, or the same doctor another day, is fine.
    await his.lockSlot({ slotId: 'E004-20250603-AM', patientId: 'P0007', tradeNo: 'T-FOUR' });
    await his.bookAppointment({ slotId: 'E002-20250604-AM', patientId: 'P0007', tradeNo: 'T-FIVE' });
  });

  it('books without payment, and checks in on the day with the fee, once', async () => {
    const time = clock();
    const his = simulator(tempDir(), time.now);
    const booked = await his.bookAppointment({ slotId: 'E002-20250602-PM', patientId: 'P0008', tradeNo: 'T-BOOK' });
    expect(booked).toMatchObject({ patientId: 'P0008', state: 'booked', paid: false, seeNo: 1, visitTime: '13:30', feeFen: 2500 });
    expect(await his.queryTrade({ tradeNo: 'T-BOOK' })).toMatchObject({ state: 'settled', kind: 'bookAppointment', paidFen: 0, refundFen: 0 });

    const checkIn = { appointmentNo: booked.appointmentNo, patientId: 'P0008', tradeNo: 'T-TAKE' };
    expect(await refusedWith(his.checkIn(checkIn))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    const taken = await his.checkIn({ ...checkIn, payment: card(2500) });
    expect(taken).toMatchObject({ paidFen: 2500, appointment: { state: 'checkedIn', paid: true, seeNo: 1 } });
    expect(await his.checkIn({ ...checkIn, payment: card(2500) })).toEqual(taken);
    expect(await refusedWith(his.checkIn({ ...checkIn, tradeNo: 'T-TAKE-AGAIN', payment: card(2500) }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
    expect(await his.queryTrade({ tradeNo: 'T-TAKE' })).toMatchObject({ state: 'settled', kind: 'checkIn', paidFen: 2500 });

    const { appointments } = await his.listAppointments({ patientId: 'P0002' });
    const prepaid = appointments.find((a) => a.date === today)!;
    expect(prepaid).toMatchObject({ paid: true, state: 'booked', seeNo: 2 });
    expect(await refusedWith(his.checkIn({ appointmentNo: prepaid.appointmentNo, patientId: 'P0002', tradeNo: 'T-PRE', payment: card(2500) }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    expect(await his.checkIn({ appointmentNo: prepaid.appointmentNo, patientId: 'P0002', tradeNo: 'T-PRE' })).toMatchObject({ paidFen: 0, appointment: { state: 'checkedIn' } });

    const later = (await his.listAppointments({ patientId: 'P0010' })).appointments.find((a) => a.date !== today)!;
    expect(await refusedWith(his.checkIn({ appointmentNo: later.appointmentNo, patientId: 'P0010', tradeNo: 'T-EARLY' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
    expect(await refusedWith(his.checkIn({ appointmentNo: later.appointmentNo, patientId: 'P0001', tradeNo: 'T-STRANGER' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('cancels: the fee goes back through the trade that paid it, the number to the slot', async () => {
    const time = clock();
    const his = simulator(tempDir(), time.now);
    const slotId = 'E004-20250603-AM';
    const before = await remaining(his, slotId);
    const lock = await his.lockSlot({ slotId, patientId: 'P0011', tradeNo: 'T-PAY' });
    const { appointment } = await his.register({ lockId: lock.lockId, patientId: 'P0011', tradeNo: 'T-PAY', payment: card(1500) });
    const cancel = { appointmentNo: appointment.appointmentNo, patientId: 'P0011', tradeNo: 'T-CANCEL', reason: '临时有事' };
    const cancelled = await his.cancelAppointment(cancel);
    expect(cancelled).toMatchObject({ refundFen: 1500, refundOf: 'T-PAY', appointment: { state: 'cancelled' } });
    expect(await his.cancelAppointment(cancel)).toEqual(cancelled);
    expect(await his.queryTrade({ tradeNo: 'T-CANCEL' })).toMatchObject({ kind: 'cancelAppointment', paidFen: 0, refundFen: 1500 });
    expect(await remaining(his, slotId)).toBe(before);
    expect(await refusedWith(his.cancelAppointment({ ...cancel, tradeNo: 'T-CANCEL-2' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });

    // The freed queue number goes to the next patient.
    const next = await his.bookAppointment({ slotId, patientId: 'P0012', tradeNo: 'T-NEXT' });
    expect(next.seeNo).toBe(appointment.seeNo);
    const unpaid = await his.cancelAppointment({ appointmentNo: next.appointmentNo, patientId: 'P0012', tradeNo: 'T-NEXT-CANCEL' });
    expect(unpaid.refundFen).toBe(0);
    expect(unpaid).not.toHaveProperty('refundOf');

    const fromApp = (await his.listAppointments({ patientId: 'P0010' })).appointments.find((a) => a.paid)!;
    expect(await his.cancelAppointment({ appointmentNo: fromApp.appointmentNo, patientId: 'P0010', tradeNo: 'T-APP' })).toMatchObject({ refundFen: 4000, refundOf: 'APP0000000002' });

    time.set('2025-06-03T09:00:00+08:00');
    const yesterday = (await his.listAppointments({ patientId: 'P0010' })).appointments.find((a) => a.date === today)!;
    expect(await refusedWith(his.cancelAppointment({ appointmentNo: yesterday.appointmentNo, patientId: 'P0010', tradeNo: 'T-LATE' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
  });

  it('lists a patient\'s appointments, the latest day first', async () => {
    const his = simulator(tempDir(), clock().now);
    const { appointments } = await his.listAppointments({ patientId: 'P0010' });
    expect(appointments.map((a) => [a.date, a.doctorName, a.paid])).toEqual([['2025-06-05', '郑海涛', true], [today, '吴晓梅', false]]);
    expect((await his.listAppointments({ patientId: 'P0001' })).appointments).toEqual([]);
    expect(await refusedWith(his.listAppointments({ patientId: 'P9999' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });
});

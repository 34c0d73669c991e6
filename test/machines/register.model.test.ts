import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import type { RegisterResult, ScheduleResult } from '../../contract/rpc.ts';
import { registerMachine, type RegisterContext } from '../../machines/register.ts';
import { picked } from '../../machines/schedule-pick.ts';
import type { PaymentOutput } from '../../machines/types.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of registration today with fake actors and a fake payment machine (its own paths
 * are walked in payment.model.test.ts): the fee is taken only for a locked number, a lock not
 * paid for is released, a retry locks again under a new transaction, and a session without a fee
 * is never offered (register.confirm always takes a payment).
 */
const today = '2026-11-23';
const TXN1 = '01JTXN00000000000000000001';
const TXN2 = '01JTXN00000000000000000002';
const slot = (slotId: string, doctorId: string, deptId: string, period: 'morning' | 'afternoon', remaining: number, feeFen: number) => ({
  slotId, doctorId, deptId, date: today, period, startTime: period === 'morning' ? '08:00' : '13:30', endTime: period === 'morning' ? '12:00' : '17:00', feeFen, capacity: 20, remaining,
});
const schedule: ScheduleResult = {
  departments: [{ deptId: 'D01', name: '内科', location: '门诊楼2层A区' }, { deptId: 'D09', name: '急诊科', location: '急诊楼1层' }],
  doctors: [{ doctorId: 'E001', deptId: 'D01', name: '周建国', title: '主任医师', feeFen: 5000 }, { doctorId: 'E015', deptId: 'D09', name: '马骏', title: '主治医师', feeFen: 0 }],
  slots: [
    slot('E001-20261123-AM', 'E001', 'D01', 'morning', 2, 5000),
    // Full: not offered.
    slot('E001-20261123-PM', 'E001', 'D01', 'afternoon', 0, 5000),
    // No fee: register.confirm could never take it.
    slot('E015-20261123-AM', 'E015', 'D09', 'morning', 30, 0),
  ],
};
const registration = { appointment: { seeNo: 3, location: '门诊楼2层A区' }, hisReceiptNo: 'GH1', settledAt: '' } as unknown as RegisterResult;
const timeouts = { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 };
const input = (methods: ('card' | 'qr')[]) => ({ patientId: 'P0001', nameMasked: '张*', credType: 'patientCard' as const, timeouts, methods, cashChange: false });

const paymentOutputs = (s: AnyMachineSnapshot): PaymentOutput[] => {
  const txnId = (s.context as RegisterContext).txnId!;
  return [
    { end: 'paid', txnId, hisReceiptNo: 'GH1', result: registration },
    // Central settled it, but the kiosk learned so only by asking txn.query: no queue number in hand.
    { end: 'paid', txnId, hisReceiptNo: 'GH1' },
    { end: 'notPaid', txnId, retry: true },
    { end: 'refunded', txnId },
    { end: 'voucher', txnId },
    { end: 'pending', txnId },
    { end: 'notPaid', txnId },
  ];
};

const options = (methods: ('card' | 'qr')[]) => ({
  input: input(methods),
  outputs: {
    loadToday: () => [{ date: today, schedule }, { date: today, schedule: { ...schedule, slots: schedule.slots.slice(1) } }],
    // A relock is a new transaction: the runtime opens one for every lock.
    lock: (s: AnyMachineSnapshot) => [{ txnId: (s.context as RegisterContext).afterRelease === 'relock' ? TXN2 : TXN1, lockId: 'SD1' }],
    release: () => [undefined],
    payment: paymentOutputs,
  },
  payloads: {
    select: () => [{ type: 'select', index: 0 }, { type: 'select', index: 4 }],
    page: () => [{ type: 'page', delta: 1 }, { type: 'page', delta: -1 }],
  },
  contextKey: (c: Record<string, unknown>) => {
    const r = c as unknown as RegisterContext;
    return { slots: r.schedule?.slots.length, dept: r.deptId, doctor: r.doctorId, slot: r.slotId, txn: r.txnId, after: r.afterRelease, end: r.end, reg: r.registration !== undefined };
  },
});

const model = walk(registerMachine, options(['card', 'qr']));
const noMethod = walk(registerMachine, options([]));

const contextOf = (s: AnyMachineSnapshot) => s.context as RegisterContext;
const states = (p: Path) => [p.start, ...p.steps.map((s) => s.state)];

describe('registration today, every path', () => {
  it('covers every state, shows a screen wherever it waits, and every path ends or loops back', () => {
    console.info(`register: ${model.paths.length + noMethod.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states (${noMethod.statesCovered} without a way to pay), ${model.transitionsCovered + noMethod.transitionsCovered} transitions`);
    const seen = new Set([...model.paths, ...noMethod.paths].flatMap(states).flatMap((s) => s._nodes.map((n) => n.id)));
    expect(seen.size).toBe(model.statesTotal);
    for (const p of [...model.paths, ...noMethod.paths]) {
      for (const s of states(p)) if (s.status === 'active' && !s.matches('paying')) expect(screenOf(s), JSON.stringify(s.value)).toBeDefined();
      expect(p.closedLoop || p.steps.at(-1)!.state.status === 'done', JSON.stringify(p.steps.map((s) => s.state.value))).toBe(true);
    }
  });

  it('locks nothing without a way to pay', () => {
    for (const p of noMethod.paths) expect(states(p).some((s) => s.matches('locking'))).toBe(false);
    expect(noMethod.paths.some((p) => states(p).some((s) => s.matches('unavailable')))).toBe(true);
  });

  it('offers only sessions with numbers left and a fee, and locks only such a session', () => {
    for (const p of model.paths) {
      for (const s of states(p).filter((x) => x.matches('locking'))) {
        const chosen = picked(contextOf(s))!;
        expect(chosen.slot.remaining).toBeGreaterThan(0);
        expect(chosen.slot.feeFen).toBeGreaterThan(0);
      }
    }
    // The schedule where the only session left has no fee: nothing to register.
    expect(model.paths.some((p) => states(p).some((s) => s.matches('none')))).toBe(true);
  });

  it('takes the fee only for a locked number, the fee the patient confirmed', () => {
    for (const p of model.paths) {
      p.steps.forEach((step, i) => {
        if (!step.state.matches('paying') || (i > 0 && p.steps[i - 1]!.state.matches('paying'))) return;
        const before = i > 0 ? p.steps[i - 1]!.state : p.start;
        expect(before.matches('locking')).toBe(true);
        const c = contextOf(step.state);
        expect(c.txnId).toBeDefined();
        expect(c.lockId).toBe('SD1');
        const payment = step.state.children.payment?.getSnapshot() as AnyMachineSnapshot | undefined;
        expect(payment?.context).toMatchObject({ txnId: c.txnId, amountFen: 5000, plan: { op: 'register.confirm', args: { lockId: 'SD1', patientId: 'P0001' } } });
      });
    }
  });

  it('releases a lock the payment did not pay for, and keeps one paid or whose outcome is unknown', () => {
    let released = 0;
    for (const p of model.paths) {
      p.steps.forEach((step, i) => {
        const before = i > 0 ? p.steps[i - 1]!.state : p.start;
        if (!before.matches('paying') || step.state.matches('paying')) return;
        const output = (step.event as unknown as { output: PaymentOutput }).output;
        if (output.end === 'paid') expect(step.state.matches('registered')).toBe(true);
        else if (output.end === 'pending') expect(step.state.status).toBe('done');
        else {
          expect(step.state.matches('releasing'), output.end).toBe(true);
          released += 1;
        }
      });
    }
    expect(released).toBeGreaterThan(0);
  });

  it('locks again under a new transaction when the patient retries a declined payment', () => {
    const retried = model.paths.filter((p) => p.steps.some((s) => s.state.matches('paying') && contextOf(s.state).txnId === TXN2));
    expect(retried.length).toBeGreaterThan(0);
    for (const p of retried) {
      const at = p.steps.findIndex((s) => s.state.matches('paying') && contextOf(s.state).txnId === TXN2);
      expect(p.steps.slice(0, at).some((s) => s.state.matches('releasing') && contextOf(s.state).afterRelease === 'relock' && contextOf(s.state).txnId === TXN1)).toBe(true);
    }
  });

  it('tells a patient whose fee went back, and lets them pick again', () => {
    const told = model.paths.filter((p) => p.steps.some((s) => s.state.matches('notRegistered')));
    expect(told.length).toBeGreaterThan(0);
    for (const p of told) expect(contextOf(p.steps.find((s) => s.state.matches('notRegistered'))!.state).end).toBe('refunded');
    expect(told.some((p) => p.steps.some((s, i) => i > 0 && p.steps[i - 1]!.state.matches('notRegistered') && s.state.matches('loading')))).toBe(true);
  });

  it('says how the last payment ended when it ends', () => {
    for (const p of model.paths) {
      const last = p.steps.at(-1)!.state;
      if (last.status !== 'done') continue;
      const paid = p.steps.some((s) => s.state.matches('paying'));
      expect(last.output).toEqual(paid ? { end: contextOf(last).end, txnId: contextOf(last).txnId } : {});
    }
  });
});

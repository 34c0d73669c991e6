import { describe, expect, it } from 'vitest';
import type { AppointmentView } from '../../contract/rpc.ts';
import { appointmentsMachine, type AppointmentsContext, type CancelEnd, type CheckInEnd } from '../../machines/appointments.ts';
import type { PaymentOutput } from '../../machines/types.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path through my appointments with fake actors and a fake payment machine (its own paths
 * are walked in payment.model.test.ts): money is taken only for a today's unpaid appointment after
 * its transaction is opened, a cancel is asked of central only after the patient confirmed it, and
 * every countdown leaves with nothing done.
 */
const today = '2026-11-23';
const T = '01JTXN00000000000000000001';

function appointment(no: string, extra: Partial<AppointmentView>): AppointmentView {
  return {
    appointmentNo: no, patientId: 'P1', slotId: 'E002-20261123-AM', deptId: 'D01', deptName: '内科', doctorId: 'E002', doctorName: '吴晓梅', doctorTitle: '主治医师',
    date: today, period: 'morning', visitTime: '08:00', seeNo: 1, location: '门诊楼2层A区', feeFen: 2000, paid: false, state: 'booked', ...extra,
  };
}

const dueToday = appointment('YY1', {});
const paidToday = appointment('YY2', { paid: true, period: 'afternoon', visitTime: '13:30' });
const paidLater = appointment('YY3', { paid: true, date: '2026-11-25' });
// Neither can be acted on at a kiosk: the list leaves them out.
const missed = appointment('YY4', { date: '2026-11-20' });
const checkedIn = appointment('YY5', { state: 'checkedIn', paid: true });

const paymentOutputs: PaymentOutput[] = [
  { end: 'paid', txnId: T, hisReceiptNo: 'QH1', result: { appointment: { ...dueToday, state: 'checkedIn', paid: true, seeNo: 4 }, paidFen: 2000, hisReceiptNo: 'QH1', settledAt: '' } },
  { end: 'notPaid', txnId: T, retry: true },
  { end: 'refunded', txnId: T },
  { end: 'voucher', txnId: T },
  { end: 'pending', txnId: T },
  { end: 'notPaid', txnId: T },
];
const checkIns: CheckInEnd[] = [
  { txnId: T, state: 'done', appointment: { ...paidToday, state: 'checkedIn', seeNo: 9 } },
  { txnId: T, state: 'refused', reason: 'the appointment is checkedIn' },
  { txnId: T, state: 'pending', reason: 'central could not confirm the outcome in time' },
];
const cancels: CancelEnd[] = [
  { txnId: T, state: 'done', refunds: [{ method: 'card', amountFen: 2000, how: 'card' }] },
  { txnId: T, state: 'done', refunds: [] },
  { txnId: T, state: 'refused', reason: 'the appointment day has passed' },
  { txnId: T, state: 'pending', reason: 'central could not confirm the outcome in time' },
];

const model = walk(appointmentsMachine, {
  input: { patientId: 'P1', nameMasked: '周*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card', 'qr', 'cash'], cashChange: true },
  outputs: {
    listAppointments: () => [
      { today, appointments: [] },
      { today, appointments: [missed, checkedIn] },
      { today, appointments: [paidLater, missed, paidToday, checkedIn, dueToday] },
    ],
    prepareCheckIn: () => [{ txnId: T }],
    payment: () => paymentOutputs,
    checkInPrepaid: () => checkIns,
    cancelAppointment: () => cancels,
  },
  payloads: {
    select: () => [0, 1, 2, 99].map((index) => ({ type: 'select', index })),
    page: () => [{ type: 'page', delta: 1 }, { type: 'page', delta: -1 }],
  },
  contextKey: (c) => {
    const a = c as unknown as AppointmentsContext;
    return { n: a.appointments?.length, page: a.page, chosen: a.chosen?.appointmentNo, doing: a.doing, txn: a.txnId !== undefined, end: a.end, checkedIn: a.checkedIn?.seeNo, refunds: a.refunds?.length };
  },
});

const at = (p: Path, i: number) => p.steps[i]!.state;
const contextAt = (p: Path, i: number) => at(p, i).context as AppointmentsContext;
const visits = (p: Path, state: string) => p.steps.some((s) => s.state.matches(state));
const finished = model.paths.filter((p) => p.steps.at(-1)?.state.status === 'done');

describe('my appointments, every path', () => {
  it('covers every state; every path ends, or loops back to a list the patient can leave', () => {
    console.info(`appointments: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    expect(finished.length).toBeGreaterThan(20);
    for (const p of model.paths) expect(p.closedLoop || p.steps.at(-1)!.state.status === 'done', p.steps.map((s) => JSON.stringify(s.state.value)).join(' > ')).toBe(true);
  });

  it('shows a screen in every state it waits in, except while the payment machine shows its own', () => {
    for (const p of model.paths) for (const { state } of p.steps) if (state.status === 'active' && !state.matches('paying')) expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
  });

  it('lists only booked appointments from today on, soonest first', () => {
    for (const p of model.paths) {
      const listed = p.steps.find((s) => s.state.matches('list'));
      if (!listed) continue;
      expect((listed.state.context as AppointmentsContext).appointments!.map((a) => a.appointmentNo)).toEqual(['YY1', 'YY2', 'YY3']);
    }
    const none = model.paths.filter((p) => visits(p, 'none'));
    expect(none.length).toBeGreaterThan(0);
  });

  it('takes money only for a today appointment with the fee due, after its transaction is opened, for exactly that fee and check-in', () => {
    let paying = 0;
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches('paying') || (i > 0 && at(p, i - 1).matches('paying'))) return;
        paying += 1;
        const c = s.state.context as AppointmentsContext;
        expect(at(p, i - 1).matches('preparing')).toBe(true);
        expect(c.txnId).toBe(T);
        expect(c.chosen!.date).toBe(today);
        expect(c.chosen!.paid).toBe(false);
        expect(c.doing).toBe('checkIn');
      });
    }
    expect(paying).toBeGreaterThan(0);
  });

  it('checks in a prepaid appointment as a trade, never through the payment machine, and only on its day', () => {
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches('checkingIn')) return;
        const c = contextAt(p, i);
        expect(c.chosen!.paid).toBe(true);
        expect(c.chosen!.date).toBe(today);
      });
      if (visits(p, 'checkingIn')) expect(visits(p, 'paying')).toBe(false);
    }
  });

  it('a declined payment the patient retries opens a new transaction; any other unpaid end leaves without a trade', () => {
    const retried = model.paths.filter((p) => p.steps.some((s, i) => i > 0 && s.state.matches('preparing') && at(p, i - 1).matches('paying')));
    expect(retried.length).toBeGreaterThan(0);
    for (const p of finished) {
      const c = contextAt(p, p.steps.length - 1);
      if (!visits(p, 'paying')) continue;
      expect(visits(p, 'checkingIn') || visits(p, 'cancelling')).toBe(false);
      if (c.end === 'paid') expect(c.checkedIn?.seeNo).toBe(4);
    }
  });

  it('cancels only after the patient confirmed; a countdown or Back on the confirmation cancels nothing', () => {
    let confirmed = 0;
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches('cancelling') || at(p, i - 1).matches('cancelling')) return;
        confirmed += 1;
        expect(at(p, i - 1).matches('confirmCancel')).toBe(true);
        expect(s.event.type).toBe('confirm');
      });
      p.steps.forEach((s, i) => {
        if (i === 0 || !at(p, i - 1).matches('confirmCancel') || s.state.matches('confirmCancel')) return;
        if (s.event.type !== 'confirm') expect(s.state.matches('cancelling')).toBe(false);
      });
    }
    expect(confirmed).toBeGreaterThan(0);
    const timedOut = model.paths.filter((p) => p.steps.some((s, i) => i > 0 && at(p, i - 1).matches('confirmCancel') && s.event.type.startsWith('xstate.after') && s.state.status === 'done'));
    expect(timedOut.length).toBeGreaterThan(0);
  });

  it('tells the session how it ended: pending when central could not confirm, paid after a paid check-in', () => {
    for (const p of finished) {
      const c = contextAt(p, p.steps.length - 1);
      if (visits(p, 'pending')) expect(c.end).toBe('pending');
      if (visits(p, 'cancelled') || (visits(p, 'checkedIn') && visits(p, 'checkingIn'))) expect(c.end).toBeUndefined();
      const output = (p.steps.at(-1)!.state as unknown as { output?: { end?: string } }).output;
      expect(output?.end).toBe(c.end);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import type { AppointmentView, ScheduleResult } from '../../contract/rpc.ts';
import { bookMachine, type BookContext, type BookOutcome } from '../../machines/book.ts';
import { picked } from '../../machines/schedule-pick.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of booking ahead with fake actors: only a session the patient confirmed is booked, a
 * slip comes out for a booking and for an outcome central could not confirm (never for a refusal),
 * and a refused patient picks again from a fresh schedule.
 */
const TXN = '01JTXN00000000000000000001';
const slot = (date: string, remaining: number) => ({
  slotId: `E001-${date.replaceAll('-', '')}-AM`, doctorId: 'E001', deptId: 'D01', date, period: 'morning' as const, startTime: '08:00', endTime: '12:00', feeFen: 5000, capacity: 3, remaining,
});
const schedule: ScheduleResult = {
  departments: [{ deptId: 'D01', name: '内科', location: '门诊楼2层A区' }],
  doctors: [{ doctorId: 'E001', deptId: 'D01', name: '周建国', title: '主任医师', feeFen: 5000 }],
  // The second day is full: it is not offered.
  slots: [slot('2026-11-25', 2), slot('2026-11-27', 0)],
};
const appointment = { appointmentNo: 'YY0000000001', slotId: 'E001-20261125-AM', seeNo: 2 } as AppointmentView;

const model = walk(bookMachine, {
  input: { patientId: 'P0001', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card'], cashChange: false },
  outputs: {
    loadAhead: () => [schedule, { ...schedule, slots: schedule.slots.slice(1) }],
    book: (): BookOutcome[] => [
      { state: 'booked', txnId: TXN, appointment },
      { state: 'refused', txnId: TXN, reason: 'no number left in this session' },
      { state: 'unknown', txnId: TXN, reason: 'no answer from central' },
    ],
    printSlip: () => [true, false],
  },
  payloads: {
    select: () => [{ type: 'select', index: 0 }, { type: 'select', index: 1 }],
    page: () => [{ type: 'page', delta: 1 }],
  },
  contextKey: (c) => {
    const b = c as unknown as BookContext;
    return { slots: b.schedule?.slots.length, date: b.date, dept: b.deptId, doctor: b.doctorId, slot: b.slotId, outcome: b.outcome?.state, printed: b.slipPrinted };
  },
});

const contextOf = (s: AnyMachineSnapshot) => s.context as BookContext;
const states = (p: Path) => [p.start, ...p.steps.map((s) => s.state)];

describe('booking ahead, every path', () => {
  it('covers every state, shows a screen wherever it waits, and every path ends or loops back', () => {
    console.info(`book: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    for (const p of model.paths) {
      for (const s of states(p)) if (s.status === 'active') expect(screenOf(s), JSON.stringify(s.value)).toBeDefined();
      expect(p.closedLoop || p.steps.at(-1)!.state.status === 'done').toBe(true);
    }
  });

  it('books only the session the patient confirmed, on a day with a number left', () => {
    let booked = 0;
    for (const p of model.paths) {
      p.steps.forEach((step, i) => {
        if (!step.state.matches('booking')) return;
        const before = i > 0 ? p.steps[i - 1]!.state : p.start;
        expect(before.matches('confirm')).toBe(true);
        expect(step.event.type).toBe('confirm');
        const chosen = picked(contextOf(step.state))!;
        expect(chosen.slot.date).toBe(contextOf(step.state).date);
        expect(chosen.slot.remaining).toBeGreaterThan(0);
        booked += 1;
      });
    }
    expect(booked).toBeGreaterThan(0);
  });

  it('prints a slip for a booking and for an unconfirmed outcome, never for a refusal', () => {
    for (const p of model.paths) {
      for (const s of states(p).filter((x) => x.matches('printing'))) expect(['booked', 'unknown']).toContain(contextOf(s).outcome?.state);
      for (const s of states(p).filter((x) => x.matches('refused'))) expect(contextOf(s).outcome?.state).toBe('refused');
      for (const s of states(p).filter((x) => x.matches('booked'))) expect(contextOf(s).outcome?.state).toBe('booked');
      for (const s of states(p).filter((x) => x.matches('unconfirmed'))) expect(contextOf(s).outcome?.state).toBe('unknown');
    }
    expect(model.paths.some((p) => states(p).some((s) => s.matches('booked') && contextOf(s).slipPrinted === false))).toBe(true);
  });

  it('picks again from a fresh schedule after a refusal', () => {
    const again = model.paths.filter((p) => p.steps.some((s, i) => i > 0 && p.steps[i - 1]!.state.matches('refused') && s.state.matches('loading')));
    expect(again.length).toBeGreaterThan(0);
    for (const p of again) {
      const at = p.steps.findIndex((s, i) => i > 0 && p.steps[i - 1]!.state.matches('refused') && s.state.matches('loading'));
      expect(contextOf(p.steps[at]!.state).slotId).toBeUndefined();
    }
  });
});

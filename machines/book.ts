import { assign, fromPromise, setup } from 'xstate';
import type { AppointmentView } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { turnPage } from './paging.ts';
import { at, daysOf, departmentsOn, doctorsOn, slotsOf, type PickEvent, type SchedulePick, type Schedule } from './schedule-pick.ts';
import { errorMessage, meta, notice } from './parts.ts';

/**
 * Booking ahead (预约挂号, issue 5 §4): the patient picks a day of the next two weeks, then a
 * department, a doctor and a session, confirms, and central books it (`appointment.book`, a trade
 * without money: the fee is paid at check-in). A slip with the appointment number comes out. An
 * outcome central could not confirm is never told as a failure: the slip says to ask a counter.
 */
export type BookOutcome =
  | { state: 'booked'; txnId: string; appointment: AppointmentView }
  | { state: 'refused'; txnId: string; reason: string }
  | { state: 'unknown'; txnId: string; reason: string };

export interface BookContext extends FlowInput, SchedulePick {
  outcome?: BookOutcome;
  /** The slip came out of the printer. */
  slipPrinted?: boolean;
  problem?: string;
}

/** The lists a `select` picks from, by the screen that shows them. */
const lists = { days: daysOf, departments: departmentsOn, doctors: doctorsOn, slots: slotsOf };

export const bookMachine = setup({
  types: {
    context: {} as BookContext,
    events: {} as PickEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    /** The schedule of the days after today, as far as the HIS takes bookings. */
    loadAhead: fromPromise<Schedule>(async () => { throw new Error('provided by the runtime'); }),
    /** Books the session under a new transaction; asks again while the answer is lost. */
    book: fromPromise<BookOutcome, { patientId: string; slotId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** The appointment slip, or the slip that says the outcome is to be confirmed; resolves whether it printed. */
    printSlip: fromPromise<boolean, { nameMasked: string; outcome: BookOutcome }>(async () => { throw new Error('provided by the runtime'); }),
  },
  guards: {
    inList: ({ context, event }, list: keyof typeof lists) => at<unknown>(lists[list](context), event) !== undefined,
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'book',
  context: ({ input }) => ({ ...input, page: 0, pickDay: true }),
  initial: 'loading',
  states: {
    loading: {
      meta: meta({ screen: 'wait.schedule', voice: 'wait.schedule' }),
      entry: assign({ schedule: undefined, date: undefined, deptId: undefined, doctorId: undefined, slotId: undefined, page: 0, outcome: undefined, problem: undefined }),
      invoke: {
        src: 'loadAhead',
        onDone: [
          { guard: ({ event }) => daysOf({ schedule: event.output, page: 0 }).length === 0, target: 'none' },
          { target: 'days', actions: assign({ schedule: ({ event }) => event.output }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    none: notice('book.none'),
    problem: notice('schedule.problem'),
    days: {
      meta: meta({ screen: 'book.date', voice: 'book.date', countdown: 'choiceMs', home: true }),
      on: {
        select: { guard: { type: 'inList', params: 'days' }, target: 'departments', actions: assign({ date: ({ context, event }) => at(daysOf(context), event)!, page: 0 }) },
        page: { actions: assign({ page: ({ context, event }) => turnPage(daysOf(context).length, context.page, event.delta) }) },
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    departments: {
      meta: meta({ screen: 'schedule.dept', voice: 'schedule.dept', countdown: 'choiceMs', home: true }),
      on: {
        select: { guard: { type: 'inList', params: 'departments' }, target: 'doctors', actions: assign({ deptId: ({ context, event }) => at(departmentsOn(context), event)!.deptId, page: 0 }) },
        page: { actions: assign({ page: ({ context, event }) => turnPage(departmentsOn(context).length, context.page, event.delta) }) },
        back: { target: 'days', actions: assign({ page: 0 }) },
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    doctors: {
      meta: meta({ screen: 'schedule.doctor', voice: 'schedule.doctor', countdown: 'choiceMs', home: true }),
      on: {
        select: { guard: { type: 'inList', params: 'doctors' }, target: 'sessions', actions: assign({ doctorId: ({ context, event }) => at(doctorsOn(context), event)!.doctorId, page: 0 }) },
        page: { actions: assign({ page: ({ context, event }) => turnPage(doctorsOn(context).length, context.page, event.delta) }) },
        back: { target: 'departments', actions: assign({ page: 0 }) },
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    sessions: {
      meta: meta({ screen: 'schedule.slot', voice: 'schedule.slot', countdown: 'choiceMs', home: true }),
      on: {
        select: { guard: { type: 'inList', params: 'slots' }, target: 'confirm', actions: assign({ slotId: ({ context, event }) => at(slotsOf(context), event)!.slotId }) },
        back: { target: 'doctors', actions: assign({ page: 0 }) },
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    confirm: {
      meta: meta({ screen: 'book.confirm', voice: 'book.confirm', countdown: 'choiceMs', home: true }),
      on: { confirm: 'booking', back: 'sessions', cancel: 'done' },
      after: { choice: 'done' },
    },
    booking: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      invoke: {
        src: 'book',
        input: ({ context }) => ({ patientId: context.patientId, slotId: context.slotId! }),
        onDone: [
          // Taken meanwhile, or the patient already has a number of this doctor that day.
          { guard: ({ event }) => event.output.state === 'refused', target: 'refused', actions: assign({ outcome: ({ event }) => event.output, problem: ({ event }) => reasonOf(event.output) }) },
          { target: 'printing', actions: assign({ outcome: ({ event }) => event.output }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    refused: {
      meta: meta({ screen: 'book.refused', voice: 'book.refused', countdown: 'choiceMs', home: true }),
      on: { confirm: 'loading', cancel: 'done' },
      after: { choice: 'done' },
    },
    // System-wait: the slip is coming out; leaving now would leave it for a stranger.
    printing: {
      meta: meta({ screen: 'book.printing', voice: 'book.printing' }),
      invoke: {
        src: 'printSlip',
        input: ({ context }) => ({ nameMasked: context.nameMasked, outcome: context.outcome! }),
        onDone: { target: 'printed', actions: assign({ slipPrinted: ({ event }) => event.output }) },
        onError: { target: 'printed', actions: assign({ slipPrinted: false }) },
      },
    },
    printed: {
      always: [{ guard: ({ context }) => context.outcome?.state === 'booked', target: 'booked' }, { target: 'unconfirmed' }],
    },
    booked: notice('book.done'),
    unconfirmed: notice('book.unknown'),
    done: { type: 'final' },
  },
  output: () => ({}),
});

function reasonOf(outcome: BookOutcome): string | undefined {
  return 'reason' in outcome ? outcome.reason : undefined;
}


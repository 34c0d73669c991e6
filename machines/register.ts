import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { RegisterResult } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { turnPage } from './paging.ts';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import { at, departmentsOn, doctorsOn, picked, slotsOf, type Department, type Doctor, type SchedulePick, type PickEvent, type Schedule, type Slot } from './schedule-pick.ts';
import type { PaymentEnd } from './types.ts';
import { errorMessage, meta, notice } from './parts.ts';

/**
 * Registration today (当日挂号, issue 5 §3): the patient picks a department, a doctor and a
 * session of today, sees the fee and confirms; central locks the number under a new transaction
 * and the payment machine takes the fee and settles `register.confirm`. A lock not paid for is
 * released at once rather than left to run out, so the number goes back to the next patient. A
 * declined payment the patient retries locks again under a new transaction.
 */
export type RegisterEvent = PickEvent | PaymentEvent;

/** Why the lock is being released: what the patient does next. */
type AfterRelease = 'relock' | 'tellRefunded' | 'leave';

export interface RegisterContext extends FlowInput, SchedulePick {
  txnId?: string;
  lockId?: string;
  /** The HIS's registration: queue number, time and room. Absent if central settled it only by query. */
  registration?: RegisterResult;
  afterRelease?: AfterRelease;
  problem?: string;
  end?: PaymentEnd;
}

export interface LockInput {
  patientId: string;
  nameMasked: string;
  dept: Department;
  doctor: Doctor;
  slot: Slot;
}

/** The lists a `select` picks from, by the screen that shows them. */
const lists = { departments: departmentsOn, doctors: doctorsOn, slots: slotsOf };

/**
 * `register.confirm` always takes a payment, and a card, QR or cash payment is a positive amount
 * (contract/rpc.ts): a session without a fee could never be registered here, so it is not offered.
 */
function payable(schedule: Schedule): Schedule {
  return { ...schedule, slots: schedule.slots.filter((s) => s.feeFen > 0) };
}

export const registerMachine = setup({
  types: {
    context: {} as RegisterContext,
    events: {} as RegisterEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    /** Today's schedule at the HIS, and which day today is there. */
    loadToday: fromPromise<{ date: string; schedule: Schedule }>(async () => { throw new Error('provided by the runtime'); }),
    /** Opens the transaction in the journal, locks the number under it, and journals the plan. */
    lock: fromPromise<{ txnId: string; lockId: string }, LockInput>(async () => { throw new Error('provided by the runtime'); }),
    /** Gives the number back (`slot.unlock` under the lock's transaction). */
    release: fromPromise<void, { txnId: string; lockId: string }>(async () => { throw new Error('provided by the runtime'); }),
    payment: paymentMachine,
  },
  actions: {
    toPayment: sendTo('payment', ({ event }) => event),
  },
  guards: {
    inList: ({ context, event }, list: keyof typeof lists) => at<unknown>(lists[list](context), event as PickEvent) !== undefined,
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'register',
  context: ({ input }) => ({ ...input, page: 0 }),
  initial: 'checking',
  states: {
    // The fee is paid before the number is the patient's: no way to pay, no lock to hold.
    checking: {
      always: [{ guard: ({ context }) => context.methods.length === 0, target: 'unavailable' }, { target: 'loading' }],
    },
    unavailable: notice('register.unavailable'),
    loading: {
      meta: meta({ screen: 'wait.schedule', voice: 'wait.schedule' }),
      entry: assign({ schedule: undefined, deptId: undefined, doctorId: undefined, slotId: undefined, page: 0, problem: undefined }),
      invoke: {
        src: 'loadToday',
        onDone: [
          { guard: ({ event }) => departmentsOn({ schedule: payable(event.output.schedule), date: event.output.date, page: 0 }).length === 0, target: 'none' },
          { target: 'departments', actions: assign({ schedule: ({ event }) => payable(event.output.schedule), date: ({ event }) => event.output.date }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    none: notice('register.none'),
    problem: notice('schedule.problem'),
    departments: {
      meta: meta({ screen: 'schedule.dept', voice: 'schedule.dept', countdown: 'choiceMs', home: true }),
      on: {
        select: { guard: { type: 'inList', params: 'departments' }, target: 'doctors', actions: assign({ deptId: ({ context, event }) => at(departmentsOn(context), event)!.deptId, page: 0 }) },
        page: { actions: assign({ page: ({ context, event }) => turnPage(departmentsOn(context).length, context.page, event.delta) }) },
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
    // The fee is on screen before anything is locked or paid.
    confirm: {
      meta: meta({ screen: 'register.confirm', voice: 'register.confirm', countdown: 'choiceMs', home: true }),
      on: { confirm: 'locking', back: 'sessions', cancel: 'done' },
      after: { choice: 'done' },
    },
    locking: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      entry: assign({ txnId: undefined, lockId: undefined, problem: undefined }),
      invoke: {
        src: 'lock',
        input: ({ context }) => ({ patientId: context.patientId, nameMasked: context.nameMasked, ...picked(context)! }),
        onDone: { target: 'paying', actions: assign({ txnId: ({ event }) => event.output.txnId, lockId: ({ event }) => event.output.lockId }) },
        // Taken meanwhile (SLOT_FULL), a number of this doctor already held, or central silent.
        onError: { target: 'lockFailed', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    lockFailed: {
      meta: meta({ screen: 'register.lockFailed', voice: 'register.lockFailed', countdown: 'choiceMs', home: true }),
      on: { confirm: 'loading', cancel: 'done' },
      after: { choice: 'done' },
    },
    paying: {
      invoke: {
        id: 'payment',
        src: 'payment',
        input: ({ context }) => ({
          txnId: context.txnId!,
          amountFen: picked(context)!.slot.feeFen,
          plan: { op: 'register.confirm', args: { lockId: context.lockId!, patientId: context.patientId } },
          timeouts: context.timeouts,
          methods: context.methods,
          cashChange: context.cashChange,
        }),
        onDone: [
          {
            guard: ({ event }) => event.output.end === 'paid',
            target: 'registered',
            actions: assign({ end: 'paid', registration: ({ event }) => event.output.result as RegisterResult | undefined }),
          },
          // The outcome is not known: the number may be the patient's, so it is not given back.
          { guard: ({ event }) => event.output.end === 'pending', target: 'done', actions: assign({ end: 'pending' }) },
          { guard: ({ event }) => event.output.retry === true, target: 'releasing', actions: assign({ end: 'notPaid', afterRelease: 'relock' }) },
          // The HIS refused after the fee was taken (the lock ran out, say) and the fee went back.
          { guard: ({ event }) => event.output.end === 'refunded', target: 'releasing', actions: assign({ end: 'refunded', afterRelease: 'tellRefunded' }) },
          { target: 'releasing', actions: assign({ end: ({ event }) => event.output.end, afterRelease: 'leave' }) },
        ],
      },
      on: { confirm: { actions: 'toPayment' }, cancel: { actions: 'toPayment' }, retry: { actions: 'toPayment' }, method: { actions: 'toPayment' } },
    },
    // System-wait: the number goes back before the patient does anything else with it.
    releasing: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      invoke: {
        src: 'release',
        input: ({ context }) => ({ txnId: context.txnId!, lockId: context.lockId! }),
        onDone: { target: 'released' },
        // Central refused or was silent: the HIS lets the lock run out by itself.
        onError: { target: 'released' },
      },
    },
    released: {
      always: [
        { guard: ({ context }) => context.afterRelease === 'relock', target: 'locking' },
        { guard: ({ context }) => context.afterRelease === 'tellRefunded', target: 'notRegistered' },
        { target: 'done' },
      ],
    },
    notRegistered: {
      meta: meta({ screen: 'register.notRegistered', voice: 'register.notRegistered', countdown: 'choiceMs', home: true }),
      on: { confirm: 'loading', cancel: 'done' },
      after: { choice: 'done' },
    },
    registered: notice('register.done'),
    done: { type: 'final' },
  },
  output: ({ context }) => (context.end ? { end: context.end, txnId: context.txnId } : {}),
});


import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { AppointmentView } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { turnPage } from './paging.ts';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import type { PaymentEnd, PaymentOutput } from './types.ts';
import { errorMessage, meta, notice } from './parts.ts';

/**
 * My appointments (issue 5 §4, 预约取号): the patient's booked appointments from today on, one
 * picked, then checked in on its day (the fee paid now through the payment machine, or already
 * paid at booking) or cancelled, the fee going back the way it came. A cancel is asked of central
 * only after the patient confirmed it; a countdown anywhere before that leaves with nothing done.
 */
export type AppointmentsEvent = PaymentEvent | { type: 'select'; index: number } | { type: 'page'; delta: 1 | -1 } | { type: 'back' };

/** What the patient may do with an appointment: check in only on its day; cancel from today on. */
export type AppointmentAction = 'checkIn' | 'cancel';

/** One refund central ordered, as it ended at the kiosk (runtime/refund-steps.ts `GivenBack`). */
export interface RefundShown {
  method: string;
  amountFen: number;
  how: 'card' | 'channel' | 'voucher' | 'pending';
}

/** How a trade without collection ended: done, refused by central (nothing changed), or unknown (a slip says so). */
export type TradeEnd<D> = ({ state: 'done' } & D) | { state: 'refused'; reason: string } | { state: 'pending'; reason: string };
export type CheckInEnd = { txnId: string } & TradeEnd<{ appointment: AppointmentView }>;
export type CancelEnd = { txnId: string } & TradeEnd<{ refunds: RefundShown[] }>;

export interface AppointmentsContext extends FlowInput {
  /** The business day (Asia/Shanghai) when the list was read. */
  today?: string;
  appointments?: AppointmentView[];
  page: number;
  chosen?: AppointmentView;
  /** What the patient is doing with `chosen`, for the screens that end it. */
  doing?: AppointmentAction;
  txnId?: string;
  /** The appointment as checked in: queue number, time, room. */
  checkedIn?: AppointmentView;
  refunds?: RefundShown[];
  problem?: string;
  end?: PaymentEnd;
}

/** Booked appointments of today and later, soonest first: the only ones a kiosk can do anything with. */
export function upcoming(appointments: readonly AppointmentView[], today: string): AppointmentView[] {
  return appointments
    .filter((a) => a.state === 'booked' && a.date >= today)
    .sort((a, b) => a.date.localeCompare(b.date) || (a.period === b.period ? 0 : a.period === 'morning' ? -1 : 1) || a.visitTime.localeCompare(b.visitTime));
}

export function appointmentActions(a: AppointmentView, today: string | undefined): AppointmentAction[] {
  return a.date === today ? ['checkIn', 'cancel'] : ['cancel'];
}

const actionAt = (context: AppointmentsContext, index: number) => (context.chosen ? appointmentActions(context.chosen, context.today)[index] : undefined);

export const appointmentsMachine = setup({
  types: {
    context: {} as AppointmentsContext,
    events: {} as AppointmentsEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    /** Central's list of the patient's appointments, and the business day it was read on. */
    listAppointments: fromPromise<{ today: string; appointments: AppointmentView[] }, { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Opens the check-in's transaction in the journal and plans it: there is nothing to prepare at central. */
    prepareCheckIn: fromPromise<{ txnId: string }, { appointment: AppointmentView; patientId: string; nameMasked: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** A check-in whose fee was paid at booking: a trade, no money; prints the queue slip. */
    checkInPrepaid: fromPromise<CheckInEnd, { appointment: AppointmentView; patientId: string; nameMasked: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** The cancel as a trade, then the refunds it ordered given back, and one slip saying where. */
    cancelAppointment: fromPromise<CancelEnd, { appointment: AppointmentView; patientId: string; nameMasked: string }>(async () => { throw new Error('provided by the runtime'); }),
    payment: paymentMachine,
  },
  actions: {
    toPayment: sendTo('payment', ({ event }) => event),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'appointments',
  context: ({ input }) => ({ ...input, page: 0 }),
  initial: 'loading',
  states: {
    loading: {
      meta: meta({ screen: 'wait.appointments', voice: 'wait.appointments' }),
      invoke: {
        src: 'listAppointments',
        input: ({ context }) => ({ patientId: context.patientId }),
        onDone: [
          { guard: ({ event }) => upcoming(event.output.appointments, event.output.today).length === 0, target: 'none' },
          {
            target: 'list',
            actions: assign({ today: ({ event }) => event.output.today, appointments: ({ event }) => upcoming(event.output.appointments, event.output.today), page: 0 }),
          },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    none: notice('appointments.none'),
    problem: notice('appointments.problem'),
    list: {
      meta: meta({ screen: 'appointments.list', voice: 'appointments.list', countdown: 'choiceMs', home: true }),
      entry: assign({ chosen: undefined, doing: undefined }),
      on: {
        select: {
          guard: ({ context, event }) => Number.isInteger(event.index) && event.index >= 0 && event.index < (context.appointments ?? []).length,
          target: 'detail',
          actions: assign({ chosen: ({ context, event }) => context.appointments![event.index] }),
        },
        page: { actions: assign({ page: ({ context, event }) => turnPage((context.appointments ?? []).length, context.page, event.delta) }) },
        back: 'done',
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    detail: {
      meta: meta({ screen: 'appointments.detail', voice: 'appointments.detail', countdown: 'choiceMs', home: true }),
      on: {
        select: [
          { guard: ({ context, event }) => actionAt(context, event.index) === 'checkIn' && context.chosen?.paid === true, target: 'checkingIn', actions: assign({ doing: 'checkIn' }) },
          { guard: ({ context, event }) => actionAt(context, event.index) === 'checkIn', target: 'preparing', actions: assign({ doing: 'checkIn' }) },
          { guard: ({ context, event }) => actionAt(context, event.index) === 'cancel', target: 'confirmCancel', actions: assign({ doing: 'cancel' }) },
        ],
        back: 'list',
        cancel: 'list',
      },
      after: { choice: 'done' },
    },
    // A new transaction for every attempt: a declined card closes the last one.
    preparing: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      entry: assign({ txnId: undefined, problem: undefined }),
      invoke: {
        src: 'prepareCheckIn',
        input: ({ context }) => ({ appointment: context.chosen!, patientId: context.patientId, nameMasked: context.nameMasked }),
        onDone: { target: 'paying', actions: assign({ txnId: ({ event }) => event.output.txnId }) },
        onError: { target: 'notDone', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    paying: {
      invoke: {
        id: 'payment',
        src: 'payment',
        input: ({ context }) => ({
          txnId: context.txnId!,
          amountFen: context.chosen!.feeFen,
          plan: { op: 'appointment.checkin', args: { appointmentNo: context.chosen!.appointmentNo, patientId: context.patientId } },
          timeouts: context.timeouts,
          methods: context.methods,
          cashChange: context.cashChange,
        }),
        onDone: [
          { guard: ({ event }) => event.output.retry === true, target: 'preparing' },
          {
            guard: ({ event }) => event.output.end === 'paid' && checkedInOf(event.output) !== undefined,
            target: 'checkedIn',
            actions: assign({ end: 'paid' as const, txnId: ({ event }) => event.output.txnId, checkedIn: ({ event }) => checkedInOf(event.output) }),
          },
          // The payment machine already told the patient (declined, refunded, pending, voucher).
          { target: 'done', actions: assign({ end: ({ event }) => event.output.end, txnId: ({ event }) => event.output.txnId }) },
        ],
      },
      on: { confirm: { actions: 'toPayment' }, cancel: { actions: 'toPayment' }, retry: { actions: 'toPayment' }, method: { actions: 'toPayment' } },
    },
    // System-wait: central is asked until it answers for sure; no countdown leads away.
    checkingIn: {
      meta: meta({ screen: 'appointments.checkingIn', voice: 'appointments.checkingIn' }),
      invoke: {
        src: 'checkInPrepaid',
        input: ({ context }) => ({ appointment: context.chosen!, patientId: context.patientId, nameMasked: context.nameMasked }),
        onDone: [
          { guard: ({ event }) => event.output.state === 'done', target: 'checkedIn', actions: assign({ txnId: ({ event }) => event.output.txnId, checkedIn: ({ event }) => (event.output.state === 'done' ? event.output.appointment : undefined) }) },
          // Refused: nothing changed. Unknown: a slip for a cashier is out.
          { guard: ({ event }) => event.output.state === 'refused', target: 'notDone', actions: assign({ txnId: ({ event }) => event.output.txnId, problem: ({ event }) => reasonOf(event.output) }) },
          { target: 'pending', actions: assign({ txnId: ({ event }) => event.output.txnId, problem: ({ event }) => reasonOf(event.output) }) },
        ],
        // A fault of the kiosk's own mid-trade: recovery at the next boot finishes it.
        onError: { target: 'pending', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    checkedIn: notice('appointments.checkedIn'),
    // Nothing is asked of central before the patient says yes; the countdown leaves it booked.
    confirmCancel: {
      meta: meta({ screen: 'appointments.confirmCancel', voice: 'appointments.confirmCancel', countdown: 'choiceMs', home: true }),
      on: { confirm: 'cancelling', back: 'detail', cancel: 'detail' },
      after: { choice: 'done' },
    },
    cancelling: {
      meta: meta({ screen: 'appointments.cancelling', voice: 'appointments.cancelling' }),
      invoke: {
        src: 'cancelAppointment',
        input: ({ context }) => ({ appointment: context.chosen!, patientId: context.patientId, nameMasked: context.nameMasked }),
        onDone: [
          { guard: ({ event }) => event.output.state === 'done', target: 'cancelled', actions: assign({ txnId: ({ event }) => event.output.txnId, refunds: ({ event }) => (event.output.state === 'done' ? event.output.refunds : []) }) },
          { guard: ({ event }) => event.output.state === 'refused', target: 'notDone', actions: assign({ txnId: ({ event }) => event.output.txnId, problem: ({ event }) => reasonOf(event.output) }) },
          { target: 'pending', actions: assign({ txnId: ({ event }) => event.output.txnId, problem: ({ event }) => reasonOf(event.output) }) },
        ],
        onError: { target: 'pending', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    cancelled: notice('appointments.cancelled'),
    notDone: notice('appointments.notDone'),
    pending: { ...notice('appointments.pending'), entry: assign({ end: 'pending' as const }) },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ end: context.end, txnId: context.txnId }),
});

function reasonOf(end: CheckInEnd | CancelEnd): string | undefined {
  return 'reason' in end ? end.reason : undefined;
}

function checkedInOf(output: PaymentOutput): AppointmentView | undefined {
  const result = output.result as { appointment?: AppointmentView } | undefined;
  return result?.appointment;
}


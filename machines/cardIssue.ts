import { assign, fromPromise, sendTo, setup } from 'xstate';
import { maskName } from '../contract/mask.ts';
import type { CreatePatientResult } from '../contract/rpc.ts';
import type { FlowOutput } from './flows.ts';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import type { PayMethod, Timeouts } from './types.ts';
import { errorMessage, meta } from './parts.ts';

/**
 * 建档发卡 (issue 5 §2): a person the hospital has no record of gets one, and a patient card, from
 * their ID card. The ID card is read again in full, the patient confirms who they are and types a
 * mobile number, a card comes from the stacker to the reader and its number is read, central
 * creates the record bound to that card (with the card fee through the payment machine when the
 * HIS asks for one), and the card goes out at the gate with a slip. A fault before the record
 * exists creates and charges nothing; after it, the card is kept for a counter to hand over.
 */
export type CardIssueEvent = { type: 'digit'; digit: string } | { type: 'backspace' } | PaymentEvent;

/** The holder as the ID card states it: it goes to central's `patient.create` and nowhere else. */
export interface Identity {
  name: string;
  sex: 'male' | 'female';
  birthDate: string;
  idNumber: string;
  nation: string;
  address: string;
}

export interface CardIssueInput {
  /** The ID number the attract screen read and central has no record of. */
  idNumber: string;
  timeouts: Timeouts;
  methods: PayMethod[];
  cashChange: boolean;
}

/** How central answered the record without a fee. */
export type CreateOutcome =
  | { state: 'created'; patientId: string; hisReceiptNo?: string }
  /** The HIS charges this much for the card: it is paid under a transaction of its own. */
  | { state: 'feeDue'; feeFen: number }
  /** Definitely not created: nothing to undo. */
  | { state: 'refused'; reason: string }
  /** Central could not say in time: the record may exist with this card bound to it. */
  | { state: 'unknown'; reason: string };

export interface CardIssueContext extends CardIssueInput {
  person?: Identity;
  phone: string;
  /** The card at the reader, and the transaction it is issued under. */
  cardNo?: string;
  txnId?: string;
  feeFen?: number;
  patientId?: string;
  hisReceiptNo?: string;
  /** How the card fee's payment ended. */
  end?: FlowOutput['end'];
  /** The record may exist but the card did not reach the patient: a counter hands it over. */
  kept?: boolean;
  problem?: string;
}

/** A patient who got their card goes on to the menu as this patient; anyone else says goodbye. */
export interface CardIssueOutput extends FlowOutput {
  patientId?: string;
  nameMasked?: string;
}

const PHONE_DIGITS = 11;
/** One screen for every step the kiosk works through alone; the voice says which. */
const working = (voice: string) => meta({ screen: 'cardIssue.wait', voice });

export const cardIssueMachine = setup({
  types: {
    context: {} as CardIssueContext,
    events: {} as CardIssueEvent,
    input: {} as CardIssueInput,
    output: {} as CardIssueOutput,
  },
  actors: {
    /** Waits for the ID card placed again (the reader reads a card once per placement) and reads it. */
    readIdCard: fromPromise<Identity>(async () => { throw new Error('provided by the runtime'); }),
    /** A card from the stacker to the reader, its number read; a card that cannot be read is captured before this fails. */
    dispenseCard: fromPromise<{ txnId: string; cardNo: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** `patient.create` without a fee under the card's transaction; central's answer, or what became of it. */
    createRecord: fromPromise<CreateOutcome, { txnId: string; person: Identity; phone: string; cardNo: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Opens the fee's transaction in the journal, with what it pays for. */
    openFee: fromPromise<{ txnId: string }, { feeFen: number; cardNo: string; nameMasked: string }>(async () => { throw new Error('provided by the runtime'); }),
    payment: paymentMachine,
    /** The fee settled but its answer was lost on the way: the patient number is asked by the new card. */
    lookUpPatient: fromPromise<{ patientId: string }, { cardNo: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** The card from the reader to the gate. */
    presentCard: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
    waitCardTaken: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
    printSlip: fromPromise<void, { txnId: string; nameMasked: string; patientId: string; cardNo: string; hisReceiptNo?: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** A card that may belong to a record now: captured, an alarm raised, a slip for the counter. */
    keepCard: fromPromise<void, { txnId: string; nameMasked: string; cardNo: string; patientId?: string; reason: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** A card no record holds: captured, nothing else to do. */
    releaseCard: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
  },
  actions: {
    toPayment: sendTo('payment', ({ event }) => event),
    fail: assign({ problem: ({ event }) => errorMessage((event as { error?: unknown }).error) }),
  },
  guards: {
    phoneComplete: ({ context }) => /^1\d{10}$/.test(context.phone),
  },
  delays: {
    choice: ({ context }) => context.timeouts.choiceMs,
    takeCard: ({ context }) => context.timeouts.takeCardMs,
  },
}).createMachine({
  id: 'cardIssue',
  context: ({ input }) => ({ ...input, phone: '' }),
  initial: 'placing',
  states: {
    placing: {
      meta: meta({ screen: 'cardIssue.placeId', voice: 'cardIssue.placeId', countdown: 'choiceMs' }),
      invoke: {
        src: 'readIdCard',
        onDone: [
          { guard: ({ context, event }) => event.output.idNumber.toUpperCase() === context.idNumber.toUpperCase(), target: 'confirming', actions: assign({ person: ({ event }) => event.output }) },
          // Someone else's card: the record would not be for the person the kiosk looked up.
          { target: 'failed', actions: assign({ problem: 'not the ID card read before' }) },
        ],
        onError: { target: 'failed', actions: 'fail' },
      },
      on: { cancel: 'done' },
      after: { choice: 'done' },
    },
    confirming: {
      meta: meta({ screen: 'cardIssue.confirm', voice: 'cardIssue.confirm', countdown: 'choiceMs' }),
      on: { confirm: 'phone', cancel: 'done' },
      after: { choice: 'done' },
    },
    phone: {
      meta: meta({ screen: 'cardIssue.phone', voice: 'cardIssue.phone', countdown: 'choiceMs' }),
      on: {
        digit: { guard: ({ context, event }) => context.phone.length < PHONE_DIGITS && /^[0-9]$/.test(event.digit), actions: assign({ phone: ({ context, event }) => context.phone + event.digit }) },
        backspace: { actions: assign({ phone: ({ context }) => context.phone.slice(0, -1) }) },
        confirm: { guard: 'phoneComplete', target: 'dispensing' },
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    // From here on the kiosk works alone until the card is at the gate: no countdown leads away.
    dispensing: {
      meta: working('cardIssue.dispensing'),
      invoke: {
        src: 'dispenseCard',
        onDone: { target: 'creating', actions: assign({ txnId: ({ event }) => event.output.txnId, cardNo: ({ event }) => event.output.cardNo }) },
        onError: { target: 'failed', actions: 'fail' },
      },
    },
    creating: {
      meta: working('cardIssue.creating'),
      invoke: {
        src: 'createRecord',
        input: ({ context }) => ({ txnId: context.txnId!, person: context.person!, phone: context.phone, cardNo: context.cardNo! }),
        onDone: [
          { guard: ({ event }) => event.output.state === 'created', target: 'presenting', actions: assign(({ event }) => (event.output.state === 'created' ? { patientId: event.output.patientId, hisReceiptNo: event.output.hisReceiptNo } : {})) },
          { guard: ({ event }) => event.output.state === 'feeDue', target: 'openingFee', actions: assign({ feeFen: ({ event }) => (event.output.state === 'feeDue' ? event.output.feeFen : undefined) }) },
          { guard: ({ event }) => event.output.state === 'refused', target: 'releasing', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
          { target: 'keeping', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
        ],
        // The actor turns every answer into an outcome; an error here leaves the record unknown.
        onError: { target: 'keeping', actions: 'fail' },
      },
    },
    openingFee: {
      meta: working('cardIssue.creating'),
      invoke: {
        src: 'openFee',
        input: ({ context }) => ({ feeFen: context.feeFen!, cardNo: context.cardNo!, nameMasked: nameMaskedOf(context) }),
        onDone: { target: 'paying', actions: assign({ txnId: ({ event }) => event.output.txnId }) },
        onError: { target: 'releasing', actions: 'fail' },
      },
    },
    paying: {
      invoke: {
        id: 'payment',
        src: 'payment',
        input: ({ context }) => ({
          txnId: context.txnId!,
          amountFen: context.feeFen!,
          plan: { op: 'patient.create', args: { ...context.person!, phone: context.phone, cardNo: context.cardNo! } },
          timeouts: context.timeouts,
          methods: context.methods,
          cashChange: context.cashChange,
        }),
        onDone: [
          { guard: ({ event }) => event.output.retry === true, target: 'openingFee', actions: assign({ end: ({ event }) => event.output.end }) },
          {
            guard: ({ event }) => event.output.end === 'paid' && isCreated(event.output.result),
            target: 'presenting',
            actions: assign(({ event }) => ({ end: event.output.end, ...(isCreated(event.output.result) ? { patientId: event.output.result.patientId, hisReceiptNo: event.output.result.hisReceiptNo } : {}) })),
          },
          { guard: ({ event }) => event.output.end === 'paid', target: 'lookingUp', actions: assign({ end: 'paid', hisReceiptNo: ({ event }) => event.output.hisReceiptNo }) },
          // Central could not confirm: the record may hold this card. The pending slip is out already.
          { guard: ({ event }) => event.output.end === 'pending', target: 'keeping', actions: assign({ end: 'pending', problem: 'the card fee is not confirmed' }) },
          // Not paid, or paid back: no record, and the payment's own screens have said so.
          { target: 'releasing', actions: assign({ end: ({ event }) => event.output.end }) },
        ],
      },
      on: { confirm: { actions: 'toPayment' }, cancel: { actions: 'toPayment' }, retry: { actions: 'toPayment' }, method: { actions: 'toPayment' } },
    },
    lookingUp: {
      meta: working('cardIssue.creating'),
      invoke: {
        src: 'lookUpPatient',
        input: ({ context }) => ({ cardNo: context.cardNo! }),
        onDone: { target: 'presenting', actions: assign({ patientId: ({ event }) => event.output.patientId }) },
        // The record exists (the fee settled) but the kiosk cannot name it: the counter can.
        onError: { target: 'keeping', actions: 'fail' },
      },
    },
    presenting: {
      meta: working('cardIssue.presenting'),
      invoke: {
        src: 'presentCard',
        input: ({ context }) => ({ txnId: context.txnId! }),
        onDone: 'taking',
        onError: { target: 'keeping', actions: 'fail' },
      },
    },
    // The only patient-wait with a card out: not taken in time, it is captured and kept for its owner.
    taking: {
      meta: meta({ screen: 'card.take', voice: 'card.take', countdown: 'takeCardMs' }),
      invoke: { src: 'waitCardTaken', input: ({ context }) => ({ txnId: context.txnId! }), onDone: 'printing' },
      after: { takeCard: { target: 'keeping', actions: assign({ problem: 'the card was not taken' }) } },
    },
    printing: {
      meta: working('cardIssue.printing'),
      invoke: {
        src: 'printSlip',
        input: ({ context }) => ({ txnId: context.txnId!, nameMasked: nameMaskedOf(context), patientId: context.patientId!, cardNo: context.cardNo!, hisReceiptNo: context.hisReceiptNo }),
        onDone: 'issued',
        // The card is in the patient's hand; a slip the printer could not print is not worth keeping them.
        onError: 'issued',
      },
    },
    issued: {
      meta: meta({ screen: 'cardIssue.done', voice: 'cardIssue.done', countdown: 'choiceMs' }),
      on: { confirm: 'done', cancel: 'done' },
      after: { choice: 'done' },
    },
    keeping: {
      meta: working('cardIssue.keeping'),
      entry: assign({ kept: true }),
      invoke: {
        src: 'keepCard',
        input: ({ context }) => ({ txnId: context.txnId!, nameMasked: nameMaskedOf(context), cardNo: context.cardNo!, patientId: context.patientId, reason: context.problem ?? 'not handed out' }),
        onDone: 'counter',
        onError: 'counter',
      },
    },
    counter: {
      meta: meta({ screen: 'cardIssue.counter', voice: 'cardIssue.counter', countdown: 'choiceMs' }),
      on: { confirm: 'done', cancel: 'done' },
      after: { choice: 'done' },
    },
    // A card no record holds goes to the bin. A problem is told on the failed screen; a fee not
    // paid (or paid back) has been told already by the payment machine's own screens.
    releasing: {
      meta: working('cardIssue.releasing'),
      invoke: {
        src: 'releaseCard',
        input: ({ context }) => ({ txnId: context.txnId! }),
        onDone: [{ guard: ({ context }) => context.problem === undefined, target: 'done' }, { target: 'failed' }],
        onError: [{ guard: ({ context }) => context.problem === undefined, target: 'done' }, { target: 'failed' }],
      },
    },
    failed: {
      meta: meta({ screen: 'cardIssue.failed', voice: 'cardIssue.failed', countdown: 'choiceMs' }),
      on: { confirm: 'done', cancel: 'done' },
      after: { choice: 'done' },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({
    ...(context.patientId && !context.kept ? { patientId: context.patientId, nameMasked: nameMaskedOf(context) } : {}),
    ...(context.end ? { end: context.end, txnId: context.txnId } : {}),
  }),
});

function isCreated(result: unknown): result is CreatePatientResult {
  return typeof result === 'object' && result !== null && typeof (result as { patientId?: unknown }).patientId === 'string';
}

function reasonOf(outcome: CreateOutcome): string | undefined {
  return 'reason' in outcome ? outcome.reason : undefined;
}

/** The name as every screen but the confirmation, the journal and the slips show it (DESIGN.md §1). */
export function nameMaskedOf(context: Pick<CardIssueContext, 'person'>): string {
  return maskName(context.person?.name ?? '');
}


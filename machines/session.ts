import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { InsuranceCredential } from '../contract/rpc.ts';
import { billPaymentMachine } from './billPayment.ts';
import { flowMachines, flowNames, type Flow, type FlowInput, type FlowOutput } from './flows.ts';
import { maintenanceMachine, type MaintenanceEvent } from './maintenance.ts';
import { turnPage } from './paging.ts';
import type { Bill, BillPaymentOutput, PayMethod, Timeouts } from './types.ts';
import { errorMessage, meta } from './parts.ts';

/**
 * One patient's visit, from the attract screen back to it (DESIGN.md §4): card in, who are you,
 * what you owe, pay, card and receipt out. Everything personal lives in this context and is wiped
 * on the way back to attract.
 */
export type { Flow };

export interface SessionInput {
  timeouts: Timeouts;
  flows: Flow[];
  /** Config: an overpaying note is taken against a change voucher instead of refused. */
  cashChange: boolean;
}

export interface SessionContext {
  timeouts: Timeouts;
  flows: Flow[];
  cashChange: boolean;
  /** Whether medical insurance could settle the bills when the patient chose to pay. */
  payInsurance?: boolean;
  /** The payment methods working when the patient chose to pay, or picked a flow. */
  payMethods?: PayMethod[];
  /** How the patient identified: their patient card in the reader, or their ID card on the pad. */
  credential?: Credential;
  patientId?: string;
  nameMasked?: string;
  bills?: Bill[];
  /** How the visit's last payment ended, for the goodbye screen. */
  payment?: BillPaymentOutput | FlowOutput;
  problem?: string;
  /** A staff card was inserted: who it belongs to, the PIN digits typed so far, and failed tries. */
  staffId?: string;
  pin?: string;
  pinTries?: number;
  /** The menu's page, when the kiosk offers more flows than one page holds. */
  menuPage?: number;
}

/** PINs are 4 to 8 digits; three wrong ones and the card goes back out. */
const PIN_MAX = 8;
const PIN_TRIES = 3;

export interface Credential {
  /** `insuranceCode`: the medical-insurance e-voucher shown at the scanner (its token is the credential). */
  credType: 'patientCard' | 'idCard' | 'insuranceCode';
  credNo: string;
}

/**
 * Who central says the patient is. An ID card it has no record of is a new patient, offered a
 * record and a card (`cardIssue`) where this kiosk can issue one, else sent to a counter.
 */
export type Identified = { found?: true; patientId: string; nameMasked: string } | { found: false; cardIssue: boolean };

/** The end-of-visit survey's answers, in the order the screen offers them (keys 1 to 3). */
export const surveyRatings = ['satisfied', 'neutral', 'dissatisfied'] as const;
export type SurveyRating = (typeof surveyRatings)[number];

const rated = ({ event }: { event: SessionEvent }) => event.type === 'select' && event.index >= 0 && event.index < surveyRatings.length;
const ratingOf = ({ event }: { event: SessionEvent }) => ({ rating: surveyRatings[event.type === 'select' ? event.index : 0]! });
/** Only a visit that reached the menu is asked; a staff card or an unread card is not. */
const surveyDue = ({ context }: { context: SessionContext }) => context.patientId !== undefined;

/**
 * `pay` and `flow` carry the methods working at that moment: the host knows the devices, the
 * machine does not. `select`, `back` and `page` are the list screens' keys, for the flows.
 */
export type SessionEvent =
  | { type: 'pay'; methods: PayMethod[]; insurance?: boolean }
  | { type: 'method'; method: PayMethod }
  | { type: 'cancel' }
  | { type: 'confirm' }
  | { type: 'retry' }
  | { type: 'digit'; digit: string }
  | { type: 'backspace' }
  | { type: 'letter'; letter: string }
  | { type: 'select'; index: number }
  | { type: 'back' }
  | { type: 'page'; delta: 1 | -1 }
  | { type: 'flow'; flow: Flow; methods?: PayMethod[] }
  | { type: 'insurance' }
  /** Back to the menu, sent only from a screen whose state holds nothing (`meta.home`). */
  | { type: 'home' }
  | MaintenanceEvent;

/** The screen events a running flow receives. */
const flowEvents = ['confirm', 'cancel', 'retry', 'method', 'digit', 'backspace', 'letter', 'select', 'back', 'page'] as const;

/** The flows the menu starts: card issue is offered only to an ID card with no record. */
const menuFlows = flowNames.filter((name) => name !== 'cardIssue');

/** A message the patient reads; then the card comes back, on a key or when the countdown ends. */
const noticeThenEject = (screen: string) => ({
  meta: meta({ screen, voice: screen, countdown: 'choiceMs' }),
  on: { cancel: 'leaving', confirm: 'leaving' },
  after: { choice: 'leaving' },
});

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    /** Waits for a card to be inserted and drawn to the reader: a patient's, or a staff card (`staffId`). */
    waitForCard: fromPromise<{ cardNo: string; staffId?: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Checks a staff member's PIN; journals the login or the failed try. Never logs the PIN. */
    verifyStaff: fromPromise<{ ok: boolean }, { staffId: string; pin: string; tries: number }>(async () => { throw new Error('provided by the runtime'); }),
    maintenance: maintenanceMachine,
    ...flowMachines,
    /** Waits for an ID card on the reader's pad and reads it. Never resolves on a kiosk without one. */
    waitForIdCard: fromPromise<{ idNumber: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Waits for a medical-insurance e-voucher at the scanner. Never resolves on a kiosk without one. */
    waitForVoucher: fromPromise<{ token: string }>(async () => { throw new Error('provided by the runtime'); }),
    identify: fromPromise<Identified, Credential>(async () => { throw new Error('provided by the runtime'); }),
    listBills: fromPromise<{ bills: Bill[] }, { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
    ejectCard: fromPromise<void>(async () => { throw new Error('provided by the runtime'); }),
    waitCardTaken: fromPromise<void>(async () => { throw new Error('provided by the runtime'); }),
    captureCard: fromPromise<void>(async () => { throw new Error('provided by the runtime'); }),
    /** Journals the survey's answer as a fact (`survey.answered`), with nothing personal in it. */
    recordSurvey: fromPromise<void, { rating: SurveyRating }>(async () => { throw new Error('provided by the runtime'); }),
    billPayment: billPaymentMachine,
  },
  actions: {
    wipe: assign({ payInsurance: undefined, menuPage: undefined, staffId: undefined, pin: undefined, pinTries: undefined, payMethods: undefined, credential: undefined, patientId: undefined, nameMasked: undefined, bills: undefined, payment: undefined, problem: undefined }),
    toFlow: sendTo('billPayment', ({ event }) => event),
    toMaintenance: sendTo('maintenance', ({ event }) => event),
    toRunningFlow: sendTo('flow', ({ event }) => event),
    rememberMethods: assign({ payMethods: ({ event }) => (event.type === 'flow' ? (event.methods ?? []) : []) }),
    /** A flow that took money says how it ended; the goodbye screen tells the patient. */
    rememberFlowEnd: assign({
      payment: ({ context, event }) => {
        const output = (event as unknown as { output?: FlowOutput }).output;
        return output?.end ? output : context.payment;
      },
    }),
  },
  delays: {
    choice: ({ context }) => context.timeouts.choiceMs,
    takeCard: ({ context }) => context.timeouts.takeCardMs,
    goodbye: ({ context }) => context.timeouts.goodbyeMs,
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({ timeouts: input.timeouts, flows: input.flows, cashChange: input.cashChange }),
  initial: 'attract',
  states: {
    attract: {
      meta: meta({ screen: 'attract', voice: 'attract' }),
      entry: 'wipe',
      invoke: [
        {
          src: 'waitForCard',
          onDone: [
            {
              guard: ({ event }) => event.output.staffId !== undefined,
              target: 'staffPin',
              actions: assign({ credential: ({ event }) => ({ credType: 'patientCard' as const, credNo: event.output.cardNo }), staffId: ({ event }) => event.output.staffId, pin: '', pinTries: 0 }),
            },
            { target: 'identifying', actions: assign({ credential: ({ event }) => ({ credType: 'patientCard' as const, credNo: event.output.cardNo }) }) },
          ],
          onError: { target: 'cardProblem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
        },
        {
          src: 'waitForIdCard',
          onDone: { target: 'identifying', actions: assign({ credential: ({ event }) => ({ credType: 'idCard' as const, credNo: event.output.idNumber }) }) },
          onError: { target: 'idCardProblem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
        },
        {
          src: 'waitForVoucher',
          onDone: { target: 'identifying', actions: assign({ credential: ({ event }) => ({ credType: 'insuranceCode' as const, credNo: event.output.token }) }) },
          // A scanner fault is the health poller's to report; the other ways in stay open.
          onError: {},
        },
      ],
    },
    staffPin: {
      meta: meta({ screen: 'staff.pin', voice: 'staff.pin', countdown: 'choiceMs' }),
      on: {
        digit: { guard: ({ context, event }) => (context.pin ?? '').length < PIN_MAX && /^[0-9]$/.test(event.digit), actions: assign({ pin: ({ context, event }) => (context.pin ?? '') + event.digit }) },
        backspace: { actions: assign({ pin: ({ context }) => (context.pin ?? '').slice(0, -1) }) },
        confirm: { guard: ({ context }) => (context.pin ?? '').length >= 4, target: 'staffVerifying' },
        cancel: 'leaving',
      },
      after: { choice: 'leaving' },
    },
    staffVerifying: {
      meta: meta({ screen: 'wait.identify', voice: 'wait.identify' }),
      invoke: {
        src: 'verifyStaff',
        input: ({ context }) => ({ staffId: context.staffId!, pin: context.pin!, tries: (context.pinTries ?? 0) + 1 }),
        onDone: [
          { guard: ({ event }) => event.output.ok, target: 'maintenance', actions: assign({ pin: undefined }) },
          { guard: ({ context }) => (context.pinTries ?? 0) + 1 >= PIN_TRIES, target: 'leaving', actions: assign({ pin: undefined }) },
          { target: 'staffPin', actions: assign({ pin: '', pinTries: ({ context }) => (context.pinTries ?? 0) + 1 }) },
        ],
        onError: { target: 'leaving', actions: assign({ pin: undefined }) },
      },
    },
    maintenance: {
      invoke: {
        id: 'maintenance',
        src: 'maintenance',
        input: ({ context }) => ({ staffId: context.staffId!, timeouts: context.timeouts }),
        onDone: 'leaving',
      },
      on: { 'staff.action': { actions: 'toMaintenance' }, 'staff.counted': { actions: 'toMaintenance' }, cancel: { actions: 'toMaintenance' } },
    },
    // Nothing of ours to hand back: the ID card lies on the pad in the patient's reach.
    idCardProblem: {
      meta: meta({ screen: 'idcard.problem', voice: 'idcard.problem', countdown: 'choiceMs' }),
      on: { cancel: 'goodbye', confirm: 'goodbye' },
      after: { choice: 'goodbye' },
    },
    cardProblem: noticeThenEject('card.problem'),
    identifying: {
      meta: meta({ screen: 'wait.identify', voice: 'wait.identify' }),
      invoke: {
        src: 'identify',
        input: ({ context }) => context.credential!,
        onDone: [
          { guard: ({ event }) => event.output.found === false && event.output.cardIssue, target: 'unknownPatient' },
          { guard: ({ event }) => event.output.found === false, target: 'noRecord' },
          {
            target: 'menu',
            actions: assign({
              patientId: ({ event }) => (event.output.found === false ? undefined : event.output.patientId),
              nameMasked: ({ event }) => (event.output.found === false ? undefined : event.output.nameMasked),
            }),
          },
        ],
        onError: { target: 'serviceProblem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    // An ID card the hospital has no record of: a record and a patient card, here and now. The
    // key sends `flow`, so the host attaches the payment methods working now (for a card fee).
    unknownPatient: {
      meta: meta({ screen: 'patient.unknown', voice: 'patient.unknown', countdown: 'choiceMs' }),
      on: { flow: { guard: ({ event }) => event.flow === 'cardIssue', target: 'issuingCard', actions: 'rememberMethods' }, cancel: 'leaving' },
      after: { choice: 'leaving' },
    },
    noRecord: noticeThenEject('patient.noRecord'),
    // A patient who took their new card goes on to the menu as that patient; anyone else leaves.
    issuingCard: {
      invoke: {
        id: 'flow',
        src: 'cardIssue',
        input: ({ context }) => ({ idNumber: context.credential!.credNo, timeouts: context.timeouts, methods: context.payMethods ?? [], cashChange: context.cashChange }),
        onDone: [
          {
            guard: ({ event }) => event.output.patientId !== undefined,
            target: 'menu',
            actions: [assign({ patientId: ({ event }) => event.output.patientId, nameMasked: ({ event }) => event.output.nameMasked }), 'rememberFlowEnd'],
          },
          { target: 'leaving', actions: 'rememberFlowEnd' },
        ],
      },
      on: Object.fromEntries(flowEvents.map((type) => [type, { actions: 'toRunningFlow' }])),
    },
    // What the patient came for; a kiosk with one flow goes straight to it.
    menu: {
      always: { guard: ({ context }) => context.flows.length === 1 && context.flows[0] === 'bills', target: 'loadingBills' },
      meta: meta({ screen: 'menu', voice: 'menu', countdown: 'choiceMs' }),
      on: {
        flow: [
          { guard: ({ event }) => event.flow === 'bills', target: 'loadingBills' },
          ...menuFlows.map((name) => ({
            guard: ({ event, context }: { event: SessionEvent; context: SessionContext }) => event.type === 'flow' && event.flow === name && context.flows.includes(name),
            target: `inFlow.${name}`,
            actions: 'rememberMethods' as const,
          })),
        ],
        page: { actions: assign({ menuPage: ({ context, event }) => turnPage(context.flows.length, context.menuPage ?? 0, event.delta) }) },
        cancel: 'leaving',
      },
      after: { choice: 'leaving' },
    },
    // One state per flow, each invoking its machine as the child `flow`; back to the menu when it ends.
    inFlow: {
      // Never entered by itself: the menu always names the flow.
      initial: menuFlows[0],
      on: { ...Object.fromEntries(flowEvents.map((type) => [type, { actions: 'toRunningFlow' }])), home: '#session.menu' },
      states: Object.fromEntries(
        menuFlows.map((name) => [
          name,
          {
            invoke: {
              id: 'flow',
              src: name,
              input: ({ context }: { context: SessionContext }): FlowInput => ({
                patientId: context.patientId!,
                nameMasked: context.nameMasked!,
                credType: context.credential!.credType,
                timeouts: context.timeouts,
                methods: context.payMethods ?? [],
                cashChange: context.cashChange,
              }),
              onDone: { target: '#session.menu', actions: 'rememberFlowEnd' as const },
            },
          },
        ]),
      ),
    },
    loadingBills: {
      meta: meta({ screen: 'wait.bills', voice: 'wait.bills' }),
      invoke: {
        src: 'listBills',
        input: ({ context }) => ({ patientId: context.patientId! }),
        onDone: [
          { guard: ({ event }) => event.output.bills.length === 0, target: 'noBills' },
          { target: 'bills', actions: assign({ bills: ({ event }) => event.output.bills }) },
        ],
        onError: { target: 'serviceProblem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    bills: {
      meta: meta({ screen: 'bills.list', voice: 'bills.list', countdown: 'choiceMs', home: true }),
      on: { pay: { target: 'paying', actions: assign({ payMethods: ({ event }) => event.methods, payInsurance: ({ event }) => event.insurance === true }) }, home: 'menu', cancel: 'leaving' },
      after: { choice: 'leaving' },
    },
    noBills: noticeThenEject('bills.none'),
    serviceProblem: noticeThenEject('service.problem'),
    paying: {
      invoke: {
        id: 'billPayment',
        src: 'billPayment',
        input: ({ context }) => ({
          patientId: context.patientId!,
          nameMasked: context.nameMasked!,
          bills: context.bills!,
          timeouts: context.timeouts,
          methods: context.payMethods ?? [],
          cashChange: context.cashChange,
          // An ID card is a credential the insurance platform reads; otherwise the flow asks for the e-voucher.
          insurance: context.payInsurance ? { credential: insuranceCredential(context.credential) } : undefined,
        }),
        onDone: { target: 'leaving', actions: assign({ payment: ({ event }) => event.output }) },
      },
      // Screen events reach the flow that owns the screen.
      on: { confirm: { actions: 'toFlow' }, cancel: { actions: 'toFlow' }, retry: { actions: 'toFlow' }, method: { actions: 'toFlow' }, insurance: { actions: 'toFlow' }, home: 'menu' },
    },
    // A patient card goes back out of the gate; an ID card was never taken in.
    leaving: {
      always: [
        { guard: ({ context }) => noCardInReader(context) && surveyDue({ context }), target: 'idCardSurvey' },
        { guard: ({ context }) => noCardInReader(context), target: 'goodbye' },
        { target: 'ejecting' },
      ],
    },
    // The ID card lies on the pad in the patient's reach: the survey asks while they pick it up, no longer than a card waits at the gate.
    idCardSurvey: {
      initial: 'asking',
      states: {
        asking: {
          meta: meta({ screen: 'survey', voice: 'survey', countdown: 'takeCardMs' }),
          on: { select: { guard: rated, target: 'recording' }, cancel: '#session.goodbye' },
          after: { takeCard: '#session.goodbye' },
        },
        recording: {
          meta: meta({ screen: 'survey.thanks', voice: 'survey.thanks' }),
          invoke: { src: 'recordSurvey', input: ratingOf, onDone: '#session.goodbye', onError: '#session.goodbye' },
        },
      },
    },
    ejecting: {
      meta: meta({ screen: 'card.ejecting', voice: 'card.ejecting' }),
      invoke: { src: 'ejectCard', onDone: 'takeCard', onError: 'capturing' },
    },
    // The card is already back at the gate when the survey asks, so the survey delays nothing:
    // taking the card ends the visit, and each state here captures a card left for its countdown.
    takeCard: {
      invoke: { src: 'waitCardTaken', onDone: 'goodbye' },
      initial: 'choosing',
      states: {
        choosing: { always: [{ guard: surveyDue, target: 'survey' }, { target: 'waiting' }] },
        survey: {
          meta: meta({ screen: 'survey', voice: 'survey', countdown: 'takeCardMs' }),
          on: { select: { guard: rated, target: 'recording' }, cancel: 'waiting' },
          after: { takeCard: '#session.capturing' },
        },
        recording: {
          meta: meta({ screen: 'survey.thanks', voice: 'survey.thanks' }),
          invoke: { src: 'recordSurvey', input: ratingOf, onDone: 'thanked', onError: 'thanked' },
        },
        thanked: {
          meta: meta({ screen: 'survey.thanks', voice: 'survey.thanks', countdown: 'takeCardMs' }),
          after: { takeCard: '#session.capturing' },
        },
        waiting: {
          meta: meta({ screen: 'card.take', voice: 'card.take', countdown: 'takeCardMs' }),
          after: { takeCard: '#session.capturing' },
        },
      },
    },
    capturing: {
      meta: meta({ screen: 'card.captured', voice: 'card.captured' }),
      invoke: { src: 'captureCard', onDone: 'goodbye', onError: 'goodbye' },
    },
    goodbye: {
      meta: meta({ screen: 'goodbye', voice: 'goodbye' }),
      after: { goodbye: 'attract' },
    },
  },
});

/** An ID card lies on the pad and an e-voucher is on the patient's phone: neither is ours to hand back. */
function noCardInReader(context: SessionContext): boolean {
  return context.credential !== undefined && context.credential.credType !== 'patientCard';
}

/** What the insurance platform reads of how the patient identified: their ID card or their e-voucher; a patient card it cannot read. */
function insuranceCredential(credential: Credential | undefined): InsuranceCredential | undefined {
  if (credential?.credType === 'idCard') return { certType: 'idCard', certNo: credential.credNo };
  if (credential?.credType === 'insuranceCode') return { certType: 'ecToken', certNo: credential.credNo };
  return undefined;
}

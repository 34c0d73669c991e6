import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { DepositResult, InpatientInfoResult } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import type { PaymentEnd } from './types.ts';
import { errorMessage, meta, notice } from './parts.ts';

/**
 * Paying an inpatient deposit (住院预交金, issue 5 §7): the patient sees the stay (ward, bed,
 * deposits, costs, balance), picks an amount or types one in whole yuan, confirms, and the payment
 * machine takes it and settles `inpatient.deposit`. Nothing is prepared at central: the
 * transaction opens in the journal just before the payment, and a retry after a decline opens a
 * new one.
 */

/** The amounts offered as one touch each, in yuan; anything else is typed on the keypad. */
export const depositChoicesYuan = [500, 1000, 2000, 5000] as const;
/** The keypad's ceiling: the most one deposit may add at a kiosk (the HIS refuses more). */
export const maxDepositYuan = 50_000;
/** `select` index of the keypad choice, after the fixed amounts. */
export const otherAmountIndex = depositChoicesYuan.length;

export type DepositEvent = PaymentEvent | { type: 'select'; index: number } | { type: 'digit'; digit: string } | { type: 'backspace' };

export interface DepositContext extends FlowInput {
  admission?: InpatientInfoResult;
  /** Whole yuan typed on the keypad so far, as digits. */
  typed: string;
  amountFen?: number;
  txnId?: string;
  result?: DepositResult;
  hisReceiptNo?: string;
  problem?: string;
  end?: PaymentEnd;
}

/** The typed amount after one more digit, or undefined when the digit would make it invalid. */
export function typedWith(typed: string, digit: string): string | undefined {
  if (!/^[0-9]$/.test(digit) || (typed === '' && digit === '0')) return undefined;
  const next = typed + digit;
  return Number(next) <= maxDepositYuan ? next : undefined;
}

export const depositMachine = setup({
  types: {
    context: {} as DepositContext,
    events: {} as DepositEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    /** The patient's current admission, or null when the HIS has none on record. */
    admission: fromPromise<InpatientInfoResult | null, { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Opens the transaction in the journal with what it pays for, and journals the plan; resolves with its txnId. */
    open: fromPromise<string, { admission: InpatientInfoResult; amountFen: number; nameMasked: string }>(async () => { throw new Error('provided by the runtime'); }),
    payment: paymentMachine,
  },
  actions: {
    toPayment: sendTo('payment', ({ event }) => event),
  },
  guards: {
    fixedAmount: ({ event }) => event.type === 'select' && event.index >= 0 && event.index < depositChoicesYuan.length,
    otherAmount: ({ event }) => event.type === 'select' && event.index === otherAmountIndex,
    digitFits: ({ context, event }) => event.type === 'digit' && typedWith(context.typed, event.digit) !== undefined,
    typedSome: ({ context }) => Number(context.typed) > 0,
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'deposit',
  context: ({ input }) => ({ ...input, typed: '' }),
  initial: 'loading',
  states: {
    loading: {
      meta: meta({ screen: 'deposit.loading', voice: 'deposit.loading' }),
      invoke: {
        src: 'admission',
        input: ({ context }) => ({ patientId: context.patientId }),
        onDone: [
          // A stay already settled takes no more deposits: for the patient it is no admission.
          { guard: ({ event }) => event.output === null || event.output.state !== 'inHospital', target: 'none' },
          { target: 'stay', actions: assign({ admission: ({ event }) => event.output ?? undefined }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    none: notice('deposit.none'),
    stay: {
      meta: meta({ screen: 'deposit.stay', voice: 'deposit.stay', countdown: 'choiceMs', home: true }),
      on: { confirm: 'amount', cancel: 'done' },
      after: { choice: 'done' },
    },
    amount: {
      meta: meta({ screen: 'deposit.amount', voice: 'deposit.amount', countdown: 'choiceMs', home: true }),
      on: {
        select: [
          { guard: 'fixedAmount', target: 'confirm', actions: assign({ amountFen: ({ event }) => depositChoicesYuan[event.index]! * 100 }) },
          { guard: 'otherAmount', target: 'keypad', actions: assign({ typed: '' }) },
        ],
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    // The countdown is not restarted per key: a whole amount fits easily in one, and the screen's count stays true.
    keypad: {
      meta: meta({ screen: 'deposit.keypad', voice: 'deposit.keypad', countdown: 'choiceMs', home: true }),
      on: {
        digit: { guard: 'digitFits', actions: assign({ typed: ({ context, event }) => typedWith(context.typed, event.digit)! }) },
        backspace: { actions: assign({ typed: ({ context }) => context.typed.slice(0, -1) }) },
        confirm: { guard: 'typedSome', target: 'confirm', actions: assign({ amountFen: ({ context }) => Number(context.typed) * 100 }) },
        cancel: 'amount',
      },
      after: { choice: 'done' },
    },
    // Going back from here or the keypad is to the amounts; leaving is from there.
    confirm: {
      meta: meta({ screen: 'deposit.confirm', voice: 'deposit.confirm', countdown: 'choiceMs', home: true }),
      on: { confirm: 'opening', cancel: 'amount' },
      after: { choice: 'done' },
    },
    opening: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      entry: assign({ txnId: undefined }),
      invoke: {
        src: 'open',
        input: ({ context }) => ({ admission: context.admission!, amountFen: context.amountFen!, nameMasked: context.nameMasked }),
        onDone: { target: 'paying', actions: assign({ txnId: ({ event }) => event.output }) },
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    paying: {
      invoke: {
        id: 'payment',
        src: 'payment',
        input: ({ context }) => ({
          txnId: context.txnId!,
          amountFen: context.amountFen!,
          plan: { op: 'inpatient.deposit', args: { admissionNo: context.admission!.admissionNo } },
          timeouts: context.timeouts,
          methods: context.methods,
          cashChange: context.cashChange,
        }),
        onDone: [
          { guard: ({ event }) => event.output.retry === true, target: 'opening' },
          {
            guard: ({ event }) => event.output.end === 'paid',
            target: 'paid',
            actions: assign({ end: 'paid' as const, hisReceiptNo: ({ event }) => event.output.hisReceiptNo, result: ({ event }) => event.output.result as DepositResult | undefined }),
          },
          { target: 'done', actions: assign({ end: ({ event }) => event.output.end }) },
        ],
      },
      on: { confirm: { actions: 'toPayment' }, cancel: { actions: 'toPayment' }, retry: { actions: 'toPayment' }, method: { actions: 'toPayment' } },
    },
    paid: notice('deposit.paid'),
    problem: notice('deposit.problem'),
    done: { type: 'final' },
  },
  output: ({ context }) => ({ end: context.end, txnId: context.txnId }),
});


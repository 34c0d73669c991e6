import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { RechargeResult } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import type { PaymentEnd } from './types.ts';
import { errorMessage, meta, notice } from './parts.ts';

/**
 * The outpatient prepaid account (预交金账户, issue 5 §11). Public hospitals stopped taking
 * outpatient prepayment in 2025 and must give balances back (DESIGN.md §1), so the kiosk cannot
 * assume the account exists: it asks central, which answers NOT_OFFERED where the hospital runs
 * none and the patient holds nothing. Recharge is offered only where the hospital still takes it;
 * a balance, even a legacy one, can always be refunded whole.
 */
export type AccountAction = 'recharge' | 'refund';

export interface AccountView {
  balanceFen: number;
  rechargeOffered: boolean;
}

/** What central said about the patient's account: `offered: false` is NOT_OFFERED. */
export type AccountLookup = { offered: false } | ({ offered: true } & AccountView);

/** Where one refunded sum went (runtime/refund-steps.ts GivenBack). */
export interface RefundGiven {
  method: string;
  amountFen: number;
  how: 'card' | 'channel' | 'voucher' | 'pending';
}

/** How the balance refund ended: given back (each sum's way), refused by the HIS, or not confirmed in time. */
export type BalanceRefundOutcome = { state: 'done'; given: RefundGiven[] } | { state: 'refused'; reason: string } | { state: 'pending'; reason: string };

/** The amounts offered at one touch, in fen: 100, 200, 500 and 1000 yuan. */
export const rechargePresetsFen = [10_000, 20_000, 50_000, 100_000] as const;
/** The keypad's ceiling in whole yuan: the most one recharge may add at a kiosk, as hospitals cap unattended prepayment. */
export const maxRechargeYuan = 5000;

export type PrepaidEvent = PaymentEvent | { type: 'select'; index: number } | { type: 'back' } | { type: 'digit'; digit: string } | { type: 'backspace' };

export interface PrepaidContext extends FlowInput {
  account?: AccountView;
  /** Whole yuan typed on the keypad so far, as digits. */
  typed: string;
  /** The amount the patient chose to pay in. */
  amountFen?: number;
  txnId?: string;
  /** The balance after a settled recharge, as the HIS answered it. */
  newBalanceFen?: number;
  hisReceiptNo?: string;
  refund?: BalanceRefundOutcome;
  problem?: string;
  end?: PaymentEnd;
}

/** What the account screen offers, in the order of its keys: recharge where it is on and money can move, refund of any balance. */
export function accountActions(c: Pick<PrepaidContext, 'account' | 'methods'>): AccountAction[] {
  if (!c.account) return [];
  return [...(c.account.rechargeOffered && c.methods.length > 0 ? (['recharge'] as const) : []), ...(c.account.balanceFen > 0 ? (['refund'] as const) : [])];
}

/** The typed amount after one more digit, or undefined when the digit would make it invalid. */
export function typedWith(typed: string, digit: string): string | undefined {
  if (!/^[0-9]$/.test(digit) || (typed === '' && digit === '0')) return undefined;
  const next = typed + digit;
  return Number(next) <= maxRechargeYuan ? next : undefined;
}

const selected = (c: PrepaidContext, e: PrepaidEvent, action: AccountAction) => e.type === 'select' && accountActions(c)[e.index] === action;

export const prepaidMachine = setup({
  types: {
    context: {} as PrepaidContext,
    events: {} as PrepaidEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    loadAccount: fromPromise<AccountLookup, { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Opens the recharge transaction in the journal and journals its plan; nothing to prepare at central. */
    openRecharge: fromPromise<{ txnId: string }, { patientId: string; nameMasked: string; amountFen: number }>(async () => { throw new Error('provided by the runtime'); }),
    /** Asks central to refund the whole balance and gives each sum back the way central says. */
    refundBalance: fromPromise<BalanceRefundOutcome, { patientId: string; nameMasked: string; amountFen: number }>(async () => { throw new Error('provided by the runtime'); }),
    payment: paymentMachine,
  },
  actions: {
    toPayment: sendTo('payment', ({ event }) => event),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'prepaid',
  context: ({ input }) => ({ ...input, typed: '' }),
  initial: 'loading',
  states: {
    loading: {
      meta: meta({ screen: 'prepaid.loading', voice: 'prepaid.loading' }),
      invoke: {
        src: 'loadAccount',
        input: ({ context }) => ({ patientId: context.patientId }),
        onDone: [
          { guard: ({ event }) => !event.output.offered, target: 'notOffered' },
          { target: 'account', actions: assign({ account: ({ event }) => (event.output.offered ? { balanceFen: event.output.balanceFen, rechargeOffered: event.output.rechargeOffered } : undefined) }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    notOffered: notice('prepaid.notOffered'),
    problem: notice('prepaid.problem'),
    account: {
      meta: meta({ screen: 'prepaid.account', voice: 'prepaid.account', countdown: 'choiceMs', home: true }),
      on: {
        select: [
          { guard: ({ context, event }) => selected(context, event, 'recharge'), target: 'amount' },
          { guard: ({ context, event }) => selected(context, event, 'refund'), target: 'refundConfirm' },
        ],
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    amount: {
      meta: meta({ screen: 'prepaid.amount', voice: 'prepaid.amount', countdown: 'choiceMs', home: true }),
      on: {
        select: [
          {
            guard: ({ event }) => event.index >= 0 && event.index < rechargePresetsFen.length,
            target: 'opening',
            actions: assign({ amountFen: ({ event }) => rechargePresetsFen[event.index] }),
          },
          { guard: ({ event }) => event.index === rechargePresetsFen.length, target: 'keypad', actions: assign({ typed: '' }) },
        ],
        cancel: 'account',
        back: 'account',
      },
      after: { choice: 'done' },
    },
    // Digits are keys, as on the inpatient deposit's keypad; the countdown is not restarted per key.
    keypad: {
      meta: meta({ screen: 'prepaid.keypad', voice: 'prepaid.keypad', countdown: 'choiceMs', home: true }),
      on: {
        digit: { guard: ({ context, event }) => typedWith(context.typed, event.digit) !== undefined, actions: assign({ typed: ({ context, event }) => typedWith(context.typed, event.digit)! }) },
        backspace: { actions: assign({ typed: ({ context }) => context.typed.slice(0, -1) }) },
        confirm: { guard: ({ context }) => context.typed !== '', target: 'opening', actions: assign({ amountFen: ({ context }) => Number(context.typed) * 100 }) },
        cancel: 'amount',
        back: 'amount',
      },
      after: { choice: 'done' },
    },
    // Journal writes only: the money op itself opens the trade at central once the money is in.
    opening: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      entry: assign({ txnId: undefined }),
      invoke: {
        src: 'openRecharge',
        input: ({ context }) => ({ patientId: context.patientId, nameMasked: context.nameMasked, amountFen: context.amountFen! }),
        onDone: { target: 'paying', actions: assign({ txnId: ({ event }) => event.output.txnId }) },
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
          plan: { op: 'account.recharge', args: { patientId: context.patientId } },
          timeouts: context.timeouts,
          methods: context.methods,
          cashChange: context.cashChange,
        }),
        onDone: [
          // Declined and tried again: that transaction is closed, so a new one is opened.
          { guard: ({ event }) => event.output.retry === true, target: 'opening' },
          {
            guard: ({ event }) => event.output.end === 'paid',
            target: 'recharged',
            actions: assign({
              end: 'paid' as const,
              hisReceiptNo: ({ event }) => event.output.hisReceiptNo,
              newBalanceFen: ({ event }) => (event.output.result as RechargeResult | undefined)?.balanceFen,
            }),
          },
          { target: 'done', actions: assign({ end: ({ event }) => event.output.end }) },
        ],
      },
      on: { confirm: { actions: 'toPayment' }, cancel: { actions: 'toPayment' }, retry: { actions: 'toPayment' }, method: { actions: 'toPayment' } },
    },
    recharged: notice('prepaid.recharged'),
    refundConfirm: {
      meta: meta({ screen: 'prepaid.refundConfirm', voice: 'prepaid.refundConfirm', countdown: 'choiceMs', home: true }),
      on: { confirm: 'refunding', cancel: 'account', back: 'account' },
      after: { choice: 'done' },
    },
    // System-wait: central and the HIS decide, then card refunds run on the payment module.
    refunding: {
      meta: meta({ screen: 'prepaid.refunding', voice: 'prepaid.refunding' }),
      invoke: {
        src: 'refundBalance',
        input: ({ context }) => ({ patientId: context.patientId, nameMasked: context.nameMasked, amountFen: context.account!.balanceFen }),
        onDone: { target: 'refunded', actions: assign({ refund: ({ event }) => event.output }) },
        // The transaction stays open in the journal and recovery finishes it: the patient is told to ask at the counter.
        onError: { target: 'refunded', actions: assign({ refund: ({ event }) => ({ state: 'pending' as const, reason: errorMessage(event.error) }) }) },
      },
    },
    refunded: notice('prepaid.refunded'),
    done: { type: 'final' },
  },
  output: ({ context }) => ({ end: context.end, txnId: context.txnId }),
});


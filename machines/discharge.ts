import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { DischargeCheckResult, DischargePreSettleResult, DischargeSettleResult, InpatientInfoResult } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import type { PaymentEnd } from './types.ts';
import { errorMessage, meta, notice } from './parts.ts';

/**
 * Self-service discharge (出院结算, issue 5 §7): the HIS says whether the stay may be settled here,
 * pre-settles it under a new transaction (the split is known before any money moves), and the
 * patient confirms the final bill. What the deposits do not cover is paid through the payment
 * machine; a surplus goes back the way each deposit came in (card, WeChat/Alipay, or a cashier
 * against the slip). A patient who leaves before paying leaves a closed transaction, at central too.
 */
export type DischargeEvent = PaymentEvent;

/** One refund of surplus deposit as it ended at this kiosk (runtime/refund-steps.ts `GivenBack`). */
export interface RefundShown {
  method: string;
  amountFen: number;
  how: 'card' | 'channel' | 'voucher' | 'pending';
}

/** How settling a discharge that collects nothing ended: settled with its refunds, refused, or not confirmed in time. */
export type RefundSettlement =
  | { state: 'done'; result: DischargeSettleResult; refunds: RefundShown[] }
  | { state: 'refused'; reason: string }
  | { state: 'pending'; reason: string };

export interface DischargeContext extends FlowInput {
  admission?: InpatientInfoResult;
  check?: DischargeCheckResult;
  txnId?: string;
  preSettle?: DischargePreSettleResult;
  /** The HIS's settlement, once done: the invoice number and the figures that were settled. */
  settled?: DischargeSettleResult;
  refunds?: RefundShown[];
  hisReceiptNo?: string;
  problem?: string;
  end?: PaymentEnd;
}

export const dischargeMachine = setup({
  types: {
    context: {} as DischargeContext,
    events: {} as DischargeEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    /** The patient's latest admission, or null when the HIS has none on record. */
    admission: fromPromise<InpatientInfoResult | null, { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
    check: fromPromise<DischargeCheckResult, { admissionNo: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Opens a transaction in the journal and pre-settles the stay at central under it. */
    preSettle: fromPromise<{ txnId: string; preSettle: DischargePreSettleResult }, { admission: InpatientInfoResult; nameMasked: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Closes a pre-settled transaction nothing was collected for, telling central. */
    release: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Settles a stay the deposits cover and gives the surplus back; prints the settlement and refund slips. */
    settleRefunding: fromPromise<RefundSettlement, { txnId: string; preSettleId: string; nameMasked: string; admission: InpatientInfoResult }>(async () => { throw new Error('provided by the runtime'); }),
    payment: paymentMachine,
  },
  actions: {
    toPayment: sendTo('payment', ({ event }) => event),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'discharge',
  context: ({ input }) => ({ ...input }),
  initial: 'loading',
  states: {
    loading: {
      meta: meta({ screen: 'discharge.loading', voice: 'discharge.loading' }),
      invoke: {
        src: 'admission',
        input: ({ context }) => ({ patientId: context.patientId }),
        onDone: [
          { guard: ({ event }) => event.output === null, target: 'none' },
          { target: 'checking', actions: assign({ admission: ({ event }) => event.output ?? undefined }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    checking: {
      meta: meta({ screen: 'discharge.loading', voice: 'discharge.loading' }),
      invoke: {
        src: 'check',
        input: ({ context }) => ({ admissionNo: context.admission!.admissionNo }),
        onDone: [
          { guard: ({ event }) => event.output.eligible, target: 'preSettling', actions: assign({ check: ({ event }) => event.output }) },
          { target: 'notEligible', actions: assign({ check: ({ event }) => event.output }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    none: notice('discharge.none'),
    notEligible: notice('discharge.notEligible'),
    preSettling: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      entry: assign({ txnId: undefined, preSettle: undefined, problem: undefined }),
      invoke: {
        src: 'preSettle',
        input: ({ context }) => ({ admission: context.admission!, nameMasked: context.nameMasked }),
        onDone: { target: 'split', actions: assign({ txnId: ({ event }) => event.output.txnId, preSettle: ({ event }) => event.output.preSettle }) },
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    split: {
      meta: meta({ screen: 'discharge.split', voice: 'discharge.split', countdown: 'choiceMs' }),
      on: {
        confirm: [{ guard: ({ context }) => context.preSettle!.dueFen > 0, target: 'paying' }, { target: 'settling' }],
        cancel: 'releasing',
      },
      after: { choice: 'releasing' },
    },
    // Nothing was collected: central hears it, so the pre-settlement can never be settled late.
    releasing: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      invoke: { src: 'release', input: ({ context }) => ({ txnId: context.txnId! }), onDone: 'done', onError: 'done' },
    },
    paying: {
      invoke: {
        id: 'payment',
        src: 'payment',
        input: ({ context }) => ({
          txnId: context.txnId!,
          amountFen: context.preSettle!.dueFen,
          plan: { op: 'discharge.settle', args: { preSettleId: context.preSettle!.preSettleId } },
          timeouts: context.timeouts,
          methods: context.methods,
          cashChange: context.cashChange,
        }),
        onDone: [
          // The declined transaction is closed: pre-settle again, and the patient sees the figures again.
          { guard: ({ event }) => event.output.retry === true, target: 'preSettling' },
          {
            guard: ({ event }) => event.output.end === 'paid',
            target: 'settled',
            actions: assign({ end: 'paid' as const, hisReceiptNo: ({ event }) => event.output.hisReceiptNo, settled: ({ event }) => event.output.result as DischargeSettleResult | undefined }),
          },
          { target: 'done', actions: assign({ end: ({ event }) => event.output.end }) },
        ],
      },
      on: { confirm: { actions: 'toPayment' }, cancel: { actions: 'toPayment' }, retry: { actions: 'toPayment' }, method: { actions: 'toPayment' } },
    },
    // System-wait: central settles with the HIS and the payment module gives card deposits back.
    settling: {
      meta: meta({ screen: 'discharge.settling', voice: 'discharge.settling' }),
      invoke: {
        src: 'settleRefunding',
        input: ({ context }) => ({ txnId: context.txnId!, preSettleId: context.preSettle!.preSettleId, nameMasked: context.nameMasked, admission: context.admission! }),
        onDone: [
          {
            guard: ({ event }) => event.output.state === 'done',
            target: 'settled',
            actions: assign(({ event }) => (event.output.state === 'done' ? { settled: event.output.result, refunds: event.output.refunds, hisReceiptNo: event.output.result.hisReceiptNo } : {})),
          },
          { guard: ({ event }) => event.output.state === 'refused', target: 'problem', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
          { target: 'pending', actions: assign({ end: 'pending' as const, problem: ({ event }) => reasonOf(event.output) }) },
        ],
        // Not known how far it got: the journal keeps the transaction open and recovery finishes it.
        onError: { target: 'pending', actions: assign({ end: 'pending' as const, problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    settled: notice('discharge.done'),
    pending: notice('discharge.pending'),
    problem: notice('discharge.problem'),
    done: { type: 'final' },
  },
  output: ({ context }) => ({ end: context.end, txnId: context.txnId }),
});

function reasonOf(outcome: RefundSettlement): string | undefined {
  return 'reason' in outcome ? outcome.reason : undefined;
}


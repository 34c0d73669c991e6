import { assign, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import type { Bill, BillPaymentInput, BillPaymentOutput, CardSale, PosStage, PreSettleResult, ScreenMeta, SettleOutcome } from './types.ts';

/**
 * Paying outstanding outpatient bills by bank card (issue 2). Every money step is an actor the
 * runtime provides; each writes its intent to the journal before it acts and its result after.
 * Waiting on the bank module or central is system-wait: no `after` leads back to attract there.
 */
export type CardSaleEvent = { type: 'pos.stage'; stage: PosStage } | { type: 'pos.result'; sale: CardSale };

export type BillPaymentEvent = { type: 'confirm' } | { type: 'cancel' } | { type: 'retry' } | CardSaleEvent;

export interface BillPaymentContext extends BillPaymentInput {
  totalFen: number;
  txnId?: string;
  preSettle?: PreSettleResult;
  posStage?: PosStage;
  sale?: CardSale;
  hisReceiptNo?: string;
  problem?: string;
  end?: BillPaymentOutput['end'];
}

const meta = (m: ScreenMeta) => m;

export const billPaymentMachine = setup({
  types: {
    context: {} as BillPaymentContext,
    events: {} as BillPaymentEvent,
    input: {} as BillPaymentInput,
    output: {} as BillPaymentOutput,
  },
  actors: {
    /** Opens the transaction in the journal, then asks central to pre-settle. */
    preSettle: fromPromise<{ txnId: string; preSettle: PreSettleResult }, { patientId: string; nameMasked: string; bills: Bill[]; totalFen: number }>(
      async () => { throw new Error('provided by the runtime'); },
    ),
    /** Drives the bank module; sends `pos.stage` while the patient acts, then `pos.result`. */
    cardSale: fromCallback<EventObject, { txnId: string; amountFen: number }>(() => { throw new Error('provided by the runtime'); }),
    /** Tells central the card was paid; resolves unknown outcomes itself (query, never guess). */
    settle: fromPromise<SettleOutcome, { txnId: string; preSettleId: string; sale: CardSale }>(async () => { throw new Error('provided by the runtime'); }),
    voidSale: fromPromise<void, { txnId: string; sale: CardSale; reason: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** The bills' items go on the receipt; the journal keeps only bill numbers and amounts. */
    printReceipt: fromPromise<void, { txnId: string; bills: Bill[] }>(async () => { throw new Error('provided by the runtime'); }),
    printSlip: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'billPayment',
  context: ({ input }) => ({ ...input, totalFen: input.bills.reduce((sum, b) => sum + b.amountFen, 0) }),
  initial: 'confirm',
  states: {
    confirm: {
      meta: meta({ screen: 'bills.confirm', voice: 'bills.confirm', countdown: 'choiceMs' }),
      on: { confirm: 'preSettling', cancel: { target: 'done', actions: assign({ end: 'notPaid' }) } },
      after: { choice: { target: 'done', actions: assign({ end: 'notPaid' }) } },
    },
    preSettling: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      invoke: {
        src: 'preSettle',
        input: ({ context }) => ({ patientId: context.patientId, nameMasked: context.nameMasked, bills: context.bills, totalFen: context.totalFen }),
        onDone: { target: 'paying', actions: assign({ txnId: ({ event }) => event.output.txnId, preSettle: ({ event }) => event.output.preSettle }) },
        onError: { target: 'notPaid', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    paying: {
      meta: meta({ screen: 'pay.card', voice: 'pay.card' }),
      entry: assign({ posStage: 'insertCard' as PosStage, sale: undefined }),
      invoke: {
        src: 'cardSale',
        input: ({ context }) => ({ txnId: context.txnId!, amountFen: context.preSettle!.selfFen }),
      },
      on: {
        'pos.stage': { actions: assign({ posStage: ({ event }) => event.stage }) },
        'pos.result': [
          { guard: ({ event }) => event.sale.approved, target: 'settling', actions: assign({ sale: ({ event }) => event.sale }) },
          { target: 'declined', actions: assign({ sale: ({ event }) => event.sale, problem: ({ event }) => event.sale.respInfo }) },
        ],
      },
    },
    declined: {
      meta: meta({ screen: 'pay.declined', voice: 'pay.declined', countdown: 'choiceMs' }),
      on: {
        retry: { target: 'preSettling', actions: assign({ txnId: undefined, preSettle: undefined, sale: undefined, problem: undefined }) },
        cancel: { target: 'done', actions: assign({ end: 'notPaid' }) },
      },
      after: { choice: { target: 'done', actions: assign({ end: 'notPaid' }) } },
    },
    settling: {
      meta: meta({ screen: 'wait.settle', voice: 'wait.settle' }),
      invoke: {
        src: 'settle',
        input: ({ context }) => ({ txnId: context.txnId!, preSettleId: context.preSettle!.preSettleId, sale: context.sale! }),
        onDone: [
          { guard: ({ event }) => event.output.outcome === 'settled', target: 'printing', actions: assign({ hisReceiptNo: ({ event }) => (event.output.outcome === 'settled' ? event.output.hisReceiptNo : undefined) }) },
          { guard: ({ event }) => event.output.outcome === 'reverse', target: 'reversing', actions: assign({ problem: ({ event }) => ('reason' in event.output ? event.output.reason : undefined) }) },
          { target: 'pendingSlip', actions: assign({ problem: ({ event }) => ('reason' in event.output ? event.output.reason : undefined) }) },
        ],
        // The settle actor turns every failure into an outcome; an error here is a bug, and the
        // money is still accounted for by recovery at the next boot. Print a pending slip.
        onError: { target: 'pendingSlip', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    printing: {
      meta: meta({ screen: 'print.receipt', voice: 'print.receipt' }),
      invoke: { src: 'printReceipt', input: ({ context }) => ({ txnId: context.txnId!, bills: context.bills }), onDone: { target: 'done', actions: assign({ end: 'paid' }) }, onError: { target: 'done', actions: assign({ end: 'paid' }) } },
    },
    reversing: {
      meta: meta({ screen: 'pay.reversing', voice: 'pay.reversing' }),
      invoke: {
        src: 'voidSale',
        input: ({ context }) => ({ txnId: context.txnId!, sale: context.sale!, reason: context.problem ?? 'HIS refused' }),
        onDone: { target: 'refundSlip' },
        onError: { target: 'pendingSlip', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    refundSlip: {
      meta: meta({ screen: 'print.slip', voice: 'print.slip' }),
      invoke: { src: 'printSlip', input: ({ context }) => ({ txnId: context.txnId! }), onDone: { target: 'done', actions: assign({ end: 'refunded' }) }, onError: { target: 'done', actions: assign({ end: 'refunded' }) } },
    },
    pendingSlip: {
      meta: meta({ screen: 'print.slip', voice: 'print.pending' }),
      invoke: { src: 'printSlip', input: ({ context }) => ({ txnId: context.txnId! }), onDone: { target: 'done', actions: assign({ end: 'pending' }) }, onError: { target: 'done', actions: assign({ end: 'pending' }) } },
    },
    notPaid: {
      meta: meta({ screen: 'pay.notPaid', voice: 'pay.notPaid', countdown: 'choiceMs' }),
      entry: assign({ end: 'notPaid' }),
      on: { cancel: 'done', confirm: 'done' },
      after: { choice: 'done' },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ end: context.end ?? 'notPaid', txnId: context.txnId, hisReceiptNo: context.hisReceiptNo }),
});

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { assign, fromPromise, sendTo, setup } from 'xstate';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import type { Bill, BillPaymentInput, BillPaymentOutput, PreSettleResult, ScreenMeta } from './types.ts';

/**
 * Paying outstanding outpatient bills (issue 5 §5): the patient confirms, central pre-settles
 * (the split is known before any money moves), and the payment machine takes the self-pay part
 * and settles `bill.pay`. A declined payment the patient retries is pre-settled again.
 */
export type BillPaymentEvent = PaymentEvent;

export interface BillPaymentContext extends BillPaymentInput {
  totalFen: number;
  txnId?: string;
  preSettle?: PreSettleResult;
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
    payment: paymentMachine,
  },
  actions: {
    toPayment: sendTo('payment', ({ event }) => event),
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
      entry: assign({ txnId: undefined, preSettle: undefined, problem: undefined }),
      invoke: {
        src: 'preSettle',
        input: ({ context }) => ({ patientId: context.patientId, nameMasked: context.nameMasked, bills: context.bills, totalFen: context.totalFen }),
        onDone: { target: 'paying', actions: assign({ txnId: ({ event }) => event.output.txnId, preSettle: ({ event }) => event.output.preSettle }) },
        onError: { target: 'notPaid', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    paying: {
      invoke: {
        id: 'payment',
        src: 'payment',
        input: ({ context }) => ({
          txnId: context.txnId!,
          amountFen: context.preSettle!.selfFen,
          plan: { op: 'bill.pay', args: { preSettleId: context.preSettle!.preSettleId } },
          timeouts: context.timeouts,
          methods: context.methods,
          cashChange: context.cashChange,
          receiptBills: context.bills,
        }),
        onDone: [
          { guard: ({ event }) => event.output.retry === true, target: 'preSettling' },
          { target: 'done', actions: assign({ end: ({ event }) => event.output.end, hisReceiptNo: ({ event }) => event.output.hisReceiptNo }) },
        ],
      },
      on: { confirm: { actions: 'toPayment' }, cancel: { actions: 'toPayment' }, retry: { actions: 'toPayment' }, method: { actions: 'toPayment' } },
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

import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { InsuranceCredential } from '../contract/rpc.ts';
import { paymentMachine, type PaymentEvent } from './payment.ts';
import type { Bill, BillPaymentInput, BillPaymentOutput, PreSettleResult } from './types.ts';
import { errorMessage, meta } from './parts.ts';

/**
 * Paying outstanding outpatient bills (issue 5 §5): the patient confirms, paying themselves or
 * with medical insurance; central pre-settles (with insurance, the split between fund, personal
 * account and self-pay is shown before any money moves), and the payment machine takes the
 * self-pay part and settles `bill.pay`. A declined payment the patient retries is pre-settled again.
 */
export type BillPaymentEvent = PaymentEvent | { type: 'insurance' };

export interface BillPaymentContext extends BillPaymentInput {
  totalFen: number;
  /** The patient chose to settle with medical insurance. */
  useInsurance?: boolean;
  txnId?: string;
  preSettle?: PreSettleResult;
  hisReceiptNo?: string;
  problem?: string;
  end?: BillPaymentOutput['end'];
}

export const billPaymentMachine = setup({
  types: {
    context: {} as BillPaymentContext,
    events: {} as BillPaymentEvent,
    input: {} as BillPaymentInput,
    output: {} as BillPaymentOutput,
  },
  actors: {
    /** Opens the transaction in the journal, then asks central to pre-settle. */
    preSettle: fromPromise<{ txnId: string; preSettle: PreSettleResult }, { patientId: string; nameMasked: string; bills: Bill[]; totalFen: number; insurance?: InsuranceCredential }>(
      async () => { throw new Error('provided by the runtime'); },
    ),
    /** Waits for the patient's medical-insurance e-voucher (医保电子凭证) at the scanner. */
    scanVoucher: fromPromise<InsuranceCredential>(async () => { throw new Error('provided by the runtime'); }),
    /** Closes a pre-settled transaction the patient walked away from (nothing was collected). */
    abandon: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
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
      meta: meta({ screen: 'bills.confirm', voice: 'bills.confirm', countdown: 'choiceMs', home: true }),
      entry: assign({ useInsurance: false }),
      on: {
        confirm: 'preSettling',
        insurance: [
          { guard: ({ context }) => context.insurance?.credential !== undefined, target: 'preSettling', actions: assign({ useInsurance: true }) },
          { guard: ({ context }) => context.insurance !== undefined, target: 'scanningVoucher' },
        ],
        cancel: { target: 'done', actions: assign({ end: 'notPaid' }) },
      },
      after: { choice: { target: 'done', actions: assign({ end: 'notPaid' }) } },
    },
    // The patient shows their e-voucher; going back returns to the choice, the countdown ends the payment.
    scanningVoucher: {
      meta: meta({ screen: 'insurance.scan', voice: 'insurance.scan', countdown: 'choiceMs', home: true }),
      invoke: {
        src: 'scanVoucher',
        onDone: { target: 'preSettling', actions: assign({ useInsurance: true, insurance: ({ event }) => ({ credential: event.output }) }) },
        onError: { target: 'notPaid', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
      on: { cancel: 'confirm' },
      after: { choice: { target: 'done', actions: assign({ end: 'notPaid' }) } },
    },
    preSettling: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      entry: assign({ txnId: undefined, preSettle: undefined, problem: undefined }),
      invoke: {
        src: 'preSettle',
        input: ({ context }) => ({
          patientId: context.patientId,
          nameMasked: context.nameMasked,
          bills: context.bills,
          totalFen: context.totalFen,
          ...(context.useInsurance ? { insurance: context.insurance?.credential } : {}),
        }),
        onDone: [
          { guard: ({ context }) => context.useInsurance === true, target: 'split', actions: assign({ txnId: ({ event }) => event.output.txnId, preSettle: ({ event }) => event.output.preSettle }) },
          { target: 'paying', actions: assign({ txnId: ({ event }) => event.output.txnId, preSettle: ({ event }) => event.output.preSettle }) },
        ],
        onError: { target: 'notPaid', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    // Before any money moves: what the fund and the personal account pay, and what is left to pay.
    split: {
      meta: meta({ screen: 'bills.split', voice: 'bills.split', countdown: 'choiceMs' }),
      on: { confirm: 'paying', cancel: 'abandoning' },
      after: { choice: 'abandoning' },
    },
    abandoning: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      invoke: {
        src: 'abandon',
        input: ({ context }) => ({ txnId: context.txnId! }),
        onDone: { target: 'done', actions: assign({ end: 'notPaid' }) },
        onError: { target: 'done', actions: assign({ end: 'notPaid' }) },
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
          insuranceCovers: context.useInsurance === true && context.preSettle!.selfFen === 0,
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


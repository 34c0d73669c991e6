import { assign, fromCallback, fromPromise, sendTo, setup, type EventObject } from 'xstate';
import type { Bill, CardSale, CashResult, Collected, PaymentInput, PaymentOutput, PayMethod, PosStage, QrOutcome, QrPaid, SettleOutcome, SettlePlan } from './types.ts';
import { errorMessage, meta } from './parts.ts';

/**
 * Taking money for one prepared transaction (issue 5 §6), invoked by every money flow: the patient
 * picks a method, pays by bank card, payment code or cash, central settles the flow's money op,
 * and a receipt or a slip comes out. Every money step is an actor the runtime provides; each
 * writes its intent to the journal before it acts and its result after. Waiting on the bank
 * module or central is system-wait: no `after` leads away there. Cash already taken is never just
 * dropped: it is applied, or owed back on a voucher.
 */
export type CardSaleEvent = { type: 'pos.stage'; stage: PosStage } | { type: 'pos.result'; sale: CardSale };
export type CashEvent = { type: 'cash.progress'; insertedFen: number } | { type: 'cash.result'; cash: CashResult };
export type QrEvent = { type: 'qr.scanned'; kind: 'wechat' | 'alipay' } | { type: 'qr.result'; outcome: QrOutcome };

export type PaymentEvent = { type: 'confirm' } | { type: 'cancel' } | { type: 'retry' } | { type: 'method'; method: PayMethod } | CardSaleEvent | CashEvent | QrEvent;

export interface PaymentContext extends PaymentInput {
  posStage?: PosStage;
  sale?: CardSale;
  /** Notes credited so far on the cash screen. */
  insertedFen?: number;
  cash?: CashResult;
  qr?: QrPaid;
  /** The app the scanned code belongs to, while the patient confirms in it. */
  qrKind?: 'wechat' | 'alipay';
  hisReceiptNo?: string;
  result?: unknown;
  problem?: string;
  end?: PaymentOutput['end'];
  retry?: boolean;
}

const reasonOf = (outcome: SettleOutcome) => ('reason' in outcome ? outcome.reason : undefined);

export const paymentMachine = setup({
  types: {
    context: {} as PaymentContext,
    events: {} as PaymentEvent,
    input: {} as PaymentInput,
    output: {} as PaymentOutput,
  },
  actors: {
    /** Drives the bank module; sends `pos.stage` while the patient acts, then `pos.result`. */
    cardSale: fromCallback<EventObject, { txnId: string; amountFen: number }>(() => { throw new Error('provided by the runtime'); }),
    /**
     * Takes notes up to the amount due; sends `cash.progress` per note and `cash.result` once the
     * acceptor has stopped. A `cash.stop` from the flow (the patient cancels, or goes quiet) ends it.
     */
    cashCollect: fromCallback<EventObject, { txnId: string; amountFen: number }>(() => { throw new Error('provided by the runtime'); }),
    /**
     * Reads the patient's payment code (`qr.scanned`), asks central to collect it and waits
     * through "user paying" (`qr.result`). Stopped by the flow only before a code is read.
     */
    qrCollect: fromCallback<EventObject, { txnId: string; amountFen: number }>(() => { throw new Error('provided by the runtime'); }),
    /** Asks central to run the plan's money op with what was paid; resolves unknown outcomes itself (query, never guess). */
    settle: fromPromise<SettleOutcome, { txnId: string; plan: SettlePlan; collected: Collected }>(async () => { throw new Error('provided by the runtime'); }),
    voidSale: fromPromise<void, { txnId: string; sale: CardSale; reason: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Prints the receipt from the journal's facts; bills' items are added when the flow has them. */
    printReceipt: fromPromise<void, { txnId: string; bills?: Bill[] }>(async () => { throw new Error('provided by the runtime'); }),
    printSlip: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Closes a transaction in which nothing was collected (ABANDONED, also at central). */
    abandon: fromPromise<void, { txnId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Cash taken but not applied: a voucher the patient takes to a cashier; closes the transaction. */
    printCashVoucher: fromPromise<void, { txnId: string; amountFen: number; reason: string }>(async () => { throw new Error('provided by the runtime'); }),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'payment',
  context: ({ input }) => ({ ...input }),
  initial: 'choosing',
  states: {
    // One working method needs no question; otherwise the patient picks (the screen says why one is missing).
    choosing: {
      always: [
        // Insurance pays it all: nothing to collect, central settles with the platform at once.
        { guard: ({ context }) => context.insuranceCovers === true && context.amountFen === 0, target: 'settling' },
        { guard: ({ context }) => context.methods.length === 0, target: 'notChosen', actions: assign({ problem: 'no payment method is working' }) },
        { guard: ({ context }) => context.methods.length === 1 && context.methods[0] === 'cash', target: 'payingCash' },
        { guard: ({ context }) => context.methods.length === 1 && context.methods[0] === 'qr', target: 'payingQr' },
        { guard: ({ context }) => context.methods.length === 1, target: 'payingCard' },
      ],
      meta: meta({ screen: 'pay.method', voice: 'pay.method', countdown: 'choiceMs' }),
      on: {
        method: [
          { guard: ({ event, context }) => event.method === 'cash' && context.methods.includes('cash'), target: 'payingCash' },
          { guard: ({ event, context }) => event.method === 'card' && context.methods.includes('card'), target: 'payingCard' },
          { guard: ({ event, context }) => event.method === 'qr' && context.methods.includes('qr'), target: 'payingQr' },
        ],
        cancel: 'notChosen',
      },
      after: { choice: 'notChosen' },
    },
    // Nothing was collected: central is told, so the prepared transaction can never be paid late.
    notChosen: {
      meta: meta({ screen: 'wait.central', voice: 'wait.central' }),
      invoke: { src: 'abandon', input: ({ context }) => ({ txnId: context.txnId }), onDone: { target: 'done', actions: assign({ end: 'notPaid' }) }, onError: { target: 'done', actions: assign({ end: 'notPaid' }) } },
    },
    payingCard: {
      meta: meta({ screen: 'pay.card', voice: 'pay.card' }),
      entry: assign({ posStage: 'insertCard' as PosStage, sale: undefined }),
      invoke: { src: 'cardSale', input: ({ context }) => ({ txnId: context.txnId, amountFen: context.amountFen }) },
      on: {
        'pos.stage': { actions: assign({ posStage: ({ event }) => event.stage }) },
        'pos.result': [
          { guard: ({ event }) => event.sale.approved, target: 'settling', actions: assign({ sale: ({ event }) => event.sale }) },
          { target: 'declined', actions: assign({ sale: ({ event }) => event.sale, problem: ({ event }) => event.sale.respInfo }) },
        ],
      },
    },
    payingCash: {
      entry: assign({ insertedFen: 0, cash: undefined }),
      invoke: { id: 'cashCollect', src: 'cashCollect', input: ({ context }) => ({ txnId: context.txnId, amountFen: context.amountFen }) },
      on: {
        'cash.result': [
          { guard: ({ event }) => event.cash.ended === 'paid', target: 'settling', actions: assign({ cash: ({ event }) => event.cash }) },
          { guard: ({ event }) => event.cash.insertedFen > 0, target: 'cashVoucher', actions: assign({ cash: ({ event }) => event.cash, problem: 'cash not completed' }) },
          { target: 'notPaid', actions: assign({ cash: ({ event }) => event.cash, problem: ({ event }) => (event.cash.ended === 'fault' ? 'bill acceptor fault' : 'no notes inserted') }) },
        ],
      },
      initial: 'feeding',
      states: {
        // A patient who stops feeding notes for a whole countdown has gone: stop and account for what came in.
        feeding: {
          meta: meta({ screen: 'pay.cash', voice: 'pay.cash', countdown: 'choiceMs' }),
          on: {
            'cash.progress': { target: 'feeding', reenter: true, actions: assign({ insertedFen: ({ event }) => event.insertedFen }) },
            cancel: 'stopping',
          },
          after: { choice: 'stopping' },
        },
        stopping: {
          meta: meta({ screen: 'pay.cash', voice: 'pay.cashStopping' }),
          entry: sendTo('cashCollect', { type: 'cash.stop' }),
          on: { 'cash.progress': { actions: assign({ insertedFen: ({ event }) => event.insertedFen }) } },
        },
      },
    },
    payingQr: {
      invoke: { id: 'qrCollect', src: 'qrCollect', input: ({ context }) => ({ txnId: context.txnId, amountFen: context.amountFen }) },
      on: {
        'qr.result': [
          { guard: ({ event }) => event.outcome.state === 'paid', target: 'settling', actions: assign({ qr: ({ event }) => (event.outcome.state === 'paid' ? event.outcome.qr : undefined) }) },
          { guard: ({ event }) => event.outcome.state === 'failed', target: 'declined', actions: assign({ problem: ({ event }) => ('reason' in event.outcome ? event.outcome.reason : undefined) }) },
          // Central could not tell in time whether the app paid: its saga goes on; the slip says so.
          { target: 'pendingSlip', actions: assign({ problem: ({ event }) => ('reason' in event.outcome ? event.outcome.reason : undefined) }) },
        ],
      },
      initial: 'scanning',
      states: {
        scanning: {
          meta: meta({ screen: 'pay.qr', voice: 'pay.qr', countdown: 'choiceMs' }),
          on: { 'qr.scanned': { target: 'confirming', actions: assign({ qrKind: ({ event }) => event.kind }) }, cancel: '#payment.notChosen' },
          after: { choice: '#payment.notChosen' },
        },
        // System-wait: the patient confirms in the app; central owns the query loop and the deadline.
        confirming: { meta: meta({ screen: 'pay.qr', voice: 'pay.qrConfirm' }) },
      },
    },
    cashVoucher: {
      meta: meta({ screen: 'print.slip', voice: 'print.voucher' }),
      invoke: {
        src: 'printCashVoucher',
        input: ({ context }) => ({ txnId: context.txnId, amountFen: context.cash!.insertedFen, reason: context.problem ?? 'not paid' }),
        onDone: { target: 'done', actions: assign({ end: 'voucher' }) },
        onError: { target: 'done', actions: assign({ end: 'voucher' }) },
      },
    },
    // The transaction is closed (declined, or the code refused): trying again is a new one, which the flow prepares.
    declined: {
      meta: meta({ screen: 'pay.declined', voice: 'pay.declined', countdown: 'choiceMs' }),
      on: {
        retry: { target: 'done', actions: assign({ end: 'notPaid', retry: true }) },
        cancel: { target: 'done', actions: assign({ end: 'notPaid' }) },
      },
      after: { choice: { target: 'done', actions: assign({ end: 'notPaid' }) } },
    },
    settling: {
      meta: meta({ screen: 'wait.settle', voice: 'wait.settle' }),
      invoke: {
        src: 'settle',
        input: ({ context }) => ({ txnId: context.txnId, plan: context.plan, collected: collectedOf(context) }),
        onDone: [
          {
            guard: ({ event }) => event.output.outcome === 'settled',
            target: 'printing',
            actions: assign(({ event }) => (event.output.outcome === 'settled' ? { hisReceiptNo: event.output.hisReceiptNo, result: event.output.result } : {})),
          },
          // An insurance-only settlement refused: nothing was taken, the bills stay unpaid.
          { guard: ({ event }) => event.output.outcome === 'notApplied', target: 'notPaid', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
          // Central already gave a QR payment back through its channel: only the slip is left to print.
          { guard: ({ event, context }) => event.output.outcome === 'refunded' && context.qr !== undefined, target: 'refundSlip', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
          // Not applied: a card sale is voided on the module; cash can only be owed back on a voucher.
          { guard: ({ event, context }) => (event.output.outcome === 'reverse' || event.output.outcome === 'voucher') && context.cash !== undefined, target: 'cashVoucher', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
          { guard: ({ event, context }) => (event.output.outcome === 'reverse' || event.output.outcome === 'voucher') && context.sale?.approved === true && !context.qr, target: 'reversing', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
          { target: 'pendingSlip', actions: assign({ problem: ({ event }) => reasonOf(event.output) }) },
        ],
        // The settle actor turns every failure into an outcome; an error here is a bug, and the
        // money is still accounted for by recovery at the next boot. Print a pending slip.
        onError: { target: 'pendingSlip', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    printing: {
      meta: meta({ screen: 'print.receipt', voice: 'print.receipt' }),
      invoke: {
        src: 'printReceipt',
        input: ({ context }) => ({ txnId: context.txnId, bills: context.receiptBills }),
        onDone: { target: 'done', actions: assign({ end: 'paid' }) },
        onError: { target: 'done', actions: assign({ end: 'paid' }) },
      },
    },
    reversing: {
      meta: meta({ screen: 'pay.reversing', voice: 'pay.reversing' }),
      invoke: {
        src: 'voidSale',
        input: ({ context }) => ({ txnId: context.txnId, sale: context.sale!, reason: context.problem ?? 'HIS refused' }),
        onDone: { target: 'refundSlip' },
        onError: { target: 'pendingSlip', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    refundSlip: {
      meta: meta({ screen: 'print.slip', voice: 'print.slip' }),
      invoke: { src: 'printSlip', input: ({ context }) => ({ txnId: context.txnId }), onDone: { target: 'done', actions: assign({ end: 'refunded' }) }, onError: { target: 'done', actions: assign({ end: 'refunded' }) } },
    },
    pendingSlip: {
      meta: meta({ screen: 'print.slip', voice: 'print.pending' }),
      invoke: { src: 'printSlip', input: ({ context }) => ({ txnId: context.txnId }), onDone: { target: 'done', actions: assign({ end: 'pending' }) }, onError: { target: 'done', actions: assign({ end: 'pending' }) } },
    },
    notPaid: {
      meta: meta({ screen: 'pay.notPaid', voice: 'pay.notPaid', countdown: 'choiceMs' }),
      entry: assign({ end: 'notPaid' }),
      on: { cancel: 'done', confirm: 'done' },
      after: { choice: 'done' },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ end: context.end ?? 'notPaid', txnId: context.txnId, hisReceiptNo: context.hisReceiptNo, result: context.result, retry: context.retry }),
});

/** What was paid, for central: the card sale, the notes, the QR payment, or insurance alone. */
function collectedOf(context: PaymentContext): Collected {
  if (context.cash) return { method: 'cash', cash: context.cash };
  if (context.qr) return { method: 'qr', qr: context.qr };
  if (!context.sale) return { method: 'insurance' };
  return { method: 'card', sale: context.sale! };
}


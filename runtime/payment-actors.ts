import { fromCallback, fromPromise } from 'xstate';
import { paymentMachine } from '../machines/payment.ts';
import type { CashSteps } from './cash-steps.ts';
import type { PaymentSteps } from './payment-steps.ts';
import type { QrSteps } from './qr-steps.ts';

export interface PaymentActorDeps {
  steps: PaymentSteps;
  /** Absent on a kiosk without a bill acceptor. */
  cash?: CashSteps;
  /** Absent on a kiosk without a scanner. */
  qr?: QrSteps;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * The payment machine with the kiosk's real money steps: one definition every money flow invokes,
 * so a registration fee is taken exactly as a bill is.
 */
export function providePayment(d: PaymentActorDeps) {
  const { steps } = d;
  return paymentMachine.provide({
    actors: {
      cardSale: fromCallback(({ input, sendBack }) => {
        steps
          .cardSale(input.txnId, input.amountFen, (stage) => sendBack({ type: 'pos.stage', stage }))
          .then((sale) => sendBack({ type: 'pos.result', sale }))
          .catch((e: unknown) => d.log('card sale failed unexpectedly', { error: (e as Error).message }));
      }),
      cashCollect: fromCallback(({ input, sendBack, receive }) => {
        const stop = new AbortController();
        receive((event) => event.type === 'cash.stop' && stop.abort());
        const collecting = d.cash
          ? d.cash.collect(input.txnId, input.amountFen, { signal: stop.signal, onProgress: (insertedFen) => sendBack({ type: 'cash.progress', insertedFen }) })
          : Promise.reject(new Error('this kiosk has no bill acceptor'));
        collecting
          .then(async (cash) => {
            // Nothing came in: close the transaction (also at central) before the flow moves on.
            if (cash.insertedFen === 0) await steps.resolveNothingCollected(input.txnId);
            sendBack({ type: 'cash.result', cash });
          })
          .catch((e: unknown) => d.log('cash collection failed unexpectedly', { error: (e as Error).message }));
      }),
      qrCollect: fromCallback(({ input, sendBack }) => {
        const stop = new AbortController();
        const qr = d.qr;
        if (!qr) {
          sendBack({ type: 'qr.result', outcome: { state: 'failed', reason: 'this kiosk has no scanner' } });
          return;
        }
        qr.scan(stop.signal)
          .then(async (scan) => {
            sendBack({ type: 'qr.scanned', kind: scan.kind });
            sendBack({ type: 'qr.result', outcome: await qr.collect(input.txnId, input.amountFen, scan) });
          })
          .catch((e: unknown) => {
            // Leaving the scan screen stops the wait; anything else is unexpected.
            if (!stop.signal.aborted) d.log('QR payment failed unexpectedly', { error: (e as Error).message });
          });
        return () => stop.abort();
      }),
      settle: fromPromise(({ input }) => steps.settle(input.txnId, input.plan, input.collected)),
      printCashVoucher: fromPromise(({ input }) => steps.printCashVoucher(input.txnId, input.amountFen, input.reason)),
      abandon: fromPromise(({ input }) => steps.resolveNothingCollected(input.txnId)),
      voidSale: fromPromise(({ input }) => steps.voidSale(input.txnId, input.sale, input.reason)),
      printReceipt: fromPromise(({ input }) => steps.printReceipt(input.txnId, { items: input.bills })),
      printSlip: fromPromise(({ input }) => steps.printSlip(input.txnId)),
    },
  });
}

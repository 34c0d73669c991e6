import { failed, txnIdOf, type SagaContext } from '../context.ts';
import { cancelInsurance, reverseUnknownSettle } from './insurance.ts';
import { compensate, refundQrPayment } from './compensate.ts';
import { resolveUnknown } from './money.ts';
import { resumeQr } from './qr-pay.ts';
import { continueRefunds } from './refunds.ts';

/**
 * One pass over a saga this worker has taken over (its own worker died, or a kiosk asked about
 * it): the same rules as the request path, from the step the ledger names. What is still not
 * definite stays in the ledger, and the lease is let go so the next pass (any worker's) resumes it.
 */
export async function driveSaga(ctx: SagaContext): Promise<void> {
  const txnId = txnIdOf(ctx);
  try {
    await driveStep(ctx);
  } finally {
    ctx.ledger.updateTxn(ctx.kid, txnId, { owner: null, leaseUntil: null }, { step: ['his', 'qrPay', 'qrRefund', 'insSettle', 'insCancel', 'refunds'] });
  }
}

async function driveStep(ctx: SagaContext): Promise<void> {
  const txnId = txnIdOf(ctx);
  const txn = ctx.ledger.txn(ctx.kid, txnId);
  if (!txn?.step) return;
  ctx.log('info', 'driving a saga left unfinished', { kid: ctx.kid, txnId, step: txn.step, state: txn.state });
  switch (txn.step) {
    case 'his':
      await resolveUnknown(ctx, { immediate: true, once: true });
      return;
    case 'insSettle': {
      // The HIS was never called: 2207's fate decides alone, and 2601 makes it definite.
      const r = await reverseUnknownSettle(ctx);
      if (r.kind === 'refused') await compensate(ctx, failed('INSURANCE_UNAVAILABLE', 'the insurance settlement was reversed after its worker stopped'));
      return;
    }
    case 'insCancel':
      if (!(await cancelInsurance(ctx))) return;
      ctx.ledger.updateTxn(ctx.kid, txnId, txn.qrState === 'refunding' ? { step: 'qrRefund' } : { step: null });
      if (txn.qrState === 'refunding') await driveStep(ctx);
      return;
    case 'qrPay':
      await resumeQr(ctx);
      return;
    case 'qrRefund': {
      const r = await refundQrPayment(ctx, txn);
      if (r.state === 'refunded') ctx.ledger.updateTxn(ctx.kid, txnId, { state: 'COMPENSATED', compensate: 'refunded', step: null });
      if (r.state === 'failed') ctx.ledger.updateTxn(ctx.kid, txnId, { state: 'PENDING', qrState: 'paid', reason: `the QR refund failed: ${r.reason}`, step: null });
      return;
    }
    case 'refunds': {
      const { refunds, unconfirmed } = await continueRefunds(ctx);
      const result = txn.result ? (JSON.parse(txn.result) as Record<string, unknown>) : {};
      ctx.ledger.updateTxn(ctx.kid, txnId, { result: JSON.stringify({ ...result, refunds }), ...(unconfirmed ? {} : { step: null }) });
    }
  }
}

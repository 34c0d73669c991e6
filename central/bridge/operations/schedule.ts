import type { AppointmentListResult, OpArgs, ScheduleResult, SlotLockResult, SlotUnlockResult } from '../../../contract/rpc.ts';
import { asking, leaseFrom, ok, refused, txnIdOf, type OpContext } from '../context.ts';
import { driveSaga } from '../saga/drive.ts';
import { runMoneySaga } from '../saga/money.ts';
import { qrView } from '../views.ts';

export const scheduleOps = {
  'schedule.query': (ctx: OpContext, args: OpArgs<'schedule.query'>) => asking(() => ctx.his.querySchedule(args), (r) => ok(r satisfies ScheduleResult)),

  /** 锁号: opens the registration saga; the fee it holds is what a QR payment under this txnId must be. */
  'slot.lock': (ctx: OpContext, args: OpArgs<'slot.lock'>) => {
    const txnId = txnIdOf(ctx);
    ctx.ledger.createTxn(ctx.kid, txnId, 'slot.lock', 'OPEN', { patientId: args.patientId });
    return asking(
      () => ctx.his.lockSlot({ ...args, tradeNo: txnId }),
      (lock) => {
        ctx.ledger.updateTxn(ctx.kid, txnId, { dueFen: lock.feeFen });
        return ok(lock satisfies SlotLockResult);
      },
    );
  },

  /** The patient gave up: the number goes back, and so does a QR payment already taken for it. */
  'slot.unlock': (ctx: OpContext, args: OpArgs<'slot.unlock'>) => {
    const txnId = txnIdOf(ctx);
    if (ctx.ledger.txn(ctx.kid, txnId)?.qrState === 'paying') {
      return Promise.resolve(refused('NOT_ALLOWED', 'a QR payment for this number is still in progress; ask payment.qr.query, then unlock'));
    }
    return asking(
      () => ctx.his.unlockSlot(args),
      async (released) => {
        const refund = ctx.ledger.updateTxn(
          ctx.kid,
          txnId,
          { state: 'COMPENSATING', reason: 'slot released after the QR payment', step: 'qrRefund', stepAt: ctx.now(), owner: ctx.worker, leaseUntil: leaseFrom(ctx) },
          { state: ['OPEN'], qrState: ['paid'], step: [null] },
        );
        if (refund) await driveSaga(ctx);
        ctx.ledger.updateTxn(ctx.kid, txnId, { state: 'ABANDONED', reason: 'slot released; nothing collected' }, { state: ['OPEN'] });
        const txn = ctx.ledger.txn(ctx.kid, txnId)!;
        return ok({ ...released, ...(txn.compensate ? { compensate: txn.compensate } : {}), ...(txn.qrState ? { qr: qrView(txn) } : {}) } satisfies SlotUnlockResult & { qr?: unknown });
      },
    );
  },

  'register.confirm': (ctx: OpContext, args: OpArgs<'register.confirm'>) => runMoneySaga(ctx, 'register.confirm', { fn: 'register', request: args }, args.payment),

  'appointment.list': (ctx: OpContext, args: OpArgs<'appointment.list'>) => asking(() => ctx.his.listAppointments(args), (r) => ok(r satisfies AppointmentListResult)),

  /** An unpaid appointment: no money, but a trade, so an unknown outcome is asked about like any other. */
  'appointment.book': (ctx: OpContext, args: OpArgs<'appointment.book'>) => runMoneySaga(ctx, 'appointment.book', { fn: 'bookAppointment', request: args }),

  'appointment.checkin': (ctx: OpContext, args: OpArgs<'appointment.checkin'>) =>
    runMoneySaga(ctx, 'appointment.checkin', { fn: 'checkIn', request: args }, args.payment),

  /** 退号: the fee goes back the way it came (see saga/refunds.ts). */
  'appointment.cancel': (ctx: OpContext, args: OpArgs<'appointment.cancel'>) => runMoneySaga(ctx, 'appointment.cancel', { fn: 'cancelAppointment', request: args }),
};

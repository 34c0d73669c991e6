import { fromPromise } from 'xstate';
import type { ScheduleResult, SlotLockResult } from '../../contract/rpc.ts';
import { registerMachine, type LockInput } from '../../machines/register.ts';
import type { FlowDeps } from '../flows.ts';

/** The hospital's day now (Asia/Shanghai, DESIGN.md §1): the HIS names its schedule's days so. */
export function hospitalToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);
}

/**
 * Registration today with the kiosk's real steps. The fee is a money transaction like a bill's:
 * opened in the journal, prepared at central by locking the number (`slot.lock`), its settlement
 * (`register.confirm`) journaled as the plan before the payment machine takes any money.
 */
export function provideRegister(d: FlowDeps) {
  async function lock(input: LockInput): Promise<{ txnId: string; lockId: string }> {
    const { dept, doctor, slot } = input;
    const txnId = d.steps.open({
      open: 'register.confirm',
      nameMasked: input.nameMasked,
      title: '挂号凭证',
      bills: [{ billNo: '挂号费', department: `${dept.name} ${doctor.name} ${doctor.title}`, amountFen: slot.feeFen }],
      totalFen: slot.feeFen,
    });
    const locked = await d.steps.prepare<SlotLockResult>(txnId, 'slot.lock', { slotId: slot.slotId, patientId: input.patientId });
    // The fee the patient confirmed is what is charged: a HIS that now asks another refuses
    // `register.confirm` (AMOUNT_MISMATCH) and the payment goes back.
    // Whenever the payment ends with nothing collected, the payment steps give the number back.
    d.steps.plan(txnId, { op: 'register.confirm', args: { lockId: locked.lockId, patientId: input.patientId } }, slot.feeFen, { op: 'slot.unlock', args: { lockId: locked.lockId } });
    return { txnId, lockId: locked.lockId };
  }

  return registerMachine.provide({
    actors: {
      loadToday: fromPromise(async () => {
        const date = hospitalToday();
        return { date, schedule: await d.ask<ScheduleResult>('schedule.query', { date }) };
      }),
      lock: fromPromise(({ input }) => lock(input)),
      release: fromPromise(({ input }) => d.steps.releasePreparation(input.txnId)),
      payment: d.payment,
    },
  });
}

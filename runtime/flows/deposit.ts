import { fromPromise } from 'xstate';
import type { InpatientInfoResult } from '../../contract/rpc.ts';
import { depositMachine } from '../../machines/deposit.ts';
import type { FlowDeps } from '../flows.ts';
import { refusedWith } from '../link.ts';

/** Where the patient lies, as the receipt and the HIS's own slip name it. */
export function placeOf(a: InpatientInfoResult): string {
  return `${a.deptName} ${a.ward} ${a.bed}床`;
}

/**
 * The patient's latest admission, or null when the HIS has none (central answers NOT_FOUND): a
 * patient who is not in hospital is told so, not shown an error. Anything else is an error.
 */
export async function admissionOf(d: Pick<FlowDeps, 'ask'>, patientId: string): Promise<InpatientInfoResult | null> {
  try {
    return await d.ask<InpatientInfoResult>('inpatient.info', { patientId });
  } catch (e) {
    if (refusedWith(e, 'NOT_FOUND')) return null;
    throw e;
  }
}

/**
 * The deposit's transaction: opened with the receipt's title and line, and the plan journaled
 * before any money moves, so recovery at boot can settle the same deposit under the same txnId.
 */
function openDeposit(d: FlowDeps, input: { admission: InpatientInfoResult; amountFen: number; nameMasked: string }): string {
  const { admission, amountFen } = input;
  const txnId = d.steps.open({
    open: 'inpatient.deposit',
    nameMasked: input.nameMasked,
    title: '住院预交金凭证',
    bills: [{ billNo: admission.admissionNo, department: placeOf(admission), amountFen }],
    totalFen: amountFen,
  });
  d.steps.plan(txnId, { op: 'inpatient.deposit', args: { admissionNo: admission.admissionNo } }, amountFen);
  return txnId;
}

export function provideDeposit(d: FlowDeps) {
  return depositMachine.provide({
    actors: {
      admission: fromPromise(({ input }) => admissionOf(d, input.patientId)),
      open: fromPromise(async ({ input }) => openDeposit(d, input)),
      payment: d.payment,
    },
  });
}

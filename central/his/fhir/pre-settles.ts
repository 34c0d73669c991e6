import type { Reference, Task } from '@medplum/fhirtypes';
import { HisError } from '../port.ts';
import { shanghaiIso } from '../sim/time.ts';
import { assertText } from '../sim/validate.ts';
import type { FhirContext } from './context.ts';
import { codes } from './systems.ts';
import { nowIso, patientReference, type PatientHandle } from './trades.ts';
import { businessNumber, postEntry, unreadable } from './values.ts';

/**
 * A pre-settlement is not a trade (nothing moves), yet the settle that follows must find what the
 * patient was shown. FHIR has no resource for a priced quote that expires, so it is a `Task`
 * (`ready`, code `preSettle` or `dischargePreSettle`, identifier = the pre-settle number,
 * groupIdentifier = the trade number it was made for, restriction.period.end = when it lapses,
 * input = the figures). Its trade number sits in groupIdentifier, never in identifier, so a
 * trade query does not mistake it for the trade.
 */

export type PreSettleKind = 'preSettle' | 'dischargePreSettle';

export interface PreSettleRecord<T> {
  task: Task;
  patient: PatientHandle;
  figures: T;
}

export async function createPreSettle<T>(ctx: FhirContext, kind: PreSettleKind, tradeNo: string, patient: PatientHandle, figures: T, focus?: Reference): Promise<{ preSettleId: string; expiresAt: string }> {
  const preSettleId = businessNumber(kind === 'preSettle' ? 'PS' : 'DS', ctx.now());
  const expiresAt = shanghaiIso(ctx.now() + ctx.settings.preSettleTtlMs);
  const task: Task = {
    resourceType: 'Task',
    identifier: [{ system: ctx.systems.preSettleId, value: preSettleId }],
    groupIdentifier: { system: ctx.systems.tradeNo, value: tradeNo },
    status: 'ready',
    intent: 'proposal',
    code: { coding: [{ system: codes.task, code: kind }] },
    for: patientReference(patient, ctx),
    ...(focus ? { focus } : {}),
    authoredOn: nowIso(ctx),
    restriction: { period: { end: expiresAt } },
    input: [{ type: { coding: [{ system: codes.taskParameter, code: 'figures' }] }, valueString: JSON.stringify(figures) }],
  };
  await ctx.fhir.transaction([postEntry(task)]);
  return { preSettleId, expiresAt };
}

/** The pre-settle a settle names: PRESETTLE_NOT_FOUND, TRADE_CONFLICT (another trade's) or PRESETTLE_EXPIRED otherwise. */
export async function findPreSettle<T>(ctx: FhirContext, kind: PreSettleKind, preSettleId: string, tradeNo: string): Promise<PreSettleRecord<T>> {
  assertText(preSettleId, 'preSettleId');
  const found = await ctx.fhir.search<Task>('Task', { identifier: `${ctx.systems.preSettleId}|${preSettleId}` });
  const task = found.find((t) => t.code?.coding?.some((c) => c.system === codes.task && c.code === kind));
  if (!task) throw new HisError('PRESETTLE_NOT_FOUND', 'no such pre-settle', { preSettleId });
  if (task.groupIdentifier?.value !== tradeNo) throw new HisError('TRADE_CONFLICT', 'the pre-settle was made for another trade number', { preSettleId });
  const end = Date.parse(task.restriction?.period?.end ?? '');
  if (Number.isNaN(end) || ctx.now() > end) throw new HisError('PRESETTLE_EXPIRED', 'the pre-settle has expired; pre-settle again', { ...(Number.isNaN(end) ? {} : { expiresAt: shanghaiIso(end) }) });
  const text = task.input?.find((i) => i.type.coding?.some((c) => c.system === codes.taskParameter && c.code === 'figures'))?.valueString;
  const patientId = task.for?.identifier?.value;
  if (text === undefined || !task.for?.reference || !patientId) throw unreadable(`pre-settle Task/${task.id} lacks its figures or patient`);
  return { task, patient: { reference: task.for.reference, patientId }, figures: JSON.parse(text) as T };
}

/** The pre-settle used up by its trade. */
export function completed(task: Task): Task {
  return { ...task, status: 'completed' };
}

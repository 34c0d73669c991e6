import crypto from 'node:crypto';
import type { BundleEntry, Identifier, Patient, PaymentReconciliation, Reference, Task, TaskInput, TaskOutput } from '@medplum/fhirtypes';
import { canonicalJson } from '../../../contract/rpc.ts';
import { HisError, tradeKinds, type Payment, type ReceiptData, type TradeKind, type TradeStatus } from '../port.ts';
import { shanghaiIso } from '../sim/time.ts';
import { assertText, assertTradeNo } from '../sim/validate.ts';
import { maxAttempts, VersionConflict } from './client.ts';
import type { FhirContext } from './context.ts';
import { codes } from './systems.ts';
import { businessNumber, fenOf, identifierValue, localIso, money, unreadable, writtenRef } from './values.ts';

/**
 * The trade book in FHIR: one `Task` per trade number that took effect (code = the port function,
 * identifiers = the trade number and the receipt number, input = the canonical request, output =
 * the answer, the receipt and the money), written in the same transaction as the trade's effects,
 * so a trade and its effects commit together or not at all. It makes every changing call
 * idempotent across bridge workers and restarts, and every trade number answerable.
 */

export interface Receipt {
  title: string;
  fields: { label: string; value: string }[];
  lines: { name: string; amountFen: number }[];
  totalFen: number;
  payment?: Payment;
}

/** A patient as a trade names them: the server's reference and the HIS patient number. */
export interface PatientHandle {
  reference: string;
  patientId: string;
}

export interface TradeRecord<T> {
  result: T;
  patient: PatientHandle;
  /** The resource the trade is about: the appointment, the stay, the report, a bill. */
  focus?: Reference;
  hisReceiptNo: string;
  paidFen: number;
  refundFen: number;
  settledAt: string;
  receipt: Receipt;
}

/** Where the trade book's own records will be, for effects that reference them. */
export interface TradeRefs {
  /** The PaymentReconciliation of a trade that moves money. */
  reconciliation: string;
}

/** A trade's effects, ready to commit: every write guarded by `If-Match` on what it read. */
export interface TradePlan<T> {
  entries: BundleEntry[];
  record: TradeRecord<T>;
  /**
   * Looks at the committed answers to `entries`: an error means the server took the trade another
   * way than planned (a conditional create found a record after all), so the trade record is
   * withdrawn, and the error thrown (a HisError) or the trade planned again (a VersionConflict).
   */
  refuse?: (reply: BundleEntry[]) => HisError | VersionConflict | undefined;
}

/** The receipt number prefixes of the hospital, as the simulator and the vendor interface use them. */
export const receiptPrefix: Record<TradeKind, string> = {
  createPatient: 'JK', register: 'GH', bookAppointment: 'YY', checkIn: 'QH', cancelAppointment: 'TH', settle: 'SF',
  recharge: 'CZ', refundBalance: 'TF', payDeposit: 'YJ', dischargeSettle: 'CY', markReportPrinted: 'DY',
};

/** Identifier systems of the payment evidence, as the channels number it. */
const paymentSystems = { card: 'urn:zizhu:id:bank-rrn', qr: 'urn:zizhu:id:qr-channel-trade-no' } as const;

export function receiptNo(ctx: FhirContext, kind: TradeKind): string {
  return businessNumber(receiptPrefix[kind], ctx.now());
}

export function nowIso(ctx: FhirContext): string {
  return shanghaiIso(ctx.now());
}

export function patientReference(handle: PatientHandle, ctx: FhirContext): Reference<Patient> {
  return { reference: handle.reference, identifier: { system: ctx.systems.patientId, value: handle.patientId } };
}

function parameter(name: string): TaskInput['type'] {
  return { coding: [{ system: codes.taskParameter, code: name }] };
}

function output(task: Task, name: string): TaskOutput | undefined {
  return task.output?.find((o) => o.type.coding?.some((c) => c.system === codes.taskParameter && c.code === name));
}

function kindOf(task: Task): TradeKind {
  const code = task.code?.coding?.find((c) => c.system === codes.task)?.code;
  if (!(tradeKinds as readonly string[]).includes(code ?? '')) throw unreadable(`trade Task/${task.id} names no port function`);
  return code as TradeKind;
}

/** The search that finds a trade number's record; also the condition its creation is guarded by. */
function tradeSearch(ctx: FhirContext, tradeNo: string): string {
  return `identifier=${encodeURIComponent(ctx.systems.tradeNo)}|${encodeURIComponent(tradeNo)}`;
}

async function findTrade(ctx: FhirContext, tradeNo: string): Promise<Task | undefined> {
  const found = await ctx.fhir.search<Task>('Task', { identifier: `${ctx.systems.tradeNo}|${tradeNo}` });
  const trades = found.filter((t) => t.code?.coding?.some((c) => c.system === codes.task && (tradeKinds as readonly string[]).includes(c.code ?? '')));
  if (trades.length > 1) throw new HisError('REJECTED', `the HIS holds ${trades.length} trade records for trade number ${tradeNo}`, { tradeNo });
  return trades[0];
}

function tradeTask<T>(ctx: FhirContext, kind: TradeKind, tradeNo: string, canonical: string, record: TradeRecord<T>): Task {
  const { receipt, ...rest } = record;
  return {
    resourceType: 'Task',
    identifier: [{ system: ctx.systems.tradeNo, value: tradeNo }, { system: ctx.systems.receiptNo, value: rest.hisReceiptNo }],
    status: 'completed',
    intent: 'order',
    code: { coding: [{ system: codes.task, code: kind }] },
    for: patientReference(rest.patient, ctx),
    ...(rest.focus ? { focus: rest.focus } : {}),
    authoredOn: rest.settledAt,
    lastModified: rest.settledAt,
    input: [{ type: parameter('request'), valueString: canonical }],
    output: [
      { type: parameter('result'), valueString: JSON.stringify(rest.result) },
      { type: parameter('receipt'), valueString: JSON.stringify(receipt) },
      { type: parameter('paid'), valueMoney: money(rest.paidFen) },
      { type: parameter('refund'), valueMoney: money(rest.refundFen) },
    ],
  };
}

function paymentIdentifier(payment: Payment | undefined): Identifier | undefined {
  if (payment?.method === 'card') return { system: paymentSystems.card, value: payment.rrn };
  if (payment?.method === 'qr') return { system: paymentSystems.qr, value: payment.channelTradeNo };
  return undefined;
}

/** The finance department's record of the money a trade moved, for its reconciliation (对账). */
function reconciliation<T>(ctx: FhirContext, tradeNo: string, record: TradeRecord<T>, fullUrl: string): BundleEntry[] {
  if (record.paidFen === 0 && record.refundFen === 0) return [];
  const evidence = paymentIdentifier(record.receipt.payment);
  const detail: PaymentReconciliation['detail'] = [];
  if (record.paidFen > 0) detail.push({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'payment' }] }, amount: money(record.paidFen), date: record.settledAt.slice(0, 10), ...(record.focus ? { request: record.focus } : {}) });
  if (record.refundFen > 0) detail.push({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'adjustment' }] }, amount: money(-record.refundFen), date: record.settledAt.slice(0, 10), ...(record.focus ? { request: record.focus } : {}) });
  const resource: PaymentReconciliation = {
    resourceType: 'PaymentReconciliation',
    identifier: [{ system: ctx.systems.tradeNo, value: tradeNo }, { system: ctx.systems.receiptNo, value: record.hisReceiptNo }],
    status: 'active',
    created: record.settledAt,
    paymentDate: record.settledAt.slice(0, 10),
    paymentAmount: money(record.paidFen - record.refundFen),
    ...(evidence ? { paymentIdentifier: evidence } : {}),
    outcome: 'complete',
    disposition: record.receipt.title,
    detail,
  };
  return [{ fullUrl, resource, request: { method: 'POST', url: 'PaymentReconciliation' } }];
}

/** The first answer to a trade number, or TRADE_CONFLICT when it came with another call. */
function repeatOf<T>(task: Task, kind: TradeKind, canonical: string, tradeNo: string): T {
  const done = kindOf(task);
  const request = task.input?.find((i) => i.type.coding?.some((c) => c.system === codes.taskParameter && c.code === 'request'))?.valueString;
  if (done !== kind || request !== canonical) {
    throw new HisError('TRADE_CONFLICT', `trade number ${tradeNo} was used for another ${done === kind ? 'request' : 'function'}`, { tradeNo, kind: done });
  }
  const result = output(task, 'result')?.valueString;
  if (result === undefined) throw unreadable(`trade Task/${task.id} holds no answer`);
  return JSON.parse(result) as T;
}

/**
 * Runs a trade once per trade number. The trade book decides first, so a retry after a lost
 * answer gets the first answer even when a hold or a pre-settle has expired since. `plan` reads
 * what the trade changes and returns its writes, updates guarded by `If-Match`; when another writer
 * got there first the server refuses the whole transaction and the trade is planned again from a
 * fresh read, which turns a lost race into the definite answer it deserves (SLOT_FULL, BILL_NOT_PAYABLE).
 */
export async function runTrade<T>(ctx: FhirContext, kind: TradeKind, tradeNo: string, request: object, plan: (refs: TradeRefs) => Promise<TradePlan<T>>): Promise<T> {
  assertTradeNo(tradeNo);
  const canonical = canonicalJson(request);
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const done = await findTrade(ctx, tradeNo);
    if (done) return repeatOf<T>(done, kind, canonical, tradeNo);
    const refs: TradeRefs = { reconciliation: `urn:uuid:${crypto.randomUUID()}` };
    const { entries, record, refuse } = await plan(refs);
    // Two workers with one trade number: where an effect is guarded by If-Match, the second one's
    // transaction fails on it; where none is, the record itself is created only if absent. Only
    // then, since Medplum caps a transaction holding a conditional create at 8 entries.
    const guarded = entries.some((e) => e.request?.ifMatch !== undefined);
    const task: BundleEntry = {
      fullUrl: `urn:uuid:${crypto.randomUUID()}`,
      resource: tradeTask(ctx, kind, tradeNo, canonical, record),
      request: { method: 'POST', url: 'Task', ...(guarded ? {} : { ifNoneExist: tradeSearch(ctx, tradeNo) }) },
    };
    let reply: BundleEntry[];
    try {
      reply = await ctx.fhir.transaction([...entries, ...reconciliation(ctx, tradeNo, record, refs.reconciliation), task]);
    } catch (e) {
      if (e instanceof VersionConflict) continue;
      throw e;
    }
    // 201: this call wrote the record. 200: another call with this trade number did, and answers.
    if (!reply.at(-1)?.response?.status.startsWith('201')) continue;
    const refusal = refuse?.(reply.slice(0, entries.length));
    if (refusal) {
      await withdraw(ctx, reply.slice(entries.length));
      if (refusal instanceof VersionConflict) continue;
      throw refusal;
    }
    return JSON.parse(JSON.stringify(record.result)) as T;
  }
  throw new HisError('REJECTED', `the HIS records kept changing under this ${kind}; nothing was changed, try again`, { tradeNo, kind });
}

/** Deletes the trade book's own records of a trade the server took another way: the trade number is free again. */
async function withdraw(ctx: FhirContext, written: BundleEntry[]): Promise<void> {
  const locations = written.map(writtenRef);
  if (locations.some((l) => l === undefined)) throw unreadable('a transaction answer names no location');
  await ctx.fhir.transaction(locations.map((url) => ({ request: { method: 'DELETE', url: url! } })));
}

/** Throws TRADE_CONFLICT when the trade number already did something: a preparation must not follow its own trade. */
export async function assertTradeOpen(ctx: FhirContext, tradeNo: string): Promise<void> {
  assertTradeNo(tradeNo);
  const done = await findTrade(ctx, tradeNo);
  if (done) throw new HisError('TRADE_CONFLICT', `trade number ${tradeNo} is already settled`, { tradeNo, kind: kindOf(done) });
}

export async function queryTrade(ctx: FhirContext, tradeNo: string): Promise<TradeStatus> {
  assertTradeNo(tradeNo);
  const task = await findTrade(ctx, tradeNo);
  if (!task) return { state: 'notFound' };
  return {
    state: 'settled', kind: kindOf(task), hisReceiptNo: receiptOf(ctx, task),
    paidFen: fenOf(output(task, 'paid')?.valueMoney, 'paid'), refundFen: fenOf(output(task, 'refund')?.valueMoney, 'refund'),
    settledAt: localIso(task.authoredOn, 'authoredOn'),
  };
}

function receiptOf(ctx: FhirContext, task: Task): string {
  const value = identifierValue(task, ctx.systems.receiptNo);
  if (!value) throw unreadable(`trade Task/${task.id} has no receipt number`);
  return value;
}

export async function receiptData(ctx: FhirContext, tradeNo: string, patientId: string): Promise<ReceiptData> {
  assertTradeNo(tradeNo);
  assertText(patientId, 'patientId');
  const task = await findTrade(ctx, tradeNo);
  // Another patient's receipt is as absent as a trade that never happened.
  if (!task || task.for?.identifier?.value !== patientId) throw new HisError('NOT_FOUND', 'no receipt of that trade for this patient', { tradeNo });
  const text = output(task, 'receipt')?.valueString;
  if (text === undefined) throw unreadable(`trade Task/${task.id} holds no receipt`);
  const receipt = JSON.parse(text) as Receipt;
  return {
    hisReceiptNo: receiptOf(ctx, task), tradeNo, kind: kindOf(task), title: receipt.title, patientId,
    fields: receipt.fields, lines: receipt.lines, totalFen: receipt.totalFen,
    paidFen: fenOf(output(task, 'paid')?.valueMoney, 'paid'), refundFen: fenOf(output(task, 'refund')?.valueMoney, 'refund'),
    ...(receipt.payment ? { payment: receipt.payment } : {}),
    settledAt: localIso(task.authoredOn, 'authoredOn'),
  };
}

import type { Account, ChargeItem, Claim, ClaimResponse, Encounter, Invoice, Patient as FhirPatient, PaymentNotice } from '@medplum/fhirtypes';
import {
  HisError,
  type Deposit,
  type DepositMethod,
  type DepositRefund,
  type DepositRequest,
  type DepositResult,
  type DischargeCheck,
  type DischargePreSettlement,
  type DischargePreSettleRequest,
  type DischargeSettlement,
  type DischargeSettleRequest,
  type InpatientCostItem,
  type InpatientCosts,
  type InpatientInfo,
  type InpatientQuery,
} from '../port.ts';
import { compactDate, shanghaiDate } from '../sim/time.ts';
import { assertAmount, assertPayment, assertPositiveFen, assertText, invalid } from '../sim/validate.ts';
import type { FhirContext } from './context.ts';
import { completed, createPreSettle, findPreSettle } from './pre-settles.ts';
import { codes, extensions } from './systems.ts';
import { assertTradeOpen, nowIso, receiptNo, runTrade, type PatientHandle, type TradePlan } from './trades.ts';
import { extension, fenOf, identifierValue, localIso, money, postEntry, putEntry, refId, unreadable } from './values.ts';

/**
 * Inpatients (docs/fhir-adapter.md §3). A stay is an `Encounter` of class IMP (identifier = the
 * 住院号) with its `Account`; its costs are `ChargeItem`s in that Encounter's context, its
 * deposits `PaymentNotice`s to the Account. What R4 lacks is approximated: a discharge order is
 * `hospitalization.dischargeDisposition` being set, insurance is the Account's `coverage`, and
 * the fund's share of an insured stay is what the insurer's `ClaimResponse` (benefit total) for
 * the stay's `Claim` says: a FHIR server adjudicates nothing. Settling discharges is no standard
 * FHIR operation: the adapter finishes the Encounter, closes the Account and issues a `balanced`
 * Invoice with the electronic invoice number, in one transaction.
 */

/** The most one deposit may add at a kiosk. */
export const depositLimitFen = 5_000_000;

interface Stay {
  encounter: Encounter;
  account: Account;
  patient: PatientHandle;
  costs: ChargeItem[];
  /** Newest first: the order in which a surplus is refunded. */
  deposits: Deposit[];
}

type Figures = Omit<DischargePreSettlement, 'preSettleId' | 'admissionNo' | 'expiresAt'>;

const inpatientClass = `${codes.actCode}|IMP`;

async function stayOf(ctx: FhirContext, encounter: Encounter): Promise<Stay> {
  const accountId = refId(encounter.account?.[0], 'Account');
  const patientRef = encounter.subject?.reference;
  if (!accountId || !patientRef) throw unreadable(`the stay Encounter/${encounter.id} has no Account or patient`);
  const [account, costs, notices, patientId] = await Promise.all([
    ctx.fhir.read<Account>('Account', accountId),
    ctx.fhir.search<ChargeItem>('ChargeItem', { context: `Encounter/${encounter.id}` }),
    ctx.fhir.search<PaymentNotice>('PaymentNotice', { request: `Account/${accountId}` }),
    encounter.subject?.identifier?.value ?? ctx.fhir.read<FhirPatient>('Patient', refId(encounter.subject, 'Patient') ?? '').then((p) => identifierValue(p, ctx.systems.patientId)),
  ]);
  if (!account || !patientId) throw unreadable(`the stay Encounter/${encounter.id} names an Account or patient the server does not hold`);
  const deposits = notices
    .filter((n) => n.status === 'active')
    .map((n): Deposit => {
      const depositNo = identifierValue(n, ctx.systems.depositNo);
      const method = extension(n, extensions.paymentMethod)?.valueCode as DepositMethod | undefined;
      if (!depositNo || !method) throw unreadable(`PaymentNotice/${n.id} has no deposit number or method`);
      const tradeNo = identifierValue(n, ctx.systems.tradeNo);
      return { depositNo, amountFen: fenOf(n.amount, `deposit ${depositNo}`), method, paidAt: localIso(n.created, `deposit ${depositNo}`), ...(tradeNo ? { tradeNo } : {}) };
    })
    .sort((a, b) => b.paidAt.localeCompare(a.paidAt) || b.depositNo.localeCompare(a.depositNo));
  return { encounter, account, patient: { reference: patientRef, patientId }, costs: costs.filter((c) => c.status !== 'entered-in-error' && c.status !== 'aborted'), deposits };
}

async function admission(ctx: FhirContext, admissionNo: unknown): Promise<Stay> {
  assertText(admissionNo, 'admissionNo');
  const encounter = await ctx.fhir.searchOne<Encounter>('Encounter', { identifier: `${ctx.systems.admissionNo}|${admissionNo}`, class: inpatientClass });
  if (!encounter) throw new HisError('NOT_FOUND', 'no such admission', { admissionNo });
  return stayOf(ctx, encounter);
}

function costOf(item: ChargeItem): number {
  return fenOf(item.priceOverride, `the price of ${item.code.text}`) * (item.quantity?.value ?? 1);
}

function info(ctx: FhirContext, stay: Stay): InpatientInfo {
  const { encounter } = stay;
  const admissionNo = identifierValue(encounter, ctx.systems.admissionNo)!;
  const place = (code: string) => encounter.location?.find((l) => l.physicalType?.coding?.some((c) => c.code === code))?.location.display ?? '';
  const depositFen = stay.deposits.reduce((sum, d) => sum + d.amountFen, 0);
  const costFen = stay.costs.reduce((sum, c) => sum + costOf(c), 0);
  return {
    admissionNo, patientId: stay.patient.patientId, deptName: encounter.serviceProvider?.display ?? '', ward: place('wa'), bed: place('bd'),
    admittedAt: localIso(encounter.period?.start, `the admission of ${admissionNo}`),
    state: encounter.status === 'finished' ? 'discharged' : 'inHospital',
    dischargeOrdered: encounter.hospitalization?.dischargeDisposition !== undefined,
    insured: (stay.account.coverage ?? []).length > 0,
    depositFen, costFen, balanceFen: depositFen - costFen, deposits: stay.deposits,
  };
}

export async function inpatientInfo(ctx: FhirContext, query: InpatientQuery): Promise<InpatientInfo> {
  const { patientId, admissionNo } = query as { patientId?: unknown; admissionNo?: unknown };
  if ((patientId === undefined) === (admissionNo === undefined)) throw invalid('patientId', 'or admissionNo, exactly one of them, is required');
  if (admissionNo !== undefined) return info(ctx, await admission(ctx, admissionNo));
  assertText(patientId, 'patientId');
  const patient = await ctx.fhir.searchOne<FhirPatient>('Patient', { identifier: `${ctx.systems.patientId}|${patientId}` });
  const stays = patient ? await ctx.fhir.search<Encounter>('Encounter', { subject: `Patient/${patient.id}`, class: inpatientClass }) : [];
  const latest = stays.sort((a, b) => Date.parse(b.period?.start ?? '') - Date.parse(a.period?.start ?? ''))[0];
  if (!latest) throw new HisError('NOT_FOUND', 'no admission of this patient', { patientId });
  return info(ctx, await stayOf(ctx, latest));
}

/** The day a cost was incurred: `occurrenceDateTime`, a date or an instant, as the hospital's business day. */
function costDay(item: ChargeItem): string {
  const when = item.occurrenceDateTime;
  if (when && /^\d{4}-\d{2}-\d{2}$/.test(when)) return when;
  const ms = Date.parse(when ?? '');
  if (Number.isNaN(ms)) throw unreadable(`ChargeItem/${item.id} has no occurrenceDateTime`);
  return shanghaiDate(ms);
}

/**
 * 住院费用清单: the stay's ChargeItems by day, then in the order they were entered (`enteredDate`).
 * R4 gives a ChargeItem no billing category, so the 住院收费 category is an extension; a line
 * without one is 其他, as on the hospital's own lists.
 */
export async function inpatientCosts(ctx: FhirContext, admissionNo: unknown): Promise<InpatientCosts> {
  const stay = await admission(ctx, admissionNo);
  const { patientId, deptName, ward, bed, admittedAt, state } = info(ctx, stay);
  const lines = stay.costs.map((c) => ({
    entered: c.enteredDate ?? '',
    id: c.id ?? '',
    item: {
      date: costDay(c), category: extension(c, extensions.costCategory)?.valueString ?? '其他', name: c.code.text ?? c.code.coding?.[0]?.display ?? '',
      qty: c.quantity?.value ?? 1, unit: c.quantity?.unit ?? '', priceFen: fenOf(c.priceOverride, `the price of ${c.code.text}`), amountFen: costOf(c),
    } satisfies InpatientCostItem,
  }));
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  lines.sort((a, b) => order(a.item.date, b.item.date) || Date.parse(a.entered) - Date.parse(b.entered) || order(a.id, b.id));
  return { admissionNo: identifierValue(stay.encounter, ctx.systems.admissionNo)!, patientId, deptName, ward, bed, admittedAt, state, items: lines.map((l) => l.item) };
}

export async function payDeposit(ctx: FhirContext, request: DepositRequest): Promise<DepositResult> {
  assertText(request.admissionNo, 'admissionNo');
  assertPayment(request.payment);
  const payment = request.payment;
  assertPositiveFen(payment.amountFen, 'payment.amountFen');
  if (payment.amountFen > depositLimitFen) throw invalid('payment.amountFen', `must be at most ${depositLimitFen} fen`);
  if (payment.method === 'insurance') throw invalid('payment.method', 'must be card, cash or qr: insurance pays no deposit');
  return runTrade(ctx, 'payDeposit', request.tradeNo, request, async (refs): Promise<TradePlan<DepositResult>> => {
    const stay = await admission(ctx, request.admissionNo);
    const before = info(ctx, stay);
    if (before.state !== 'inHospital') throw new HisError('NOT_ALLOWED', 'the patient has been discharged', { admissionNo: before.admissionNo });
    // The receipt number is the deposit's number, as on the paper 预交金收据.
    const depositNo = receiptNo(ctx, 'payDeposit');
    const settledAt = nowIso(ctx);
    const notice: PaymentNotice = {
      resourceType: 'PaymentNotice',
      identifier: [{ system: ctx.systems.depositNo, value: depositNo }, { system: ctx.systems.tradeNo, value: request.tradeNo }],
      status: 'active',
      request: { reference: `Account/${stay.account.id}` },
      created: settledAt,
      paymentDate: settledAt.slice(0, 10),
      amount: money(payment.amountFen),
      recipient: stay.account.owner ?? stay.encounter.serviceProvider ?? { display: 'hospital' },
      payment: { reference: refs.reconciliation },
      extension: [{ url: extensions.paymentMethod, valueCode: payment.method }],
    };
    const depositFen = before.depositFen + payment.amountFen;
    return {
      // The Account is written back unchanged under If-Match: two deposits to one stay take turns.
      entries: [putEntry(stay.account), postEntry(notice)],
      record: {
        result: { depositNo, amountFen: payment.amountFen, depositFen, balanceFen: depositFen - before.costFen, hisReceiptNo: depositNo, settledAt },
        patient: stay.patient, focus: { reference: `Encounter/${stay.encounter.id}` }, hisReceiptNo: depositNo, paidFen: payment.amountFen, refundFen: 0, settledAt,
        receipt: {
          title: '住院预交金凭条',
          fields: [{ label: '住院号', value: before.admissionNo }, { label: '病区床位', value: `${before.ward} ${before.bed}床` }],
          lines: [{ name: '住院预交金', amountFen: payment.amountFen }], totalFen: payment.amountFen, payment,
        },
      },
    };
  });
}

function check(ctx: FhirContext, stay: Stay): DischargeCheck {
  const { admissionNo, state, dischargeOrdered } = info(ctx, stay);
  const reasons: DischargeCheck['reasons'] = [];
  if (state === 'discharged') reasons.push({ code: 'DISCHARGED', message: '已办理出院结算' });
  else if (!dischargeOrdered) reasons.push({ code: 'NO_DISCHARGE_ORDER', message: '医生尚未开具出院医嘱' });
  return { admissionNo, eligible: reasons.length === 0, reasons };
}

export async function dischargeCheck(ctx: FhirContext, admissionNo: string): Promise<DischargeCheck> {
  return check(ctx, await admission(ctx, admissionNo));
}

function assertEligible(ctx: FhirContext, stay: Stay): void {
  const c = check(ctx, stay);
  if (!c.eligible) throw new HisError('NOT_ALLOWED', c.reasons.map((r) => r.message).join('；'), { admissionNo: c.admissionNo, reasons: c.reasons.map((r) => r.code) });
}

/** The fund's share of an insured stay, as the insurer's latest complete ClaimResponse for its Claim states it. */
async function fundShare(ctx: FhirContext, stay: Stay): Promise<number> {
  if ((stay.account.coverage ?? []).length === 0) return 0;
  const claims = await ctx.fhir.search<Claim>('Claim', { encounter: `Encounter/${stay.encounter.id}` });
  const responses = claims.length === 0 ? [] : await ctx.fhir.search<ClaimResponse>('ClaimResponse', { request: claims.map((c) => `Claim/${c.id}`).join(',') });
  const latest = responses.filter((r) => r.outcome === 'complete').sort((a, b) => Date.parse(b.created) - Date.parse(a.created))[0];
  const benefit = latest?.total?.find((t) => t.category.coding?.some((c) => c.system === codes.adjudication && c.code === 'benefit'));
  if (!benefit) throw new HisError('NOT_ALLOWED', '医保结算信息尚未就绪', { admissionNo: identifierValue(stay.encounter, ctx.systems.admissionNo), reasons: ['NO_INSURANCE_ADJUDICATION'] });
  return fenOf(benefit.amount, 'the insurance benefit');
}

async function figures(ctx: FhirContext, stay: Stay): Promise<Figures> {
  const { costFen: totalFen, depositFen } = info(ctx, stay);
  const fundFen = await fundShare(ctx, stay);
  const selfFen = totalFen - fundFen;
  return { totalFen, fundFen, acctFen: 0, selfFen, depositFen, dueFen: Math.max(0, selfFen - depositFen), refundFen: Math.max(0, depositFen - selfFen) };
}

export async function dischargePreSettle(ctx: FhirContext, request: DischargePreSettleRequest): Promise<DischargePreSettlement> {
  await assertTradeOpen(ctx, request.tradeNo);
  const stay = await admission(ctx, request.admissionNo);
  assertEligible(ctx, stay);
  const f = await figures(ctx, stay);
  const admissionNo = identifierValue(stay.encounter, ctx.systems.admissionNo)!;
  const { preSettleId, expiresAt } = await createPreSettle(ctx, 'dischargePreSettle', request.tradeNo, stay.patient, { admissionNo, ...f }, { reference: `Encounter/${stay.encounter.id}` });
  return { preSettleId, admissionNo, ...f, expiresAt };
}

/** Splits the surplus over the deposits, newest first, so each part goes back on the channel that paid it. */
function refundParts(deposits: Deposit[], refundFen: number): DepositRefund[] {
  const parts: DepositRefund[] = [];
  let left = refundFen;
  for (const d of deposits) {
    if (left === 0) break;
    const amountFen = Math.min(left, d.amountFen);
    parts.push({ depositNo: d.depositNo, method: d.method, amountFen, ...(d.tradeNo !== undefined ? { tradeNo: d.tradeNo } : {}) });
    left -= amountFen;
  }
  return parts;
}

export async function dischargeSettle(ctx: FhirContext, request: DischargeSettleRequest): Promise<DischargeSettlement> {
  assertText(request.preSettleId, 'preSettleId');
  if (request.payment !== undefined) assertPayment(request.payment);
  return runTrade(ctx, 'dischargeSettle', request.tradeNo, request, async (): Promise<TradePlan<DischargeSettlement>> => {
    const pre = await findPreSettle<Figures & { admissionNo: string }>(ctx, 'dischargePreSettle', request.preSettleId, request.tradeNo);
    const { admissionNo, ...shown } = pre.figures;
    const stay = await admission(ctx, admissionNo);
    assertEligible(ctx, stay);
    const f = await figures(ctx, stay);
    // A cost or deposit booked since the pre-settle changes what is due: the patient must see it first.
    if (JSON.stringify(f) !== JSON.stringify(shown)) throw new HisError('PRESETTLE_EXPIRED', 'the bill changed since the pre-settle; pre-settle again', { preSettleId: request.preSettleId });
    if (f.dueFen > 0) assertAmount(request.payment?.amountFen ?? 0, f.dueFen);
    else if (request.payment) throw invalid('payment', 'must be absent: the deposits cover the stay');
    const refunds = refundParts(stay.deposits, f.refundFen);
    const hisReceiptNo = receiptNo(ctx, 'dischargeSettle');
    const invoiceNo = `FP${compactDate(ctx.now())}${hisReceiptNo.slice(-10)}`;
    const settledAt = nowIso(ctx);
    const { deptName, admittedAt } = info(ctx, stay);
    const invoice: Invoice = {
      resourceType: 'Invoice',
      identifier: [{ system: ctx.systems.invoiceNo, value: invoiceNo }, { system: ctx.systems.tradeNo, value: request.tradeNo }],
      status: 'balanced',
      type: { text: '住院结算' },
      subject: { reference: stay.patient.reference },
      account: { reference: `Account/${stay.account.id}` },
      date: settledAt,
      lineItem: stay.costs.map((c, n) => ({ sequence: n + 1, chargeItemReference: { reference: `ChargeItem/${c.id}` }, priceComponent: [{ type: 'base', amount: money(costOf(c)) }] })),
      totalGross: money(f.totalFen),
      totalNet: money(f.selfFen),
    };
    const lines = [
      { name: '住院医疗费用合计', amountFen: f.totalFen },
      { name: '医保统筹支付', amountFen: f.fundFen },
      { name: '个人自付', amountFen: f.selfFen },
      { name: '预交金合计', amountFen: f.depositFen },
      f.dueFen > 0 ? { name: '出院补缴', amountFen: f.dueFen } : { name: '退还预交金', amountFen: f.refundFen },
    ];
    return {
      entries: [
        putEntry({ ...stay.encounter, status: 'finished' as const, period: { ...stay.encounter.period, end: settledAt } }),
        putEntry({ ...stay.account, status: 'inactive' as const }),
        postEntry(invoice),
        putEntry(completed(pre.task)),
      ],
      record: {
        result: {
          admissionNo, totalFen: f.totalFen, fundFen: f.fundFen, acctFen: f.acctFen, selfFen: f.selfFen, depositFen: f.depositFen,
          paidFen: f.dueFen, refundFen: f.refundFen, refunds, hisReceiptNo, invoiceNo, settledAt,
        },
        patient: stay.patient, focus: { reference: `Encounter/${stay.encounter.id}` }, hisReceiptNo, paidFen: f.dueFen, refundFen: f.refundFen, settledAt,
        receipt: {
          title: '出院结算凭条',
          fields: [{ label: '住院号', value: admissionNo }, { label: '科室', value: deptName }, { label: '入院时间', value: admittedAt.slice(0, 10) }, { label: '电子票据号', value: invoiceNo }],
          lines, totalFen: f.selfFen, ...(request.payment ? { payment: request.payment } : {}),
        },
      },
    };
  });
}

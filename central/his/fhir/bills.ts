import type { ChargeItem, CodeableConcept, Extension, Invoice } from '@medplum/fhirtypes';
import { formatYuan } from '../../../contract/money.ts';
import type { PaymentMethod } from '../../../contract/rpc.ts';
import { HisError, type Bill, type BillHistoryQuery, type BillItem, type PaidBill, type PreSettlement, type PreSettleRequest, type Settlement, type SettleRequest } from '../port.ts';
import { assertHistoryQuery } from '../sim/inquiry-args.ts';
import { assertAmount, assertInsuranceShare, assertPayment, assertText, invalid } from '../sim/validate.ts';
import type { FhirContext } from './context.ts';
import { isPatient, requirePatient, type FoundPatient } from './patients.ts';
import { completed, createPreSettle, findPreSettle } from './pre-settles.ts';
import { extensions, type FhirSystems } from './systems.ts';
import { assertTradeOpen, nowIso, receiptNo, runTrade, type PatientHandle, type TradePlan } from './trades.ts';
import { extension, fenOf, identifierValue, localIso, putEntry, refId, unreadable, withExtensions } from './values.ts';

/**
 * Outpatient bills (docs/fhir-adapter.md §3). A bill is an `Invoice` (identifier = the bill
 * number, `issuer` the department, a `participant` the doctor, `totalGross` its amount) whose
 * lines reference the `ChargeItem`s it bills (name, 医保对照 code, quantity with unit, unit
 * price). Those are `billed` from the moment the Invoice lists them, as FHIR defines it; what the
 * patient owes is the Invoice's state: `issued` is unpaid, `balanced` is paid. Settling moves the
 * Invoices to `balanced` under `If-Match`, so a bill paid at the counter meanwhile fails the
 * whole settle.
 * R4 links no payment to an Invoice, so a paid one carries how it was paid in an extension
 * (receipt number, time, method): the paid history reads the Invoices alone.
 */

/**
 * A bill item's `ChargeItem.code`: the name as text and, when the hospital maps the item (医保对照),
 * a coding in the national insurance catalogue. Written so by whoever keeps the server's bills.
 */
export function chargeItemCode(systems: FhirSystems, item: Pick<BillItem, 'name' | 'insuranceCode'>): CodeableConcept {
  return { text: item.name, ...(item.insuranceCode ? { coding: [{ system: systems.insuranceCatalogue, code: item.insuranceCode }] } : {}) };
}

/** The item's national catalogue code, or undefined when no coding of that system carries one. */
function insuranceCodeOf(ctx: FhirContext, code: CodeableConcept): string | undefined {
  return code.coding?.find((c) => c.system === ctx.systems.insuranceCatalogue && c.code)?.code;
}

function bill(ctx: FhirContext, invoice: Invoice, items: Map<string, ChargeItem>): Bill {
  const billNo = identifierValue(invoice, ctx.systems.billNo);
  if (!billNo) throw new HisError('INTERNAL', `the FHIR record cannot be read: Invoice/${invoice.id} has no bill number`);
  const lines = [...(invoice.lineItem ?? [])].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  return {
    billNo,
    amountFen: fenOf(invoice.totalGross, `the total of bill ${billNo}`),
    department: invoice.issuer?.display ?? '',
    doctor: invoice.participant?.[0]?.actor.display ?? '',
    createdAt: localIso(invoice.date, `the date of bill ${billNo}`),
    items: lines.map((line): BillItem => {
      const item = items.get(refId(line.chargeItemReference, 'ChargeItem') ?? '');
      const base = line.priceComponent?.find((p) => p.type === 'base');
      if (!item) throw new HisError('INTERNAL', `the FHIR record cannot be read: a line of bill ${billNo} names no ChargeItem`);
      const insuranceCode = insuranceCodeOf(ctx, item.code);
      return {
        name: item.code.text ?? item.code.coding?.[0]?.display ?? '',
        qty: item.quantity?.value ?? 1,
        unit: item.quantity?.unit ?? '',
        priceFen: fenOf(item.priceOverride, `the price of ${item.code.text}`),
        amountFen: fenOf(base?.amount, `a line of bill ${billNo}`),
        ...(insuranceCode ? { insuranceCode } : {}),
      };
    }),
  };
}

async function itemsOf(ctx: FhirContext, patient: PatientHandle): Promise<Map<string, ChargeItem>> {
  const items = await ctx.fhir.search<ChargeItem>('ChargeItem', { subject: patient.reference });
  return new Map(items.map((i) => [i.id!, i]));
}

export async function listBills(ctx: FhirContext, patientId: string): Promise<{ bills: Bill[] }> {
  const patient = await requirePatient(ctx, patientId);
  const [invoices, items] = await Promise.all([
    ctx.fhir.search<Invoice>('Invoice', { subject: patient.handle.reference, status: 'issued' }),
    itemsOf(ctx, patient.handle),
  ]);
  return { bills: invoices.map((i) => bill(ctx, i, items)).sort((a, b) => a.billNo.localeCompare(b.billNo)) };
}

/** The named bills, each unpaid and this patient's, or BILL_NOT_PAYABLE naming the first that is not. */
async function payableInvoices(ctx: FhirContext, patient: PatientHandle, billNos: string[]): Promise<Invoice[]> {
  const found = await ctx.fhir.search<Invoice>('Invoice', { identifier: billNos.map((n) => `${ctx.systems.billNo}|${n}`).join(',') });
  return billNos.map((billNo) => {
    const invoice = found.find((i) => identifierValue(i, ctx.systems.billNo) === billNo);
    if (!invoice || !isPatient(invoice.subject, patient) || invoice.status !== 'issued') {
      throw new HisError('BILL_NOT_PAYABLE', `bill ${String(billNo)} is not an unpaid bill of this patient`, { billNo });
    }
    return invoice;
  });
}

interface BillFigures {
  billNos: string[];
  totalFen: number;
  selfFen: number;
}

export async function preSettle(ctx: FhirContext, request: PreSettleRequest): Promise<PreSettlement> {
  await assertTradeOpen(ctx, request.tradeNo);
  const billNos: unknown = request.billNos;
  if (!Array.isArray(billNos) || billNos.length === 0 || new Set(billNos).size !== billNos.length || !billNos.every((n) => typeof n === 'string' && n.length > 0)) {
    throw invalid('billNos', 'must list one or more distinct bills');
  }
  const patient: FoundPatient = await requirePatient(ctx, request.patientId);
  const totalFen = (await payableInvoices(ctx, patient.handle, billNos as string[])).reduce((sum, i) => sum + fenOf(i.totalGross, 'a bill total'), 0);
  // Self-pay: a FHIR HIS adjudicates no insurance; the share comes from the platform at settle.
  const figures: BillFigures = { billNos: billNos as string[], totalFen, selfFen: totalFen };
  const { preSettleId, expiresAt } = await createPreSettle(ctx, 'preSettle', request.tradeNo, patient.handle, figures);
  return { preSettleId, totalFen, fundFen: 0, acctFen: 0, selfFen: totalFen, expiresAt };
}

export async function settle(ctx: FhirContext, request: SettleRequest): Promise<Settlement> {
  assertText(request.preSettleId, 'preSettleId');
  assertPayment(request.payment);
  if (request.insurance !== undefined) assertInsuranceShare(request.insurance);
  const { payment, insurance: share } = request;
  return runTrade(ctx, 'settle', request.tradeNo, request, async (): Promise<TradePlan<Settlement>> => {
    const pre = await findPreSettle<BillFigures>(ctx, 'preSettle', request.preSettleId, request.tradeNo);
    assertAmount(payment.amountFen, pre.figures.selfFen - (share ? share.fundFen + share.acctFen : 0));
    // A bill may have been paid at the counter between pre-settle and settle.
    const [invoices, items] = await Promise.all([payableInvoices(ctx, pre.patient, pre.figures.billNos), itemsOf(ctx, pre.patient)]);
    const bills = invoices.map((i) => bill(ctx, i, items));
    const settledAt = nowIso(ctx);
    const hisReceiptNo = receiptNo(ctx, 'settle');
    return {
      entries: [
        ...invoices.map((i) => putEntry({ ...i, status: 'balanced' as const, extension: withExtensions(i, { [extensions.invoicePayment]: paidWith(hisReceiptNo, settledAt, payment.method) }) })),
        putEntry(completed(pre.task)),
      ],
      record: {
        result: { hisReceiptNo, settledAt }, patient: pre.patient, focus: { reference: `Task/${pre.task.id}` },
        hisReceiptNo, paidFen: payment.amountFen, refundFen: 0, settledAt,
        receipt: {
          title: '门诊缴费凭条',
          fields: [
            { label: '缴费单号', value: bills.map((b) => b.billNo).join(',') },
            ...(share ? [{ label: '医保统筹支付', value: formatYuan(share.fundFen) }, { label: '个人账户支付', value: formatYuan(share.acctFen) }] : []),
          ],
          lines: bills.flatMap((b) => b.items.map((i) => ({ name: i.name, amountFen: i.amountFen }))),
          totalFen: pre.figures.selfFen, payment,
        },
      },
    };
  });
}

const paymentMethods: readonly PaymentMethod[] = ['card', 'qr', 'cash', 'insurance'];

/** The `invoicePayment` extension's content: what the paid history shows of the payment. */
export function paidWith(receiptNo: string, paidAt: string, method: PaymentMethod): Omit<Extension, 'url'> {
  return { extension: [{ url: 'receiptNo', valueString: receiptNo }, { url: 'paidAt', valueDateTime: paidAt }, { url: 'method', valueCode: method }] };
}

/** How a balanced Invoice was paid, or undefined for one that is no outpatient bill paid (a stay's final invoice). */
function paymentOf(invoice: Invoice): Pick<PaidBill, 'paidAt' | 'hisReceiptNo' | 'method'> | undefined {
  const payment = extension(invoice, extensions.invoicePayment);
  if (!payment) return undefined;
  const part = (url: string) => payment.extension?.find((e) => e.url === url);
  const hisReceiptNo = part('receiptNo')?.valueString;
  const method = part('method')?.valueCode as PaymentMethod | undefined;
  if (!hisReceiptNo || !method || !paymentMethods.includes(method)) throw unreadable(`Invoice/${invoice.id} names no receipt number or payment method`);
  return { paidAt: localIso(part('paidAt')?.valueDateTime, `the payment of Invoice/${invoice.id}`), hisReceiptNo, method };
}

/** `Invoice?subject=…&status=balanced`; R4 searches an Invoice by its own date, not its payment's, so the range is applied here. */
export async function billHistory(ctx: FhirContext, query: BillHistoryQuery): Promise<{ bills: PaidBill[] }> {
  assertHistoryQuery(query);
  const patient = await requirePatient(ctx, query.patientId);
  const [invoices, items] = await Promise.all([
    ctx.fhir.search<Invoice>('Invoice', { subject: patient.handle.reference, status: 'balanced' }),
    itemsOf(ctx, patient.handle),
  ]);
  const bills = invoices.flatMap((invoice): PaidBill[] => {
    const payment = paymentOf(invoice);
    const day = payment?.paidAt.slice(0, 10);
    return payment && day! >= query.from && day! <= query.to ? [{ ...bill(ctx, invoice, items), ...payment }] : [];
  });
  return { bills: bills.sort((a, b) => b.paidAt.localeCompare(a.paidAt) || (a.billNo < b.billNo ? -1 : a.billNo > b.billNo ? 1 : 0)) };
}

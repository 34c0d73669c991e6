import crypto from 'node:crypto';
import type { Account, BundleEntry, Extension } from '@medplum/fhirtypes';
import { formatYuan } from '../../../contract/money.ts';
import { assertFen, HisError, type AccountBalance, type BalanceRefund, type BalanceRefundRequest, type Recharge, type RechargeRequest } from '../port.ts';
import { assertPayment, assertPositiveFen, assertText, invalid } from '../sim/validate.ts';
import { VersionConflict } from './client.ts';
import type { FhirContext } from './context.ts';
import { requirePatient, type FoundPatient } from './patients.ts';
import { codes, extensions } from './systems.ts';
import { nowIso, patientReference, receiptNo, runTrade, type TradePlan } from './trades.ts';
import { extension, fenOf, money, putEntry, withExtensions } from './values.ts';

/**
 * The legacy outpatient prepaid account (门诊预交金): an `Account` of type `outpatient-prepaid`
 * for the patient. R4's Account has no balance, so it carries R5's `Account.balance` through the
 * cross-version extension, and every change of it is written under `If-Match`. Recharge is
 * NOT_OFFERED unless the hospital still runs prepaid accounts (a setting of the adapter, since a
 * FHIR server holds no such policy); balance and refund work either way.
 */

/** The most one recharge may add, as hospitals cap unattended cash-in. */
export const rechargeLimitFen = 500_000;

const prepaidType = { coding: [{ system: codes.accountType, code: 'outpatient-prepaid' }] };

function balanceOf(account: Account | undefined): number {
  const amount = extension(account, extensions.accountBalance)?.extension?.find((e) => e.url === 'amount')?.valueMoney;
  return amount ? fenOf(amount, `the balance of Account/${account?.id}`) : 0;
}

function balanceExtension(balanceFen: number): Omit<Extension, 'url'> {
  return {
    extension: [
      { url: 'aggregate', valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/account-aggregate', code: 'patient' }] } },
      { url: 'estimate', valueBoolean: false },
      { url: 'amount', valueMoney: money(balanceFen) },
    ],
  };
}

async function prepaidAccount(ctx: FhirContext, patient: FoundPatient): Promise<Account | undefined> {
  return ctx.fhir.searchOne<Account>('Account', { subject: patient.handle.reference, type: `${codes.accountType}|outpatient-prepaid` });
}

/** The account with its new balance: an update of the one read, or a new one made only if none exists meanwhile. */
function balanceEntry(ctx: FhirContext, patient: FoundPatient, account: Account | undefined, balanceFen: number): BundleEntry {
  if (account) return putEntry({ ...account, extension: withExtensions(account, { [extensions.accountBalance]: balanceExtension(balanceFen) }) });
  const created: Account = {
    resourceType: 'Account', status: 'active', type: prepaidType, name: '门诊预交金', subject: [patientReference(patient.handle, ctx)],
    extension: withExtensions({}, { [extensions.accountBalance]: balanceExtension(balanceFen) }),
  };
  return {
    fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: created,
    request: { method: 'POST', url: 'Account', ifNoneExist: `subject=${encodeURIComponent(patient.handle.reference)}&type=${encodeURIComponent(codes.accountType)}|outpatient-prepaid` },
  };
}

export async function accountBalance(ctx: FhirContext, patientId: string): Promise<AccountBalance> {
  const patient = await requirePatient(ctx, patientId);
  return { patientId: patient.handle.patientId, balanceFen: balanceOf(await prepaidAccount(ctx, patient)), rechargeOffered: ctx.settings.prepaid };
}

export async function recharge(ctx: FhirContext, request: RechargeRequest): Promise<Recharge> {
  assertText(request.patientId, 'patientId');
  assertPayment(request.payment);
  const payment = request.payment;
  assertPositiveFen(payment.amountFen, 'payment.amountFen');
  if (payment.amountFen > rechargeLimitFen) throw invalid('payment.amountFen', `must be at most ${rechargeLimitFen} fen`);
  return runTrade(ctx, 'recharge', request.tradeNo, request, async (): Promise<TradePlan<Recharge>> => {
    if (!ctx.settings.prepaid) throw new HisError('NOT_OFFERED', 'this hospital takes no prepayment', { fn: 'recharge' });
    const patient = await requirePatient(ctx, request.patientId);
    const account = await prepaidAccount(ctx, patient);
    const balanceFen = balanceOf(account) + payment.amountFen;
    const hisReceiptNo = receiptNo(ctx, 'recharge');
    const settledAt = nowIso(ctx);
    const entry = balanceEntry(ctx, patient, account, balanceFen);
    return {
      entries: [entry],
      record: {
        result: { amountFen: payment.amountFen, balanceFen, hisReceiptNo, settledAt }, patient: patient.handle,
        focus: { reference: account ? `Account/${account.id}` : entry.fullUrl! }, hisReceiptNo, paidFen: payment.amountFen, refundFen: 0, settledAt,
        receipt: { title: '预交金充值凭条', fields: [{ label: '充值后余额', value: formatYuan(balanceFen) }], lines: [{ name: '预交金充值', amountFen: payment.amountFen }], totalFen: payment.amountFen, payment },
      },
      // The first recharge of two at once made the account: this one's balance was computed without it.
      refuse: ([written]) => (written?.response?.status.startsWith('201') || account ? undefined : new VersionConflict('the prepaid account was made meanwhile')),
    };
  });
}

export async function refundBalance(ctx: FhirContext, request: BalanceRefundRequest): Promise<BalanceRefund> {
  assertText(request.patientId, 'patientId');
  assertFen(request.amountFen, 'amountFen');
  return runTrade(ctx, 'refundBalance', request.tradeNo, request, async (): Promise<TradePlan<BalanceRefund>> => {
    const patient = await requirePatient(ctx, request.patientId);
    const account = await prepaidAccount(ctx, patient);
    const balanceFen = balanceOf(account);
    if (!account || balanceFen === 0) throw new HisError('NOT_ALLOWED', 'the account holds no balance to refund', { patientId: request.patientId });
    // The whole balance, as shown to the patient: a stale screen must not refund a different sum.
    if (request.amountFen !== balanceFen) throw new HisError('AMOUNT_MISMATCH', 'the amount is not the balance', { expectedFen: balanceFen, paidFen: request.amountFen });
    const hisReceiptNo = receiptNo(ctx, 'refundBalance');
    const settledAt = nowIso(ctx);
    return {
      entries: [balanceEntry(ctx, patient, account, 0)],
      record: {
        result: { refundFen: balanceFen, balanceFen: 0, hisReceiptNo, settledAt }, patient: patient.handle, focus: { reference: `Account/${account.id}` },
        hisReceiptNo, paidFen: 0, refundFen: balanceFen, settledAt,
        receipt: { title: '预交金退费凭条', fields: [{ label: '退费后余额', value: formatYuan(0) }], lines: [{ name: '预交金余额退费', amountFen: balanceFen }], totalFen: balanceFen },
      },
    };
  });
}

import type { Bill, InsuranceCredential } from '../../../contract/rpc.ts';
import type { InsuranceShare } from '../../his/port.ts';
import { certTypes, infnos, isInsuranceError, type FeeLine, type InsuranceError, type InsurancePort, type Insured } from '../../insurance/port.ts';
import { failed, queryDelay, refused, txnIdOf, type OpOutcome, type SagaContext } from '../context.ts';
import type { LedgerTxn } from '../ledger.ts';

/**
 * The bridge's side of the national insurance platform for an outpatient bill (docs/insurance.md):
 * 1101 → 2201 → 2204 → 2206 at pre-settle (no money moves), 2207 at pay with its msgid in the
 * ledger before the call, 2601 on that msgid when 2207's outcome is unknown, 2208 to give a
 * settlement back when the HIS definitely refuses the bill.
 */

const certTypeOf: Record<InsuranceCredential['certType'], Insured['certType']> = {
  ecToken: certTypes.ecToken,
  idCard: certTypes.idCard,
  ssCard: certTypes.socialSecurityCard,
};

export interface InsuredSplit {
  fundFen: number;
  acctFen: number;
  selfFen: number;
}

function platform(ctx: SagaContext): InsurancePort | undefined {
  return ctx.insurance?.(ctx.kid);
}

function refusal(e: InsuranceError): OpOutcome {
  return e.kind === 'definite'
    ? failed('INSURANCE_REJECTED', `the insurance platform refused: ${e.detail.errMsg ?? e.message}`)
    : refused('INSURANCE_UNAVAILABLE', `the insurance platform did not answer: ${e.message}`);
}

/**
 * 2204's lines: each item under the national catalogue code the HIS maps it to (医保对照, the
 * item's `insuranceCode`), which decides whether the platform files it 甲类, 乙类 or 丙类; the
 * hospital's own line (bill number and line) stays `hospCode` either way. An item the HIS maps to
 * no code goes up as the hospital's own item (9…), which the platform files as 丙类: the fund
 * pays nothing for it and the personal account what it can.
 */
function feeLines(bills: Bill[]): FeeLine[] {
  return bills.flatMap((b) =>
    b.items.map((item, n) => {
      const hospCode = `${b.billNo}-${n + 1}`;
      return {
        feedetlSn: hospCode, listCode: item.insuranceCode ?? `9${hospCode}`, hospCode,
        name: item.name, qty: item.qty, priceFen: item.priceFen, amountFen: item.amountFen, occurredAt: Date.parse(b.createdAt),
      };
    }),
  );
}

/** 1101, 2201, 2204, 2206 for the bills of a pre-settle; the split and what 2207 needs go into the ledger. */
export async function presettleWithInsurance(ctx: SagaContext, credential: InsuranceCredential, bills: Bill[], totalFen: number): Promise<InsuredSplit | OpOutcome> {
  const insurance = platform(ctx);
  if (!insurance) return failed('NOT_OFFERED', 'this central settles no medical insurance');
  const txnId = txnIdOf(ctx);
  try {
    const person = await insurance.personInfo({ certType: certTypeOf[credential.certType], certNo: credential.certNo });
    const plan = person.insurances[0];
    if (!plan) return failed('INSURANCE_REJECTED', 'the patient holds no insurance the platform can settle');
    const insured: Insured = { psnNo: person.psnNo, insutype: plan.insutype, insuplcAdmdvs: plan.insuplcAdmdvs, certType: certTypeOf[credential.certType], certNo: credential.certNo };
    const first = bills[0]!;
    // The port names departments and doctors, not their codes: the platform files the names.
    const visit = { deptCode: first.department, deptName: first.department, doctorCode: first.doctor, doctorName: first.doctor };
    const { mdtrtId } = await insurance.register({ ...insured, hisVisitNo: first.billNo, ...visit });
    await insurance.uploadFees({ psnNo: insured.psnNo, insuplcAdmdvs: insured.insuplcAdmdvs, mdtrtId, chrgBchno: txnId, ...visit, lines: feeLines(bills) });
    const split = await insurance.preSettle({ ...insured, mdtrtId, chrgBchno: txnId, totalFen, useAccount: true });
    ctx.ledger.updateTxn(ctx.kid, txnId, {
      insState: 'presettled', insPsnNo: insured.psnNo, insMdtrtId: mdtrtId, insChrgBchno: txnId, insInsured: ctx.ledger.seal(insured),
      insTotalFen: split.totalFen, insFundFen: split.fundFen, insAcctFen: split.acctFen, insSelfFen: split.cashFen, dueFen: split.cashFen,
    });
    return { fundFen: split.fundFen, acctFen: split.acctFen, selfFen: split.cashFen };
  } catch (e) {
    if (!isInsuranceError(e)) throw e;
    return refusal(e);
  }
}

export type InsuranceSettleOutcome =
  | { kind: 'settled'; share: InsuranceShare }
  /** Nothing is settled (refused, or reversed after an unknown outcome): compensate the payment. */
  | { kind: 'refused'; outcome: OpOutcome }
  /** Settled for another amount than was collected: give it back (2208), then compensate the payment. */
  | { kind: 'mismatch'; outcome: OpOutcome }
  /** 2207 and its 2601 are both unknown: nobody knows whether the fund paid. */
  | { kind: 'unknown'; reason: string };

function insuredOf(ctx: SagaContext, txn: LedgerTxn): Insured {
  return ctx.ledger.unseal<Insured>(txn.insInsured!);
}

/** 2207 with its msgid journaled first; the settled split wins over the pre-settle's, and must match what was collected. */
export async function settleInsurance(ctx: SagaContext, collectedFen: number): Promise<InsuranceSettleOutcome> {
  const txnId = txnIdOf(ctx);
  const txn = ctx.ledger.txn(ctx.kid, txnId)!;
  const insurance = platform(ctx);
  if (!insurance) return { kind: 'refused', outcome: failed('NOT_OFFERED', 'this central settles no medical insurance') };
  const msgid = insurance.newMsgid();
  ctx.ledger.updateTxn(ctx.kid, txnId, { insState: 'settling', insMsgid: msgid, step: 'insSettle', stepAt: ctx.now() });
  ctx.ledger.appendEvent(ctx.kid, txnId, 'insurance.settle.intent', { msgid });
  try {
    const s = await insurance.settle({ ...insuredOf(ctx, txn), mdtrtId: txn.insMdtrtId!, chrgBchno: txn.insChrgBchno!, totalFen: txn.insTotalFen!, useAccount: true }, { msgid });
    ctx.ledger.updateTxn(ctx.kid, txnId, { insState: 'settled', insSetlId: s.setlId, insFundFen: s.fundFen, insAcctFen: s.acctFen, insSelfFen: s.cashFen });
    ctx.ledger.appendEvent(ctx.kid, txnId, 'insurance.settle.result', { msgid, setlId: s.setlId, fundFen: s.fundFen, acctFen: s.acctFen, cashFen: s.cashFen });
    if (s.cashFen !== collectedFen) {
      return { kind: 'mismatch', outcome: failed('AMOUNT_MISMATCH', `the insurance settlement leaves ${s.cashFen} fen to pay, not the ${collectedFen} collected: pre-settle again`) };
    }
    return { kind: 'settled', share: { setlId: s.setlId, mdtrtId: txn.insMdtrtId!, fundFen: s.fundFen, acctFen: s.acctFen } };
  } catch (e) {
    if (!isInsuranceError(e)) throw e;
    ctx.ledger.appendEvent(ctx.kid, txnId, 'insurance.settle.result', { msgid, code: e.code, kind: e.kind });
    if (e.kind === 'definite') {
      ctx.ledger.updateTxn(ctx.kid, txnId, { insState: 'presettled' });
      return { kind: 'refused', outcome: refusal(e) };
    }
  }
  return reverseUnknownSettle(ctx);
}

/** 2601 on the journaled 2207 msgid until the platform says; after it, 2207 has no effect either way. */
export async function reverseUnknownSettle(ctx: SagaContext): Promise<InsuranceSettleOutcome> {
  const txnId = txnIdOf(ctx);
  const txn = ctx.ledger.txn(ctx.kid, txnId)!;
  const insurance = platform(ctx);
  if (!insurance) return { kind: 'unknown', reason: 'no insurance platform to reverse the settlement with' };
  const insured = insuredOf(ctx, txn);
  let reason = '';
  for (let attempt = 0; attempt === 0 || ctx.now() < ctx.deadline; attempt += 1) {
    if (attempt > 0) await ctx.sleep(queryDelay(ctx, attempt - 1));
    try {
      const r = await insurance.reverse({ psnNo: insured.psnNo, insuplcAdmdvs: insured.insuplcAdmdvs, omsgid: txn.insMsgid!, oinfno: infnos.settle });
      ctx.ledger.updateTxn(ctx.kid, txnId, { insState: 'reversed' });
      ctx.ledger.appendEvent(ctx.kid, txnId, 'insurance.reverse.result', { omsgid: txn.insMsgid, reversed: r.reversed });
      return { kind: 'refused', outcome: failed('INSURANCE_UNAVAILABLE', 'the insurance settlement could not be confirmed and was reversed') };
    } catch (e) {
      if (!isInsuranceError(e)) throw e;
      reason = e.message;
      if (e.kind === 'definite') break;
    }
  }
  return { kind: 'unknown', reason: `the insurance settlement (msgid ${txn.insMsgid}) is not known and could not be reversed: ${reason}` };
}

/**
 * 2208 for a settlement the HIS refused; its msgid is journaled first. Returns false when the
 * platform has not confirmed it by the deadline: the step stays for the resolver to retry.
 */
export async function cancelInsurance(ctx: SagaContext): Promise<boolean> {
  const txnId = txnIdOf(ctx);
  const txn = ctx.ledger.txn(ctx.kid, txnId)!;
  const insurance = platform(ctx);
  if (!insurance || txn.insState !== 'settled' || !txn.insSetlId) return true;
  const insured = insuredOf(ctx, txn);
  for (let attempt = 0; attempt === 0 || ctx.now() < ctx.deadline; attempt += 1) {
    if (attempt > 0) await ctx.sleep(queryDelay(ctx, attempt - 1));
    const msgid = insurance.newMsgid();
    ctx.ledger.updateTxn(ctx.kid, txnId, { insCancelMsgid: msgid, step: 'insCancel', stepAt: ctx.now() });
    ctx.ledger.appendEvent(ctx.kid, txnId, 'insurance.cancel.intent', { msgid, setlId: txn.insSetlId });
    try {
      const c = await insurance.cancelSettlement({ setlId: txn.insSetlId, mdtrtId: txn.insMdtrtId!, psnNo: insured.psnNo, insuplcAdmdvs: insured.insuplcAdmdvs }, { msgid });
      ctx.ledger.updateTxn(ctx.kid, txnId, { insState: 'cancelled' });
      ctx.ledger.appendEvent(ctx.kid, txnId, 'insurance.cancel.result', { msgid, cancelSetlId: c.cancelSetlId, fundFen: c.fundFen, acctFen: c.acctFen });
      return true;
    } catch (e) {
      if (!isInsuranceError(e)) throw e;
      ctx.ledger.appendEvent(ctx.kid, txnId, 'insurance.cancel.result', { msgid, code: e.code, kind: e.kind });
      if (e.kind === 'definite') {
        // Refused after an attempt whose outcome was lost may mean it is already cancelled: reconciliation (3201) tells.
        ctx.ledger.updateTxn(ctx.kid, txnId, { reason: `insurance cancel refused: ${e.detail.errMsg ?? e.message}` });
        return true;
      }
    }
  }
  return false;
}

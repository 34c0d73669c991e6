import crypto from 'node:crypto';
import type { Patient as FhirPatient, Reference } from '@medplum/fhirtypes';
import { HisError, type CreatedPatient, type CreatePatientRequest, type CredType, type Patient, type PatientQuery } from '../port.ts';
import { isDate } from '../sim/time.ts';
import { assertAmount, assertOptionalText, assertPayment, assertText, invalid } from '../sim/validate.ts';
import type { FhirContext } from './context.ts';
import { extensions, type FhirSystems } from './systems.ts';
import { nowIso, receiptNo, runTrade, type PatientHandle } from './trades.ts';
import { businessNumber, identifierValue, refId, unreadable } from './values.ts';

/** Patients: `Patient?identifier=SYSTEM|VALUE` by any credential, and 建档 by conditional create on the ID number. */

const credSystems: Record<CredType, keyof FhirSystems> = { patientCard: 'patientCard', idCard: 'idNumber', insuranceCode: 'insuranceCode' };

export interface FoundPatient {
  resource: FhirPatient;
  handle: PatientHandle;
}

function found(ctx: FhirContext, resource: FhirPatient): FoundPatient {
  const patientId = identifierValue(resource, ctx.systems.patientId);
  if (!patientId) throw unreadable(`Patient/${resource.id} has no patient number`);
  return { resource, handle: { reference: `Patient/${resource.id}`, patientId } };
}

/** Whether a reference names this patient, however the server spells it (relative or absolute). */
export function isPatient(reference: Reference | undefined, patient: PatientHandle): boolean {
  const id = refId(reference, 'Patient');
  return id !== undefined && id === refId({ reference: patient.reference }, 'Patient');
}

/** The patient with that HIS patient number, or NOT_FOUND. */
export async function requirePatient(ctx: FhirContext, patientId: unknown): Promise<FoundPatient> {
  assertText(patientId, 'patientId');
  const resource = await ctx.fhir.searchOne<FhirPatient>('Patient', { identifier: `${ctx.systems.patientId}|${patientId}` });
  if (!resource) throw new HisError('NOT_FOUND', 'no such patient', { patientId });
  return found(ctx, resource);
}

function view(ctx: FhirContext, resource: FhirPatient): Patient {
  const { handle } = found(ctx, resource);
  const name = resource.name?.[0];
  const sex = resource.gender;
  if (sex !== 'male' && sex !== 'female') throw unreadable(`Patient/${resource.id} has no sex the kiosk can show`);
  return {
    patientId: handle.patientId,
    name: name?.text ?? [name?.family, ...(name?.given ?? [])].filter(Boolean).join(''),
    idNumber: identifierValue(resource, ctx.systems.idNumber) ?? '',
    cardNo: identifierValue(resource, ctx.systems.patientCard) ?? '',
    sex,
    birthDate: resource.birthDate ?? '',
  };
}

export async function identifyPatient(ctx: FhirContext, query: PatientQuery): Promise<Patient> {
  const system = Object.hasOwn(credSystems, query.credType) ? ctx.systems[credSystems[query.credType]] : undefined;
  if (!system) throw invalid('credType', 'must be patientCard, idCard or insuranceCode');
  assertText(query.credNo, 'credNo');
  // The check digit X is written in either case on forms; the register holds capitals.
  const credNo = query.credType === 'idCard' ? query.credNo.toUpperCase() : query.credNo;
  const resource = await ctx.fhir.searchOne<FhirPatient>('Patient', { identifier: `${system}|${credNo}` });
  if (!resource) throw new HisError('NOT_FOUND', `no patient with that ${query.credType}`, { credType: query.credType });
  return view(ctx, resource);
}

/** GB 11643-1999: weights 2^(17-i) mod 11 over the first 17 digits pick the check character. */
function idNumberValid(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id.slice(0, 17)].reduce((acc, digit, i) => acc + Number(digit) * weights[i]!, 0);
  return '10X98765432'[sum % 11] === id[17];
}

/** The checks a registration desk makes; a FHIR server makes none of them. */
function validate(request: CreatePatientRequest): string {
  assertText(request.name, 'name');
  if (request.sex !== 'male' && request.sex !== 'female') throw invalid('sex', 'must be male or female');
  if (!isDate(request.birthDate)) throw invalid('birthDate', 'must be a date YYYY-MM-DD');
  assertText(request.idNumber, 'idNumber');
  const idNumber = request.idNumber.toUpperCase();
  if (!idNumberValid(idNumber)) throw invalid('idNumber', 'must be an 18-character citizen ID number with a valid check digit');
  if (idNumber.slice(6, 14) !== request.birthDate.replaceAll('-', '')) throw invalid('birthDate', 'does not match the ID number');
  if ((Number(idNumber[16]) % 2 === 1 ? 'male' : 'female') !== request.sex) throw invalid('sex', 'does not match the ID number');
  assertOptionalText(request.nation, 'nation');
  assertOptionalText(request.address, 'address');
  if (typeof request.phone !== 'string' || !/^1\d{10}$/.test(request.phone)) throw invalid('phone', 'must be an 11-digit mobile number');
  if (typeof request.cardNo !== 'string' || !/^\d{10}$/.test(request.cardNo)) throw invalid('cardNo', 'must be the 10-digit number of a hospital card');
  if (request.payment !== undefined) assertPayment(request.payment);
  return idNumber;
}

/**
 * 建档发卡: a Patient with the new patient number, the ID number and the card, created on the
 * condition `If-None-Exist: identifier=<ID system>|<ID number>`, so one person never gets two
 * records even when two kiosks race; the one that loses gets ALREADY_EXISTS and leaves no trade.
 */
export async function createPatient(ctx: FhirContext, request: CreatePatientRequest): Promise<CreatedPatient> {
  const idNumber = validate(request);
  return runTrade(ctx, 'createPatient', request.tradeNo, request, async () => {
    const feeFen = ctx.settings.cardFeeFen;
    if (feeFen === 0 && request.payment) throw invalid('payment', 'must be absent: the card is free');
    if (feeFen > 0) {
      if (!request.payment) throw new HisError('AMOUNT_MISMATCH', 'the card fee is due', { expectedFen: feeFen, paidFen: 0 });
      assertAmount(request.payment.amountFen, feeFen);
    }
    const [byId, byCard] = await Promise.all([
      ctx.fhir.searchOne<FhirPatient>('Patient', { identifier: `${ctx.systems.idNumber}|${idNumber}` }),
      ctx.fhir.searchOne<FhirPatient>('Patient', { identifier: `${ctx.systems.patientCard}|${request.cardNo}` }),
    ]);
    if (byId) throw new HisError('ALREADY_EXISTS', 'a patient record already holds this ID number', { field: 'idNumber', patientId: identifierValue(byId, ctx.systems.patientId) });
    if (byCard) throw new HisError('ALREADY_EXISTS', 'this card is already issued to a patient', { field: 'cardNo' });

    const patientId = businessNumber('P', ctx.now(), false);
    const fullUrl = `urn:uuid:${crypto.randomUUID()}`;
    const patient: FhirPatient = {
      resourceType: 'Patient',
      identifier: [
        { system: ctx.systems.patientId, value: patientId },
        { system: ctx.systems.idNumber, value: idNumber },
        { system: ctx.systems.patientCard, value: request.cardNo },
      ],
      active: true,
      name: [{ use: 'official', text: request.name }],
      gender: request.sex,
      birthDate: request.birthDate,
      telecom: [{ system: 'phone', use: 'mobile', value: request.phone }],
      ...(request.address !== undefined ? { address: [{ text: request.address }] } : {}),
      ...(request.nation !== undefined ? { extension: [{ url: extensions.nation, valueString: request.nation }] } : {}),
    };
    const hisReceiptNo = receiptNo(ctx, 'createPatient');
    const createdAt = nowIso(ctx);
    return {
      entries: [{ fullUrl, resource: patient, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${encodeURIComponent(ctx.systems.idNumber)}|${idNumber}` } }],
      record: {
        result: { patientId, cardNo: request.cardNo, feeFen, hisReceiptNo, createdAt },
        patient: { reference: fullUrl, patientId }, focus: { reference: fullUrl },
        hisReceiptNo, paidFen: feeFen, refundFen: 0, settledAt: createdAt,
        receipt: {
          title: '建档发卡凭条', fields: [{ label: '病人ID', value: patientId }, { label: '就诊卡号', value: request.cardNo }],
          lines: feeFen > 0 ? [{ name: '就诊卡工本费', amountFen: feeFen }] : [], totalFen: feeFen,
          ...(request.payment ? { payment: request.payment } : {}),
        },
      },
      // 200 instead of 201: another kiosk registered this ID number since the check above.
      refuse: ([created]) => (created?.response?.status.startsWith('201') ? undefined : new HisError('ALREADY_EXISTS', 'a patient record already holds this ID number', { field: 'idNumber' })),
    };
  });
}

import { HisError, type CreatedPatient, type CreatePatientRequest, type CredType, type Patient, type PatientQuery } from '../port.ts';
import type { SimContext } from './context.ts';
import { nextNumber } from './db.ts';
import { isDate } from './time.ts';
import { nowIso, receiptNo, runTrade } from './trades.ts';
import { assertAmount, assertOptionalText, assertPayment, assertText, invalid } from './validate.ts';

const credColumns: Record<CredType, string> = { patientCard: 'card_no', idCard: 'id_number', insuranceCode: 'insurance_code' };

const patientSelect = 'SELECT patient_id AS patientId, name, id_number AS idNumber, card_no AS cardNo, sex, birth_date AS birthDate FROM patients';

export function identifyPatient(ctx: SimContext, query: PatientQuery): Patient {
  const column = Object.hasOwn(credColumns, query.credType) ? credColumns[query.credType] : undefined;
  if (!column) throw invalid('credType', 'must be patientCard, idCard or insuranceCode');
  assertText(query.credNo, 'credNo');
  // The check digit X is written in either case on forms; the register holds capitals.
  const credNo = query.credType === 'idCard' ? query.credNo.toUpperCase() : query.credNo;
  const patient = ctx.db.prepare<[string], Patient>(`${patientSelect} WHERE ${column} = ?`).get(credNo);
  if (!patient) throw new HisError('NOT_FOUND', `no patient with that ${query.credType}`, { credType: query.credType });
  return patient;
}

export function assertPatient(ctx: SimContext, patientId: unknown): asserts patientId is string {
  assertText(patientId, 'patientId');
  if (!ctx.db.prepare('SELECT 1 FROM patients WHERE patient_id = ?').get(patientId)) throw new HisError('NOT_FOUND', 'no such patient', { patientId });
}

/** GB 11643-1999: weights 2^(17-i) mod 11 over the first 17 digits pick the check character. */
export function idNumberValid(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id.slice(0, 17)].reduce((acc, digit, i) => acc + Number(digit) * weights[i]!, 0);
  return '10X98765432'[sum % 11] === id[17];
}

function validate(request: CreatePatientRequest): string {
  assertText(request.name, 'name');
  if (request.sex !== 'male' && request.sex !== 'female') throw invalid('sex', 'must be male or female');
  if (!isDate(request.birthDate)) throw invalid('birthDate', 'must be a date YYYY-MM-DD');
  assertText(request.idNumber, 'idNumber');
  const idNumber = request.idNumber.toUpperCase();
  if (!idNumberValid(idNumber)) throw invalid('idNumber', 'must be an 18-character citizen ID number with a valid check digit');
  // The reader read the chip; a mismatch means the form was filled in by hand, wrongly.
  if (idNumber.slice(6, 14) !== request.birthDate.replaceAll('-', '')) throw invalid('birthDate', 'does not match the ID number');
  if ((Number(idNumber[16]) % 2 === 1 ? 'male' : 'female') !== request.sex) throw invalid('sex', 'does not match the ID number');
  assertOptionalText(request.nation, 'nation');
  assertOptionalText(request.address, 'address');
  if (typeof request.phone !== 'string' || !/^1\d{10}$/.test(request.phone)) throw invalid('phone', 'must be an 11-digit mobile number');
  if (typeof request.cardNo !== 'string' || !/^\d{10}$/.test(request.cardNo)) throw invalid('cardNo', 'must be the 10-digit number of a hospital card');
  if (request.payment !== undefined) assertPayment(request.payment);
  return idNumber;
}

/** 建档发卡: one record per ID number, bound to the card being issued; the fee, if any, paid with it. */
export function createPatient(ctx: SimContext, request: CreatePatientRequest): CreatedPatient {
  const idNumber = validate(request);
  return runTrade(ctx, 'createPatient', request.tradeNo, request, () => {
    const feeFen = ctx.config().cardFeeFen;
    if (feeFen === 0 && request.payment) throw invalid('payment', 'must be absent: the card is free');
    if (feeFen > 0) {
      if (!request.payment) throw new HisError('AMOUNT_MISMATCH', 'the card fee is due', { expectedFen: feeFen, paidFen: 0 });
      assertAmount(request.payment.amountFen, feeFen);
    }
    const known = ctx.db.prepare<[string], { patientId: string }>('SELECT patient_id AS patientId FROM patients WHERE id_number = ?').get(idNumber);
    if (known) throw new HisError('ALREADY_EXISTS', 'a patient record already holds this ID number', { field: 'idNumber', patientId: known.patientId });
    if (ctx.db.prepare('SELECT 1 FROM patients WHERE card_no = ?').get(request.cardNo)) {
      throw new HisError('ALREADY_EXISTS', 'this card is already issued to a patient', { field: 'cardNo' });
    }
    const patientId = nextNumber(ctx.db, 'patients', 'P', 4);
    ctx.db
      .prepare('INSERT INTO patients (patient_id, name, sex, birth_date, id_number, card_no, nation, address, phone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(patientId, request.name, request.sex, request.birthDate, idNumber, request.cardNo, request.nation ?? null, request.address ?? null, request.phone);
    const hisReceiptNo = receiptNo(ctx, 'JK');
    const createdAt = nowIso(ctx);
    return {
      result: { patientId, cardNo: request.cardNo, feeFen, hisReceiptNo, createdAt },
      patientId, hisReceiptNo, paidFen: feeFen, refundFen: 0, settledAt: createdAt,
      receipt: {
        title: '建档发卡凭条', fields: [{ label: '病人ID', value: patientId }, { label: '就诊卡号', value: request.cardNo }],
        lines: feeFen > 0 ? [{ name: '就诊卡工本费', amountFen: feeFen }] : [], totalFen: feeFen,
        ...(request.payment ? { payment: request.payment } : {}),
      },
    };
  });
}

import crypto from 'node:crypto';
import type { Appointment as FhirAppointment, BundleEntry, Encounter, Slot as FhirSlot } from '@medplum/fhirtypes';
import {
  HisError,
  type Appointment,
  type BookRequest,
  type Cancellation,
  type CancelRequest,
  type CheckIn,
  type CheckInRequest,
  type Registration,
  type RegisterRequest,
  type SlotLock,
  type SlotLockRequest,
} from '../port.ts';
import { addDays, shanghaiDate, shanghaiIso } from '../sim/time.ts';
import { assertAmount, assertOptionalText, assertPayment, assertText, assertTradeNo, invalid } from '../sim/validate.ts';
import { retryOnConflict } from './client.ts';
import type { FhirContext } from './context.ts';
import { available, hhmm, holdExpiry, instant, loadDirectory, openSession, periodOf, sessionId, type Directory, type DirectoryDoctor, type Session } from './directory.ts';
import { isPatient, requirePatient, type FoundPatient } from './patients.ts';
import { codes, extensions } from './systems.ts';
import { assertTradeOpen, nowIso, patientReference, receiptNo, runTrade, type Receipt, type TradePlan } from './trades.ts';
import { businessNumber, createdId, extension, fenOf, identifierValue, money, postEntry, putEntry, refId, withExtensions } from './values.ts';

/**
 * Numbers and appointments (docs/fhir-adapter.md §3). A lock is a hold as IHE ITI Scheduling's
 * `$hold` makes one: the Slot goes `busy-tentative` under `If-Match` and a `pending` Appointment
 * (identifier: the trade number, the lock id is its id) records who holds it until when. Register
 * turns that Appointment `booked` (or `arrived` for today) and the Slot `busy` in one transaction;
 * booking without a hold does the same from a free Slot. Check-in is `arrived` plus an Encounter;
 * cancelling is `cancelled` with the Slot `free` again.
 */

type AppointmentState = Appointment['state'];

const states: Partial<Record<FhirAppointment['status'], AppointmentState>> = {
  booked: 'booked', arrived: 'checkedIn', 'checked-in': 'checkedIn', fulfilled: 'checkedIn', cancelled: 'cancelled', noshow: 'cancelled',
};

function doctorOf(a: FhirAppointment): string | undefined {
  return a.participant.map((p) => refId(p.actor, 'PractitionerRole')).find(Boolean);
}

function isPatients(a: FhirAppointment, patient: FoundPatient): boolean {
  return a.participant.some((p) => isPatient(p.actor, patient.handle));
}

function participants(ctx: FhirContext, patient: FoundPatient, doctor: DirectoryDoctor): FhirAppointment['participant'] {
  return [
    { actor: patientReference(patient.handle, ctx), status: 'accepted' },
    { actor: { reference: `PractitionerRole/${doctor.doctorId}`, display: doctor.name }, status: 'accepted' },
  ];
}

function view(ctx: FhirContext, directory: Directory, a: FhirAppointment, patientId: string): Appointment {
  const doctor = directory.doctors.get(doctorOf(a) ?? '');
  const state = states[a.status];
  const appointmentNo = identifierValue(a, ctx.systems.appointmentNo);
  if (!doctor || !state || !appointmentNo) throw new HisError('INTERNAL', `the FHIR record cannot be read: Appointment/${a.id} lacks a doctor, number or status the kiosk knows`);
  const fee = extension(a, extensions.registrationFee)?.valueMoney;
  const start = instant(a.start);
  const date = shanghaiDate(start);
  const period = periodOf(start);
  return {
    appointmentNo, patientId, slotId: sessionId(doctor.scheduleId, date, period), deptId: doctor.deptId, deptName: doctor.deptName,
        doctorId: doctor.doctorId, doctorName: doctor.name, doctorTitle: doctor.title, date, period, visitTime: hhmm(start),
    // An appointment booked by another system may carry no queue number (0) or fee (the doctor's).
    seeNo: extension(a, extensions.seeNo)?.valuePositiveInt ?? 0,
    location: doctor.location, feeFen: fee ? fenOf(fee, `the fee of Appointment/${a.id}`) : doctor.feeFen,
    paid: extension(a, extensions.paidBy) !== undefined, state,
  };
}

function visitFields(a: Appointment): Receipt['fields'] {
  const period = a.period === 'morning' ? '上午' : '下午';
  return [
    { label: '科室', value: a.deptName }, { label: '医生', value: `${a.doctorName}（${a.doctorTitle}）` },
    { label: '就诊时间', value: `${a.date} ${period} ${a.visitTime}` }, { label: '就诊序号', value: String(a.seeNo) },
    { label: '就诊地点', value: a.location }, { label: '挂号单号', value: a.appointmentNo },
  ];
}

function today(ctx: FhirContext): string {
  return shanghaiDate(ctx.now());
}

/** One number per patient per doctor per day, as hospitals rule against number touting; a live hold counts. */
async function assertNoOtherNumber(ctx: FhirContext, patient: FoundPatient, session: Session, tradeNo: string): Promise<void> {
  const theirs = await ctx.fhir.search<FhirAppointment>('Appointment', {
    patient: patient.handle.reference,
    date: [`ge${session.date}T00:00:00+08:00`, `lt${addDays(session.date, 1)}T00:00:00+08:00`],
  });
  const taken = theirs.some((a) => doctorOf(a) === session.doctor.doctorId && (a.status === 'pending'
    ? holdExpiry(a) > ctx.now() && identifierValue(a, ctx.systems.tradeNo) !== tradeNo
    : states[a.status] !== undefined && states[a.status] !== 'cancelled'));
  if (taken) throw new HisError('NOT_ALLOWED', 'the patient already has a number of this doctor that day', { slotId: session.slotId });
}

/** The first number free in the session, and its place in the queue. */
function firstFree(ctx: FhirContext, session: Session): { slot: FhirSlot; seeNo: number } {
  const index = session.slots.findIndex((s) => available(s, ctx.now()));
  if (index < 0) throw new HisError('SLOT_FULL', 'no number left in this session', { slotId: session.slotId });
  return { slot: session.slots[index]!, seeNo: index + 1 };
}

/** The Slot taken for good: no hold on it any more. */
function busy(slot: FhirSlot): FhirSlot {
  return { ...slot, status: 'busy', extension: withExtensions(slot, { [extensions.holdExpires]: undefined, [extensions.heldBy]: undefined }) };
}

export async function lockSlot(ctx: FhirContext, request: SlotLockRequest): Promise<SlotLock> {
  assertTradeNo(request.tradeNo);
  await assertTradeOpen(ctx, request.tradeNo);
  const patient = await requirePatient(ctx, request.patientId);
  const directory = await loadDirectory(ctx);
  return retryOnConflict('lockSlot', async () => {
    const session = await openSession(ctx, directory, request.slotId);
    const held = await ctx.fhir.search<FhirAppointment>('Appointment', { identifier: `${ctx.systems.tradeNo}|${request.tradeNo}`, status: 'pending' });
    const live = held.find((h) => holdExpiry(h) > ctx.now());
    if (live) {
      const same = session.slots.some((s) => refId(live.slot?.[0], 'Slot') === s.id) && isPatients(live, patient);
      if (!same) throw new HisError('TRADE_CONFLICT', 'this trade number holds a lock on another slot or for another patient', { tradeNo: request.tradeNo });
      return { lockId: live.id!, slotId: session.slotId, feeFen: session.doctor.feeFen, expiresAt: shanghaiIso(holdExpiry(live)) };
    }
    await assertNoOtherNumber(ctx, patient, session, request.tradeNo);
    const { slot, seeNo } = firstFree(ctx, session);
    const expires = shanghaiIso(ctx.now() + ctx.settings.slotHoldMs);
    const holdUrl = `urn:uuid:${crypto.randomUUID()}`;
    const hold: FhirAppointment = {
      resourceType: 'Appointment',
      status: 'pending',
      identifier: [{ system: ctx.systems.tradeNo, value: request.tradeNo }],
      slot: [{ reference: `Slot/${slot.id}` }],
      start: slot.start, end: slot.end, created: nowIso(ctx),
      participant: participants(ctx, patient, session.doctor),
      extension: withExtensions({}, {
        [extensions.holdExpires]: { valueInstant: expires }, [extensions.seeNo]: { valuePositiveInt: seeNo },
        [extensions.registrationFee]: { valueMoney: money(session.doctor.feeFen) },
      }),
    };
    const tentative: FhirSlot = {
      ...slot, status: 'busy-tentative',
      extension: withExtensions(slot, { [extensions.holdExpires]: { valueInstant: expires }, [extensions.heldBy]: { valueReference: { reference: holdUrl } } }),
    };
    const reply = await ctx.fhir.transaction([putEntry(tentative), postEntry(hold, holdUrl)]);
    return { lockId: createdId(reply[1], 'Appointment'), slotId: session.slotId, feeFen: session.doctor.feeFen, expiresAt: expires };
  });
}

export async function unlockSlot(ctx: FhirContext, lockId: unknown): Promise<{ lockId: string; released: true }> {
  assertText(lockId, 'lockId');
  return retryOnConflict('unlockSlot', async () => {
    const hold = await ctx.fhir.read<FhirAppointment>('Appointment', lockId);
    if (!hold) throw new HisError('NOT_FOUND', 'no such lock', { lockId });
    if (hold.status === 'cancelled') return { lockId, released: true };
    if (hold.status !== 'pending') throw new HisError('NOT_ALLOWED', 'the lock became a registration; cancel that instead', { lockId });
    const slotId = refId(hold.slot?.[0], 'Slot');
    const slot = slotId ? await ctx.fhir.read<FhirSlot>('Slot', slotId) : undefined;
    const entries: BundleEntry[] = [putEntry({ ...hold, status: 'cancelled', extension: withExtensions(hold, { [extensions.holdExpires]: undefined }) })];
    // The Slot goes free only while this hold is still the one on it.
    if (slot && refId(extension(slot, extensions.heldBy)?.valueReference, 'Appointment') === hold.id) {
      entries.push(putEntry({ ...slot, status: 'free', extension: withExtensions(slot, { [extensions.holdExpires]: undefined, [extensions.heldBy]: undefined }) }));
    }
    await ctx.fhir.transaction(entries);
    return { lockId, released: true };
  });
}

/** An outpatient visit begins at check-in: the Encounter the clinic's queue and orders hang on. */
function visit(ctx: FhirContext, patient: FoundPatient, doctor: DirectoryDoctor, appointmentRef: string, tradeNo: string): BundleEntry {
  const encounter: Encounter = {
    resourceType: 'Encounter',
    identifier: [{ system: ctx.systems.tradeNo, value: tradeNo }],
    status: 'arrived',
    class: { system: codes.actCode, code: 'AMB' },
    subject: patientReference(patient.handle, ctx),
    appointment: [{ reference: appointmentRef }],
    participant: [{ individual: { reference: `PractitionerRole/${doctor.doctorId}`, display: doctor.name } }],
    serviceProvider: { reference: `Organization/${doctor.deptId}`, display: doctor.deptName },
    period: { start: nowIso(ctx) },
  };
  return postEntry(encounter);
}

export async function register(ctx: FhirContext, request: RegisterRequest): Promise<Registration> {
  assertText(request.lockId, 'lockId');
  assertText(request.patientId, 'patientId');
  assertPayment(request.payment);
  const payment = request.payment;
  return runTrade(ctx, 'register', request.tradeNo, request, async (): Promise<TradePlan<Registration>> => {
    const [patient, directory, hold] = await Promise.all([requirePatient(ctx, request.patientId), loadDirectory(ctx), ctx.fhir.read<FhirAppointment>('Appointment', request.lockId)]);
    if (!hold || !isPatients(hold, patient)) throw new HisError('NOT_FOUND', 'no such lock for this patient', { lockId: request.lockId });
    if (identifierValue(hold, ctx.systems.tradeNo) !== request.tradeNo) throw new HisError('TRADE_CONFLICT', 'the lock was made for another trade number', { lockId: request.lockId });
    const slotId = refId(hold.slot?.[0], 'Slot');
    const slot = slotId ? await ctx.fhir.read<FhirSlot>('Slot', slotId) : undefined;
    const stillHeld = hold.status === 'pending' && holdExpiry(hold) > ctx.now() && slot?.status === 'busy-tentative' && refId(extension(slot, extensions.heldBy)?.valueReference, 'Appointment') === hold.id;
    if (!stillHeld || !slot) throw new HisError('LOCK_EXPIRED', 'the lock is no longer held; lock the slot again', { lockId: request.lockId });
    const doctor = directory.doctors.get(doctorOf(hold) ?? '');
    if (!doctor) throw new HisError('INTERNAL', `the FHIR record cannot be read: the doctor of Appointment/${hold.id} is not in the directory`);
    const feeFen = fenOf(extension(hold, extensions.registrationFee)?.valueMoney, `the fee of Appointment/${hold.id}`);
    assertAmount(payment.amountFen, feeFen);
    // Today's registration is a number in the queue at once; a later day's waits for check-in.
    const isToday = shanghaiDate(instant(hold.start)) === today(ctx);
    const booked: FhirAppointment = {
      ...hold,
      status: isToday ? 'arrived' : 'booked',
      identifier: [...(hold.identifier ?? []), { system: ctx.systems.appointmentNo, value: businessNumber('YY', ctx.now()) }],
      extension: withExtensions(hold, { [extensions.holdExpires]: undefined, [extensions.paidBy]: { valueIdentifier: { system: ctx.systems.tradeNo, value: request.tradeNo } } }),
    };
    const appointment = view(ctx, directory, booked, patient.handle.patientId);
    const hisReceiptNo = receiptNo(ctx, 'register');
    const settledAt = nowIso(ctx);
    const reference = `Appointment/${hold.id}`;
    return {
      entries: [putEntry(busy(slot)), putEntry(booked), ...(isToday ? [visit(ctx, patient, doctor, reference, request.tradeNo)] : [])],
      record: {
        result: { appointment, hisReceiptNo, settledAt }, patient: patient.handle, focus: { reference }, hisReceiptNo, paidFen: feeFen, refundFen: 0, settledAt,
        receipt: { title: isToday ? '挂号凭条' : '预约挂号凭条', fields: visitFields(appointment), lines: [{ name: `挂号费（${doctor.title}）`, amountFen: feeFen }], totalFen: feeFen, payment },
      },
    };
  });
}

export async function listAppointments(ctx: FhirContext, patientId: string): Promise<{ appointments: Appointment[] }> {
  const patient = await requirePatient(ctx, patientId);
  const [directory, theirs] = await Promise.all([loadDirectory(ctx), ctx.fhir.search<FhirAppointment>('Appointment', { patient: patient.handle.reference })]);
  // A hold that never became a registration has no appointment number: it is not the patient's appointment.
  const appointments = theirs.filter((a) => states[a.status] !== undefined && identifierValue(a, ctx.systems.appointmentNo) !== undefined).map((a) => view(ctx, directory, a, patient.handle.patientId));
  // Newest day first, as the HIS lists them.
  appointments.sort((a, b) => b.date.localeCompare(a.date) || a.period.localeCompare(b.period) || a.appointmentNo.localeCompare(b.appointmentNo));
  return { appointments };
}

export async function bookAppointment(ctx: FhirContext, request: BookRequest): Promise<Appointment> {
  assertText(request.slotId, 'slotId');
  assertText(request.patientId, 'patientId');
  return runTrade(ctx, 'bookAppointment', request.tradeNo, request, async (): Promise<TradePlan<Appointment>> => {
    const [patient, directory] = await Promise.all([requirePatient(ctx, request.patientId), loadDirectory(ctx)]);
    const session = await openSession(ctx, directory, request.slotId);
    await assertNoOtherNumber(ctx, patient, session, request.tradeNo);
    const { slot, seeNo } = firstFree(ctx, session);
    const fullUrl = `urn:uuid:${crypto.randomUUID()}`;
    const appointment: FhirAppointment = {
      resourceType: 'Appointment',
      status: 'booked',
      identifier: [{ system: ctx.systems.tradeNo, value: request.tradeNo }, { system: ctx.systems.appointmentNo, value: businessNumber('YY', ctx.now()) }],
      slot: [{ reference: `Slot/${slot.id}` }],
      start: slot.start, end: slot.end, created: nowIso(ctx),
      participant: participants(ctx, patient, session.doctor),
      extension: withExtensions({}, { [extensions.seeNo]: { valuePositiveInt: seeNo }, [extensions.registrationFee]: { valueMoney: money(session.doctor.feeFen) } }),
    };
    const booked = view(ctx, directory, appointment, patient.handle.patientId);
    const hisReceiptNo = receiptNo(ctx, 'bookAppointment');
    const settledAt = nowIso(ctx);
    return {
      entries: [putEntry(busy(slot)), postEntry(appointment, fullUrl)],
      record: {
        result: booked, patient: patient.handle, focus: { reference: fullUrl }, hisReceiptNo, paidFen: 0, refundFen: 0, settledAt,
        receipt: { title: '预约凭条', fields: visitFields(booked), lines: [{ name: `挂号费（${booked.doctorTitle}，取号时缴纳）`, amountFen: booked.feeFen }], totalFen: 0 },
      },
    };
  });
}

/** The patient's own appointment, or NOT_FOUND: another patient's is none of this kiosk's business. */
async function patientsAppointment(ctx: FhirContext, appointmentNo: string, patient: FoundPatient): Promise<FhirAppointment> {
  const found = await ctx.fhir.searchOne<FhirAppointment>('Appointment', { identifier: `${ctx.systems.appointmentNo}|${appointmentNo}` });
  if (!found || !isPatients(found, patient)) throw new HisError('NOT_FOUND', 'no such appointment for this patient', { appointmentNo });
  return found;
}

export async function checkIn(ctx: FhirContext, request: CheckInRequest): Promise<CheckIn> {
  assertText(request.appointmentNo, 'appointmentNo');
  assertText(request.patientId, 'patientId');
  if (request.payment !== undefined) assertPayment(request.payment);
  return runTrade(ctx, 'checkIn', request.tradeNo, request, async (): Promise<TradePlan<CheckIn>> => {
    const [patient, directory] = await Promise.all([requirePatient(ctx, request.patientId), loadDirectory(ctx)]);
    const found = await patientsAppointment(ctx, request.appointmentNo, patient);
    const before = view(ctx, directory, found, patient.handle.patientId);
    if (before.state !== 'booked') throw new HisError('NOT_ALLOWED', `the appointment is ${before.state}`, { appointmentNo: before.appointmentNo, state: before.state });
    if (before.date !== today(ctx)) throw new HisError('NOT_ALLOWED', `the appointment is for ${before.date}; check in on that day`, { appointmentNo: before.appointmentNo, date: before.date });
    const paidNow = !before.paid;
    if (paidNow) assertAmount(request.payment?.amountFen ?? 0, before.feeFen);
    else if (request.payment) throw invalid('payment', 'must be absent: the appointment is paid');
    const arrived: FhirAppointment = {
      ...found, status: 'arrived',
      extension: paidNow ? withExtensions(found, { [extensions.paidBy]: { valueIdentifier: { system: ctx.systems.tradeNo, value: request.tradeNo } } }) : found.extension,
    };
    const appointment = view(ctx, directory, arrived, patient.handle.patientId);
    const doctor = directory.doctors.get(appointment.doctorId)!;
    const paidFen = paidNow ? before.feeFen : 0;
    const hisReceiptNo = receiptNo(ctx, 'checkIn');
    const settledAt = nowIso(ctx);
    const reference = `Appointment/${found.id}`;
    return {
      entries: [putEntry(arrived), visit(ctx, patient, doctor, reference, request.tradeNo)],
      record: {
        result: { appointment, paidFen, hisReceiptNo, settledAt }, patient: patient.handle, focus: { reference }, hisReceiptNo, paidFen, refundFen: 0, settledAt,
        receipt: {
          title: '预约取号凭条', fields: visitFields(appointment), lines: [{ name: `挂号费（${appointment.doctorTitle}）${paidNow ? '' : '（已预付）'}`, amountFen: before.feeFen }],
          totalFen: paidFen, ...(request.payment ? { payment: request.payment } : {}),
        },
      },
    };
  });
}

export async function cancelAppointment(ctx: FhirContext, request: CancelRequest): Promise<Cancellation> {
  assertText(request.appointmentNo, 'appointmentNo');
  assertText(request.patientId, 'patientId');
  assertOptionalText(request.reason, 'reason');
  return runTrade(ctx, 'cancelAppointment', request.tradeNo, request, async (): Promise<TradePlan<Cancellation>> => {
    const [patient, directory] = await Promise.all([requirePatient(ctx, request.patientId), loadDirectory(ctx)]);
    const found = await patientsAppointment(ctx, request.appointmentNo, patient);
    const before = view(ctx, directory, found, patient.handle.patientId);
    if (before.state !== 'booked') throw new HisError('NOT_ALLOWED', `the appointment is ${before.state}`, { appointmentNo: before.appointmentNo, state: before.state });
    if (before.date < today(ctx)) throw new HisError('NOT_ALLOWED', 'the appointment day has passed', { appointmentNo: before.appointmentNo, date: before.date });
    const slotId = refId(found.slot?.[0], 'Slot');
    const slot = slotId ? await ctx.fhir.read<FhirSlot>('Slot', slotId) : undefined;
    const cancelled: FhirAppointment = { ...found, status: 'cancelled', ...(request.reason !== undefined ? { cancelationReason: { text: request.reason } } : {}) };
    const appointment = view(ctx, directory, cancelled, patient.handle.patientId);
    const paidBy = extension(found, extensions.paidBy)?.valueIdentifier?.value;
    const refundFen = paidBy === undefined ? 0 : before.feeFen;
    const hisReceiptNo = receiptNo(ctx, 'cancelAppointment');
    const settledAt = nowIso(ctx);
    // The number goes back to the pool, so another patient may take it.
    const freed = slot?.status === 'busy' ? [putEntry({ ...slot, status: 'free' as const })] : [];
    return {
      entries: [putEntry(cancelled), ...freed],
      record: {
        result: { appointment, refundFen, ...(paidBy !== undefined ? { refundOf: paidBy } : {}), hisReceiptNo, settledAt },
        patient: patient.handle, focus: { reference: `Appointment/${found.id}` }, hisReceiptNo, paidFen: 0, refundFen, settledAt,
        receipt: { title: '退号凭条', fields: visitFields(appointment), lines: refundFen > 0 ? [{ name: '退挂号费', amountFen: refundFen }] : [], totalFen: refundFen },
      },
    };
  });
}

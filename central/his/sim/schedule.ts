import {
  HisError,
  type Appointment,
  type BookRequest,
  type Cancellation,
  type CancelRequest,
  type CheckIn,
  type CheckInRequest,
  type Department,
  type Doctor,
  type Period,
  type Registration,
  type RegisterRequest,
  type Schedule,
  type ScheduleQuery,
  type Slot,
  type SlotLock,
  type SlotLockRequest,
} from '../port.ts';
import { scaled } from '../../../contract/time-scale.ts';
import { periods } from '../seed.ts';
import { write, type SimContext } from './context.ts';
import { nextNumber } from './db.ts';
import { assertPatient } from './patients.ts';
import { bookingWindowDays, parseSlotId, slotId, worksOn } from './rota.ts';
import { addDays, addMinutes, isDate, minutesBetween, shanghaiDate, shanghaiIso, shanghaiMs } from './time.ts';
import { assertTradeOpen, nowIso, receiptNo, runTrade, type Receipt } from './trades.ts';
import { assertAmount, assertOptionalText, assertPayment, assertText, assertTradeNo, invalid } from './validate.ts';

/** How long a lock holds a number while the fee is collected; unpaid, the number goes back (production time: locks last it at the time scale). */
export const slotLockTtlMs = 10 * 60_000;

interface DoctorRow extends Doctor {
  capacity: number;
  mornings: string;
  afternoons: string;
  deptName: string;
  location: string;
}

interface Session {
  slot: Slot;
  doctor: DoctorRow;
}

interface AppointmentRow {
  appointmentNo: string;
  patientId: string;
  slotId: string;
  doctorId: string;
  date: string;
  period: Period;
  seeNo: number;
  feeFen: number;
  state: Appointment['state'];
  paidBy: string | null;
}

interface LockRow {
  lockId: string;
  slotId: string;
  patientId: string;
  tradeNo: string;
  expiresAt: number;
  state: 'held' | 'released' | 'used';
}

const doctorSelect = `SELECT d.doctor_id AS doctorId, d.dept_id AS deptId, d.name, d.title, d.fee_fen AS feeFen, d.capacity,
  d.mornings, d.afternoons, dp.name AS deptName, dp.location FROM doctors d JOIN departments dp USING (dept_id)`;
const appointmentSelect = `SELECT appointment_no AS appointmentNo, patient_id AS patientId, slot_id AS slotId, doctor_id AS doctorId,
  date, period, see_no AS seeNo, fee_fen AS feeFen, state, paid_by AS paidBy FROM appointments`;
const lockSelect = 'SELECT lock_id AS lockId, slot_id AS slotId, patient_id AS patientId, trade_no AS tradeNo, expires_at AS expiresAt, state FROM slot_locks';

function doctors(ctx: SimContext): DoctorRow[] {
  return ctx.db.prepare<[], DoctorRow>(`${doctorSelect} ORDER BY d.doctor_id`).all();
}

function doctor(ctx: SimContext, doctorId: string): DoctorRow | undefined {
  return ctx.db.prepare<[string], DoctorRow>(`${doctorSelect} WHERE d.doctor_id = ?`).get(doctorId);
}

function today(ctx: SimContext): string {
  return shanghaiDate(ctx.now());
}

function ended(ctx: SimContext, date: string, period: Period): boolean {
  return ctx.now() >= shanghaiMs(date, periods[period].end);
}

function remaining(ctx: SimContext, id: string, capacity: number): number {
  const booked = ctx.db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM appointments WHERE slot_id = ? AND state != 'cancelled'").get(id)!.n;
  const held = ctx.db.prepare<[string, number], { n: number }>("SELECT count(*) AS n FROM slot_locks WHERE slot_id = ? AND state = 'held' AND expires_at > ?").get(id, ctx.now())!.n;
  return Math.max(0, capacity - booked - held);
}

function slotOf(ctx: SimContext, d: DoctorRow, date: string, period: Period): Slot {
  const id = slotId(d.doctorId, date, period);
  const { start, end } = periods[period];
  return { slotId: id, doctorId: d.doctorId, deptId: d.deptId, date, period, startTime: start, endTime: end, feeFen: d.feeFen, capacity: d.capacity, remaining: remaining(ctx, id, d.capacity) };
}

function publicDoctor(d: DoctorRow): Doctor {
  return { doctorId: d.doctorId, deptId: d.deptId, name: d.name, title: d.title, feeFen: d.feeFen };
}

export function querySchedule(ctx: SimContext, query: ScheduleQuery): Schedule {
  const first = today(ctx);
  const last = addDays(first, bookingWindowDays);
  if (query.date !== undefined && (!isDate(query.date) || query.date < first || query.date > last)) {
    throw invalid('date', `must be a date from ${first} to ${last}`);
  }
  assertOptionalText(query.deptId, 'deptId');
  assertOptionalText(query.doctorId, 'doctorId');
  const chosen = doctors(ctx).filter((d) => (query.deptId === undefined || d.deptId === query.deptId) && (query.doctorId === undefined || d.doctorId === query.doctorId));
  const dates = query.date !== undefined ? [query.date] : Array.from({ length: bookingWindowDays + 1 }, (_, n) => addDays(first, n));
  const slots = dates.flatMap((date) =>
    (Object.keys(periods) as Period[]).flatMap((period) =>
      chosen.filter((d) => worksOn(d, date, period) && !ended(ctx, date, period)).map((d) => slotOf(ctx, d, date, period)),
    ),
  );
  const deptIds = new Set(chosen.map((d) => d.deptId));
  const departments = ctx.db
    .prepare<[], Department>('SELECT dept_id AS deptId, name, location FROM departments ORDER BY dept_id')
    .all()
    .filter((d) => deptIds.has(d.deptId));
  return { departments, doctors: chosen.map(publicDoctor), slots };
}

/** A session a patient may still take a number of: in the window, on the rota, not yet over. */
function openSession(ctx: SimContext, id: unknown): Session {
  assertText(id, 'slotId');
  const parsed = parseSlotId(id);
  if (!parsed) throw invalid('slotId', 'must look like E001-20250602-AM');
  const d = doctor(ctx, parsed.doctorId);
  const first = today(ctx);
  if (!d || parsed.date < first || parsed.date > addDays(first, bookingWindowDays) || !worksOn(d, parsed.date, parsed.period)) {
    throw new HisError('NOT_FOUND', 'no such session in the schedule', { slotId: id });
  }
  if (ended(ctx, parsed.date, parsed.period)) throw new HisError('NOT_ALLOWED', 'this session is over', { slotId: id });
  return { slot: slotOf(ctx, d, parsed.date, parsed.period), doctor: d };
}

/** One number per patient per doctor per day, as hospitals rule against number touting. */
function assertNoOtherNumber(ctx: SimContext, patientId: string, session: Session, tradeNo: string): void {
  const { doctorId, date } = session.slot;
  const booked = ctx.db
    .prepare("SELECT 1 FROM appointments WHERE patient_id = ? AND doctor_id = ? AND date = ? AND state != 'cancelled'")
    .get(patientId, doctorId, date);
  const locked = ctx.db
    .prepare("SELECT 1 FROM slot_locks WHERE patient_id = ? AND slot_id LIKE ? AND state = 'held' AND expires_at > ? AND trade_no != ?")
    .get(patientId, `${doctorId}-${date.replaceAll('-', '')}-%`, ctx.now(), tradeNo);
  if (booked || locked) throw new HisError('NOT_ALLOWED', 'the patient already has a number of this doctor that day', { slotId: session.slot.slotId });
}

function lockView(lock: LockRow, feeFen: number): SlotLock {
  return { lockId: lock.lockId, slotId: lock.slotId, feeFen, expiresAt: shanghaiIso(lock.expiresAt) };
}

export function lockSlot(ctx: SimContext, request: SlotLockRequest): SlotLock {
  assertTradeNo(request.tradeNo);
  return write(ctx, () => {
    assertTradeOpen(ctx, request.tradeNo);
    assertPatient(ctx, request.patientId);
    const session = openSession(ctx, request.slotId);
    const live = ctx.db.prepare<[string, number], LockRow>(`${lockSelect} WHERE trade_no = ? AND state = 'held' AND expires_at > ?`).get(request.tradeNo, ctx.now());
    if (live) {
      if (live.slotId !== request.slotId || live.patientId !== request.patientId) {
        throw new HisError('TRADE_CONFLICT', 'this trade number holds a lock on another slot or for another patient', { tradeNo: request.tradeNo });
      }
      return lockView(live, session.slot.feeFen);
    }
    assertNoOtherNumber(ctx, request.patientId, session, request.tradeNo);
    if (session.slot.remaining === 0) throw new HisError('SLOT_FULL', 'no number left in this session', { slotId: request.slotId });
    const lock: LockRow = {
      lockId: nextNumber(ctx.db, 'slot_locks', 'SD', 10), slotId: request.slotId, patientId: request.patientId, tradeNo: request.tradeNo,
      expiresAt: ctx.now() + scaled(slotLockTtlMs), state: 'held',
    };
    ctx.db.prepare('INSERT INTO slot_locks (lock_id, slot_id, patient_id, trade_no, expires_at, state) VALUES (?, ?, ?, ?, ?, ?)')
      .run(lock.lockId, lock.slotId, lock.patientId, lock.tradeNo, lock.expiresAt, lock.state);
    return lockView(lock, session.slot.feeFen);
  });
}

export function unlockSlot(ctx: SimContext, lockId: string): { lockId: string; released: true } {
  assertText(lockId, 'lockId');
  return write(ctx, () => {
    const lock = ctx.db.prepare<[string], LockRow>(`${lockSelect} WHERE lock_id = ?`).get(lockId);
    if (!lock) throw new HisError('NOT_FOUND', 'no such lock', { lockId });
    if (lock.state === 'used') throw new HisError('NOT_ALLOWED', 'the lock became a registration; cancel that instead', { lockId });
    ctx.db.prepare("UPDATE slot_locks SET state = 'released' WHERE lock_id = ?").run(lockId);
    return { lockId, released: true };
  });
}

/** The smallest queue number free in the slot, so a cancelled number is given again. */
function freeSeeNo(ctx: SimContext, id: string): number {
  const taken = new Set(ctx.db.prepare<[string], { seeNo: number }>("SELECT see_no AS seeNo FROM appointments WHERE slot_id = ? AND state != 'cancelled'").all(id).map((r) => r.seeNo));
  let n = 1;
  while (taken.has(n)) n += 1;
  return n;
}

function insertAppointment(ctx: SimContext, patientId: string, session: Session, state: Appointment['state'], paidBy: string | null): string {
  const appointmentNo = nextNumber(ctx.db, 'appointments', 'YY', 10);
  const { slot } = session;
  ctx.db
    .prepare('INSERT INTO appointments (appointment_no, patient_id, slot_id, doctor_id, date, period, see_no, fee_fen, state, paid_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(appointmentNo, patientId, slot.slotId, slot.doctorId, slot.date, slot.period, freeSeeNo(ctx, slot.slotId), slot.feeFen, state, paidBy);
  return appointmentNo;
}

function appointmentRow(ctx: SimContext, appointmentNo: string): AppointmentRow | undefined {
  return ctx.db.prepare<[string], AppointmentRow>(`${appointmentSelect} WHERE appointment_no = ?`).get(appointmentNo);
}

function appointment(ctx: SimContext, row: AppointmentRow): Appointment {
  const d = doctor(ctx, row.doctorId)!;
  const { start, end } = periods[row.period];
  // Numbers are spread evenly over the session: the time a patient should be at the door.
  const visitTime = addMinutes(start, Math.floor(((row.seeNo - 1) * minutesBetween(start, end)) / d.capacity));
  return {
    appointmentNo: row.appointmentNo, patientId: row.patientId, slotId: row.slotId, deptId: d.deptId, deptName: d.deptName,
    doctorId: d.doctorId, doctorName: d.name, doctorTitle: d.title, date: row.date, period: row.period, visitTime,
    seeNo: row.seeNo, location: d.location, feeFen: row.feeFen, paid: row.paidBy !== null, state: row.state,
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

export function register(ctx: SimContext, request: RegisterRequest): Registration {
  assertText(request.lockId, 'lockId');
  assertText(request.patientId, 'patientId');
  assertPayment(request.payment);
  const payment = request.payment;
  return runTrade(ctx, 'register', request.tradeNo, request, () => {
    const lock = ctx.db.prepare<[string], LockRow>(`${lockSelect} WHERE lock_id = ?`).get(request.lockId);
    if (!lock || lock.patientId !== request.patientId) throw new HisError('NOT_FOUND', 'no such lock for this patient', { lockId: request.lockId });
    if (lock.tradeNo !== request.tradeNo) throw new HisError('TRADE_CONFLICT', 'the lock was made for another trade number', { lockId: request.lockId });
    if (lock.state !== 'held' || lock.expiresAt <= ctx.now()) throw new HisError('LOCK_EXPIRED', 'the lock is no longer held; lock the slot again', { lockId: request.lockId });
    const parsed = parseSlotId(lock.slotId)!;
    const d = doctor(ctx, parsed.doctorId)!;
    assertAmount(payment.amountFen, d.feeFen);
    const session = { slot: slotOf(ctx, d, parsed.date, parsed.period), doctor: d };
    // Today's registration is a number in the queue at once; a later day's waits for check-in.
    const state = parsed.date === today(ctx) ? 'checkedIn' : 'booked';
    const appointmentNo = insertAppointment(ctx, request.patientId, session, state, request.tradeNo);
    ctx.db.prepare("UPDATE slot_locks SET state = 'used' WHERE lock_id = ?").run(lock.lockId);
    const booked = appointment(ctx, appointmentRow(ctx, appointmentNo)!);
    const hisReceiptNo = receiptNo(ctx, 'GH');
    const settledAt = nowIso(ctx);
    return {
      result: { appointment: booked, hisReceiptNo, settledAt }, patientId: request.patientId, hisReceiptNo, paidFen: d.feeFen, refundFen: 0, settledAt,
      receipt: { title: state === 'checkedIn' ? '挂号凭条' : '预约挂号凭条', fields: visitFields(booked), lines: [{ name: `挂号费（${d.title}）`, amountFen: d.feeFen }], totalFen: d.feeFen, payment },
    };
  });
}

export function listAppointments(ctx: SimContext, patientId: string): { appointments: Appointment[] } {
  assertPatient(ctx, patientId);
  const rows = ctx.db.prepare<[string], AppointmentRow>(`${appointmentSelect} WHERE patient_id = ? ORDER BY date DESC, period, appointment_no`).all(patientId);
  return { appointments: rows.map((row) => appointment(ctx, row)) };
}

export function bookAppointment(ctx: SimContext, request: BookRequest): Appointment {
  assertText(request.slotId, 'slotId');
  assertText(request.patientId, 'patientId');
  return runTrade(ctx, 'bookAppointment', request.tradeNo, request, () => {
    assertPatient(ctx, request.patientId);
    const session = openSession(ctx, request.slotId);
    assertNoOtherNumber(ctx, request.patientId, session, request.tradeNo);
    if (session.slot.remaining === 0) throw new HisError('SLOT_FULL', 'no number left in this session', { slotId: request.slotId });
    const booked = appointment(ctx, appointmentRow(ctx, insertAppointment(ctx, request.patientId, session, 'booked', null))!);
    const hisReceiptNo = receiptNo(ctx, 'YY');
    const settledAt = nowIso(ctx);
    return {
      result: booked, patientId: request.patientId, hisReceiptNo, paidFen: 0, refundFen: 0, settledAt,
      receipt: { title: '预约凭条', fields: visitFields(booked), lines: [{ name: `挂号费（${booked.doctorTitle}，取号时缴纳）`, amountFen: booked.feeFen }], totalFen: 0 },
    };
  });
}

/** The patient's own appointment, or NOT_FOUND: another patient's is none of this kiosk's business. */
function patientsAppointment(ctx: SimContext, appointmentNo: string, patientId: string): AppointmentRow {
  const row = appointmentRow(ctx, appointmentNo);
  if (!row || row.patientId !== patientId) throw new HisError('NOT_FOUND', 'no such appointment for this patient', { appointmentNo });
  return row;
}

export function checkIn(ctx: SimContext, request: CheckInRequest): CheckIn {
  assertText(request.appointmentNo, 'appointmentNo');
  assertText(request.patientId, 'patientId');
  if (request.payment !== undefined) assertPayment(request.payment);
  return runTrade(ctx, 'checkIn', request.tradeNo, request, () => {
    const row = patientsAppointment(ctx, request.appointmentNo, request.patientId);
    if (row.state !== 'booked') throw new HisError('NOT_ALLOWED', `the appointment is ${row.state}`, { appointmentNo: row.appointmentNo, state: row.state });
    if (row.date !== today(ctx)) throw new HisError('NOT_ALLOWED', `the appointment is for ${row.date}; check in on that day`, { appointmentNo: row.appointmentNo, date: row.date });
    const paidNow = row.paidBy === null;
    if (paidNow) assertAmount(request.payment?.amountFen ?? 0, row.feeFen);
    else if (request.payment) throw invalid('payment', 'must be absent: the appointment is paid');
    ctx.db.prepare("UPDATE appointments SET state = 'checkedIn', paid_by = ? WHERE appointment_no = ?").run(row.paidBy ?? request.tradeNo, row.appointmentNo);
    const checkedIn = appointment(ctx, appointmentRow(ctx, row.appointmentNo)!);
    const paidFen = paidNow ? row.feeFen : 0;
    const hisReceiptNo = receiptNo(ctx, 'QH');
    const settledAt = nowIso(ctx);
    return {
      result: { appointment: checkedIn, paidFen, hisReceiptNo, settledAt }, patientId: request.patientId, hisReceiptNo, paidFen, refundFen: 0, settledAt,
      receipt: {
        title: '预约取号凭条', fields: visitFields(checkedIn), lines: [{ name: `挂号费（${checkedIn.doctorTitle}）${paidNow ? '' : '（已预付）'}`, amountFen: row.feeFen }],
        totalFen: paidFen, ...(request.payment ? { payment: request.payment } : {}),
      },
    };
  });
}

export function cancelAppointment(ctx: SimContext, request: CancelRequest): Cancellation {
  assertText(request.appointmentNo, 'appointmentNo');
  assertText(request.patientId, 'patientId');
  assertOptionalText(request.reason, 'reason');
  return runTrade(ctx, 'cancelAppointment', request.tradeNo, request, () => {
    const row = patientsAppointment(ctx, request.appointmentNo, request.patientId);
    if (row.state !== 'booked') throw new HisError('NOT_ALLOWED', `the appointment is ${row.state}`, { appointmentNo: row.appointmentNo, state: row.state });
    if (row.date < today(ctx)) throw new HisError('NOT_ALLOWED', 'the appointment day has passed', { appointmentNo: row.appointmentNo, date: row.date });
    ctx.db.prepare("UPDATE appointments SET state = 'cancelled' WHERE appointment_no = ?").run(row.appointmentNo);
    const cancelled = appointment(ctx, appointmentRow(ctx, row.appointmentNo)!);
    const refundFen = row.paidBy === null ? 0 : row.feeFen;
    const hisReceiptNo = receiptNo(ctx, 'TH');
    const settledAt = nowIso(ctx);
    return {
      result: { appointment: cancelled, refundFen, ...(row.paidBy !== null ? { refundOf: row.paidBy } : {}), hisReceiptNo, settledAt },
      patientId: request.patientId, hisReceiptNo, paidFen: 0, refundFen, settledAt,
      receipt: { title: '退号凭条', fields: visitFields(cancelled), lines: refundFen > 0 ? [{ name: '退挂号费', amountFen: refundFen }] : [], totalFen: refundFen },
    };
  });
}

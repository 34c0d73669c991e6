import type { Location, Organization, Practitioner, PractitionerRole, Schedule as FhirSchedule, Slot as FhirSlot } from '@medplum/fhirtypes';
import { HisError, type Department, type Doctor, type DoctorProfile, type DoctorTitle, type Period, type Schedule, type ScheduleQuery, type Slot } from '../port.ts';
import { addDays, isDate, shanghaiDate, shanghaiIso } from '../sim/time.ts';
import { assertOptionalText, assertText, invalid } from '../sim/validate.ts';
import type { FhirContext } from './context.ts';
import { codes, extensions } from './systems.ts';
import { extension, fenOf, refId } from './values.ts';

/**
 * The hospital as FHIR describes it: departments are `Organization`s of type `dept` with a clinic
 * `Location`, doctors are `PractitionerRole`s (title in `code`) of a `Practitioner`, each with one
 * `Schedule` carrying the registration fee, and every number of a session is a `Slot` of it.
 * A port slot is a session: `<Schedule id>-<YYYYMMDD>-<AM|PM>`, the Slots of that schedule that
 * start that day before noon (AM) or after (PM); its capacity is their count.
 */

/** Sessions open from today to today + 14, as the hospital books them. */
export const bookingWindowDays = 14;

const titles: readonly DoctorTitle[] = ['主任医师', '副主任医师', '主治医师', '住院医师'];

export interface DirectoryDoctor extends Doctor {
  scheduleId: string;
  deptName: string;
  location: string;
}

export interface Directory {
  departments: Map<string, Department>;
  /** By doctor id (the PractitionerRole's); only doctors with a schedule, so only bookable ones. */
  doctors: Map<string, DirectoryDoctor>;
  /** Schedule id → doctor id. */
  scheduleDoctor: Map<string, string>;
}

export async function loadDirectory(ctx: FhirContext): Promise<Directory> {
  const [orgs, locations, roles, practitioners, schedules] = await Promise.all([
    ctx.fhir.search<Organization>('Organization', { type: `${codes.organizationType}|dept` }),
    ctx.fhir.search<Location>('Location', {}),
    ctx.fhir.search<PractitionerRole>('PractitionerRole', {}),
    ctx.fhir.search<Practitioner>('Practitioner', {}),
    ctx.fhir.search<FhirSchedule>('Schedule', { active: 'true' }),
  ]);
  const clinic = new Map(locations.flatMap((l) => {
    const org = refId(l.managingOrganization, 'Organization');
    return org && l.name ? [[org, l.name] as const] : [];
  }));
  const departments = new Map(orgs.map((o) => [o.id!, { deptId: o.id!, name: o.name ?? '', location: clinic.get(o.id!) ?? '' }]));
  const names = new Map(practitioners.map((p) => [p.id!, p.name?.[0]?.text ?? [p.name?.[0]?.family, ...(p.name?.[0]?.given ?? [])].filter(Boolean).join('')]));
  const fees = new Map<string, { scheduleId: string; feeFen: number }>();
  const scheduleDoctor = new Map<string, string>();
  for (const s of schedules) {
    const roleId = s.actor.map((a) => refId(a, 'PractitionerRole')).find(Boolean);
    const fee = extension(s, extensions.registrationFee)?.valueMoney;
    if (!roleId || !fee) continue;
    fees.set(roleId, { scheduleId: s.id!, feeFen: fenOf(fee, `the fee of Schedule/${s.id}`) });
    scheduleDoctor.set(s.id!, roleId);
  }
  const doctors = new Map<string, DirectoryDoctor>();
  for (const r of roles) {
    const deptId = refId(r.organization, 'Organization');
    const title = r.code?.flatMap((c) => c.coding ?? []).find((c) => c.system === codes.doctorTitle)?.code as DoctorTitle | undefined;
    const booking = fees.get(r.id!);
    const dept = deptId ? departments.get(deptId) : undefined;
    // A role without a clinic schedule, a title or a department is not one patients book.
    if (!booking || !dept || !title || !titles.includes(title)) continue;
    doctors.set(r.id!, {
      doctorId: r.id!, deptId: dept.deptId, name: names.get(refId(r.practitioner, 'Practitioner') ?? '') ?? '', title, feeFen: booking.feeFen,
      scheduleId: booking.scheduleId, deptName: dept.name, location: dept.location,
    });
  }
  return { departments, doctors, scheduleDoctor };
}

/* ---------------------------------------------------------------- sessions */

export interface Session {
  slotId: string;
  doctor: DirectoryDoctor;
  date: string;
  period: Period;
  /** Its numbers, first to last. */
  slots: FhirSlot[];
  startMs: number;
  endMs: number;
}

export function sessionId(scheduleId: string, date: string, period: Period): string {
  return `${scheduleId}-${date.replaceAll('-', '')}-${period === 'morning' ? 'AM' : 'PM'}`;
}

function parseSessionId(id: string): { scheduleId: string; date: string; period: Period } | undefined {
  const m = /^(.+)-(\d{4})(\d{2})(\d{2})-(AM|PM)$/.exec(id);
  return m ? { scheduleId: m[1]!, date: `${m[2]}-${m[3]}-${m[4]}`, period: m[5] === 'AM' ? 'morning' : 'afternoon' } : undefined;
}

export function hhmm(ms: number): string {
  return shanghaiIso(ms).slice(11, 16);
}

/** Morning numbers start before noon, hospital time. */
export function periodOf(ms: number): Period {
  return hhmm(ms) < '12:00' ? 'morning' : 'afternoon';
}

export function instant(value: string | undefined): number {
  const ms = Date.parse(value ?? '');
  if (Number.isNaN(ms)) throw new HisError('INTERNAL', 'the FHIR record cannot be read: a slot or appointment has no start or end');
  return ms;
}

/** When a hold on a Slot or its pending Appointment lapses; 0 when it names none. */
export function holdExpiry(resource: { extension?: FhirSlot['extension'] }): number {
  const value = extension(resource, extensions.holdExpires)?.valueInstant;
  return value ? Date.parse(value) : 0;
}

/** Free, or held by a hold that has lapsed: a number a patient may take. */
export function available(slot: FhirSlot, now: number): boolean {
  return slot.status === 'free' || (slot.status === 'busy-tentative' && holdExpiry(slot) <= now);
}

function window(ctx: FhirContext): { first: string; last: string } {
  const first = shanghaiDate(ctx.now());
  return { first, last: addDays(first, bookingWindowDays) };
}

/** The sessions the Slots make, ordered by day, morning first, then doctor. */
function sessions(directory: Directory, slots: FhirSlot[]): Session[] {
  const grouped = new Map<string, Session>();
  for (const slot of slots) {
    const scheduleId = refId(slot.schedule, 'Schedule');
    const doctor = directory.doctors.get(directory.scheduleDoctor.get(scheduleId ?? '') ?? '');
    if (!scheduleId || !doctor) continue;
    const startMs = instant(slot.start);
    const date = shanghaiDate(startMs);
    const period = periodOf(startMs);
    const id = sessionId(scheduleId, date, period);
    const session = grouped.get(id) ?? { slotId: id, doctor, date, period, slots: [], startMs, endMs: 0 };
    session.slots.push(slot);
    session.startMs = Math.min(session.startMs, startMs);
    session.endMs = Math.max(session.endMs, instant(slot.end));
    grouped.set(id, session);
  }
  for (const s of grouped.values()) s.slots.sort((a, b) => instant(a.start) - instant(b.start));
  return [...grouped.values()].sort((a, b) => a.date.localeCompare(b.date) || (a.period === b.period ? 0 : a.period === 'morning' ? -1 : 1) || a.doctor.doctorId.localeCompare(b.doctor.doctorId));
}

function slotSearch(from: string, to: string, scheduleIds?: string[]): Record<string, string | string[]> {
  return {
    start: [`ge${from}T00:00:00+08:00`, `lt${addDays(to, 1)}T00:00:00+08:00`],
    ...(scheduleIds ? { schedule: scheduleIds.map((id) => `Schedule/${id}`).join(',') } : {}),
  };
}

export function portSlot(session: Session, now: number): Slot {
  return {
    slotId: session.slotId, doctorId: session.doctor.doctorId, deptId: session.doctor.deptId, date: session.date, period: session.period,
    startTime: hhmm(session.startMs), endTime: hhmm(session.endMs), feeFen: session.doctor.feeFen,
    capacity: session.slots.length, remaining: session.slots.filter((s) => available(s, now)).length,
  };
}

/** `Slot?schedule=…&start=ge…&start=lt…`: every number, free or not, since the capacity counts them all. */
export async function querySchedule(ctx: FhirContext, query: ScheduleQuery): Promise<Schedule> {
  const { first, last } = window(ctx);
  if (query.date !== undefined && (!isDate(query.date) || query.date < first || query.date > last)) throw invalid('date', `must be a date from ${first} to ${last}`);
  assertOptionalText(query.deptId, 'deptId');
  assertOptionalText(query.doctorId, 'doctorId');
  const directory = await loadDirectory(ctx);
  const chosen = [...directory.doctors.values()]
    .filter((d) => (query.deptId === undefined || d.deptId === query.deptId) && (query.doctorId === undefined || d.doctorId === query.doctorId))
    .sort((a, b) => a.doctorId.localeCompare(b.doctorId));
  const filtered = query.deptId !== undefined || query.doctorId !== undefined;
  const slots = chosen.length === 0 ? [] : await ctx.fhir.search<FhirSlot>('Slot', slotSearch(query.date ?? first, query.date ?? last, filtered ? chosen.map((d) => d.scheduleId) : undefined));
  const deptIds = new Set(chosen.map((d) => d.deptId));
  return {
    departments: [...directory.departments.values()].filter((d) => deptIds.has(d.deptId)).sort((a, b) => a.deptId.localeCompare(b.deptId)),
    doctors: chosen.map(({ doctorId, deptId, name, title, feeFen }) => ({ doctorId, deptId, name, title, feeFen })),
    // A session that is over is not offered, as at the hospital's own windows.
    slots: sessions(directory, slots).filter((s) => ctx.now() < s.endMs).map((s) => portSlot(s, ctx.now())),
  };
}

/** A session a patient may still take a number of: in the window, with numbers, not yet over. */
export async function openSession(ctx: FhirContext, directory: Directory, id: unknown): Promise<Session> {
  assertText(id, 'slotId');
  const parsed = parseSessionId(id);
  if (!parsed) throw invalid('slotId', 'must look like E001-20250602-AM');
  const { first, last } = window(ctx);
  const doctor = directory.doctors.get(directory.scheduleDoctor.get(parsed.scheduleId) ?? '');
  if (!doctor || parsed.date < first || parsed.date > last) throw new HisError('NOT_FOUND', 'no such session in the schedule', { slotId: id });
  const slots = await ctx.fhir.search<FhirSlot>('Slot', slotSearch(parsed.date, parsed.date, [parsed.scheduleId]));
  const mine = slots.filter((s) => periodOf(instant(s.start)) === parsed.period);
  if (mine.length === 0) throw new HisError('NOT_FOUND', 'no such session in the schedule', { slotId: id });
  const [session] = sessions(directory, mine);
  if (ctx.now() >= session!.endMs) throw new HisError('NOT_ALLOWED', 'this session is over', { slotId: id });
  return session!;
}

/** The session a Slot belongs to, named as the port names it. */
export function sessionOfSlot(directory: Directory, slot: FhirSlot): { slotId: string; doctor: DirectoryDoctor } | undefined {
  const scheduleId = refId(slot.schedule, 'Schedule');
  const doctor = directory.doctors.get(directory.scheduleDoctor.get(scheduleId ?? '') ?? '');
  if (!scheduleId || !doctor) return undefined;
  const start = instant(slot.start);
  return { slotId: sessionId(scheduleId, shanghaiDate(start), periodOf(start)), doctor };
}

/**
 * An expert's introduction: the PractitionerRole's `specialty` texts and the Practitioner's
 * profile, which R4 has no element for (an extension carries it). Only bookable doctors, as
 * the schedule lists them.
 */
export async function doctorInfo(ctx: FhirContext, doctorId: unknown): Promise<DoctorProfile> {
  assertText(doctorId, 'doctorId');
  const doctor = (await loadDirectory(ctx)).doctors.get(doctorId);
  const role = doctor && (await ctx.fhir.read<PractitionerRole>('PractitionerRole', doctor.doctorId));
  if (!doctor || !role) throw new HisError('NOT_FOUND', 'no such doctor', { doctorId });
  const practitioner = await ctx.fhir.read<Practitioner>('Practitioner', refId(role.practitioner, 'Practitioner') ?? '');
  return {
    doctorId: doctor.doctorId, name: doctor.name, title: doctor.title, deptId: doctor.deptId, deptName: doctor.deptName,
    specialty: (role.specialty ?? []).map((s) => s.text ?? s.coding?.[0]?.display ?? '').filter(Boolean).join('、'),
    profile: extension(practitioner, extensions.doctorProfile)?.valueMarkdown ?? '',
  };
}

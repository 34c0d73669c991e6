import type { ScheduleResult } from '../contract/rpc.ts';

/**
 * Picking a number from the HIS schedule (issue 5 §3, §4): on one day, a department, then a
 * doctor, then a session. Registration today and booking ahead both pick this way; each keeps
 * these fields in its own context, and the shared screens (screens/flows/schedule.ts) draw the
 * lists from them. Only sessions with numbers left are offered, so every list item can be taken.
 */
export type Schedule = ScheduleResult;
export type Department = Schedule['departments'][number];
export type Doctor = Schedule['doctors'][number];
export type Slot = Schedule['slots'][number];

export interface SchedulePick {
  schedule?: Schedule;
  /** The day the numbers are for (YYYY-MM-DD, the hospital's day). */
  date?: string;
  /** The patient picked the day (booking); otherwise the departments are the first list. */
  pickDay?: boolean;
  deptId?: string;
  doctorId?: string;
  slotId?: string;
  /** The page of the list on screen (machines/paging.ts): a number key means what the screen shows. */
  page: number;
}

/** A doctor with the numbers left over the day's sessions. */
export interface DoctorChoice extends Doctor {
  left: number;
}

export type PickEvent = { type: 'select'; index: number } | { type: 'page'; delta: 1 | -1 } | { type: 'back' } | { type: 'cancel' } | { type: 'confirm' };

const periodOrder = { morning: 0, afternoon: 1 } as const;

function open(p: SchedulePick): Slot[] {
  return (p.schedule?.slots ?? []).filter((s) => s.remaining > 0 && (p.date === undefined || s.date === p.date));
}

/** The days with a number left, earliest first. */
export function daysOf(p: SchedulePick): string[] {
  return [...new Set(open({ ...p, date: undefined }).map((s) => s.date))].sort();
}

export function departmentsOn(p: SchedulePick): Department[] {
  const taken = new Set(open(p).map((s) => s.deptId));
  return (p.schedule?.departments ?? []).filter((d) => taken.has(d.deptId));
}

export function doctorsOn(p: SchedulePick): DoctorChoice[] {
  const slots = open(p).filter((s) => s.deptId === p.deptId);
  return (p.schedule?.doctors ?? [])
    .map((d) => ({ ...d, left: slots.filter((s) => s.doctorId === d.doctorId).reduce((sum, s) => sum + s.remaining, 0) }))
    .filter((d) => d.left > 0);
}

export function slotsOf(p: SchedulePick): Slot[] {
  return open(p)
    .filter((s) => s.doctorId === p.doctorId)
    .sort((a, b) => periodOrder[a.period] - periodOrder[b.period]);
}

/** What the patient picked, once a session is chosen. */
export function picked(p: SchedulePick): { dept: Department; doctor: Doctor; slot: Slot } | undefined {
  const slot = p.schedule?.slots.find((s) => s.slotId === p.slotId);
  const doctor = p.schedule?.doctors.find((d) => d.doctorId === slot?.doctorId);
  const dept = p.schedule?.departments.find((d) => d.deptId === slot?.deptId);
  return slot && doctor && dept ? { dept, doctor, slot } : undefined;
}

/** The item a `select` names in a list, or undefined for a key the screen did not show. */
export function at<T>(items: readonly T[], event: PickEvent): T | undefined {
  return event.type === 'select' ? items[event.index] : undefined;
}

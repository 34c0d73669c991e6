import { fromPromise } from 'xstate';
import type { BillHistoryResult, DoctorInfoResult, PriceSearchResult, ScheduleResult } from '../../contract/rpc.ts';
import { inquiryMachine, type WeekDepartment } from '../../machines/inquiry.ts';
import type { FlowDeps } from '../flows.ts';
import { businessDay, lastDays } from './billList.ts';

/** The coming week the schedule screen shows: today and the six days after it. */
const WEEK_DAYS = 7;
/** The payment history's reach, as the menu says it. */
const HISTORY_DAYS = 90;

/**
 * The hospital's departments with their doctors and each doctor's sessions of the coming week,
 * from one `schedule.query` (which answers the whole booking window, sessions over left out).
 * A department without a doctor who holds clinics (the lab) is not shown.
 */
export function weekOf(schedule: ScheduleResult, lastDay = businessDay(WEEK_DAYS - 1)): WeekDepartment[] {
  const slots = schedule.slots.filter((s) => s.date <= lastDay);
  return schedule.departments
    .map((dept) => ({
      deptId: dept.deptId,
      name: dept.name,
      location: dept.location,
      doctors: schedule.doctors
        .filter((doc) => doc.deptId === dept.deptId)
        .map((doc) => ({
          doctorId: doc.doctorId,
          name: doc.name,
          title: doc.title,
          feeFen: doc.feeFen,
          sessions: slots
            .filter((s) => s.doctorId === doc.doctorId)
            .sort((a, b) => a.date.localeCompare(b.date) || (a.period === b.period ? 0 : a.period === 'morning' ? -1 : 1))
            .map((s) => ({ date: s.date, period: s.period, remaining: s.remaining })),
        })),
    }))
    .filter((dept) => dept.doctors.length > 0);
}

export function provideInquiry(d: FlowDeps) {
  return inquiryMachine.provide({
    actors: {
      searchPrices: fromPromise(async ({ input }) => {
        const r = await d.ask<PriceSearchResult>('price.search', { initials: input.initials, page: input.page });
        return { items: r.items, total: r.total };
      }),
      loadWeek: fromPromise(async () => weekOf(await d.ask<ScheduleResult>('schedule.query', {}))),
      doctorInfo: fromPromise(({ input }) => d.ask<DoctorInfoResult>('doctor.info', { doctorId: input.doctorId })),
      loadHistory: fromPromise(({ input }) => d.ask<BillHistoryResult>('bill.history', { patientId: input.patientId, ...lastDays(HISTORY_DAYS) })),
    },
  });
}

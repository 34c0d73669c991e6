import type { Period } from '../port.ts';
import { periods } from '../seed.ts';
import { addDays, weekdayIndex } from './time.ts';

/**
 * Sessions come from each doctor's weekly rota rather than from stored rows, so a data folder
 * always offers today and the next 14 days, whenever it was seeded. A slot id names the session:
 * `E001-20250602-AM`.
 */

export const bookingWindowDays = 14;

export interface Rota {
  doctorId: string;
  mornings: string;
  afternoons: string;
}

const periodCodes: Record<Period, string> = { morning: 'AM', afternoon: 'PM' };

export function slotId(doctorId: string, date: string, period: Period): string {
  return `${doctorId}-${date.replaceAll('-', '')}-${periodCodes[period]}`;
}

export function parseSlotId(id: string): { doctorId: string; date: string; period: Period } | undefined {
  const m = /^([A-Z]\d{3})-(\d{4})(\d{2})(\d{2})-(AM|PM)$/.exec(id);
  if (!m) return undefined;
  return { doctorId: m[1]!, date: `${m[2]}-${m[3]}-${m[4]}`, period: m[5] === 'AM' ? 'morning' : 'afternoon' };
}

export function worksOn(rota: Rota, date: string, period: Period): boolean {
  const week = period === 'morning' ? rota.mornings : rota.afternoons;
  return week[weekdayIndex(date)] === '1';
}

/** The doctor's first session on or after `date`. Every seeded doctor works at least once a week. */
export function firstSession(rota: Rota, date: string): { date: string; period: Period } {
  for (let day = 0; day < 7; day += 1) {
    const d = addDays(date, day);
    for (const period of Object.keys(periods) as Period[]) if (worksOn(rota, d, period)) return { date: d, period };
  }
  throw new Error(`doctor ${rota.doctorId} has no session in the week from ${date}`);
}

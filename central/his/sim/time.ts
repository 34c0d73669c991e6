/**
 * Hospital local time. A HIS prints and cuts its business day in Asia/Shanghai, which has had no
 * daylight saving since 1991, so a fixed +08:00 offset is exact.
 */

const offsetMs = 8 * 3_600_000;
const dayMs = 86_400_000;

/** `2025-06-04T10:15:00+08:00`: to the second, as a HIS stores it. */
export function shanghaiIso(ms: number): string {
  return `${new Date(ms + offsetMs).toISOString().slice(0, 19)}+08:00`;
}

/** `2025-06-04`: the business day of an instant. */
export function shanghaiDate(ms: number): string {
  return new Date(ms + offsetMs).toISOString().slice(0, 10);
}

/** `YYYYMMDD`, the form receipt numbers carry. */
export function compactDate(ms: number): string {
  return shanghaiDate(ms).replaceAll('-', '');
}

/** The instant a local date and `HH:mm` name. */
export function shanghaiMs(date: string, hhmm = '00:00'): number {
  return Date.parse(`${date}T${hhmm}:00+08:00`);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** 0 for Monday to 6 for Sunday, the order of a rota. */
export function weekdayIndex(date: string): number {
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
}

/** A real calendar day written `YYYY-MM-DD` (not 2025-02-30). */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** `HH:mm` plus minutes. */
export function addMinutes(hhmm: string, minutes: number): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const total = h * 60 + m + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

export function minutesBetween(from: string, to: string): number {
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return toMinutes(to) - toMinutes(from);
}

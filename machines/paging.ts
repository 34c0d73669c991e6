/**
 * Lists a patient picks from (departments, doctors, slots, appointments) are shown a page at a
 * time: as many big touch targets as the minimum grid holds. The machine keeps the page, so a
 * number key always means the same item the screen shows.
 */
export const PER_PAGE = 6;

export function pageOf(count: number, page: number): { first: number; pages: number; current: number } {
  const pages = Math.max(1, Math.ceil(count / PER_PAGE));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { first: current * PER_PAGE, pages, current };
}

/** The page after moving by `delta`, kept inside the list. */
export function turnPage(count: number, page: number, delta: number): number {
  return pageOf(count, page + delta).current;
}

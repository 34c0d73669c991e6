import { billHistoryMaxDays, daysApart, priceCategories } from '../../../contract/rpc.ts';
import type { BillHistoryQuery, PriceQuery } from '../port.ts';
import { isDate } from './time.ts';
import { assertText, invalid } from './validate.ts';

/** Argument checks of the read-only lookups, shared by the simulator and the FHIR adapter; each names the field it refuses. */

export function assertHistoryQuery(query: BillHistoryQuery): void {
  assertText(query.patientId, 'patientId');
  if (!isDate(query.from)) throw invalid('from', 'must be a date YYYY-MM-DD');
  if (!isDate(query.to)) throw invalid('to', 'must be a date YYYY-MM-DD');
  if (query.to < query.from) throw invalid('to', 'must not be before from');
  if (daysApart(query.from, query.to) > billHistoryMaxDays) throw invalid('to', `must be at most ${billHistoryMaxDays} days after from`);
}

export function assertPriceQuery(query: PriceQuery): void {
  const { initials, category, page, pageSize } = query as { initials?: unknown; category?: unknown; page?: unknown; pageSize?: unknown };
  if (initials !== undefined && (typeof initials !== 'string' || !/^[A-Z]{1,12}$/.test(initials))) throw invalid('initials', 'must be 1 to 12 capital letters A-Z');
  if (category !== undefined && !(priceCategories as readonly unknown[]).includes(category)) throw invalid('category', `must be one of ${priceCategories.join(', ')}`);
  if (initials === undefined && category === undefined) throw invalid('initials', 'or category is required: the whole catalogue is not listed');
  if (typeof page !== 'number' || !Number.isSafeInteger(page) || page < 1) throw invalid('page', 'must be a whole number from 1');
  if (typeof pageSize !== 'number' || !Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 100) throw invalid('pageSize', 'must be a whole number from 1 to 100');
}

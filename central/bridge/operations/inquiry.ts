import { priceSearchPageSize, type BillHistoryResult, type DoctorInfoResult, type InpatientCostsResult, type OpArgs, type PriceSearchResult } from '../../../contract/rpc.ts';
import { asking, ok, type OpContext } from '../context.ts';

/** Sums of `amountFen` by key, the keys in the order they first appear. */
function sums<T extends { amountFen: number }>(items: T[], key: (item: T) => string): [string, number][] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(key(item), (totals.get(key(item)) ?? 0) + item.amountFen);
  return [...totals];
}

/**
 * The read-only lookups behind the bill lists and the inquiry screens (issue 5 §9, §10): no txnId,
 * nothing changes, so an unreachable HIS is just "try again". Totals are added here, from the
 * lines the HIS gave, so a printed list always adds up.
 */
export const inquiryOps = {
  'bill.history': (ctx: OpContext, args: OpArgs<'bill.history'>) =>
    asking(
      () => ctx.his.billHistory(args),
      ({ bills }) => ok({ from: args.from, to: args.to, bills, totalFen: bills.reduce((sum, b) => sum + b.amountFen, 0) } satisfies BillHistoryResult),
    ),

  'inpatient.costs': (ctx: OpContext, args: OpArgs<'inpatient.costs'>) =>
    asking(
      () => ctx.his.inpatientCosts(args),
      ({ patientId: _, ...stay }) =>
        ok({
          ...stay,
          byDay: sums(stay.items, (i) => i.date).map(([date, amountFen]) => ({ date, amountFen })),
          byCategory: sums(stay.items, (i) => i.category).map(([category, amountFen]) => ({ category, amountFen })),
          totalFen: stay.items.reduce((sum, i) => sum + i.amountFen, 0),
        } satisfies InpatientCostsResult),
    ),

  'price.search': (ctx: OpContext, args: OpArgs<'price.search'>) => {
    const page = args.page ?? 1;
    const query = { ...(args.initials !== undefined ? { initials: args.initials } : {}), ...(args.category !== undefined ? { category: args.category } : {}), page, pageSize: priceSearchPageSize };
    return asking(() => ctx.his.searchPrices(query), (r) => ok({ items: r.items, total: r.total, page, pageSize: priceSearchPageSize } satisfies PriceSearchResult));
  },

  'doctor.info': (ctx: OpContext, args: OpArgs<'doctor.info'>) => asking(() => ctx.his.doctorInfo(args), (d) => ok(d satisfies DoctorInfoResult)),
};

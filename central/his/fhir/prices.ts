import type { ChargeItemDefinition } from '@medplum/fhirtypes';
import { priceCategories, type InsuranceClass, type PriceCategory } from '../../../contract/rpc.ts';
import type { PriceItem, PriceMatches, PriceQuery } from '../port.ts';
import { assertPriceQuery } from '../sim/inquiry-args.ts';
import type { FhirContext } from './context.ts';
import { extensions } from './systems.ts';
import { extension, fenOf, identifierValue, unreadable } from './values.ts';

/**
 * The price catalogue (物价公示) as `ChargeItemDefinition`s: the item code and the 拼音码 as
 * identifiers, the name as `title`, the price as the base price component, and what R4 has no
 * element for (spec, unit, drug or service, insurance class) in one extension. R4 matches a token
 * exactly and a string by its start on the element's own text, so no search finds items by the
 * start of their initials: the adapter reads the active catalogue (a few thousand items at a
 * hospital, a page or two) and matches and pages it itself, in the simulator's order.
 */

const insuranceClasses: readonly InsuranceClass[] = ['甲', '乙', '丙'];

function priceItem(ctx: FhirContext, d: ChargeItemDefinition): PriceItem {
  const itemCode = identifierValue(d, ctx.systems.priceItem);
  const initials = identifierValue(d, ctx.systems.pinyinInitials);
  const facts = extension(d, extensions.priceItem)?.extension ?? [];
  const part = (url: string) => facts.find((e) => e.url === url);
  const category = part('category')?.valueCode as PriceCategory | undefined;
  const insuranceClass = part('insuranceClass')?.valueCode as InsuranceClass | undefined;
  if (!itemCode || !initials || !category || !priceCategories.includes(category) || !insuranceClass || !insuranceClasses.includes(insuranceClass)) {
    throw unreadable(`ChargeItemDefinition/${d.id} lacks an item code, initials, category or insurance class`);
  }
  const base = d.propertyGroup?.flatMap((g) => g.priceComponent ?? []).find((p) => p.type === 'base');
  return {
    itemCode, name: d.title ?? d.code?.text ?? '', spec: part('spec')?.valueString ?? '', unit: part('unit')?.valueString ?? '',
    priceFen: fenOf(base?.amount, `the price of ${itemCode}`), category, insuranceClass, initials,
  };
}

const binaryOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function searchPrices(ctx: FhirContext, query: PriceQuery): Promise<PriceMatches> {
  assertPriceQuery(query);
  const catalogue = (await ctx.fhir.search<ChargeItemDefinition>('ChargeItemDefinition', { status: 'active' })).map((d) => priceItem(ctx, d));
  const matches = catalogue
    .filter((p) => (query.initials === undefined || p.initials.startsWith(query.initials)) && (query.category === undefined || p.category === query.category))
    .sort((a, b) => binaryOrder(a.initials, b.initials) || binaryOrder(a.itemCode, b.itemCode));
  const first = (query.page - 1) * query.pageSize;
  return { items: matches.slice(first, first + query.pageSize), total: matches.length };
}

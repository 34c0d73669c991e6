import { afterAll, describe, expect, it } from 'vitest';
import { priceCatalogue } from '../../../central/his/seed-prices.ts';
import { admissions } from '../../../central/his/seed.ts';
import { businessDay, cleanUp, simulator } from './harness.ts';

/** The simulated hospital's data behind the bill lists and the inquiry screens. */
describe('the seeded catalogue, stays and history', () => {
  afterAll(cleanUp);

  it('keeps a 拼音码 of one capital per syllable (or Latin letter) of every name, and unique codes', () => {
    expect(priceCatalogue.length).toBeGreaterThanOrEqual(60);
    expect(new Set(priceCatalogue.map((p) => p.itemCode)).size).toBe(priceCatalogue.length);
    for (const p of priceCatalogue) {
      const spoken = [...p.name].filter((ch) => /\p{Script=Han}|[A-Za-z]/u.test(ch));
      expect(p.initials, p.name).toMatch(/^[A-Z]+$/);
      expect(p.initials.length, p.name).toBe(spoken.length);
      spoken.forEach((ch, i) => {
        if (/[A-Za-z]/.test(ch)) expect(p.initials[i], p.name).toBe(ch.toUpperCase());
      });
      expect(Number.isSafeInteger(p.priceFen) && p.priceFen > 0).toBe(true);
    }
  });

  it('itemises every stay day by day, adding up to its costs, from the day of admission', async () => {
    const his = simulator();
    for (const a of admissions) {
      const [info, costs] = await Promise.all([his.inpatientInfo({ admissionNo: a.admissionNo }), his.inpatientCosts({ admissionNo: a.admissionNo })]);
      expect(costs.items.reduce((sum, i) => sum + i.amountFen, 0)).toBe(info.costFen);
      for (const i of costs.items) {
        expect(i.amountFen).toBe(i.qty * i.priceFen);
        expect(i.date >= businessDay(-a.daysIn) && i.date < businessDay(0)).toBe(true);
      }
    }
  });

  it('pages a search through every match once', async () => {
    const his = simulator();
    const first = await his.searchPrices({ category: 'service', page: 1, pageSize: 7 });
    const pages = await Promise.all(Array.from({ length: Math.ceil(first.total / 7) }, (_, n) => his.searchPrices({ category: 'service', page: n + 1, pageSize: 7 })));
    const codes = pages.flatMap((p) => p.items.map((i) => i.itemCode));
    expect(codes).toHaveLength(first.total);
    expect(new Set(codes).size).toBe(first.total);
    expect(first.total).toBe(priceCatalogue.filter((p) => p.category === 'service').length);
  });
});

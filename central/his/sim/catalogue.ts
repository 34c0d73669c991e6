import { HisError, type DoctorProfile, type PriceItem, type PriceMatches, type PriceQuery } from '../port.ts';
import type { SimContext } from './context.ts';
import { assertPriceQuery } from './inquiry-args.ts';
import { assertText } from './validate.ts';

/** The price catalogue (物价公示) and the doctors' introductions: what a patient may look up without a visit. */

const priceColumns = `item_code AS itemCode, name, spec, unit, price_fen AS priceFen, category, insurance_class AS insuranceClass, initials`;

/** 拼音码 match from the start, as a HIS's 助记码 search does; the initials are capitals only, so no LIKE wildcard gets in. */
export function searchPrices(ctx: SimContext, query: PriceQuery): PriceMatches {
  assertPriceQuery(query);
  const where = 'WHERE (@initials IS NULL OR initials LIKE @initials || \'%\') AND (@category IS NULL OR category = @category)';
  const params = { initials: query.initials ?? null, category: query.category ?? null };
  const total = ctx.db.prepare<[typeof params], { n: number }>(`SELECT count(*) AS n FROM price_items ${where}`).get(params)!.n;
  const items = ctx.db
    .prepare<[typeof params & { limit: number; offset: number }], PriceItem>(`SELECT ${priceColumns} FROM price_items ${where} ORDER BY initials, item_code LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
  return { items, total };
}

export function doctorInfo(ctx: SimContext, doctorId: unknown): DoctorProfile {
  assertText(doctorId, 'doctorId');
  const row = ctx.db
    .prepare<[string], DoctorProfile>(
      `SELECT d.doctor_id AS doctorId, d.name, d.title, d.dept_id AS deptId, dp.name AS deptName,
         coalesce(p.specialty, '') AS specialty, coalesce(p.profile, '') AS profile
       FROM doctors d JOIN departments dp USING (dept_id) LEFT JOIN doctor_profiles p USING (doctor_id) WHERE d.doctor_id = ?`,
    )
    .get(doctorId);
  if (!row) throw new HisError('NOT_FOUND', 'no such doctor', { doctorId });
  return row;
}

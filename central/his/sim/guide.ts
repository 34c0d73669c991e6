import type { BillItem, GuideStep } from '../port.ts';
import type { SimContext } from './context.ts';

/**
 * Where a patient goes after paying (发药窗口, 采血处, exam rooms), as a HIS tells a self-service
 * platform with the settlement. Read from the paid items' national catalogue codes (医保对照): a
 * drug is `X…` (western) or `Z…` (Chinese patent); a service is `00` + its 全国医疗服务价格项目规范
 * number, whose first digits name the kind: 25 laboratory, 22 ultrasound, 21 X-ray, 3107 ECG.
 * An item mapped to no code (dental cleaning, self-paid) or done in the clinic sends nobody anywhere.
 */

/** The dispensing windows of the outpatient pharmacy: each settlement is given the next, round the counter. */
export const pharmacyWindows = 4;
const pharmacy = { name: '门诊西药房', location: '门诊楼1层' };

/** The exam departments, in the order a patient is sent: samples first, then the rooms. Where the hospital has none seeded, its usual place. */
const exams: { test: RegExp; what: string; department: string; room?: string; usual: string }[] = [
  { test: /^0025/, what: '抽血化验', department: '检验科', room: '采血处', usual: '医技楼1层' },
  { test: /^003107/, what: '心电图检查', department: '心电图室', usual: '医技楼2层' },
  { test: /^0022/, what: '超声检查', department: '超声科', usual: '医技楼2层' },
  { test: /^0021/, what: '放射检查', department: '放射科', usual: '医技楼1层' },
];

const isDrug = (code: string) => /^[XZ]/.test(code);

export function settlementGuide(ctx: SimContext, items: BillItem[]): GuideStep[] {
  const codes = items.flatMap((i) => (i.insuranceCode ? [i.insuranceCode] : []));
  const location = ctx.db.prepare<[string], { location: string }>('SELECT location FROM departments WHERE name = ?');
  const steps = exams
    .filter((e) => codes.some((c) => e.test.test(c)))
    .map((e) => ({ what: e.what, where: `${[e.department, e.room].filter(Boolean).join(' ')} (${location.get(e.department)?.location ?? e.usual})` }));
  if (codes.some(isDrug)) steps.push({ what: '取药', where: `${pharmacy.name} ${nextWindow(ctx)}号窗口 (${pharmacy.location})` });
  return steps;
}

/** Round the windows by the settlements made so far, so the number is the HIS's own and never random. */
function nextWindow(ctx: SimContext): number {
  const settled = ctx.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM trades WHERE kind = 'settle'").get()!.n;
  return (settled % pharmacyWindows) + 1;
}

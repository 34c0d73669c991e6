import { describe, expect, it } from 'vitest';
import type { PriceItem } from '../../contract/rpc.ts';
import { inquiryMachine, letterGroups, type InquiryContext, type WeekDepartment } from '../../machines/inquiry.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of the inquiry flow with fake lookups: a search only with initials typed, matches
 * fetched from central only as the pages need them, a doctor's screen only for a doctor of the
 * department picked, a screen everywhere, and nothing but lookups (no money, no printer).
 */
const price = (n: number): PriceItem => ({ itemCode: `YP${n}`, name: `药${n}`, spec: '10mg', unit: '盒', priceFen: 1000 + n, category: 'drug', insuranceClass: '甲', initials: `AM${n}` });
const prices = (from: number, count: number) => Array.from({ length: count }, (_, i) => price(from + i));
const week: WeekDepartment[] = [
  { deptId: 'D01', name: '内科', location: '2层', doctors: [{ doctorId: 'E001', name: '周建国', title: '主任医师', feeFen: 5000, sessions: [{ date: '2025-06-02', period: 'morning', remaining: 3 }] }, { doctorId: 'E002', name: '吴晓梅', title: '主治医师', feeFen: 2500, sessions: [] }] },
];
const intro = { doctorId: 'E001', name: '周建国', title: '主任医师', deptId: 'D01', deptName: '内科', specialty: '高血压', profile: '三十年' };
const paid = { billNo: 'MZ1', amountFen: 6500, department: '内科', doctor: '周建国', createdAt: '', items: [], paidAt: '2025-06-02T09:40:00+08:00', hisReceiptNo: 'SF1', method: 'card' as const };

const model = walk(inquiryMachine, {
  input: { patientId: 'P1', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: [], cashChange: false },
  outputs: {
    // The first page of a search: nothing, a few, or 20 of 25; then the 5 left.
    searchPrices: (snap) =>
      (snap.context as InquiryContext).priceFetched === 0
        ? [{ items: [], total: 0 }, { items: prices(0, 3), total: 3 }, { items: prices(0, 20), total: 25 }]
        : [{ items: prices(20, 5), total: 25 }],
    loadWeek: () => [[], week],
    doctorInfo: (snap) => {
      const c = snap.context as InquiryContext;
      return [{ ...intro, doctorId: c.departments![c.deptIndex!]!.doctors[c.doctorIndex!]!.doctorId }];
    },
    loadHistory: () => [{ from: '2025-03-05', to: '2025-06-02', bills: [], totalFen: 0 }, { from: '2025-03-05', to: '2025-06-02', bills: [paid, paid], totalFen: 13_000 }],
  },
  payloads: {
    select: () => [0, 1, 2, 5, 6].map((index) => ({ type: 'select', index })),
    page: () => [{ type: 'page', delta: 1 }, { type: 'page', delta: -1 }],
    letter: () => [{ type: 'letter', letter: 'a' }, { type: 'letter', letter: '1' }],
  },
  contextKey: (c) => {
    const x = c as unknown as InquiryContext;
    return {
      typed: x.initials.length > 0, group: x.group, prices: x.prices.length, total: x.priceTotal, page: x.page,
      dept: x.deptIndex, doctor: x.doctorIndex, intro: x.intro !== undefined, history: x.history?.bills.length,
    };
  },
});

const contextAt = (p: Path, i: number) => p.steps[i]!.state.context as InquiryContext;

describe('inquiry, every path', () => {
  it('covers every state, each with a screen, and every path ends or comes back', () => {
    console.info(`inquiry: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    for (const p of model.paths) {
      for (const { state } of p.steps) if (state.status === 'active') expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
      if (!p.closedLoop) expect(p.steps.at(-1)!.state.status).toBe('done');
    }
  });

  it('searches only with initials, and fetches the next matches only when the next page needs them', () => {
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (s.state.matches({ prices: 'searching' })) expect(contextAt(p, i).initials).toMatch(/^[A-Z]{1,12}$/);
        if (s.state.matches({ prices: 'more' })) {
          const c = contextAt(p, i);
          expect(c.prices.length).toBeLessThan(c.priceTotal);
          expect((c.page + 2) * 6).toBeGreaterThan(c.prices.length);
        }
      });
    }
    const fetchedMore = model.paths.filter((p) => p.steps.some((s) => s.state.matches({ prices: 'more' })));
    expect(fetchedMore.length).toBeGreaterThan(0);
    for (const p of fetchedMore) {
      const back = p.steps.findIndex((s, i) => i > 0 && s.state.matches({ prices: 'results' }) && p.steps[i - 1]!.state.matches({ prices: 'more' }));
      if (back >= 0) expect(contextAt(p, back)).toMatchObject({ page: 3, priceFetched: 2 });
    }
  });

  it('types letters from the keyboard and from the letter groups on the glass alike', () => {
    const typedByGroup = model.paths.some((p) => p.steps.some((s, i) => i > 0 && contextAt(p, i - 1).group !== undefined && contextAt(p, i).initials.length > contextAt(p, i - 1).initials.length));
    expect(typedByGroup).toBe(true);
    expect(letterGroups.join('')).toBe('ABCDEFGHJKLMNOPQRSTWXYZ');
  });

  it('introduces only a doctor of the department picked, with the sessions already shown', () => {
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches({ schedule: 'doctor' })) return;
        const c = contextAt(p, i);
        expect(c.departments![c.deptIndex!]!.doctors[c.doctorIndex!]).toBeDefined();
        if (c.intro) expect(c.intro.doctorId).toBe(c.departments![c.deptIndex!]!.doctors[c.doctorIndex!]!.doctorId);
      });
    }
  });

  it('touches nothing but lookups', () => {
    expect(Object.keys(inquiryMachine.implementations.actors).sort()).toEqual(['doctorInfo', 'loadHistory', 'loadWeek', 'searchPrices']);
  });
});

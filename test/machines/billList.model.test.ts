import { describe, expect, it } from 'vitest';
import { billListMachine, listRows, type BillListContext, type BillListing } from '../../machines/billList.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of bill-list printing with fake actors: a list is printed only once it was loaded
 * and shown with something in it, the stay's list only when the HIS has a stay, a screen in every
 * state, and no money anywhere (the machine has no payment to invoke).
 */
const bill = { billNo: 'MZ1', amountFen: 6500, department: '内科', doctor: '周建国', createdAt: '2025-06-02T09:00:00+08:00', items: [], paidAt: '2025-06-02T09:40:00+08:00', hisReceiptNo: 'SF1', method: 'card' as const };
const outpatient = (n: number): BillListing => ({ kind: 'outpatient', from: '2025-05-27', to: '2025-06-02', bills: Array.from({ length: n }, () => bill), totalFen: 6500 * n });
const cost = { date: '2025-06-01', category: '床位费', name: '床位费', qty: 1, unit: '日', priceFen: 6000, amountFen: 6000 };
const inpatient: BillListing = {
  kind: 'inpatient', admissionNo: 'ZY1', deptName: '内科', ward: '一病区', bed: '12', admittedAt: '2025-05-27T10:20:00+08:00', state: 'inHospital',
  items: Array.from({ length: 8 }, () => cost), byDay: [{ date: '2025-06-01', amountFen: 48000 }], byCategory: [{ category: '床位费', amountFen: 48000 }], totalFen: 48000,
};

const model = walk(billListMachine, {
  input: { patientId: 'P1', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: [], cashChange: false },
  outputs: {
    findStay: () => [null, { admissionNo: 'ZY1', deptName: '内科', admittedAt: '2025-05-27T10:20:00+08:00' }],
    loadList: (snap) => ((snap.context as BillListContext).chosen?.kind === 'inpatient' ? [inpatient] : [outpatient(2), outpatient(0)]),
    printList: () => [{ printed: true }, { printed: false }],
  },
  payloads: {
    select: () => [0, 1, 2, 3, 4].map((index) => ({ type: 'select', index })),
    page: () => [{ type: 'page', delta: 1 }, { type: 'page', delta: -1 }],
  },
  contextKey: (c) => {
    const x = c as unknown as BillListContext;
    return { stay: x.stay ? 1 : x.stay === null ? 0 : undefined, kind: x.chosen?.kind, rows: listRows(x.listing), page: x.page, printed: x.printed };
  },
});

const visited = (p: Path, state: string) => p.steps.some((s) => s.state.matches(state));

describe('bill-list printing, every path', () => {
  it('covers every state, each with a screen, and every path ends', () => {
    console.info(`billList: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    for (const p of model.paths) {
      for (const { state } of p.steps) if (state.status === 'active') expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
      if (!p.closedLoop) expect(p.steps.at(-1)!.state.status).toBe('done');
    }
    expect(model.paths.filter((p) => visited(p, 'printed')).length).toBeGreaterThan(0);
  });

  it('prints only a list it loaded and showed, with something in it', () => {
    for (const p of model.paths) {
      const at = p.steps.findIndex((s) => s.state.matches('printing'));
      if (at < 0) continue;
      const c = p.steps[at]!.state.context as BillListContext;
      expect(listRows(c.listing)).toBeGreaterThan(0);
      expect(p.steps[at - 1]!.state.matches('list')).toBe(true);
    }
  });

  it('offers the stay only when the HIS has one', () => {
    for (const p of model.paths) {
      for (const { state } of p.steps) {
        const c = state.context as BillListContext;
        if (c.chosen?.kind === 'inpatient') expect(c.stay?.admissionNo).toBe('ZY1');
      }
    }
    expect(model.paths.some((p) => p.steps.some((s) => (s.state.context as BillListContext).chosen?.kind === 'inpatient'))).toBe(true);
  });

  it('touches no money: its only actors are the lookups and the print', () => {
    expect(Object.keys(billListMachine.implementations.actors).sort()).toEqual(['findStay', 'loadList', 'printList']);
  });
});

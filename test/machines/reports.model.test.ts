import { describe, expect, it } from 'vitest';
import { reportsMachine, type ReportsContext } from '../../machines/reports.ts';
import { screenOf, walk } from './walk.ts';

/** Every path of report printing with fake actors: printing only what is printable, a screen everywhere. */
const ready = { reportId: 'R1', title: '血常规', deptName: '检验科', printable: true, printed: false };
const done = { reportId: 'R2', title: '尿常规', deptName: '检验科', printable: false, printed: true };
const model = walk(reportsMachine, {
  input: { patientId: 'P1', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 } },
  outputs: {
    listReports: () => [[], [ready, done], [done]],
    printReports: () => [{ printed: ['血常规'], failed: [] }, { printed: [], failed: [{ title: '血常规', reason: 'PAPER_OUT' }] }],
  },
  contextKey: (c) => ({ reports: (c.reports as unknown[] | undefined)?.length, printable: (c as unknown as ReportsContext).reports?.some((r) => r.printable), summary: c.summary !== undefined }),
});

describe('report printing, every path', () => {
  it('covers every state, each with a screen, and every path ends', () => {
    console.info(`reports: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    for (const p of model.paths) {
      for (const { state } of p.steps) if (state.status === 'active') expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
      expect(p.steps.at(-1)!.state.status).toBe('done');
    }
  });

  it('prints only when something is printable, and only what is printable', () => {
    for (const p of model.paths) {
      const at = p.steps.findIndex((s) => s.state.matches('printing'));
      if (at < 0) continue;
      const reports = (p.steps[at]!.state.context as ReportsContext).reports ?? [];
      expect(reports.some((r) => r.printable)).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { maintenanceMachine, staffActions } from '../../machines/maintenance.ts';
import { screenOf, walk } from './walk.ts';

/** Every path of staff maintenance mode with fake actors: a screen everywhere, and a way out of every state. */
const model = walk(maintenanceMachine, {
  input: { staffId: 'S-007', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 } },
  outputs: {
    perform: () => ['done'],
    countCashbox: () => [{ units: [{ denomination: 10_000, count: 3 }], totalFen: 30_000 }],
    clearCashbox: () => ['cleared'],
  },
  payloads: {
    'staff.action': () => staffActions.map((action) => ({ type: 'staff.action', action }) as never),
    'staff.counted': () => [{ type: 'staff.counted', matches: true } as never, { type: 'staff.counted', matches: false } as never],
  },
  contextKey: (c) => ({ result: c.result !== undefined, cashbox: c.cashbox !== undefined }),
});

describe('maintenance mode, every path', () => {
  it('covers every state, each with a screen, and every path that ends is logged out', () => {
    console.info(`maintenance: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    for (const p of model.paths) {
      for (const { state } of p.steps) if (state.status === 'active') expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
      const last = p.steps.at(-1)!.state;
      if (!p.closedLoop) expect(last.status).toBe('done');
    }
  });

  it('clears the cash box only from its own screen, after the journal count was shown', () => {
    for (const p of model.paths) {
      const at = p.steps.findIndex((s) => s.state.matches('clearing'));
      if (at >= 0) expect(p.steps[at - 1]?.state.matches('cashbox')).toBe(true);
    }
  });
});

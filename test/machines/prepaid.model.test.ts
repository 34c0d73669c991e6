import { describe, expect, it } from 'vitest';
import { accountActions, maxRechargeYuan, prepaidMachine, typedWith, type PrepaidContext } from '../../machines/prepaid.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of the prepaid account with fake actors and a fake payment machine (its own paths
 * are walked in payment.model.test.ts): NOT_OFFERED, a legacy balance with recharge off, an empty
 * account with recharge on, and a balance with recharge on; every way a payment and a refund end.
 */
const txn = (n: number) => `01JTXN0000000000000000000${n}`;
const timeouts = { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 };

const model = walk(prepaidMachine, {
  input: { patientId: 'P1', nameMasked: '张*', credType: 'patientCard', timeouts, methods: ['card', 'qr', 'cash'], cashChange: true },
  outputs: {
    loadAccount: () => [
      { offered: false },
      { offered: true, balanceFen: 23_650, rechargeOffered: false },
      { offered: true, balanceFen: 0, rechargeOffered: true },
      { offered: true, balanceFen: 5_000, rechargeOffered: true },
    ],
    openRecharge: () => [{ txnId: txn(1) }],
    payment: () => [
      { end: 'paid', txnId: txn(1), hisReceiptNo: 'CZ1', result: { amountFen: 10_000, balanceFen: 15_000, hisReceiptNo: 'CZ1', settledAt: '' } },
      { end: 'notPaid', txnId: txn(1), retry: true },
      { end: 'refunded', txnId: txn(1) },
      { end: 'voucher', txnId: txn(1) },
      { end: 'pending', txnId: txn(1) },
      { end: 'notPaid', txnId: txn(1) },
    ],
    refundBalance: (snap) => {
      const balanceFen = (snap.context as PrepaidContext).account?.balanceFen ?? 0;
      return [
        { state: 'done', given: [{ method: 'card', amountFen: balanceFen, how: 'card' }] },
        { state: 'done', given: [{ method: 'account', amountFen: balanceFen, how: 'voucher' }] },
        { state: 'refused', reason: 'AMOUNT_MISMATCH' },
        { state: 'pending', reason: 'central could not confirm the outcome in time' },
      ];
    },
  },
  payloads: {
    // Every key a list screen here may send, and one past them.
    select: () => [0, 1, 2, 3, 4, 5].map((index) => ({ type: 'select', index }) as never),
    // A leading 0 is refused; 5 then 0s reach the ceiling, where one more digit is refused.
    digit: () => ['0', '5'].map((digit) => ({ type: 'digit', digit }) as never),
  },
  contextKey: (c) => {
    const p = c as unknown as PrepaidContext;
    return {
      account: p.account && `${p.account.balanceFen > 0}/${p.account.rechargeOffered}`,
      typed: p.typed === '' ? 'none' : 'some',
      amount: p.amountFen !== undefined,
      txn: p.txnId !== undefined,
      end: p.end,
      balance: p.newBalanceFen,
      refund: p.refund?.state,
      problem: p.problem !== undefined,
    };
  },
});

const ctx = (state: { context: unknown }) => state.context as PrepaidContext;
const visited = (p: Path, state: string) => p.steps.some((s) => s.state.matches(state));
const childInput = (state: { children: unknown }, src: string) =>
  Object.values(state.children as Record<string, { src?: unknown; options?: { input?: unknown } } | undefined>).find((c) => c?.src === src)?.options?.input as Record<string, unknown> | undefined;

describe('prepaid account, every path', () => {
  it('covers every state, each with a screen, and every path that does not loop back ends', () => {
    console.info(`prepaid: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    for (const p of model.paths) {
      for (const { state } of p.steps) if (state.status === 'active' && !state.matches('paying')) expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
      if (!p.closedLoop) expect(p.steps.at(-1)!.state.status, p.steps.map((s) => JSON.stringify(s.state.value)).join(' → ')).toBe('done');
    }
  });

  it('says NOT_OFFERED plainly and offers nothing', () => {
    const notOffered = model.paths.filter((p) => visited(p, 'notOffered'));
    expect(notOffered.length).toBeGreaterThan(0);
    for (const p of notOffered) {
      expect(screenOf(p.steps.find((s) => s.state.matches('notOffered'))!.state)).toBe('prepaid.notOffered');
      expect(visited(p, 'account') || visited(p, 'paying') || visited(p, 'refunding')).toBe(false);
    }
  });

  it('takes money only for a recharge the hospital offers, after the transaction is opened and its plan journaled, within the limit', () => {
    let payments = 0;
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches('paying') || p.steps[i - 1]?.state.matches('paying')) return;
        payments++;
        const c = ctx(s.state);
        expect(c.account?.rechargeOffered).toBe(true);
        expect(p.steps[i - 1]!.state.matches('opening')).toBe(true);
        expect(c.txnId).toBe(txn(1));
        expect(c.amountFen).toBeGreaterThan(0);
        expect(c.amountFen).toBeLessThanOrEqual(maxRechargeYuan * 100);
        expect(childInput(s.state, 'payment')).toMatchObject({ txnId: txn(1), amountFen: c.amountFen, plan: { op: 'account.recharge', args: { patientId: 'P1' } } });
      });
    }
    expect(payments).toBeGreaterThan(0);
    // The keypad types whole yuan: no leading zero, nothing past the ceiling.
    expect([typedWith('', '0'), typedWith('', '5'), typedWith('500', '0'), typedWith('5000', '0'), typedWith('12', 'x')]).toEqual([undefined, '5', '5000', undefined, undefined]);
    expect(model.paths.some((p) => p.steps.some((s, i) => s.state.matches('opening') && p.steps[i - 1]?.state.matches('keypad')))).toBe(true);
  });

  it('opens a new transaction to pay again after a decline, and ends as the payment ended otherwise', () => {
    const retried = model.paths.filter((p) => p.steps.some((s, i) => s.state.matches('opening') && p.steps[i - 1]?.state.matches('paying')));
    expect(retried.length).toBeGreaterThan(0);
    let recharged = 0;
    for (const p of model.paths) {
      const last = p.steps.at(-1)!;
      const paid = p.steps.findIndex((s) => s.event.type.startsWith('xstate.done.actor.') && s.state.matches('recharged'));
      if (paid >= 0) {
        recharged++;
        expect(ctx(p.steps[paid]!.state).newBalanceFen).toBe(15_000);
      }
      if (last.state.status !== 'done' || !visited(p, 'paying')) continue;
      const output = last.state.output as { end?: string; txnId?: string };
      expect(output.txnId).toBe(txn(1));
      expect(['paid', 'refunded', 'voucher', 'pending', 'notPaid']).toContain(output.end);
    }
    expect(recharged).toBeGreaterThan(0);
  });

  it('refunds only a balance there is, exactly as shown, and tells where it went', () => {
    let refunds = 0;
    for (const p of model.paths) {
      const at = p.steps.findIndex((s) => s.state.matches('refunding'));
      if (at < 0) continue;
      refunds++;
      const c = ctx(p.steps[at]!.state);
      expect(c.account!.balanceFen).toBeGreaterThan(0);
      expect(p.steps[at - 1]!.state.matches('refundConfirm')).toBe(true);
      expect(childInput(p.steps[at]!.state, 'refundBalance')).toEqual({ patientId: 'P1', nameMasked: '张*', amountFen: c.account!.balanceFen });
      const shown = p.steps.slice(at + 1).find((s) => s.state.matches('refunded'));
      if (shown) expect(screenOf(shown.state)).toBe('prepaid.refunded');
      // A refund moves no money through this flow's own payment: the goodbye screen says nothing about a payment.
      const last = p.steps.at(-1)!.state;
      if (last.status === 'done' && !visited(p, 'paying')) expect((last.output as { end?: string }).end).toBeUndefined();
    }
    expect(refunds).toBeGreaterThan(0);
    // A legacy balance is refundable where recharge is off; recharge needs a working way to pay.
    expect(accountActions({ account: { balanceFen: 23_650, rechargeOffered: false }, methods: ['card'] })).toEqual(['refund']);
    expect(accountActions({ account: { balanceFen: 5_000, rechargeOffered: true }, methods: [] })).toEqual(['refund']);
    expect(accountActions({ account: { balanceFen: 0, rechargeOffered: true }, methods: ['cash'] })).toEqual(['recharge']);
  });
});

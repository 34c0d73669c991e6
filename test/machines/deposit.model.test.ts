import { describe, expect, it } from 'vitest';
import { depositMachine, maxDepositYuan, typedWith, type DepositContext } from '../../machines/deposit.ts';
import type { InpatientInfoResult } from '../../contract/rpc.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path through paying an inpatient deposit with a fake payment machine (its own paths are
 * walked in payment.model.test.ts): money moves only for a chosen amount on an opened transaction,
 * a retry opens a new one, and every path ends.
 */
const TXN = '01JTXN00000000000000000001';
const stay: InpatientInfoResult = {
  admissionNo: 'ZY1', patientId: 'P1', deptName: '内科', ward: '内科一病区', bed: '12', admittedAt: '2026-11-16T10:20:00+08:00',
  state: 'inHospital', dischargeOrdered: false, insured: true, depositFen: 500_000, costFen: 350_163, balanceFen: 149_837, deposits: [],
};
const depositResult = { depositNo: 'YJ9', amountFen: 100_000, depositFen: 600_000, balanceFen: 249_837, hisReceiptNo: 'YJ9', settledAt: '' };

const model = walk(depositMachine, {
  input: { patientId: 'P1', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card', 'qr', 'cash'], cashChange: true },
  outputs: {
    admission: () => [null, stay, { ...stay, state: 'discharged' }],
    open: () => [TXN],
    payment: () => [
      { end: 'paid', txnId: TXN, hisReceiptNo: 'YJ9', result: depositResult },
      { end: 'notPaid', txnId: TXN, retry: true },
      { end: 'refunded', txnId: TXN },
      { end: 'voucher', txnId: TXN },
      { end: 'pending', txnId: TXN },
      { end: 'notPaid', txnId: TXN },
    ],
  },
  payloads: {
    select: () => [{ type: 'select', index: 1 }, { type: 'select', index: 4 }, { type: 'select', index: 9 }],
    digit: () => [{ type: 'digit', digit: '5' }, { type: 'digit', digit: '0' }],
  },
  contextKey: (c) => {
    const d = c as unknown as DepositContext;
    return { admission: d.admission !== undefined, typed: d.typed !== '', amount: d.amountFen, txn: d.txnId !== undefined, end: d.end, result: d.result !== undefined };
  },
});

const last = (p: Path) => p.steps.at(-1)?.state ?? p.start;
const ended = model.paths.filter((p) => last(p).status === 'done');

describe('inpatient deposit, every path', () => {
  it('walks a graph that covers every state, and every path ends or loops back', () => {
    console.info(`deposit: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    expect(ended.length).toBeGreaterThan(10);
    for (const p of model.paths) expect(last(p).status === 'done' || p.closedLoop, JSON.stringify(last(p).value)).toBe(true);
  });

  it('shows a screen in every state it waits in, except while the payment machine shows its own', () => {
    for (const p of model.paths) for (const { state } of p.steps) if (state.status === 'active' && !state.matches('paying')) expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
  });

  it('takes money only for a chosen amount on a transaction opened for it, for a patient in hospital', () => {
    let payments = 0;
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches('paying') || p.steps[i - 1]?.state.matches('paying')) return;
        payments += 1;
        const c = s.state.context as DepositContext;
        expect(p.steps[i - 1]!.state.matches('opening')).toBe(true);
        expect(c.txnId).toBe(TXN);
        expect(c.admission?.state).toBe('inHospital');
        expect(c.amountFen).toBeGreaterThan(0);
        expect(c.amountFen! % 100).toBe(0);
        expect(c.amountFen!).toBeLessThanOrEqual(maxDepositYuan * 100);
        expect(p.steps.slice(0, i).some((q) => q.state.matches('confirm'))).toBe(true);
      });
    }
    expect(payments).toBeGreaterThan(0);
  });

  it('shows the new balance only after a paid deposit, and a retry opens a new transaction', () => {
    for (const p of model.paths) {
      const at = p.steps.findIndex((s) => s.state.matches('paid'));
      if (at < 0) continue;
      expect(p.steps[at - 1]!.state.matches('paying')).toBe(true);
      expect((p.steps[at]!.state.context as DepositContext).result?.balanceFen).toBe(249_837);
    }
    const retried = model.paths.filter((p) => p.steps.some((s, i) => i > 0 && s.state.matches('opening') && p.steps[i - 1]!.state.matches('paying')));
    expect(retried.length).toBeGreaterThan(0);
  });

  it('ends as the payment ended, and says nothing of money when none was asked for', () => {
    for (const p of ended) {
      const output = last(p).output as { end?: string };
      const paid = p.steps.some((s) => s.state.matches('paying'));
      if (!paid) expect(output.end).toBeUndefined();
      if (p.steps.some((s) => s.state.matches('paid'))) expect(output.end).toBe('paid');
    }
    // No admission, or a stay already settled: nothing to pay into.
    const none = ended.filter((p) => p.steps.some((s) => s.state.matches('none')));
    expect(none.length).toBeGreaterThan(0);
    for (const p of none) expect(p.steps.some((s) => s.state.matches('paying'))).toBe(false);
  });

  it('takes whole yuan on the keypad, from 1 to the most one deposit may be', () => {
    expect(typedWith('', '0')).toBeUndefined();
    expect(typedWith('', '9')).toBe('9');
    expect(typedWith('5000', '0')).toBe('50000');
    expect(typedWith('50000', '0')).toBeUndefined();
    expect(typedWith('9999', '9')).toBeUndefined();
    expect(typedWith('12', 'x')).toBeUndefined();
  });
});

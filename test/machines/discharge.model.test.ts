import { describe, expect, it } from 'vitest';
import type { DischargePreSettleResult, DischargeSettleResult, InpatientInfoResult } from '../../contract/rpc.ts';
import { dischargeMachine, type DischargeContext } from '../../machines/discharge.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path through self-service discharge with fake actors and a fake payment machine: money
 * moves only on a pre-settled discharge that has something due, a surplus is given back only on
 * one that has none, a pre-settlement the patient walks away from is released, and every path ends.
 */
const TXN = '01JTXN00000000000000000001';
const stay: InpatientInfoResult = {
  admissionNo: 'ZY1', patientId: 'P1', deptName: '内科', ward: '内科一病区', bed: '12', admittedAt: '2026-11-16T10:20:00+08:00',
  state: 'inHospital', dischargeOrdered: true, insured: true, depositFen: 500_000, costFen: 350_163, balanceFen: 149_837, deposits: [],
};
const figures = { admissionNo: 'ZY1', totalFen: 350_163, fundFen: 204_101, acctFen: 0, selfFen: 146_062, depositFen: 100_000, expiresAt: '' };
const due: DischargePreSettleResult = { preSettleId: 'DS1', ...figures, dueFen: 46_062, refundFen: 0 };
const surplus: DischargePreSettleResult = { preSettleId: 'DS2', ...figures, depositFen: 500_000, dueFen: 0, refundFen: 353_938 };
const settled: DischargeSettleResult = { ...figures, depositFen: 500_000, paidFen: 0, refundFen: 353_938, refunds: [], hisReceiptNo: 'CY1', invoiceNo: 'FP1', settledAt: '' };

const model = walk(dischargeMachine, {
  input: { patientId: 'P1', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card', 'qr', 'cash'], cashChange: true },
  outputs: {
    admission: () => [null, stay],
    check: () => [{ admissionNo: 'ZY1', eligible: true, reasons: [] }, { admissionNo: 'ZY1', eligible: false, reasons: [{ code: 'NO_DISCHARGE_ORDER', message: '医生尚未开具出院医嘱' }] }],
    preSettle: () => [{ txnId: TXN, preSettle: due }, { txnId: TXN, preSettle: surplus }],
    release: () => [undefined],
    settleRefunding: () => [
      { state: 'done', result: settled, refunds: [{ method: 'card', amountFen: 153_938, how: 'card' }, { method: 'cash', amountFen: 200_000, how: 'voucher' }] },
      { state: 'refused', reason: 'PRESETTLE_EXPIRED' },
      { state: 'pending', reason: 'central could not confirm the outcome in time' },
    ],
    payment: () => [
      { end: 'paid', txnId: TXN, hisReceiptNo: 'CY1', result: { ...settled, depositFen: 100_000, paidFen: 46_062, refundFen: 0 } },
      { end: 'notPaid', txnId: TXN, retry: true },
      { end: 'refunded', txnId: TXN },
      { end: 'voucher', txnId: TXN },
      { end: 'pending', txnId: TXN },
      { end: 'notPaid', txnId: TXN },
    ],
  },
  contextKey: (c) => {
    const d = c as unknown as DischargeContext;
    return { admission: d.admission !== undefined, eligible: d.check?.eligible, txn: d.txnId, pre: d.preSettle?.preSettleId, end: d.end, settled: d.settled !== undefined };
  },
});

const last = (p: Path) => p.steps.at(-1)?.state ?? p.start;
const ended = model.paths.filter((p) => last(p).status === 'done');
const at = (p: Path, state: string) => p.steps.findIndex((s) => s.state.matches(state));

describe('discharge, every path', () => {
  it('walks a graph that covers every state, and every path ends or loops back', () => {
    console.info(`discharge: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    expect(ended.length).toBeGreaterThan(10);
    for (const p of model.paths) expect(last(p).status === 'done' || p.closedLoop, JSON.stringify(last(p).value)).toBe(true);
  });

  it('shows a screen in every state it waits in, except while the payment machine shows its own', () => {
    for (const p of model.paths) for (const { state } of p.steps) if (state.status === 'active' && !state.matches('paying')) expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
  });

  it('takes money only for what is due on an eligible, pre-settled discharge the patient confirmed', () => {
    let payments = 0;
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches('paying') || p.steps[i - 1]?.state.matches('paying')) return;
        payments += 1;
        const c = s.state.context as DischargeContext;
        expect(p.steps[i - 1]!.state.matches('split')).toBe(true);
        expect(c.check?.eligible).toBe(true);
        expect(c.preSettle?.dueFen).toBeGreaterThan(0);
        expect(c.txnId).toBe(TXN);
      });
    }
    expect(payments).toBeGreaterThan(0);
  });

  it('gives a surplus back only when nothing is due, and only after the patient confirmed the split', () => {
    let trades = 0;
    for (const p of model.paths) {
      const i = at(p, 'settling');
      if (i < 0) continue;
      trades += 1;
      expect(p.steps[i - 1]!.state.matches('split')).toBe(true);
      expect((p.steps[i]!.state.context as DischargeContext).preSettle?.dueFen).toBe(0);
    }
    expect(trades).toBeGreaterThan(0);
  });

  it('releases a pre-settlement the patient walks away from, telling central', () => {
    let left = 0;
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        if (!s.state.matches('split')) return;
        const next = p.steps[i + 1];
        if (!next) return;
        expect(['paying', 'settling', 'releasing'].some((state) => next.state.matches(state)), JSON.stringify(next.state.value)).toBe(true);
        if (next.state.matches('releasing')) left += 1;
      });
    }
    expect(left).toBeGreaterThan(0);
    // Never released after money was asked for: the payment machine closes its own transaction.
    for (const p of model.paths) {
      const pay = at(p, 'paying');
      const release = at(p, 'releasing');
      if (pay >= 0 && release > pay) expect(p.steps.slice(pay, release).some((s) => s.state.matches('preSettling'))).toBe(true);
    }
  });

  it('tells the patient why a discharge is not possible, and where the money went when it is done', () => {
    const refused = ended.filter((p) => at(p, 'notEligible') >= 0);
    expect(refused.length).toBeGreaterThan(0);
    for (const p of refused) expect(at(p, 'preSettling')).toBe(-1);
    for (const p of ended) {
      const i = at(p, 'settled');
      if (i < 0) continue;
      const c = p.steps[i]!.state.context as DischargeContext;
      if (c.end === 'paid') expect(c.settled?.paidFen).toBe(46_062);
      else expect(c.refunds?.map((r) => r.how)).toEqual(['card', 'voucher']);
      expect(c.settled?.invoiceNo).toBe('FP1');
    }
    for (const p of ended.filter((q) => at(q, 'pending') >= 0)) expect((last(p).output as { end?: string }).end).toBe('pending');
  });
});

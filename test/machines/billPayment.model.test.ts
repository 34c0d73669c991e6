import { describe, expect, it } from 'vitest';
import { billPaymentMachine, type BillPaymentContext } from '../../machines/billPayment.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path through bill payment with a fake payment machine (its own paths are walked in
 * payment.model.test.ts): money moves only after a pre-settlement, and a retry pre-settles again.
 */
const bill = { billNo: 'B1', amountFen: 12_345, department: '内科', doctor: '医生', createdAt: '2026-11-22T08:00:00Z', items: [] };

const model = walk(billPaymentMachine, {
  input: { patientId: 'P1', nameMasked: '张*', bills: [bill], timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card', 'qr', 'cash'], cashChange: true, insurance: {} },
  outputs: {
    preSettle: (snap) =>
      (snap.context as BillPaymentContext).useInsurance
        ? [
            { txnId: '01JTXN00000000000000000001', preSettle: { preSettleId: 'PS1', totalFen: 12_345, fundFen: 2_000, acctFen: 345, selfFen: 10_000, expiresAt: '' } },
            { txnId: '01JTXN00000000000000000001', preSettle: { preSettleId: 'PS1', totalFen: 12_345, fundFen: 10_000, acctFen: 2_345, selfFen: 0, expiresAt: '' } },
          ]
        : [{ txnId: '01JTXN00000000000000000001', preSettle: { preSettleId: 'PS1', totalFen: 12_345, fundFen: 0, acctFen: 0, selfFen: 12_345, expiresAt: '' } }],
    scanVoucher: () => [{ certType: 'ecToken', certNo: 'YB3301000000000001' }],
    abandon: () => [undefined],
    payment: () => [
      { end: 'paid', txnId: '01JTXN00000000000000000001', hisReceiptNo: 'R1' },
      { end: 'notPaid', txnId: '01JTXN00000000000000000001', retry: true },
      { end: 'refunded', txnId: '01JTXN00000000000000000001' },
      { end: 'voucher', txnId: '01JTXN00000000000000000001' },
      { end: 'pending', txnId: '01JTXN00000000000000000001' },
      { end: 'notPaid', txnId: '01JTXN00000000000000000001' },
    ],
  },
  contextKey: (c) => ({ txn: c.txnId !== undefined, end: c.end, receipt: c.hisReceiptNo, insured: c.useInsurance, self: (c.preSettle as { selfFen?: number } | undefined)?.selfFen }),
});

const context = (p: Path) => (p.steps.at(-1)?.state ?? p.start).context as BillPaymentContext;
const visited = (p: Path, state: string) => p.steps.some((s) => s.state.matches(state));
const ended = model.paths.filter((p) => p.steps.at(-1)?.state.status === 'done');

describe('bill payment, every path', () => {
  it('walks a graph that covers every state', () => {
    console.info(`billPayment: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    expect(ended.length).toBeGreaterThan(5);
  });

  it('shows a screen in every state it waits in, except while the payment machine shows its own', () => {
    for (const p of model.paths) for (const { state } of p.steps) if (state.status === 'active' && !state.matches('paying')) expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
  });

  it('pays only a pre-settled amount: the payment machine gets the self-pay part and the pre-settlement to settle', () => {
    for (const p of model.paths) {
      const paying = p.steps.find((s) => s.state.matches('paying'));
      if (!paying) continue;
      const c = paying.state.context as BillPaymentContext;
      expect(c.preSettle?.preSettleId).toBe('PS1');
      expect(visited(p, 'preSettling')).toBe(true);
    }
  });

  it('with insurance the split is shown and confirmed before any money moves; insurance alone is settled without collecting', () => {
    const insured = model.paths.filter((p) => p.steps.some((s) => s.state.matches('paying') && (s.state.context as BillPaymentContext).useInsurance));
    expect(insured.length).toBeGreaterThan(0);
    for (const p of insured) {
      const paying = p.steps.findIndex((s) => s.state.matches('paying'));
      expect(p.steps.slice(0, paying).some((s) => s.state.matches('split'))).toBe(true);
      expect(p.steps.slice(0, paying).some((s) => s.state.matches('preSettling'))).toBe(true);
    }
    // A patient who walks away from the split leaves nothing open: central is told.
    for (const p of ended.filter((q) => visited(q, 'split') && !visited(q, 'paying'))) expect(visited(p, 'abandoning')).toBe(true);
  });

  it('ends as the payment ended; a retry after a decline pre-settles again', () => {
    for (const p of ended) {
      const c = context(p);
      if (c.end === 'paid') expect(c.hisReceiptNo).toBe('R1');
    }
    const retried = model.paths.filter((p) => p.steps.some((s, i) => i > 0 && s.state.matches('preSettling') && p.steps[i - 1]!.state.matches('paying')));
    expect(retried.length).toBeGreaterThan(0);
  });
});

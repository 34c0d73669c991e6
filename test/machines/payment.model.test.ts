import { describe, expect, it } from 'vitest';
import { paymentMachine, type PaymentContext } from '../../machines/payment.ts';
import type { CardSale, CashResult } from '../../machines/types.ts';
import { screenOf, walk, type Path } from './walk.ts';

/** Every path through the payment machine with fake actors (DESIGN.md §4): money is never left unaccounted. */

const sale = (approved: boolean): CardSale => ({
  approved,
  respCode: approved ? '00' : '51',
  respInfo: approved ? 'approved' : 'insufficient funds',
  amountFen: 12_345,
  rrn: '000000000001',
  trace: '000001',
  batch: '000001',
  authCode: approved ? 'A1B2C3' : '',
  panMasked: '622848******1234',
  tid: 'T0000001',
  mid: 'M00000000000001',
  settleDate: '2026-11-22',
});

const cash = (insertedFen: number, ended: CashResult['ended']): CashResult => ({ insertedFen, notes: insertedFen ? [insertedFen] : [], changeFen: Math.max(0, insertedFen - 12_345), ended });

const model = walk(paymentMachine, {
  input: {
    txnId: '01JTXN00000000000000000001',
    amountFen: 12_345,
    plan: { op: 'register.confirm', args: { lockId: 'L1', patientId: 'P1' } },
    timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 },
    methods: ['card', 'qr', 'cash'],
    cashChange: true,
  },
  outputs: {
    settle: () => [
      { outcome: 'settled', hisReceiptNo: 'R1', result: { appointment: { seeNo: 7 } } },
      { outcome: 'refunded', reason: 'HIS refused; central refunded the QR payment' },
      { outcome: 'reverse', reason: 'HIS refused' },
      { outcome: 'pending', reason: 'HIS did not answer' },
    ],
    voidSale: () => [undefined],
    printReceipt: () => [undefined],
    printSlip: () => [undefined],
    printCashVoucher: () => [undefined],
    abandon: () => [undefined],
  },
  payloads: {
    'pos.stage': () => [{ type: 'pos.stage', stage: 'enterPin' }],
    'pos.result': () => [{ type: 'pos.result', sale: sale(true) } as never, { type: 'pos.result', sale: sale(false) } as never],
    method: () => [{ type: 'method', method: 'card' } as never, { type: 'method', method: 'qr' } as never, { type: 'method', method: 'cash' } as never],
    'qr.scanned': () => [{ type: 'qr.scanned', kind: 'alipay' } as never],
    'qr.result': () => [
      { type: 'qr.result', outcome: { state: 'paid', qr: { channel: 'alipay', channelTradeNo: 'A1', amountFen: 12_345 } } } as never,
      { type: 'qr.result', outcome: { state: 'failed', reason: 'code expired' } } as never,
      { type: 'qr.result', outcome: { state: 'pending', reason: 'user paying at the deadline' } } as never,
    ],
    'cash.progress': () => [{ type: 'cash.progress', insertedFen: 10_000 } as never],
    'cash.result': () => [
      { type: 'cash.result', cash: cash(20_000, 'paid') } as never,
      { type: 'cash.result', cash: cash(10_000, 'stopped') } as never,
      { type: 'cash.result', cash: cash(0, 'stopped') } as never,
      { type: 'cash.result', cash: cash(10_000, 'fault') } as never,
    ],
  },
  contextKey: (c) => ({ retry: c.retry, sale: (c.sale as CardSale | undefined)?.approved, cash: (c.cash as CashResult | undefined)?.insertedFen, qr: c.qr !== undefined, end: c.end, receipt: c.hisReceiptNo }),
});

const context = (p: Path) => (p.steps.at(-1)?.state ?? p.start).context as PaymentContext;
const visited = (p: Path, state: string) => p.steps.some((s) => s.state.matches(state));
const approvedSale = (p: Path) => p.steps.some((s) => s.event.type === 'pos.result' && (s.event as unknown as { sale: CardSale }).sale.approved);
const qrPaid = (p: Path) => p.steps.some((s) => s.event.type === 'qr.result' && (s.event as unknown as { outcome: { state: string } }).outcome.state === 'paid');
const cashTaken = (p: Path) => p.steps.some((s) => s.event.type === 'cash.result' && (s.event as unknown as { cash: CashResult }).cash.insertedFen > 0);
const ended = model.paths.filter((p) => p.steps.at(-1)?.state.status === 'done');

describe('payment, every path', () => {
  it('walks a graph that covers every state', () => {
    console.info(`payment: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    expect(ended.length).toBeGreaterThan(10);
  });

  it('shows a screen in every state it waits in', () => {
    for (const p of model.paths) for (const { state } of p.steps) if (state.status === 'active') expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
  });

  it('an approved card sale always ends paid with a receipt, reversed with a slip, or pending with a slip', () => {
    const withCard = ended.filter(approvedSale);
    expect(withCard.length).toBeGreaterThan(0);
    for (const p of withCard) {
      const c = context(p);
      expect(['paid', 'refunded', 'pending']).toContain(c.end);
      if (c.end === 'paid') expect(c.hisReceiptNo).toBeDefined();
      if (c.end === 'paid') expect(visited(p, 'printing')).toBe(true);
      if (c.end === 'refunded') expect(visited(p, 'reversing') && visited(p, 'refundSlip')).toBe(true);
      if (c.end === 'pending') expect(visited(p, 'pendingSlip')).toBe(true);
    }
  });

  it('cash once taken is applied, owed back on a voucher, or pending: never dropped, never "reversed" on a card', () => {
    const withCash = ended.filter(cashTaken);
    expect(withCash.length).toBeGreaterThan(0);
    for (const p of withCash) {
      const c = context(p);
      expect(['paid', 'voucher', 'pending']).toContain(c.end);
      if (c.end === 'paid') expect(visited(p, 'printing')).toBe(true);
      if (c.end === 'voucher') expect(visited(p, 'cashVoucher')).toBe(true);
      expect(visited(p, 'reversing')).toBe(false);
    }
  });

  it("money is taken only on a method's screen, and nothing is settled or compensated that was never taken", () => {
    for (const p of model.paths) {
      const firstMoney = p.steps.findIndex((s) => s.event.type === 'pos.result' || s.event.type === 'cash.result' || s.event.type === 'qr.result');
      if (firstMoney >= 0) expect(p.steps.slice(0, firstMoney).some((s) => s.state.matches('payingCard') || s.state.matches('payingCash') || s.state.matches('payingQr'))).toBe(true);
      if (!approvedSale(p) && !cashTaken(p) && !qrPaid(p)) expect(visited(p, 'reversing') || visited(p, 'settling') || visited(p, 'cashVoucher')).toBe(false);
    }
  });

  it("a settled payment hands the op's answer to the flow, and a retry is offered only after a decline", () => {
    for (const p of ended) {
      const c = context(p);
      if (c.end === 'paid') expect(c.result).toEqual({ appointment: { seeNo: 7 } });
      if (c.retry) expect(visited(p, 'declined')).toBe(true);
    }
    expect(ended.some((p) => context(p).retry)).toBe(true);
  });

  it('a path that ends with nothing paid never passed money', () => {
    for (const p of ended.filter((q) => context(q).end === 'notPaid')) expect(approvedSale(p) || cashTaken(p) || qrPaid(p)).toBe(false);
  });

  it('a QR payment central collected ends paid, refunded by central, or pending; never voided on the card module', () => {
    const withQr = ended.filter(qrPaid);
    expect(withQr.length).toBeGreaterThan(0);
    for (const p of withQr) {
      expect(['paid', 'refunded', 'pending']).toContain(context(p).end);
      expect(visited(p, 'reversing')).toBe(false);
    }
  });
});

describe('payment covered by insurance alone, every path', () => {
  const covered = walk(paymentMachine, {
    input: { txnId: '01JTXN00000000000000000002', amountFen: 0, plan: { op: 'bill.pay', args: { preSettleId: 'PS2' } }, timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card'], cashChange: false, insuranceCovers: true },
    outputs: {
      settle: () => [{ outcome: 'settled', hisReceiptNo: 'R2' }, { outcome: 'notApplied', reason: 'INSURANCE_REJECTED' }, { outcome: 'pending', reason: 'HIS did not answer' }],
      printReceipt: () => [undefined],
      printSlip: () => [undefined],
    },
    contextKey: (c) => ({ end: c.end }),
  });
  const ends = covered.paths.filter((p) => p.steps.at(-1)?.state.status === 'done');

  it('settles at once, never asks for a method or money, and ends paid, not paid or pending', () => {
    console.info(`payment (insurance covers): ${covered.paths.length} paths`);
    expect(ends.length).toBeGreaterThanOrEqual(3);
    for (const p of covered.paths) {
      expect(p.start.matches('settling')).toBe(true);
      expect(p.steps.some((s) => s.state.matches('choosing') || s.state.matches('payingCard') || s.state.matches('payingCash') || s.state.matches('payingQr') || s.state.matches('reversing'))).toBe(false);
    }
    expect(new Set(ends.map((p) => (p.steps.at(-1)!.state.context as PaymentContext).end))).toEqual(new Set(['paid', 'notPaid', 'pending']));
  });
});

import { describe, expect, it } from 'vitest';
import { cardIssueMachine, type CardIssueContext, type CardIssueOutput } from '../../machines/cardIssue.ts';
import type { PaymentInput } from '../../machines/types.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of 建档发卡 with fake actors, the payment machine among them (its own paths are walked
 * in payment.model.test.ts): a card leaves the stacker only after the patient confirmed who they
 * are and typed a whole mobile number; the fee is taken only once central asked for it and its
 * transaction is open; every card dispensed ends in the patient's hand or in the bin; and a card
 * that may belong to a record is kept for the counter with a slip, never just dropped.
 */
const ID = '330106199001011234';
const person = { name: '林小雨', sex: 'female' as const, birthDate: '1990-01-01', idNumber: ID, nation: '汉', address: '浙江省杭州市上城区示范路1号' };
const T1 = '01JTXN00000000000000000001';
const T2 = '01JTXN00000000000000000002';
const created = { patientId: 'P0015', cardNo: '2000100001', feeFen: 500, hisReceiptNo: 'JK1', createdAt: '' };

const model = walk(cardIssueMachine, {
  input: { idNumber: ID, timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card', 'cash'], cashChange: true },
  outputs: {
    readIdCard: () => [person, { ...person, name: '王喆', idNumber: '330102198901050138' }],
    dispenseCard: () => [{ txnId: T1, cardNo: '2000100001' }],
    createRecord: () => [
      { state: 'created', patientId: 'P0015', hisReceiptNo: 'JK1' },
      { state: 'feeDue', feeFen: 500 },
      { state: 'refused', reason: 'ALREADY_EXISTS' },
      { state: 'unknown', reason: 'central could not confirm the record in time' },
    ],
    openFee: () => [{ txnId: T2 }],
    payment: () => [
      { end: 'paid', txnId: T2, hisReceiptNo: 'JK1', result: created },
      // Settled, but the answer was lost and recovered from central's record without the result.
      { end: 'paid', txnId: T2, hisReceiptNo: 'JK1' },
      { end: 'notPaid', txnId: T2, retry: true },
      { end: 'refunded', txnId: T2 },
      { end: 'voucher', txnId: T2 },
      { end: 'pending', txnId: T2 },
      { end: 'notPaid', txnId: T2 },
    ],
    lookUpPatient: () => [{ patientId: 'P0015' }],
    presentCard: () => [undefined],
    waitCardTaken: () => [undefined],
    printSlip: () => [undefined],
    keepCard: () => [undefined],
    releaseCard: () => [undefined],
  },
  payloads: {
    // A mobile number digit by digit, and a key that is not a digit (refused by the guard).
    digit: (snap) => ((snap.context as CardIssueContext).phone.length < 11 ? [{ type: 'digit', digit: (snap.context as CardIssueContext).phone.length === 0 ? '1' : '3' }, { type: 'digit', digit: 'x' }] : []) as never[],
  },
  contextKey: (c) => {
    const k = c as unknown as CardIssueContext;
    return { person: k.person?.idNumber, phone: k.phone.length, card: k.cardNo, txn: k.txnId, fee: k.feeFen, patient: k.patientId, end: k.end, kept: k.kept, problem: k.problem !== undefined };
  },
});

const states = (p: Path) => p.steps.map((s) => s.state);
const visited = (p: Path, state: string) => states(p).some((s) => s.status === 'active' && s.matches(state));
const firstAt = (p: Path, state: string) => p.steps.findIndex((s) => s.state.status === 'active' && s.state.matches(state));
const outputOf = (p: Path) => p.steps.at(-1)!.state.output as CardIssueOutput;
const contextOf = (p: Path) => p.steps.at(-1)!.state.context as CardIssueContext;
const trace = (p: Path) => p.steps.map((s) => JSON.stringify(s.state.value)).join(' > ');
/** A retry after a declined fee goes back to opening a new transaction: that loop closes the path. */
const ended = model.paths.filter((p) => p.steps.at(-1)!.state.status === 'done');

describe('card issue, every path', () => {
  it('covers every state, and every path that does not loop back to a retry ends', () => {
    console.info(`cardIssue: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    const stuck = model.paths.filter((p) => !p.closedLoop && p.steps.at(-1)!.state.status !== 'done').map(trace);
    expect(stuck).toEqual([]);
    expect(ended.length).toBeGreaterThan(20);
  });

  it('shows a screen in every state it waits in, except while the payment machine shows its own', () => {
    for (const p of model.paths) for (const s of states(p)) if (s.status === 'active' && !s.matches('paying')) expect(screenOf(s), JSON.stringify(s.value)).toBeDefined();
  });

  it('takes a card from the stacker only for the ID card looked up, confirmed, with a whole mobile number', () => {
    for (const p of model.paths) {
      const at = firstAt(p, 'dispensing');
      if (at < 0) continue;
      const before = p.steps.slice(0, at);
      expect(before.some((s) => s.state.matches('confirming')), trace(p)).toBe(true);
      const c = p.steps[at]!.state.context as CardIssueContext;
      expect(c.person?.idNumber).toBe(ID);
      expect(c.phone).toMatch(/^1\d{10}$/);
    }
    // Someone else's ID card never gets as far as a card.
    for (const p of ended.filter((q) => p0Mismatch(q))) expect(visited(p, 'dispensing')).toBe(false);
  });

  it('takes the fee only after central asked for it and its transaction was opened, for the fee and this card', () => {
    const paying = model.paths.filter((p) => visited(p, 'paying'));
    expect(paying.length).toBeGreaterThan(0);
    for (const p of paying) {
      const at = firstAt(p, 'paying');
      expect(p.steps[at - 1]!.state.matches('openingFee'), trace(p)).toBe(true);
      expect(p.steps.slice(0, at).some((s) => s.state.matches('creating'))).toBe(true);
      const input = (p.steps[at]!.state.children.payment?.getSnapshot() as { context: PaymentInput } | undefined)?.context;
      expect(input?.txnId).toBe(T2);
      expect(input?.amountFen).toBe(500);
      expect(input?.plan).toMatchObject({ op: 'patient.create', args: { idNumber: ID, cardNo: '2000100001', phone: expect.stringMatching(/^1\d{10}$/) } });
    }
    // A declined fee the patient tries again is paid under a new transaction.
    expect(model.paths.some((p) => p.steps.some((s, i) => i > 0 && s.state.matches('openingFee') && p.steps[i - 1]!.state.matches('paying')))).toBe(true);
  });

  it('ends every card it dispensed in the patient hand or the bin', () => {
    const dispensed = ended.filter((p) => visited(p, 'creating'));
    expect(dispensed.length).toBeGreaterThan(0);
    for (const p of dispensed) {
      const taken = p.steps.some((s, i) => p.steps[i - 1]?.state.matches('taking') && s.state.matches('printing'));
      const captured = visited(p, 'releasing') || visited(p, 'keeping');
      expect(taken !== captured, trace(p)).toBe(true);
    }
  });

  it('keeps for the counter, with an alarm and a slip, every card whose record exists or may', () => {
    for (const p of ended) {
      const c = contextOf(p);
      const mayExist = c.patientId !== undefined || c.end === 'pending' || p.steps.some((s) => (s.event as { output?: { state?: string } }).output?.state === 'unknown');
      const taken = visited(p, 'printing');
      if (mayExist && !taken) expect(visited(p, 'keeping'), trace(p)).toBe(true);
      // A card no record holds is only released: nothing was created, and the patient is told so.
      if (visited(p, 'releasing')) expect(c.patientId, trace(p)).toBeUndefined();
      // "Nothing created, nothing charged" is said only when it is true.
      if (visited(p, 'failed')) {
        expect(c.patientId, trace(p)).toBeUndefined();
        expect([undefined, 'notPaid']).toContain(c.end);
      }
    }
  });

  it('hands the session a patient only when the card reached them', () => {
    for (const p of ended) {
      const out = outputOf(p);
      if (out.patientId !== undefined) {
        expect(visited(p, 'printing'), trace(p)).toBe(true);
        expect(out).toMatchObject({ patientId: 'P0015', nameMasked: '林*雨' });
      } else expect(visited(p, 'issued'), trace(p)).toBe(false);
      // The goodbye screen hears how a fee ended; a free card has no payment to tell of.
      if (visited(p, 'paying')) expect(out.end, trace(p)).toBeDefined();
      else expect(out.end).toBeUndefined();
    }
  });
});

function p0Mismatch(p: Path): boolean {
  return p.steps.some((s) => (s.event as { output?: { idNumber?: string } }).output?.idNumber === '330102198901050138');
}

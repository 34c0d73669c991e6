import { describe, expect, it } from 'vitest';
import { sessionMachine, type SessionContext } from '../../machines/session.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of a patient's visit with fake actors (DESIGN.md §4): a patient card always goes back
 * out (taken or captured), an ID card is never "ejected", every state has a screen, and nothing
 * of the patient survives the return to attract.
 */

const bill = { billNo: 'B1', amountFen: 500, department: '内科', doctor: '医生', createdAt: '2026-11-22T08:00:00Z', items: [] };
const model = walk(sessionMachine, {
  input: { timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, flows: ['bills', 'reports'], cashChange: false },
  outputs: {
    waitForCard: () => [{ cardNo: '800000001234' }, { cardNo: '900000000007', staffId: 'S-007' }],
    verifyStaff: () => [{ ok: true }, { ok: false }],
    maintenance: () => [undefined],
    reports: () => [undefined],
    waitForIdCard: () => [{ idNumber: '11010519491231002X' }],
    identify: () => [{ patientId: 'P1', nameMasked: '张*' }],
    listBills: () => [{ bills: [] }, { bills: [bill] }],
    ejectCard: () => [undefined],
    waitCardTaken: () => [undefined],
    captureCard: () => [undefined],
    billPayment: () => [{ end: 'paid', txnId: 'T', hisReceiptNo: 'R' }, { end: 'refunded', txnId: 'T' }, { end: 'voucher', txnId: 'T' }, { end: 'pending', txnId: 'T' }, { end: 'notPaid' }],
  },
  payloads: {
    pay: () => [{ type: 'pay', methods: ['card', 'cash'] } as never],
    flow: () => [{ type: 'flow', flow: 'bills' } as never, { type: 'flow', flow: 'reports' } as never],
    // Four digits are enough to try a PIN; more only multiply paths through the same states.
    digit: (snap) => (((snap.context as SessionContext).pin ?? '').length < 4 ? [{ type: 'digit', digit: '7' } as never] : []),
  },
  contextKey: (c) => ({
    staff: c.staffId !== undefined,
    pin: (c.pin as string | undefined)?.length,
    tries: c.pinTries, cred: (c.credential as SessionContext['credential'])?.credType, bills: (c.bills as unknown[] | undefined)?.length, end: (c.payment as { end?: string } | undefined)?.end, problem: c.problem !== undefined }),
});

const personal: (keyof SessionContext)[] = ['staffId', 'pin', 'pinTries', 'payMethods', 'credential', 'patientId', 'nameMasked', 'bills', 'payment', 'problem'];
const backToAttract = model.paths.filter((p) => p.steps.at(-1)?.state.matches('attract'));
/** Paths that end (not by looping back inside the visit, e.g. a PIN corrected) must end at attract. */
const finished = model.paths.filter((p) => !p.closedLoop || p.steps.at(-1)?.state.matches('attract'));
const credType = (p: Path) => p.steps.map((s) => (s.state.context as SessionContext).credential?.credType).find(Boolean);

describe('session, every path', () => {
  it('walks a graph that covers every state', () => {
    console.info(`session: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    const stuck = finished.filter((p) => !backToAttract.includes(p)).map((p) => p.steps.map((s) => JSON.stringify(s.state.value)).join(' → '));
    expect(stuck).toEqual([]);
  });

  it('every state shows a screen, except where a child machine draws its own (paying, maintenance, a flow)', () => {
    for (const p of model.paths) {
      for (const { state } of p.steps) if (!state.matches('paying') && !state.matches('maintenance') && !state.matches('inFlow')) expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
    }
  });

  it('a patient card is always given back and taken, or captured, before the next patient', () => {
    const withCard = backToAttract.filter((p) => credType(p) === 'patientCard');
    expect(withCard.length).toBeGreaterThan(0);
    for (const p of withCard) {
      // Taken means the reader saw the gate empty (the actor finished), not that a countdown ran out.
      const handedBack = p.steps.some((s, i) => p.steps[i - 1]?.state.matches('takeCard') && s.state.matches('goodbye') && s.event.type.startsWith('xstate.done.actor.'));
      const captured = p.steps.some((s) => s.state.matches('capturing'));
      expect(handedBack || captured, p.steps.map((s) => JSON.stringify(s.state.value)).join(' → ')).toBe(true);
    }
  });

  it('an ID card patient is never sent to the card gate', () => {
    const withId = backToAttract.filter((p) => credType(p) === 'idCard');
    expect(withId.length).toBeGreaterThan(0);
    for (const p of withId) expect(p.steps.some((s) => s.state.matches('ejecting') || s.state.matches('takeCard'))).toBe(false);
  });

  it('nothing of the patient is left when attract comes back', () => {
    for (const p of backToAttract) {
      const c = p.steps.at(-1)!.state.context as SessionContext;
      for (const field of personal) expect(c[field], field).toBeUndefined();
    }
  });

  it('opens maintenance only after a staff PIN was accepted, and never for a patient card', () => {
    for (const p of model.paths) {
      const at = p.steps.findIndex((s) => s.state.matches('maintenance'));
      if (at < 0) continue;
      const before = p.steps.slice(0, at);
      expect(before.some((s) => s.state.matches('staffVerifying'))).toBe(true);
      expect(p.steps[at]!.event).toMatchObject({ output: { ok: true } });
      expect((p.steps[at]!.state.context as SessionContext).pin).toBeUndefined();
    }
    expect(model.paths.some((p) => p.steps.some((s) => s.state.matches('maintenance')))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { flowNames } from '../../machines/flows.ts';
import { sessionMachine, surveyRatings, type SessionContext } from '../../machines/session.ts';
import { screenOf, walk, type Path } from './walk.ts';

/**
 * Every path of a patient's visit with fake actors (DESIGN.md §4): a patient card always goes back
 * out (taken or captured), an ID card is never "ejected", every state has a screen, and nothing
 * of the patient survives the return to attract. The end-of-visit survey asks only once the card
 * is back at the gate (or the ID card's owner is leaving), and journals only an answer.
 */

const bill = { billNo: 'B1', amountFen: 500, department: '内科', doctor: '医生', createdAt: '2026-11-22T08:00:00Z', items: [] };
const model = walk(sessionMachine, {
  input: { timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, flows: ['bills', ...flowNames], cashChange: false },
  outputs: {
    waitForCard: () => [{ cardNo: '800000001234' }, { cardNo: '900000000007', staffId: 'S-007' }],
    verifyStaff: () => [{ ok: true }, { ok: false }],
    maintenance: () => [undefined],
    ...Object.fromEntries(flowNames.map((name) => [name, () => [undefined]])),
    // A new patient who took their card, and one who did not get one.
    cardIssue: () => [{ patientId: 'P2', nameMasked: '林*雨' }, {}],
    waitForIdCard: () => [{ idNumber: '11010519491231002X' }],
    waitForVoucher: () => [{ token: 'YB3301000000000001' }],
    // Known; or (an ID card) unknown at a kiosk that issues cards, or at one that does not.
    identify: (snap) => [{ patientId: 'P1', nameMasked: '张*' }, ...((snap.context as SessionContext).credential?.credType === 'idCard' ? [{ found: false, cardIssue: true }, { found: false, cardIssue: false }] : [])],
    listBills: () => [{ bills: [] }, { bills: [bill] }],
    ejectCard: () => [undefined],
    waitCardTaken: () => [undefined],
    captureCard: () => [undefined],
    recordSurvey: () => [undefined],
    billPayment: () => [{ end: 'paid', txnId: 'T', hisReceiptNo: 'R' }, { end: 'refunded', txnId: 'T' }, { end: 'voucher', txnId: 'T' }, { end: 'pending', txnId: 'T' }, { end: 'notPaid' }],
  },
  payloads: {
    pay: () => [{ type: 'pay', methods: ['card', 'cash'] } as never],
    flow: () => [{ type: 'flow', flow: 'bills' } as never, ...flowNames.map((flow) => ({ type: 'flow', flow }) as never)],
    // Two answers, and a key the survey does not offer.
    select: () => [{ type: 'select', index: 0 } as never, { type: 'select', index: 2 } as never, { type: 'select', index: 3 } as never],
    // Four digits are enough to try a PIN; more only multiply paths through the same states.
    digit: (snap) => (((snap.context as SessionContext).pin ?? '').length < 4 ? [{ type: 'digit', digit: '7' } as never] : []),
  },
  contextKey: (c) => ({
    staff: c.staffId !== undefined,
    // Identified or not: only an identified patient is asked the survey.
    patient: c.patientId !== undefined,
    pin: (c.pin as string | undefined)?.length,
    tries: c.pinTries, cred: (c.credential as SessionContext['credential'])?.credType, bills: (c.bills as unknown[] | undefined)?.length, end: (c.payment as { end?: string } | undefined)?.end, problem: c.problem !== undefined }),
});

const personal: (keyof SessionContext)[] = ['staffId', 'pin', 'pinTries', 'payMethods', 'credential', 'patientId', 'nameMasked', 'bills', 'payment', 'problem'];
const backToAttract = model.paths.filter((p) => p.steps.at(-1)?.state.matches('attract'));
/** Paths that end (not by looping back inside the visit, e.g. a PIN corrected) must end at attract. */
const finished = model.paths.filter((p) => !p.closedLoop || p.steps.at(-1)?.state.matches('attract'));
const credType = (p: Path) => p.steps.map((s) => (s.state.context as SessionContext).credential?.credType).find(Boolean);

describe('session, every path', () => {
  it('offers an ID card with no record a card where the kiosk issues them, and takes a new patient who got one to the menu', () => {
    const unknown = model.paths.filter((p) => p.steps.some((s) => s.state.matches('unknownPatient') || s.state.matches('noRecord')));
    expect(unknown.length).toBeGreaterThan(0);
    for (const p of unknown) {
      expect(credType(p)).toBe('idCard');
      const at = p.steps.findIndex((s) => s.state.matches('issuingCard'));
      if (at < 0) continue;
      expect(p.steps[at - 1]!.state.matches('unknownPatient')).toBe(true);
      const child = p.steps[at]!.state.children.flow?.getSnapshot() as { context: { idNumber: string } } | undefined;
      expect(child?.context.idNumber).toBe('11010519491231002X');
      const next = p.steps[at + 1];
      if (!next) continue;
      const got = (next.event as { output?: { patientId?: string } }).output?.patientId !== undefined;
      expect(next.state.matches('menu'), p.steps.map((s) => JSON.stringify(s.state.value)).join(' → ')).toBe(got);
      if (got) expect(next.state.context).toMatchObject({ patientId: 'P2', nameMasked: '林*雨' });
    }
    // The counter screen never starts card issue.
    for (const p of model.paths) {
      const at = p.steps.findIndex((s) => s.state.matches('noRecord'));
      if (at >= 0) expect(p.steps.slice(at).some((s) => s.state.matches('issuingCard'))).toBe(false);
    }
  });

  it('walks a graph that covers every state', () => {
    console.info(`session: ${model.paths.length} paths, ${model.statesCovered}/${model.statesTotal} states, ${model.transitionsCovered} transitions`);
    expect(model.statesCovered).toBe(model.statesTotal);
    const stuck = finished.filter((p) => !backToAttract.includes(p)).map((p) => p.steps.map((s) => JSON.stringify(s.state.value)).join(' → '));
    expect(stuck).toEqual([]);
  });

  it('every state shows a screen, except where a child machine draws its own (paying, maintenance, a flow)', () => {
    for (const p of model.paths) {
      for (const { state } of p.steps) if (!state.matches('paying') && !state.matches('maintenance') && !state.matches('inFlow') && !state.matches('issuingCard')) expect(screenOf(state), JSON.stringify(state.value)).toBeDefined();
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

  it('an ID card or e-voucher patient is never sent to the card gate', () => {
    const withId = backToAttract.filter((p) => credType(p) === 'idCard' || credType(p) === 'insuranceCode');
    expect(withId.some((p) => credType(p) === 'insuranceCode')).toBe(true);
    for (const p of withId) expect(p.steps.some((s) => s.state.matches('ejecting') || s.state.matches('takeCard'))).toBe(false);
  });

  it('home goes back to the menu of the same patient, from a flow, a bill payment or the bill list', () => {
    const homes = model.paths.flatMap((p) => p.steps.filter((s) => s.event.type === 'home'));
    expect(homes.length).toBeGreaterThan(0);
    for (const step of homes) {
      expect(step.state.matches('menu') || step.state.matches('loadingBills'), JSON.stringify(step.state.value)).toBe(true);
      expect((step.state.context as SessionContext).patientId).toBeDefined();
    }
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

  it('asks the survey only as a visit that reached the menu ends, and for a patient card only once it is back at the gate', () => {
    const asked = model.paths.filter((p) => surveyAt(p) >= 0);
    expect(asked.some((p) => credType(p) === 'patientCard') && asked.some((p) => credType(p) === 'idCard')).toBe(true);
    for (const p of model.paths) {
      const at = surveyAt(p);
      const reachedMenu = p.steps.some((s) => s.state.matches('menu'));
      if (at < 0) {
        // A patient who reached the menu was asked at the gate, or before goodbye with an ID card (a card the gate could not give back was captured instead).
        if (reachedMenu) expect(p.steps.some((s) => s.state.matches('takeCard') || (credType(p) !== 'patientCard' && s.state.matches('goodbye'))), trail(p)).toBe(false);
        continue;
      }
      expect(p.steps.slice(0, at).some((s) => s.state.matches('menu')), trail(p)).toBe(true);
      if (credType(p) === 'patientCard') {
        expect(p.steps[at - 1]!.state.matches('ejecting'), trail(p)).toBe(true);
        expect(p.steps[at]!.event.type).toMatch(/^xstate\.done\.actor\./);
      }
    }
    for (const p of model.paths) if (p.steps.some((s) => s.state.matches('staffPin') || s.state.matches('cardProblem'))) expect(surveyAt(p), trail(p)).toBe(-1);
  });

  it('the survey never delays the card: every wait in it ends on its own countdown, at the gate by capturing a card left there', () => {
    const countedDown = new Map<string, string>();
    for (const p of model.paths) {
      p.steps.forEach((s, i) => {
        const before = i === 0 ? p.start : p.steps[i - 1]!.state;
        if (!s.event.type.startsWith('xstate.after.')) return;
        for (const wait of ['takeCard.survey', 'takeCard.thanked', 'takeCard.waiting', 'idCardSurvey.asking']) {
          const [parent, child] = wait.split('.') as [string, string];
          if (before.matches({ [parent]: child })) countedDown.set(wait, JSON.stringify(s.state.value));
        }
      });
    }
    expect(Object.fromEntries(countedDown)).toEqual({
      'takeCard.survey': '"capturing"',
      'takeCard.thanked': '"capturing"',
      'takeCard.waiting': '"capturing"',
      'idCardSurvey.asking': '"goodbye"',
    });
    // Journaling the answer is the only step without a countdown: whatever it answers, the card's countdown resumes.
    const afterRecording = new Set<string>();
    for (const p of model.paths) p.steps.forEach((s, i) => i > 0 && p.steps[i - 1]!.state.matches({ takeCard: 'recording' }) && afterRecording.add(JSON.stringify(s.state.value)));
    expect([...afterRecording].sort()).toEqual(['"goodbye"', JSON.stringify({ takeCard: 'thanked' })].sort());
  });

  it('journals an answer only when the patient gave one: a skipped survey journals nothing', () => {
    let answered = 0;
    let skipped = 0;
    for (const p of model.paths.filter((p) => surveyAt(p) >= 0)) {
      const recorders = p.steps.flatMap((s) => Object.values(s.state.children as Record<string, { src?: unknown; options?: { input?: { rating?: string } } }>).filter((c) => c?.src === 'recordSurvey'));
      const tapped = p.steps.findIndex((s) => s.event.type === 'select');
      if (tapped < 0) {
        skipped++;
        expect(recorders, trail(p)).toEqual([]);
        continue;
      }
      answered++;
      const { index } = p.steps[tapped]!.event as unknown as { index: number };
      expect(recorders.length).toBeGreaterThan(0);
      for (const r of recorders) expect(r.options?.input).toEqual({ rating: surveyRatings[index] });
    }
    expect(answered).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0);
  });
});

/** Where the path first shows the survey's question, or -1. */
function surveyAt(p: Path): number {
  return p.steps.findIndex((s) => s.state.matches({ takeCard: 'survey' }) || s.state.matches({ idCardSurvey: 'asking' }));
}

function trail(p: Path): string {
  return p.steps.map((s) => JSON.stringify(s.state.value)).join(' → ');
}

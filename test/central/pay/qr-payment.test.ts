import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { payByQr, resumeQrPayment, startPaySimulator, type ChannelName, type QrChannel, type QrPaymentOptions, type QrStep, type RunningPaySimulator } from '../../../central/pay/index.ts';
import { clientFor, ManualClock, payCode, tempDir, tradeNo } from './helpers.ts';

interface Entry {
  step: QrStep;
  data: Record<string, unknown>;
  /** Calls the simulator had answered when the journal was written. */
  callsSoFar: number;
  at: number;
}

/**
 * The saga against a real simulator over HTTP. One manual clock drives the simulator and the
 * saga's sleeps, so a 45-second deadline passes at once and every run is the same.
 */
describe.each(['wechat', 'alipay'] as const)('QR payment saga over %s', (channel: ChannelName) => {
  let dir: string;
  let clock: ManualClock;
  let sim: RunningPaySimulator;
  let channelClient: QrChannel;
  let journal: Entry[];

  beforeEach(async () => {
    dir = tempDir(`zizhu-saga-${channel}-`);
    clock = new ManualClock();
    sim = await startPaySimulator({ channel, dataDir: dir, now: clock.now, reverseHoldMs: 15_000, passwordMs: 10_000 });
    channelClient = clientFor(sim);
    journal = [];
  });

  afterEach(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const options = (overrides: Partial<QrPaymentOptions> = {}): QrPaymentOptions => ({
    channel: channelClient,
    journal: (step, data) => {
      journal.push({ step, data, callsSoFar: sim.ledger.calls().length, at: clock.now() });
    },
    now: clock.now,
    sleep: clock.sleep,
    firstQueryAfterMs: 5_000,
    queryEveryMs: 5_000,
    deadlineMs: 45_000,
    reverseEveryMs: 5_000,
    reverseForMs: 60_000,
    ...overrides,
  });
  const order = (amountFen: number, scenario?: string) => ({ authCode: payCode(channel, scenario), outTradeNo: tradeNo(), amountFen, description: '门诊缴费' });
  const steps = () => journal.map((e) => e.step);

  /** Each intent is written before its call reaches the channel, each result after exactly that one call. */
  function expectJournalAroundEveryCall(): void {
    for (let i = 0; i < journal.length; i += 2) {
      const intent = journal[i]!;
      const result = journal[i + 1]!;
      expect(intent.step.endsWith('.intent'), intent.step).toBe(true);
      expect(result.step).toBe(intent.step.replace('.intent', '.result'));
      expect(result.callsSoFar - intent.callsSoFar, intent.step).toBe(1);
      if (i > 0) expect(intent.callsSoFar).toBe(journal[i - 1]!.callsSoFar);
    }
  }

  it('pays at once: one call, journaled before and after', async () => {
    const o = order(2500);
    const outcome = await payByQr(o, options());
    expect(outcome).toMatchObject({ result: 'paid', outTradeNo: o.outTradeNo, amountFen: 2500 });
    expect(steps()).toEqual(['pay.intent', 'pay.result']);
    expect(journal[0]!.data).toEqual({ channel, outTradeNo: o.outTradeNo, amountFen: 2500, authCodeMasked: `${'*'.repeat(14)}${o.authCode.slice(-4)}` });
    expect(journal[0]!.callsSoFar).toBe(0);
    expectJournalAroundEveryCall();
  });

  it('user-paying, then paid when the patient confirms: queried, never reversed', async () => {
    const o = order(8800, '00');
    const outcome = await payByQr(o, options());
    expect(outcome).toMatchObject({ result: 'paid', amountFen: 8800, paidAt: '2025-06-03T10:00:10+08:00' });
    expect(steps()).toEqual(['pay.intent', 'pay.result', 'query.intent', 'query.result', 'query.intent', 'query.result']);
    expect(journal.map((e) => e.data.outcome ?? e.data.state)).toEqual([undefined, 'userPaying', undefined, 'userPaying', undefined, 'paid']);
    expect(sim.ledger.calls('reverse')).toEqual([]);
    expectJournalAroundEveryCall();
  });

  it('a definite refusal ends at once, with no query and no reversal', async () => {
    const outcome = await payByQr(order(100, '03'), options());
    expect(outcome).toMatchObject({ result: 'failed', code: 'INSUFFICIENT_BALANCE' });
    expect(steps()).toEqual(['pay.intent', 'pay.result']);
    expect(journal[1]!.data).toMatchObject({ outcome: 'error', code: 'INSUFFICIENT_BALANCE', kind: 'definite' });
  });

  it('commit then no answer: the query finds it paid, and it is never reversed blindly', async () => {
    sim.ledger.faults.set('pay', { mode: 'commitThenSilent', once: true });
    const o = order(3300);
    const outcome = await payByQr(o, options());
    expect(outcome).toMatchObject({ result: 'paid', amountFen: 3300, channelTradeNo: sim.ledger.trade(o.outTradeNo)!.channelTradeNo });
    expect(steps()).toEqual(['pay.intent', 'pay.result', 'query.intent', 'query.result']);
    expect(journal[1]!.data).toMatchObject({ outcome: 'error', code: 'NO_ANSWER', kind: 'unknown' });
    expect(journal[3]!.data).toMatchObject({ state: 'paid', amountFen: 3300 });
    expect(sim.ledger.calls('reverse')).toEqual([]);
    expect(sim.ledger.totals()).toMatchObject({ collectedFen: 3300, netFen: 3300 });
  });

  it('still unknown at the deadline: reversed after the last query, and the money goes back', async () => {
    sim.ledger.faults.set('pay', { mode: 'commitThenSilent', once: true });
    sim.ledger.faults.set('query', { mode: 'error' });
    const o = order(4400);
    const start = clock.now();
    const outcome = await payByQr(o, options());
    expect(outcome).toEqual({ result: 'reversed', outTradeNo: o.outTradeNo, ...(channel === 'alipay' ? { action: 'refunded' } : {}) });
    const queries = journal.filter((e) => e.step === 'query.intent');
    expect(queries.map((e) => e.at - start)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45].map((s) => s * 1000));
    expect(steps().slice(-4)).toEqual(['query.intent', 'query.result', 'reverse.intent', 'reverse.result']);
    expect(journal.at(-2)!.at - start).toBe(45_000);
    expect(sim.ledger.calls('reverse')).toHaveLength(1);
    expect(sim.ledger.trade(o.outTradeNo)).toMatchObject({ state: 'REVOKED', reversedFen: 4400 });
    expect(sim.ledger.totals()).toEqual({ collectedFen: 4400, reversedFen: 4400, refundedFen: 0, netFen: 0 });
    expectJournalAroundEveryCall();
  });

  it('a patient who never confirms: the order is closed at the deadline and nothing is taken', async () => {
    const o = order(600, '01');
    const outcome = await payByQr(o, options());
    expect(outcome).toMatchObject({ result: 'reversed' });
    expect(sim.ledger.trade(o.outTradeNo)).toMatchObject({ state: 'REVOKED', paidAt: null, reversedFen: 0 });
    expect(sim.ledger.totals().collectedFen).toBe(0);
  });

  it('retries a reversal whose answer was lost, and one refused as too early', async () => {
    sim.ledger.faults.set('reverse', { mode: 'commitThenSilent', once: true });
    const o = order(700, '01');
    // A 10-second deadline meets the 15-second hold: the first reversal is "try later".
    const early = order(800, '01');
    expect(await payByQr(o, options())).toMatchObject({ result: 'reversed' });
    const reverses = journal.filter((e) => e.step === 'reverse.result').map((e) => e.data);
    expect(reverses).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'error', code: 'NO_ANSWER', kind: 'unknown' }),
      expect.objectContaining({ attempt: 2, outcome: 'reversed' }),
    ]);
    journal = [];
    expect(await payByQr(early, options({ deadlineMs: 10_000 }))).toMatchObject({ result: 'reversed' });
    expect(journal.filter((e) => e.step === 'reverse.result').map((e) => e.data.code ?? e.data.outcome)).toEqual(['TRY_LATER', 'reversed']);
    expect(sim.ledger.totals().collectedFen).toBe(0);
  });

  it('a reversal never confirmed leaves the payment pending, not failed', async () => {
    sim.ledger.faults.set('pay', { mode: 'commitThenSilent', once: true });
    sim.ledger.faults.set('query', { mode: 'down' });
    sim.ledger.faults.set('reverse', { mode: 'down' });
    const o = order(900);
    const outcome = await payByQr(o, options({ reverseForMs: 20_000 }));
    expect(outcome).toMatchObject({ result: 'pending', outTradeNo: o.outTradeNo });
    expect(journal.filter((e) => e.step === 'reverse.intent')).toHaveLength(5);
    // The channel holds the money: exactly what reconciliation will find.
    expect(sim.ledger.totals().netFen).toBe(900);
  });

  it('stops before the channel is asked when the journal cannot write', async () => {
    const failing = options({ journal: () => { throw new Error('ledger is read-only'); } });
    await expect(payByQr(order(100), failing)).rejects.toThrow('ledger is read-only');
    expect(sim.ledger.calls()).toEqual([]);
  });

  it('resumes from the journal after a crash: queries first, and finds what the lost pay did', async () => {
    const paidOrder = order(1200);
    const startedAt = clock.now();
    await channelClient.pay(paidOrder);
    expect(await resumeQrPayment({ outTradeNo: paidOrder.outTradeNo, amountFen: 1200 }, startedAt, options())).toMatchObject({ result: 'paid', amountFen: 1200 });
    expect(steps()).toEqual(['query.intent', 'query.result']);

    // A pay that never reached the channel, found long after its deadline: one query, then the number is closed.
    journal = [];
    const lost = order(1300);
    clock.advance(120_000);
    expect(await resumeQrPayment(lost, startedAt, options())).toMatchObject({ result: 'reversed' });
    expect(steps()).toEqual(['query.intent', 'query.result', 'reverse.intent', 'reverse.result']);
    expect(journal[1]!.data.state).toBe('notFound');
    expect(await channelClient.pay(lost).catch((e: unknown) => e)).toMatchObject({ code: 'ORDER_CLOSED' });
  });
});

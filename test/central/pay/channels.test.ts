import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChannelError, startPaySimulator, type ChannelName, type QrChannel, type RunningPaySimulator } from '../../../central/pay/index.ts';
import { clientFor, ManualClock, payCode, tamperingProxy, tempDir, tradeNo } from './helpers.ts';

/** The same behaviours, spoken in each channel's own wire format, client against simulator over HTTP. */
describe.each(['wechat', 'alipay'] as const)('%s client against its simulator', (channel: ChannelName) => {
  let dir: string;
  let clock: ManualClock;
  let sim: RunningPaySimulator;
  let client: QrChannel;

  beforeEach(async () => {
    dir = tempDir(`zizhu-${channel}-`);
    clock = new ManualClock();
    sim = await startPaySimulator({ channel, dataDir: dir, now: clock.now, reverseHoldMs: 15_000, passwordMs: 10_000 });
    client = clientFor(sim);
  });

  afterEach(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const order = (amountFen = 1234, scenario?: string) => ({ authCode: payCode(channel, scenario), outTradeNo: tradeNo(), amountFen, description: '门诊缴费' });
  const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a ChannelError'), (e: unknown) => e as ChannelError);

  it('pays at once, and the channel ledger and the query agree', async () => {
    const o = order(1234);
    const paid = await client.pay(o);
    expect(paid).toMatchObject({ status: 'paid', outTradeNo: o.outTradeNo, amountFen: 1234, paidAt: '2025-06-03T10:00:00+08:00' });
    const trade = sim.ledger.trade(o.outTradeNo)!;
    expect(trade).toMatchObject({ state: 'SUCCESS', amountFen: 1234, authCode: o.authCode });
    expect(paid.status === 'paid' && paid.channelTradeNo).toBe(trade.channelTradeNo);
    expect(await client.query({ outTradeNo: o.outTradeNo })).toEqual({ state: 'paid', outTradeNo: o.outTradeNo, channelTradeNo: trade.channelTradeNo, amountFen: 1234, paidAt: '2025-06-03T10:00:00+08:00' });
    expect(sim.ledger.totals()).toEqual({ collectedFen: 1234, reversedFen: 0, refundedFen: 0, netFen: 1234 });
  });

  it('refuses a request signed with the wrong key, and does nothing', async () => {
    const forger = channel === 'wechat' ? clientFor(sim, { apiKey: 'F'.repeat(32) }) : clientFor(sim, { appPrivateKey: (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey });
    const o = order();
    const error = await failure(forger.pay(o));
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ code: 'SIGNATURE_REJECTED', kind: 'definite' });
    expect(sim.ledger.trade(o.outTradeNo)).toBeUndefined();
    expect(sim.ledger.calls('pay').map((c) => c.answer)).toEqual([channel === 'wechat' ? 'SIGNERROR' : 'isv.invalid-signature']);
  });

  it('does not believe an answer altered on the way: the outcome is unknown, and the honest query finds it paid', async () => {
    const proxy = await tamperingProxy(sim.url, (body) => (channel === 'wechat' ? body.replace('<total_fee>1234</total_fee>', '<total_fee>1</total_fee>') : body.replace('"total_amount":"12.34"', '"total_amount":"0.01"')));
    try {
      const o = order(1234);
      const error = await failure(clientFor(sim, { url: proxy.url }).pay(o));
      expect(error).toMatchObject({ code: 'BAD_RESPONSE', kind: 'unknown' });
      expect(await client.query({ outTradeNo: o.outTradeNo })).toMatchObject({ state: 'paid', amountFen: 1234 });
    } finally {
      await proxy.close();
    }
  });

  it('waits for the password, then finds the order paid once the patient confirms', async () => {
    const o = order(8800, '00');
    expect(await client.pay(o)).toEqual({ status: 'userPaying', outTradeNo: o.outTradeNo });
    expect(await client.query({ outTradeNo: o.outTradeNo })).toMatchObject({ state: 'userPaying' });
    expect(sim.ledger.totals().collectedFen).toBe(0);
    clock.advance(9_999);
    expect((await client.query({ outTradeNo: o.outTradeNo })).state).toBe('userPaying');
    clock.advance(1);
    expect(await client.query({ outTradeNo: o.outTradeNo })).toMatchObject({ state: 'paid', amountFen: 8800, paidAt: '2025-06-03T10:00:10+08:00' });
    expect(sim.ledger.totals().collectedFen).toBe(8800);
  });

  it('a patient who never confirms stays user-paying until the order is reversed, and no money moves', async () => {
    const o = order(500, '01');
    expect((await client.pay(o)).status).toBe('userPaying');
    clock.advance(3_600_000);
    expect((await client.query({ outTradeNo: o.outTradeNo })).state).toBe('userPaying');
    expect(await client.reverse({ outTradeNo: o.outTradeNo })).toEqual({ outTradeNo: o.outTradeNo, ...(channel === 'alipay' ? { action: 'closed' } : {}) });
    expect((await client.query({ outTradeNo: o.outTradeNo })).state).toBe('closed');
    expect(sim.ledger.totals()).toEqual({ collectedFen: 0, reversedFen: 0, refundedFen: 0, netFen: 0 });
  });

  it('refuses an expired code, an invalid one and an empty wallet, definitely and without an order', async () => {
    const expired = order(100, '02');
    expect(await failure(client.pay(expired))).toMatchObject({ code: channel === 'wechat' ? 'AUTH_CODE_EXPIRED' : 'AUTH_CODE_INVALID', kind: 'definite', detail: { channelCode: channel === 'wechat' ? 'AUTHCODEEXPIRE' : 'ACQ.PAYMENT_AUTH_CODE_INVALID' } });
    expect(await failure(client.pay(order(100, '03')))).toMatchObject({ code: 'INSUFFICIENT_BALANCE', kind: 'definite' });
    expect(await failure(client.pay(order(100, '04')))).toMatchObject({ code: 'AUTH_CODE_INVALID', kind: 'definite' });
    expect(await client.query({ outTradeNo: expired.outTradeNo })).toEqual({ state: 'notFound', outTradeNo: expired.outTradeNo });
    // The patient refreshes the code; the same order number pays with the new one.
    expect((await client.pay({ ...expired, authCode: payCode(channel) })).status).toBe('paid');
    expect(sim.ledger.totals().collectedFen).toBe(100);
  });

  it('refuses a reverse in the first 15 seconds with "try later", then reverses and gives the money back', async () => {
    const o = order(2000);
    await client.pay(o);
    clock.advance(14_999);
    expect(await failure(client.reverse({ outTradeNo: o.outTradeNo }))).toMatchObject({ code: 'TRY_LATER', kind: 'definite' });
    expect(sim.ledger.trade(o.outTradeNo)).toMatchObject({ state: 'SUCCESS', reversedFen: 0 });
    clock.advance(1);
    expect(await client.reverse({ outTradeNo: o.outTradeNo })).toEqual({ outTradeNo: o.outTradeNo, ...(channel === 'alipay' ? { action: 'refunded' } : {}) });
    expect(sim.ledger.trade(o.outTradeNo)).toMatchObject({ state: 'REVOKED', reversedFen: 2000 });
    expect(sim.ledger.totals()).toEqual({ collectedFen: 2000, reversedFen: 2000, refundedFen: 0, netFen: 0 });
    expect((await client.query({ outTradeNo: o.outTradeNo })).state).toBe('closed');
    // Reversing again is harmless, and the number can never be paid again.
    await client.reverse({ outTradeNo: o.outTradeNo });
    expect(await failure(client.pay(o))).toMatchObject({ code: 'ORDER_CLOSED' });
    expect(sim.ledger.totals().netFen).toBe(0);
  });

  it('a reverse that arrives before the pay closes the number, so the late pay is refused', async () => {
    const o = order(300);
    await client.reverse({ outTradeNo: o.outTradeNo });
    expect(await failure(client.pay(o))).toMatchObject({ code: 'ORDER_CLOSED', kind: 'definite' });
    expect(sim.ledger.totals().collectedFen).toBe(0);
  });

  it('pays once per order number, however often it is asked', async () => {
    const o = order(4321);
    const first = await client.pay(o);
    const again = await client.pay(o);
    expect(again).toEqual(first);
    // The patient scans a new code for an order already paid: still the one payment.
    const rescanned = await client.pay({ ...o, authCode: payCode(channel) });
    expect(rescanned).toEqual(first);
    expect(await failure(client.pay({ ...o, amountFen: 4322 }))).toMatchObject({ code: 'OUT_TRADE_NO_USED', kind: 'definite' });
    // A code is good for one order only.
    expect(await failure(client.pay({ ...order(10), authCode: o.authCode }))).toMatchObject({ code: 'AUTH_CODE_INVALID' });
    expect(sim.ledger.trades().filter((t) => t.paidAt !== null)).toHaveLength(1);
    expect(sim.ledger.totals().collectedFen).toBe(4321);
  });

  it('refunds up to the paid amount, each refund number once', async () => {
    const o = order(1000);
    await client.pay(o);
    const refund = (outRefundNo: string, amountFen: number, totalFen = 1000) => client.refund({ outTradeNo: o.outTradeNo, outRefundNo, amountFen, totalFen });
    const r1 = `${o.outTradeNo}R1`;
    expect(await refund(r1, 300)).toMatchObject({ outRefundNo: r1, amountFen: 300, state: channel === 'wechat' ? 'processing' : 'success' });
    expect(await refund(r1, 300)).toMatchObject({ outRefundNo: r1, amountFen: 300 });
    expect(sim.ledger.totals().refundedFen).toBe(300);
    expect(await failure(refund(r1, 301))).toMatchObject({ kind: 'definite' });
    expect(await failure(refund(`${o.outTradeNo}R2`, 701))).toMatchObject({ code: 'REFUND_REFUSED', kind: 'definite' });
    expect(await refund(`${o.outTradeNo}R2`, 700)).toMatchObject({ amountFen: 700 });
    expect(await failure(refund(`${o.outTradeNo}R3`, 1))).toMatchObject({ code: 'REFUND_REFUSED' });
    expect(sim.ledger.totals()).toEqual({ collectedFen: 1000, reversedFen: 0, refundedFen: 1000, netFen: 0 });
    expect(await client.queryRefund({ outTradeNo: o.outTradeNo, outRefundNo: r1 })).toMatchObject({ state: 'success', amountFen: 300 });
    expect(await client.queryRefund({ outTradeNo: o.outTradeNo, outRefundNo: `${o.outTradeNo}R9` })).toMatchObject({ state: 'notFound' });
    expect((await client.query({ outTradeNo: o.outTradeNo })).state).toBe(channel === 'wechat' ? 'refunded' : 'closed');
    clock.advance(20_000);
    expect(await failure(client.reverse({ outTradeNo: o.outTradeNo }))).toMatchObject({ code: 'REVERSE_REFUSED', kind: 'definite' });
  });

  it('refuses to refund an order that was never paid', async () => {
    const o = order(1000, '01');
    await client.pay(o);
    expect(await failure(client.refund({ outTradeNo: o.outTradeNo, outRefundNo: `${o.outTradeNo}R1`, amountFen: 1000, totalFen: 1000 }))).toMatchObject({ code: 'REFUND_REFUSED' });
    expect(await failure(client.refund({ outTradeNo: tradeNo(), outRefundNo: 'NOSUCHR1', amountFen: 1, totalFen: 1 }))).toMatchObject({ code: 'REFUND_REFUSED' });
  });

  it('names the field of a bad argument before anything is sent', async () => {
    expect(await failure(client.pay({ ...order(), amountFen: 12.5 }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'amountFen' } });
    expect(await failure(client.pay({ ...order(), authCode: channel === 'wechat' ? payCode('alipay') : payCode('wechat') }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'authCode' } });
    expect(await failure(client.refund({ outTradeNo: tradeNo(), outRefundNo: 'R', amountFen: 2, totalFen: 1 }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'amountFen' } });
    expect(sim.ledger.calls()).toEqual([]);
  });

  it('makes every fault an unknown outcome, and only commit-then-silent leaves money taken', async () => {
    const cases = [
      { fault: { mode: 'error' as const }, code: 'SYSTEM_ERROR', committed: false },
      { fault: { mode: 'down' as const }, code: 'UNAVAILABLE', committed: false },
      { fault: { mode: 'commitThenSilent' as const }, code: 'NO_ANSWER', committed: true },
    ];
    for (const c of cases) {
      const o = order(100);
      sim.ledger.faults.set('pay', { ...c.fault, once: true });
      expect(await failure(client.pay(o)), c.fault.mode).toMatchObject({ code: c.code, kind: 'unknown' });
      expect((await client.query({ outTradeNo: o.outTradeNo })).state, c.fault.mode).toBe(c.committed ? 'paid' : 'notFound');
    }
    expect(sim.ledger.totals().collectedFen).toBe(100);
  });

  it('a slow channel past the client timeout is an unknown outcome', async () => {
    const slowClient = clientFor(sim, { timeoutMs: 100 });
    const o = order(100);
    sim.ledger.faults.set('pay', { mode: 'slow', ms: 400, once: true });
    expect(await failure(slowClient.pay(o))).toMatchObject({ code: 'TIMEOUT', kind: 'unknown' });
    // The simulator finishes the payment after the client gave up, as a real one would.
    for (let i = 0; i < 100 && !sim.ledger.trade(o.outTradeNo); i += 1) await sleep(20);
    expect(sim.ledger.trade(o.outTradeNo)?.state).toBe('SUCCESS');
  });
});

describe('a channel that cannot be reached', () => {
  it('is an unknown outcome, not a refusal', async () => {
    const dir = tempDir('zizhu-wechat-');
    const sim = await startPaySimulator({ channel: 'wechat', dataDir: dir });
    const client = clientFor(sim);
    await sim.close();
    const error = await client.pay({ authCode: payCode('wechat'), outTradeNo: tradeNo(), amountFen: 1, description: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', kind: 'unknown' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

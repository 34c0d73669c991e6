import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import mqtt from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../../central/bridge/ledger.ts';
import { freePort, startBroker, type RunningBroker } from '../../../central/broker/mosquitto.ts';
import { HisSimulator } from '../../../central/his/simulator.ts';
import type { HisPort } from '../../../central/his/port.ts';
import { topics } from '../../../contract/topics.ts';
import { stopChild, zizhuBin } from '../../helpers/processes.ts';
import { card, Kiosk, payCode, startWorld, type World } from './harness.ts';

async function until<T>(what: string, probe: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `zizhu his-sim serve` on a free port: the HIS outlives the bridges, as a hospital's does. */
async function serveHis(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(zizhuBin, ['his-sim', 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] });
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`his-sim serve exited with ${code}`)));
  });
  return { url: (JSON.parse(first) as { url: string }).url, child };
}

describe('a bridge killed mid-saga', () => {
  let dir: string;
  let broker: RunningBroker;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-workers-'));
    broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker') });
  });
  afterAll(async () => {
    for (const c of children) await stopChild(c);
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `zizhu bridge` as production runs it; resolves once its retained state says online. */
  async function startBridge(worker: string, hisUrl: string): Promise<{ child: ChildProcess; log: string }> {
    const log = path.join(dir, `${worker}.log`);
    const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `watch-${worker}` });
    const online = new Promise<void>((resolve) =>
      watcher.on('message', (_t, payload) => {
        const s = JSON.parse(payload.toString()) as { state: string; ts: number };
        if (s.state === 'online') resolve();
      }),
    );
    const child = spawn(zizhuBin, ['bridge', '--broker', broker.url, '--his', hisUrl, '--ledger', path.join(dir, 'ledger.sqlite'), '--worker', worker, '--settle-window-ms', '3000'], {
      stdio: ['ignore', 'ignore', fs.openSync(log, 'a')],
    });
    children.push(child);
    await watcher.subscribeAsync(topics.centralState(worker), { qos: 1 });
    await online;
    await watcher.endAsync();
    return { child, log };
  }

  it('is finished by the next worker: the HIS call it left in flight is found settled, never compensated', async () => {
    const hisDir = path.join(dir, 'his');
    const { url, child: hisChild } = await serveHis(hisDir);
    children.push(hisChild);
    const his = HisSimulator.open(hisDir);
    const ledger = Ledger.open(path.join(dir, 'ledger.sqlite'));
    const kiosk = await Kiosk.connect(broker.url, 'KIOSK-K1');
    try {
      const a = await startBridge('wA', url);
      const bill = his.bills('P0008')[0]!;
      const txnId = ulid();
      const pre = await kiosk.call<{ preSettleId: string; selfFen: number }>('bill.preSettle', { patientId: 'P0008', billNos: [bill.billNo] }, { txnId });
      expect(pre.status).toBe('OK');
      his.setFault('settle', { mode: 'slow', ms: 2000, once: true });
      const payArgs = { preSettleId: pre.data!.preSettleId, payment: card(pre.data!.selfFen) };
      await kiosk.send('bill.pay', payArgs, { txnId });
      await until('the saga to reach the HIS call', () => ledger.txn('KIOSK-K1', txnId)?.step === 'his');
      a.child.kill('SIGKILL');
      await new Promise((r) => a.child.once('exit', r));
      expect(ledger.txn('KIOSK-K1', txnId)).toMatchObject({ state: 'PAYING', owner: 'wA' });

      const b = await startBridge('wB', url);
      await until('the new worker to settle it', () => ledger.txn('KIOSK-K1', txnId)?.state === 'SETTLED', 20_000);
      const q = await kiosk.call<{ hisReceiptNo: string }>('txn.query', { txnId });
      expect(q).toMatchObject({ status: 'OK', data: { state: 'SETTLED', hisReceiptNo: ledger.txn('KIOSK-K1', txnId)!.hisReceiptNo } });
      expect(his.bills('P0008').find((x) => x.billNo === bill.billNo)).toMatchObject({ paid: true, tradeNo: txnId });
      expect(ledger.txn('KIOSK-K1', txnId)?.compensate).toBeUndefined();
      expect(fs.readFileSync(b.log, 'utf8')).toContain('driving a saga left unfinished');
      // The kiosk never got its answer: the same request again is answered from the ledger.
      expect(await kiosk.call('bill.pay', payArgs, { txnId })).toMatchObject({ status: 'OK', data: { hisReceiptNo: q.data!.hisReceiptNo } });
    } finally {
      await kiosk.close();
      ledger.close();
      his.close();
    }
  });
});

/** Counts the HIS calls each worker makes, to prove the load was shared and nothing applied twice. */
function counting(his: HisPort, counts: Map<string, number>): HisPort {
  return new Proxy(his, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        counts.set(String(name), (counts.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('several workers on one ledger', () => {
  let w: World;

  afterEach(async () => {
    await w?.stop();
  });

  it('share the requests (shared subscription) and apply each payment once, duplicates included', async () => {
    const counts = { w1: new Map<string, number>(), w2: new Map<string, number>() };
    w = await startWorld({ workers: ['w1', 'w2'], kid: 'KIOSK-S1', hisFor: (his, worker) => counting(his, counts[worker as 'w1' | 'w2']) });
    const perWorker = [counts.w1, counts.w2];
    const patients = ['P0001', 'P0002', 'P0003', 'P0004', 'P0005', 'P0006'];
    const paid = await Promise.all(
      patients.map(async (patientId) => {
        const bill = w.his.bills(patientId).find((b) => !b.paid)!;
        const txnId = ulid();
        const preId = await w.kiosk.send('bill.preSettle', { patientId, billNos: [bill.billNo] }, { txnId }, 2);
        const pre = (await w.kiosk.answer<{ preSettleId: string; selfFen: number }>(preId, 2))[0]!;
        const payId = await w.kiosk.send('bill.pay', { preSettleId: pre.data!.preSettleId, payment: card(pre.data!.selfFen) }, { txnId }, 2);
        const answers = await w.kiosk.answer(payId, 2);
        return { patientId, bill, txnId, answers };
      }),
    );
    for (const p of paid) {
      expect(p.answers.map((a) => a.status)).toEqual(['OK', 'OK']);
      expect(p.answers[1]!.data).toEqual(p.answers[0]!.data);
      expect(w.his.bills(p.patientId).filter((b) => b.tradeNo === p.txnId).map((b) => b.billNo)).toEqual([p.bill.billNo]);
    }
    const settles = perWorker.map((m) => m.get('settle') ?? 0);
    expect(settles[0]! + settles[1]!).toBe(patients.length);
    // Mosquitto hands a shared subscription's messages round the workers: both did some.
    const calls = perWorker.map((m) => [...m.values()].reduce((s, n) => s + n, 0));
    expect(calls.every((n) => n > 0)).toBe(true);
  });

  it('refund a QR payment whose kiosk went away, and resume a QR saga whose worker died', async () => {
    w = await startWorld({ workers: ['w1', 'w2'], kid: 'KIOSK-S2', bridge: { orphanQrAfterMs: 300 } });
    const orphan = ulid();
    const qr = await w.kiosk.call('payment.qr.pay', { authCode: payCode('wechat'), amountFen: 1234 }, { txnId: orphan });
    expect(qr).toMatchObject({ status: 'OK', data: { state: 'paid' } });
    await until('the orphan to be refunded', () => w.ledger.txn('KIOSK-S2', orphan)?.state === 'COMPENSATED');
    expect(w.pay.simulators.wechat.ledger.refunds(orphan)).toMatchObject([{ outRefundNo: `${orphan}R1`, amountFen: 1234 }]);
    expect(await w.kiosk.call('inpatient.deposit', { admissionNo: 'ZY2025000103', payment: { method: 'qr', amountFen: 1234, channel: 'wechat', channelTradeNo: (qr.data as { channelTradeNo: string }).channelTradeNo } }, { txnId: orphan }))
      .toMatchObject({ status: 'FAILED', code: 'PAYMENT_NOT_COLLECTED', data: { compensate: 'refunded' } });

    // A worker that died while the patient was entering the password: the order is at the channel,
    // the ledger says "paying", its lease has run out.
    const txnId = ulid();
    const code = `1300${String(Date.now()).padStart(14, '0')}`;
    expect((await w.pay.channels.wechat.pay({ authCode: code, outTradeNo: txnId, amountFen: 2500, description: '挂号' })).status).toBe('userPaying');
    const long = Date.now() - 60_000;
    w.ledger.createTxn('KIOSK-S2', txnId, 'payment.qr.pay', 'OPEN', {
      qrChannel: 'wechat', qrState: 'paying', qrAmountFen: 2500, qrStartedAt: Date.now(), step: 'qrPay', stepAt: long, owner: 'dead-worker', leaseUntil: long,
    });
    await until('the QR saga to be resumed and paid', () => w.ledger.txn('KIOSK-S2', txnId)?.qrState === 'paid', 10_000);
    expect(await w.kiosk.call('payment.qr.query', { txnId })).toMatchObject({ status: 'OK', data: { state: 'paid', amountFen: 2500 } });
  });
});

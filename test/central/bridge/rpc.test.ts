import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../../central/broker/mosquitto.ts';
import { Bridge } from '../../../central/bridge/bridge.ts';
import { Ledger } from '../../../central/bridge/ledger.ts';
import { HisSimulator } from '../../../central/his/simulator.ts';
import type { RpcResponse } from '../../../contract/rpc.ts';
import { topics } from '../../../contract/topics.ts';

const kid = 'KIOSK-T1';
const card = { method: 'card', rrn: '123456789012', trace: '000001', batch: '000001', authCode: 'A1B2C3', panMasked: '622848******1234', tid: '12345678', mid: '123456789012345', settleDate: '2026-11-22' };

describe('bridge RPC against a real Mosquitto', () => {
  let dir: string;
  let broker: RunningBroker;
  let bridge: Bridge;
  let his: HisSimulator;
  let ledger: Ledger;
  let client: MqttClient;
  const responses: { payload: RpcResponse; correlation?: string; topic: string }[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-bridge-'));
    broker = await startBroker({ port: await freePort(), dataDir: dir });
    his = HisSimulator.open(path.join(dir, 'his'));
    ledger = Ledger.open(path.join(dir, 'ledger.sqlite'));
    bridge = new Bridge({ brokerUrl: broker.url, worker: 'w1', his, ledger, log: () => undefined });
    await bridge.start();
    client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: kid });
    await client.subscribeAsync(['kiosk/v1/+/rpc/res'], { qos: 1 });
    client.on('message', (topic, payload, packet) =>
      responses.push({ topic, payload: JSON.parse(payload.toString()) as RpcResponse, correlation: packet.properties?.correlationData?.toString() }),
    );
  });
  afterAll(async () => {
    await client.endAsync();
    await bridge.stop();
    ledger.close();
    his.close();
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function waitFor(match: (r: (typeof responses)[number]) => boolean, ms = 5000) {
    const until = Date.now() + ms;
    for (;;) {
      const found = responses.find(match);
      if (found) return found;
      if (Date.now() > until) throw new Error('no matching response');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function call(op: string, args: unknown, extra: Record<string, unknown> = {}, props: Record<string, unknown> = {}) {
    const id = ulid();
    await client.publishAsync(topics.rpc(kid), JSON.stringify({ v: 1, id, ts: Date.now(), kid, op, args, ...extra }), {
      qos: 1,
      properties: { responseTopic: topics.rpcRes(kid), correlationData: Buffer.from(id), ...props },
    });
    return (await waitFor((r) => r.payload.id === id)).payload;
  }

  it('runs the bill payment ops: identify, list, pre-settle, pay, query', async () => {
    const patient = his.fixtures().patients[0]!;
    const who = await call('patient.identify', { credType: 'patientCard', credNo: patient.cardNo });
    expect(who.status).toBe('OK');
    const data = who.data as { patientId: string; nameMasked: string };
    expect(data.patientId).toBe(patient.patientId);
    expect(data.nameMasked).not.toBe(patient.name);
    expect(JSON.stringify(who)).not.toContain(patient.idNumber);

    const list = await call('bill.list', { patientId: patient.patientId });
    const bills = (list.data as { bills: { billNo: string; amountFen: number; items: unknown[] }[] }).bills;
    expect(bills.map((b) => b.billNo)).toEqual(patient.bills.map((b) => b.billNo));
    expect(bills[0]!.items.length).toBeGreaterThan(0);

    const txnId = ulid();
    const pre = await call('bill.preSettle', { patientId: patient.patientId, billNos: [bills[0]!.billNo] }, { txnId });
    expect(pre.status).toBe('OK');
    const p = pre.data as { preSettleId: string; selfFen: number };
    expect(p.selfFen).toBe(bills[0]!.amountFen);

    const args = { preSettleId: p.preSettleId, payment: { ...card, amountFen: p.selfFen } };
    const paid = await call('bill.pay', args, { txnId });
    expect(paid.status).toBe('OK');
    const receipt = (paid.data as { hisReceiptNo: string }).hisReceiptNo;
    expect(his.bills(patient.patientId).find((b) => b.billNo === bills[0]!.billNo)?.paid).toBe(true);

    // Idempotency: the same request again gets the stored answer under its new id.
    const again = await call('bill.pay', args, { txnId });
    expect(again.status).toBe('OK');
    expect((again.data as { hisReceiptNo: string }).hisReceiptNo).toBe(receipt);

    // Same txnId, other arguments: a conflict, not a second payment.
    const conflict = await call('bill.pay', { ...args, payment: { ...args.payment, amountFen: 1 } }, { txnId });
    expect(conflict).toMatchObject({ status: 'FAILED', code: 'IDEMPOTENCY_CONFLICT' });

    const q = await call('txn.query', { txnId });
    expect(q.data).toEqual({ state: 'SETTLED', hisReceiptNo: receipt });
  });

  it('orders a reversal when the HIS definitely refuses, and records a never-seen transaction as ABANDONED', async () => {
    const patient = his.fixtures().patients[1]!;
    const txnId = ulid();
    const pre = await call('bill.preSettle', { patientId: patient.patientId, billNos: [patient.bills[0]!.billNo] }, { txnId });
    const p = pre.data as { preSettleId: string; selfFen: number };
    his.setFault('settle', { mode: 'error', code: 'REJECTED', once: true });
    const paid = await call('bill.pay', { preSettleId: p.preSettleId, payment: { ...card, amountFen: p.selfFen } }, { txnId });
    expect(paid).toMatchObject({ status: 'FAILED', code: 'HIS_REJECTED', data: { compensate: 'reverse' } });
    expect((await call('txn.query', { txnId })).data).toEqual({ state: 'OPEN', compensate: 'reverse' });

    const stranger = ulid();
    expect((await call('txn.query', { txnId: stranger })).data).toEqual({ state: 'ABANDONED' });
    const late = await call('bill.preSettle', { patientId: patient.patientId, billNos: [patient.bills[0]!.billNo] }, { txnId: stranger });
    expect(late).toMatchObject({ status: 'FAILED', code: 'TXN_ABANDONED' });
  });

  it('settles through an HIS that commits and then goes silent, by asking it', async () => {
    const patient = his.fixtures().patients[2]!;
    const txnId = ulid();
    const pre = await call('bill.preSettle', { patientId: patient.patientId, billNos: [patient.bills[0]!.billNo] }, { txnId });
    const p = pre.data as { preSettleId: string; selfFen: number };
    his.setFault('settle', { mode: 'commitThenSilent', once: true });
    const paid = await call('bill.pay', { preSettleId: p.preSettleId, payment: { ...card, amountFen: p.selfFen } }, { txnId });
    expect(paid.status).toBe('OK');
    expect(his.bills(patient.patientId).find((b) => b.billNo === patient.bills[0]!.billNo)?.paid).toBe(true);
  });

  it('says UNKNOWN, never OPEN, for a payment whose HIS outcome it cannot tell yet', async () => {
    const txnId = ulid();
    // A saga left PAYING, as a worker that died inside the HIS call leaves it.
    const payment = { ...card, amountFen: 100 };
    ledger.createTxn(kid, txnId, 'bill.preSettle', 'PAYING', {
      preSettleId: 'PS-X', op: 'bill.pay', method: 'card', amountFen: 100, rrn: card.rrn, trace: card.trace, settleDate: card.settleDate,
      hisCall: ledger.seal({ fn: 'settle', request: { preSettleId: 'PS-X', payment } }), step: 'his', stepAt: Date.now(),
    });
    his.setFault('queryTrade', { mode: 'down' });
    try {
      expect(await call('txn.query', { txnId })).toMatchObject({ status: 'UNKNOWN', data: { state: 'OPEN' } });
    } finally {
      his.clearFault('queryTrade');
    }
    // The HIS has no record yet, but a settle call that young may still be running: still UNKNOWN.
    expect(await call('txn.query', { txnId })).toMatchObject({ status: 'UNKNOWN' });
    expect(ledger.txn(kid, txnId)?.state).toBe('PAYING');
    // Past the settle window the HIS's "no such trade" is definite: the card is to be reversed.
    ledger.updateTxn(kid, txnId, { stepAt: Date.now() - 61_000 });
    expect(await call('txn.query', { txnId })).toMatchObject({ status: 'OK', data: { state: 'OPEN', compensate: 'reverse' } });
  });

  it('refuses bad input with a code and a field, and never stays silent', async () => {
    expect(await call('bill.cook', {})).toMatchObject({ status: 'FAILED', code: 'UNKNOWN_OP' });
    const bad = await call('bill.preSettle', { patientId: 'P0001', billNos: 'B1' }, { txnId: ulid() });
    expect(bad).toMatchObject({ status: 'FAILED', code: 'BAD_REQUEST' });
    expect(bad.message).toContain('args.billNos');
    expect(await call('bill.preSettle', { patientId: 'P0001', billNos: ['x'] })).toMatchObject({ status: 'FAILED', code: 'TXN_REQUIRED' });
    expect(await call('patient.identify', { credType: 'patientCard', credNo: '1' }, { deadline: Date.now() - 1000 })).toMatchObject({ status: 'FAILED', code: 'EXPIRED' });

    // Not JSON: answered on the kiosk's own response topic, correlated by MQTT correlation data.
    await client.publishAsync(topics.rpc(kid), 'not json {', { qos: 1, properties: { responseTopic: topics.rpcRes(kid), correlationData: Buffer.from('garbled-1') } });
    const garbled = await waitFor((r) => r.correlation === 'garbled-1');
    expect(garbled.payload).toMatchObject({ status: 'FAILED', code: 'BAD_REQUEST' });
  });

  it('answers only on the requesting kiosk topic, even when a request names another', async () => {
    const id = ulid();
    await client.publishAsync(topics.rpc(kid), JSON.stringify({ v: 1, id, op: 'bill.list', args: { patientId: 'P0001' } }), {
      qos: 1,
      properties: { responseTopic: topics.rpcRes('OTHER-KIOSK'), correlationData: Buffer.from(id) },
    });
    const r = await waitFor((x) => x.payload.id === id);
    expect(r.topic).toBe(topics.rpcRes(kid));
    expect(r.payload).toMatchObject({ status: 'FAILED', code: 'BAD_REQUEST' });
    expect(responses.some((x) => x.topic === topics.rpcRes('OTHER-KIOSK'))).toBe(false);
  });

  it('answers a caller that sends no correlation data, correlated by the payload id', async () => {
    const id = ulid();
    await client.publishAsync(topics.rpc(kid), JSON.stringify({ v: 1, id, op: 'bill.list', args: { patientId: 'P0001' } }), { qos: 1 });
    const r = await waitFor((x) => x.payload.id === id);
    expect(r.correlation).toBeUndefined();
    expect(r.payload.status).toBe('OK');
  });
});

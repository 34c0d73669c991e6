import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../central/broker/mosquitto.ts';
import { HisSimulator, type PatientFixture } from '../../central/his/simulator.ts';
import type { OpName, RpcResponse } from '../../contract/rpc.ts';
import { topics } from '../../contract/topics.ts';
import { Link } from '../../runtime/link.ts';
import { stopChild, zizhuBin } from '../helpers/processes.ts';
import { startMqttProxy, type MqttProxy } from './mqtt-proxy.ts';
import { faultSeed } from './seed.ts';

const kid = 'KIOSK-DUP1';
const card = { method: 'card', rrn: '223456789012', trace: '000002', batch: '000001', authCode: 'B2C3D4', panMasked: '622848******5678', tid: '12345678', mid: '123456789012345', settleDate: '2026-11-22' };

/**
 * The real bridge (a `zizhu bridge` child with the simulated HIS) and the kiosk's real Link, with
 * the fault proxy between the Link and the broker doubling every RPC request, as a redelivery
 * would: each bill-payment step must take effect once.
 */
describe('bill payment through a proxy that delivers every RPC request twice', () => {
  let dir: string;
  let broker: RunningBroker;
  let proxy: MqttProxy;
  let bridge: ChildProcess;
  let observer: MqttClient;
  let link: Link;
  let patient: PatientFixture;
  const seen: { topic: string; body: { id: string; op?: string; status?: string; data?: unknown } }[] = [];
  const linkLog: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-rpc-proxy-'));
    broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker') });
    const his = HisSimulator.open(path.join(dir, 'his'));
    patient = his.fixtures().patients[0]!;
    his.close();
    proxy = await startMqttProxy({
      brokerPort: broker.port,
      seed: faultSeed(),
      rules: [{ name: 'rpc-twice', direction: 'toBroker', topic: 'kiosk/v1/+/rpc', duplicate: { p: 1 } }],
    });
    const bridgeLog = fs.openSync(path.join(dir, 'bridge.log'), 'a');
    bridge = spawn(zizhuBin, ['bridge', '--broker', broker.url, '--his', 'sim', '--his-data', path.join(dir, 'his'), '--ledger', path.join(dir, 'ledger.sqlite'), '--worker', 'proxy-test'], {
      stdio: ['ignore', bridgeLog, bridgeLog],
    });
    // Straight to the broker, past the proxy: what the bridge was really sent and really answered.
    observer = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'rpc-observer' });
    await observer.subscribeAsync([topics.rpc(kid), topics.rpcRes(kid)], { qos: 1 });
    observer.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) as (typeof seen)[number]['body'] }));
    link = new Link(kid, proxy.url, (msg, fields) => linkLog.push(`${msg} ${JSON.stringify(fields ?? {})}`));
    link.start();
    if (!(await link.waitForCentral(20_000))) throw new Error(`central never came online\n${fs.readFileSync(path.join(dir, 'bridge.log'), 'utf8')}\n${linkLog.join('\n')}`);
  });
  afterAll(async () => {
    await link?.stop();
    await observer?.endAsync();
    await stopChild(bridge);
    await proxy?.stop();
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function call<D>(op: OpName, args: Record<string, unknown>, txnId?: string): Promise<RpcResponse<D>> {
    const r = await link.rpc<D>({ op, args, txnId, timeoutMs: 10_000 });
    expect(r.status, `${op}: ${JSON.stringify(r)}\n${proxy.describe()}`).toBe('OK');
    return r;
  }

  async function bothAnswers(id: string): Promise<(typeof seen)[number]['body'][]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answers = seen.filter((s) => s.topic === topics.rpcRes(kid) && s.body.id === id).map((s) => s.body);
      if (answers.length >= 2) return answers;
      if (Date.now() > deadline) throw new Error(`request ${id}: ${answers.length} answer(s), expected two\n${proxy.describe()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('pre-settles and pays once, though the bridge received every request twice', async () => {
    const who = await call<{ patientId: string }>('patient.identify', { credType: 'patientCard', credNo: patient.cardNo });
    expect(who.data!.patientId).toBe(patient.patientId);
    const before = await call<{ bills: { billNo: string; amountFen: number }[] }>('bill.list', { patientId: patient.patientId });
    const bill = before.data!.bills[0]!;
    const txnId = ulid();
    const pre = await call<{ preSettleId: string; selfFen: number }>('bill.preSettle', { patientId: patient.patientId, billNos: [bill.billNo] }, txnId);
    const paid = await call<{ hisReceiptNo: string }>('bill.pay', { preSettleId: pre.data!.preSettleId, payment: { ...card, amountFen: pre.data!.selfFen } }, txnId);
    const receipt = paid.data!.hisReceiptNo;
    const query = await call<{ state: string; hisReceiptNo?: string }>('txn.query', { txnId });
    expect(query.data).toEqual({ state: 'SETTLED', hisReceiptNo: receipt });

    // Every request reached the bridge twice and was answered twice, the same way.
    const requests = seen.filter((s) => s.topic === topics.rpc(kid));
    const ids = [...new Set(requests.map((r) => r.body.id))];
    expect(requests.map((r) => r.body.op)).toEqual(['patient.identify', 'bill.list', 'bill.preSettle', 'bill.pay', 'txn.query'].flatMap((op) => [op, op]));
    for (const id of ids) {
      const [first, second] = await bothAnswers(id);
      expect({ ...second, ts: 0 }).toEqual({ ...first, ts: 0 });
    }
    expect(proxy.stats.duplicated).toBe(5);

    // The HIS: the bill is no longer outstanding, and the others still are.
    const after = await call<{ bills: { billNo: string }[] }>('bill.list', { patientId: patient.patientId });
    expect(after.data!.bills.map((b) => b.billNo)).toEqual(before.data!.bills.slice(1).map((b) => b.billNo));

    // The ledger, read after the bridge has stopped: one transaction, settled for the bill's amount.
    await stopChild(bridge);
    const ledger = new Database(path.join(dir, 'ledger.sqlite'), { readonly: true });
    try {
      const txns = ledger.prepare('SELECT txn_id AS txnId, state, amount_fen AS amountFen, his_receipt_no AS hisReceiptNo FROM txns WHERE kid = ?').all(kid);
      expect(txns).toEqual([{ txnId, state: 'SETTLED', amountFen: bill.amountFen, hisReceiptNo: receipt }]);
      const steps = ledger.prepare('SELECT op FROM requests WHERE kid = ? AND txn_id = ? ORDER BY op').all(kid, txnId);
      expect(steps).toEqual([{ op: 'bill.pay' }, { op: 'bill.preSettle' }]);
    } finally {
      ledger.close();
    }
  });
});

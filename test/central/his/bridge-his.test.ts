import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../../central/broker/mosquitto.ts';
import type { HisSimulator } from '../../../central/his/index.ts';
import type { RpcResponse } from '../../../contract/rpc.ts';
import { topics } from '../../../contract/topics.ts';
import { runZizhu, stopChild, zizhuBin } from '../../helpers/processes.ts';
import { cleanUp, serveChild, simulator, tempDir } from './harness.ts';

/**
 * `zizhu bridge --his http://HOST:PORT`: a real Mosquitto, `zizhu his-sim serve` and the bridge,
 * each its own process, and a kiosk's RPC going through all of them.
 */
describe('the bridge with its HIS over HTTP', () => {
  const kid = 'KIOSK-H1';
  const card = { method: 'card', rrn: '123456789012', trace: '000001', batch: '000001', authCode: 'A1B2C3', panMasked: '622848******1234', tid: '12345678', mid: '123456789012345', settleDate: '2025-06-02' };
  let dir: string;
  let broker: RunningBroker;
  let bridge: ChildProcess;
  let his: HisSimulator;
  let client: MqttClient;
  const responses = new Map<string, RpcResponse>();

  beforeAll(async () => {
    dir = tempDir();
    broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker') });
    const hisDir = path.join(dir, 'his');
    const { url } = await serveChild(hisDir);
    his = simulator(hisDir);
    const log = fs.openSync(path.join(dir, 'bridge.log'), 'a');
    bridge = spawn(zizhuBin, ['bridge', '--broker', broker.url, '--his', url, '--ledger', path.join(dir, 'ledger.sqlite'), '--worker', 'his-http'], { stdio: ['ignore', log, log] });
    client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: kid });
    client.on('message', (topic, payload) => {
      if (topic === topics.rpcRes(kid)) {
        const response = JSON.parse(payload.toString()) as RpcResponse;
        responses.set(response.id, response);
      }
    });
    const online = new Promise<void>((resolve) =>
      client.on('message', (topic, payload) => {
        if (topic === topics.centralState('his-http') && (JSON.parse(payload.toString()) as { state: string }).state === 'online') resolve();
      }),
    );
    await client.subscribeAsync([topics.rpcRes(kid), topics.centralState('his-http')], { qos: 1 });
    await online;
  });

  afterAll(async () => {
    await client?.endAsync();
    await stopChild(bridge);
    await broker?.stop();
    await cleanUp();
  });

  async function call(op: string, args: unknown, txnId?: string): Promise<RpcResponse> {
    const id = ulid();
    await client.publishAsync(topics.rpc(kid), JSON.stringify({ v: 1, id, ts: Date.now(), kid, op, args, ...(txnId ? { txnId } : {}) }), {
      qos: 1,
      properties: { responseTopic: topics.rpcRes(kid), correlationData: Buffer.from(id) },
    });
    for (let n = 0; n < 400 && !responses.has(id); n += 1) await new Promise((r) => setTimeout(r, 25));
    const response = responses.get(id);
    if (!response) throw new Error(`no answer to ${op}`);
    return response;
  }

  it('identifies, lists and pays a bill, settling through an HIS that commits and then drops the line', async () => {
    expect(await call('patient.identify', { credType: 'patientCard', credNo: '2000000103' })).toMatchObject({ status: 'OK', data: { patientId: 'P0003', nameMasked: '王*' } });
    const list = await call('bill.list', { patientId: 'P0003' });
    expect((list.data as { bills: { billNo: string }[] }).bills.map((b) => b.billNo)).toEqual(['MZ00000301', 'MZ00000302', 'MZ00000303']);

    const txnId = ulid();
    const pre = await call('bill.preSettle', { patientId: 'P0003', billNos: ['MZ00000302'] }, txnId);
    expect(pre).toMatchObject({ status: 'OK', data: { selfFen: 1500 } });
    his.setFault('settle', { mode: 'commitThenSilent', once: true });
    const paid = await call('bill.pay', { preSettleId: (pre.data as { preSettleId: string }).preSettleId, payment: { ...card, amountFen: 1500 } }, txnId);
    expect(paid).toMatchObject({ status: 'OK' });
    const receipt = (paid.data as { hisReceiptNo: string }).hisReceiptNo;
    expect(his.bills('P0003').find((b) => b.billNo === 'MZ00000302')).toMatchObject({ paid: true, hisReceiptNo: receipt, tradeNo: txnId });
  });

  it('tells the kiosk the HIS is unavailable when it is down', async () => {
    his.setFault('listBills', { mode: 'down', once: true });
    expect(await call('bill.list', { patientId: 'P0004' })).toMatchObject({ status: 'FAILED', code: 'HIS_UNAVAILABLE' });
  });
});

describe('zizhu bridge --his arguments', () => {
  it('exits 2 naming the flag for an HIS it cannot use', async () => {
    const base = ['bridge', '--broker', 'mqtt://127.0.0.1:1', '--ledger', path.join(tempDir(), 'l.sqlite')];
    const cases = [
      [...base, '--his', 'ftp://127.0.0.1:21'],
      [...base],
      [...base, '--his', 'http://127.0.0.1:8900', '--his-data', '/tmp/x'],
      [...base, '--his', 'sim', '--his-timeout-ms', '0'],
    ];
    const results = await Promise.all(cases.map((args) => runZizhu(args)));
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results.map((r) => /--his/.test(r.stderr))).toEqual([true, true, true, true]);
    await cleanUp();
  });
});

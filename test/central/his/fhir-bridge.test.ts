import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Invoice, PaymentReconciliation } from '@medplum/fhirtypes';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../../central/broker/mosquitto.ts';
import type { RpcResponse } from '../../../contract/rpc.ts';
import { topics } from '../../../contract/topics.ts';
import { runZizhu, stopChild, zizhuBin } from '../../helpers/processes.ts';
import type { FhirEngine } from './fhir-engine.ts';
import { cleanUp, fhirEngine, tempDir } from './harness.ts';

/**
 * `zizhu bridge --his fhir:URL`: a real Mosquitto, the bridge as its own process, and the FHIR R4
 * engine holding the hospital; a kiosk's RPC goes through all of them and the payment is then
 * read back from the FHIR server.
 */
describe('the bridge with its HIS over FHIR R4', () => {
  const kid = 'KIOSK-F1';
  const card = { method: 'card', rrn: '123456789012', trace: '000001', batch: '000001', authCode: 'A1B2C3', panMasked: '622848******1234', tid: '12345678', mid: '123456789012345', settleDate: '2025-06-02' };
  let broker: RunningBroker;
  let engine: FhirEngine;
  let bridge: ChildProcess;
  let client: MqttClient;
  const responses = new Map<string, RpcResponse>();

  beforeAll(async () => {
    const dir = tempDir();
    broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker') });
    engine = await fhirEngine();
    const log = fs.openSync(path.join(dir, 'bridge.log'), 'a');
    bridge = spawn(zizhuBin, ['bridge', '--broker', broker.url, '--his', `fhir:${engine.url}`, '--ledger', path.join(dir, 'ledger.sqlite'), '--worker', 'his-fhir'], { stdio: ['ignore', log, log] });
    client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: kid });
    const online = new Promise<void>((resolve) =>
      client.on('message', (topic, payload) => {
        if (topic === topics.centralState('his-fhir') && (JSON.parse(payload.toString()) as { state: string }).state === 'online') resolve();
      }),
    );
    client.on('message', (topic, payload) => {
      if (topic !== topics.rpcRes(kid)) return;
      const response = JSON.parse(payload.toString()) as RpcResponse;
      responses.set(response.id, response);
    });
    await client.subscribeAsync([topics.rpcRes(kid), topics.centralState('his-fhir')], { qos: 1 });
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

  it('identifies, lists and pays a bill; the FHIR server holds the payment under the transaction id', async () => {
    expect(await call('patient.identify', { credType: 'patientCard', credNo: '2000000105' })).toMatchObject({ status: 'OK', data: { patientId: 'P0005', nameMasked: '刘*涵' } });
    const list = await call('bill.list', { patientId: 'P0005' });
    expect((list.data as { bills: { billNo: string }[] }).bills.map((b) => b.billNo)).toEqual(['MZ00000501', 'MZ00000502']);

    const txnId = ulid();
    const pre = await call('bill.preSettle', { patientId: 'P0005', billNos: ['MZ00000502'] }, txnId);
    expect(pre).toMatchObject({ status: 'OK', data: { selfFen: 3600 } });
    const paid = await call('bill.pay', { preSettleId: (pre.data as { preSettleId: string }).preSettleId, payment: { ...card, amountFen: 3600 } }, txnId);
    expect(paid).toMatchObject({ status: 'OK', data: { hisReceiptNo: expect.stringMatching(/^SF/) } });

    const invoice = await engine.repo.readResource<Invoice>('Invoice', 'MZ00000502');
    expect(invoice.status).toBe('balanced');
    const payment = await fetch(`${engine.url}/PaymentReconciliation?identifier=urn:zizhu:id:trade-no|${txnId}`).then((r) => r.json() as Promise<{ entry?: { resource: PaymentReconciliation }[] }>);
    expect(payment.entry?.map((e) => e.resource.paymentAmount)).toEqual([{ value: 36, currency: 'CNY' }]);
  });

  it('tells the kiosk the HIS is unavailable when the FHIR server is down', async () => {
    engine.fail({ mode: 'down' });
    expect(await call('bill.list', { patientId: 'P0004' })).toMatchObject({ status: 'FAILED', code: 'HIS_UNAVAILABLE' });
  });
});

describe('zizhu bridge --his fhir:URL arguments', () => {
  it('exits 2 naming --his for a FHIR base it cannot use', async () => {
    const base = ['bridge', '--broker', 'mqtt://127.0.0.1:1', '--ledger', path.join(tempDir(), 'l.sqlite')];
    const results = await Promise.all([
      runZizhu([...base, '--his', 'fhir:']),
      runZizhu([...base, '--his', 'fhir:ftp://127.0.0.1:21/fhir']),
      runZizhu([...base, '--his', 'fhir:http://127.0.0.1/fhir/R4']),
      runZizhu([...base, '--his', 'fhir:http://127.0.0.1:8080/fhir/R4', '--his-data', '/tmp/x']),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results.map((r) => /--his/.test(r.stderr))).toEqual([true, true, true, true]);
    await cleanUp();
  });
});

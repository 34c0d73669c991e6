import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../../central/broker/mosquitto.ts';
import { Bridge } from '../../../central/bridge/bridge.ts';
import { Ledger } from '../../../central/bridge/ledger.ts';
import { CertificateAuthority } from '../../../central/ca/index.ts';
import { HisSimulator } from '../../../central/his/simulator.ts';
import { topics } from '../../../contract/topics.ts';
import { Link } from '../../../runtime/link.ts';
import { connectAs, Inbox, notAuthorized, publishReason, tlsFiles } from './tls-clients.ts';

// DESIGN.md §7, written out here rather than imported, so the test checks the ACL against the design.
const kioskPublishes = ['rpc', 'tx', 'status', 'state', 'hb', 'alarm', 'alarms/active', 'cmd/res', 'config/reported'];
const centralToKiosk = ['rpc/res', 'tx/ack', 'cmd/reboot', 'config/desired'];
const at = (kid: string, suffix: string) => `kiosk/v1/${kid}/${suffix}`;

describe('the TLS broker ACL, with real certificates and a real Mosquitto', () => {
  let dir: string;
  let out: string;
  let broker: RunningBroker;
  let kioskA: MqttClient;
  let kioskB: MqttClient;
  let bridge: MqttClient;
  let console1: MqttClient;
  let inboxA: Inbox;
  let inboxB: Inbox;
  let inboxBridge: Inbox;
  let inboxConsole: Inbox;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-acl-'));
    out = path.join(dir, 'issued');
    const ca = CertificateAuthority.open(dir);
    for (const [name, role] of [['KIOSK-A', 'kiosk'], ['KIOSK-B', 'kiosk'], ['KIOSK-C', 'kiosk'], ['bw1', 'bridge'], ['bw2', 'bridge'], ['ops1', 'console']]) {
      ca.issue({ name: name!, role: role!, outDir: out });
    }
    broker = await startBroker({ port: await freePort(), dataDir: dir, tls: true });
    [kioskA, kioskB, bridge, console1] = await Promise.all([
      connectAs(broker.url, out, 'KIOSK-A'),
      connectAs(broker.url, out, 'KIOSK-B'),
      connectAs(broker.url, out, 'bw1', { clientId: 'bridge-bw1' }),
      connectAs(broker.url, out, 'ops1'),
    ]);
    [inboxA, inboxB, inboxBridge, inboxConsole] = [kioskA, kioskB, bridge, console1].map((c) => new Inbox(c)) as [Inbox, Inbox, Inbox, Inbox];
    // Each kiosk asks for far more than it may read: the broker filters on delivery.
    await kioskA.subscribeAsync(['#', at('KIOSK-B', 'rpc/res'), 'kiosk/v1/+/rpc/res', at('KIOSK-A', 'cmd/+')], { qos: 1 });
    await kioskB.subscribeAsync([at('KIOSK-B', 'rpc/res'), at('KIOSK-B', 'tx/ack'), at('KIOSK-B', 'cmd/+'), at('KIOSK-B', 'config/desired')], { qos: 1 });
    await bridge.subscribeAsync([topics.sharedRpc, topics.sharedTx], { qos: 1 });
    await console1.subscribeAsync(['kiosk/v1/#'], { qos: 1 });
  });

  afterAll(async () => {
    await Promise.all([kioskA, kioskB, bridge, console1].map((c) => c?.endAsync()));
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lets a kiosk publish every topic it owns', async () => {
    for (const suffix of kioskPublishes) expect([suffix, await publishReason(kioskA, at('KIOSK-A', suffix))]).toEqual([suffix, 0]);
  });

  it("refuses a kiosk every publish on another kiosk's topics", async () => {
    for (const suffix of kioskPublishes) expect([suffix, await publishReason(kioskA, at('KIOSK-B', suffix))]).toEqual([suffix, notAuthorized]);
  });

  it("refuses a kiosk central's and the console's messages, for another kiosk and for itself", async () => {
    for (const kid of ['KIOSK-A', 'KIOSK-B']) {
      for (const suffix of centralToKiosk) expect([kid, suffix, await publishReason(kioskA, at(kid, suffix))]).toEqual([kid, suffix, notAuthorized]);
    }
    expect(await publishReason(kioskA, topics.centralState('bw1'))).toBe(notAuthorized);
    expect(await publishReason(kioskA, 'kiosk/v1/broadcast/notice')).toBe(notAuthorized);
  });

  it('delivers to a kiosk its replies, commands, configuration, central state and broadcasts', async () => {
    const sent = [
      [bridge, at('KIOSK-A', 'rpc/res')],
      [bridge, at('KIOSK-A', 'tx/ack')],
      [bridge, topics.centralState('bw1')],
      [console1, at('KIOSK-A', 'cmd/reboot')],
      [console1, at('KIOSK-A', 'config/desired')],
      [console1, 'kiosk/v1/broadcast/notice'],
    ] as const;
    for (const [client, topic] of sent) expect([topic, await publishReason(client, topic, 'to-A')]).toEqual([topic, 0]);
    for (const [, topic] of sent) await inboxA.until(topic, 'to-A');
  });

  it("keeps another kiosk's replies, acks, commands and configuration from a kiosk subscribed to everything", async () => {
    for (const suffix of ['rpc/res', 'tx/ack']) expect(await publishReason(bridge, at('KIOSK-B', suffix), 'for-B')).toBe(0);
    for (const suffix of ['cmd/reboot', 'config/desired']) expect(await publishReason(console1, at('KIOSK-B', suffix), 'for-B')).toBe(0);
    // Mosquitto delivers to one subscriber in the order it accepted the publishes: once the
    // marker that follows them has reached A, anything of B's would have reached it before.
    expect(await publishReason(bridge, at('KIOSK-A', 'rpc/res'), 'marker')).toBe(0);
    await inboxA.until(at('KIOSK-A', 'rpc/res'), 'marker');
    for (const suffix of ['rpc/res', 'tx/ack', 'cmd/reboot', 'config/desired']) await inboxB.until(at('KIOSK-B', suffix), 'for-B');
    expect(inboxA.messages.filter((m) => m.topic.startsWith('kiosk/v1/KIOSK-B/'))).toEqual([]);
  });

  it('lets a bridge identity answer RPC and acknowledge facts, and nothing a kiosk or a console does', async () => {
    expect(await publishReason(kioskA, at('KIOSK-A', 'rpc'), 'request-1')).toBe(0);
    await inboxBridge.until(at('KIOSK-A', 'rpc'), 'request-1');
    for (const suffix of ['rpc/res', 'tx/ack']) expect(await publishReason(bridge, at('KIOSK-B', suffix))).toBe(0);
    expect(await publishReason(bridge, topics.centralState('bw1'), '{"v":1}', true)).toBe(0);
    // The kiosk patterns apply to every username; the bridge's own block takes them back.
    for (const suffix of kioskPublishes) expect([suffix, await publishReason(bridge, at('bw1', suffix))]).toEqual([suffix, notAuthorized]);
    for (const topic of [at('KIOSK-A', 'rpc'), at('KIOSK-A', 'cmd/reboot'), at('KIOSK-A', 'config/desired'), topics.centralState('bw2'), 'kiosk/v1/broadcast/notice']) {
      expect([topic, await publishReason(bridge, topic)]).toEqual([topic, notAuthorized]);
    }
  });

  it('lets a console command and configure kiosks and read the fleet, but not RPC traffic nor what only central sends', async () => {
    for (const topic of [at('KIOSK-A', 'cmd/reboot'), at('KIOSK-A', 'config/desired'), 'kiosk/v1/broadcast/notice']) {
      expect([topic, await publishReason(console1, topic)]).toEqual([topic, 0]);
    }
    for (const topic of [at('KIOSK-A', 'rpc/res'), at('KIOSK-A', 'tx/ack'), at('KIOSK-A', 'rpc'), at('KIOSK-A', 'status'), topics.centralState('bw1')]) {
      expect([topic, await publishReason(console1, topic)]).toEqual([topic, notAuthorized]);
    }
    for (const suffix of kioskPublishes) expect([suffix, await publishReason(console1, at('ops1', suffix))]).toEqual([suffix, notAuthorized]);

    expect(await publishReason(kioskA, at('KIOSK-A', 'rpc'), 'identify 310101199001011234')).toBe(0);
    expect(await publishReason(bridge, at('KIOSK-A', 'rpc/res'), 'name 张三')).toBe(0);
    expect(await publishReason(kioskA, at('KIOSK-A', 'status'), 'online')).toBe(0);
    await inboxConsole.until(at('KIOSK-A', 'status'), 'online');
    await inboxBridge.until(at('KIOSK-A', 'rpc'), 'identify 310101199001011234');
    await inboxA.until(at('KIOSK-A', 'rpc/res'), 'name 张三');
    expect(inboxConsole.topics().filter((t) => t.endsWith('/rpc') || t.endsWith('/rpc/res'))).toEqual([]);
  });

  it('serves RPC end to end: the kiosk link and the bridge worker, each with its own certificate', async () => {
    const his = HisSimulator.open(path.join(dir, 'his'));
    const ledger = Ledger.open(path.join(dir, 'ledger.sqlite'));
    const worker = new Bridge({ brokerUrl: broker.url, worker: 'bw2', his, ledger, log: () => undefined, tls: tlsFiles(out, 'bw2') });
    const link = new Link('KIOSK-C', broker.url, () => undefined, tlsFiles(out, 'KIOSK-C'));
    // The test's own bridge client shares the group and would take its turn of requests unanswered.
    await bridge.unsubscribeAsync([topics.sharedRpc, topics.sharedTx]);
    try {
      await worker.start();
      link.start();
      // The kiosk reads central's state: the bridge's retained "online" is what it waits for.
      expect(await link.waitForCentral(10_000)).toBe(true);
      const patient = his.fixtures().patients[0]!;
      const answer = await link.rpc({ op: 'patient.identify', args: { credType: 'patientCard', credNo: patient.cardNo }, timeoutMs: 10_000 });
      expect(answer.status).toBe('OK');
      expect((answer.data as { patientId: string }).patientId).toBe(patient.patientId);
    } finally {
      await link.stop();
      await worker.stop();
      ledger.close();
      his.close();
    }
  });
});

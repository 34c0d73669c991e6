import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../central/broker/mosquitto.ts';
import { checkRules, type FaultRule } from './fault-rules.ts';
import { FrameSplitter, MalformedFrame } from './mqtt-frames.ts';
import { startMqttProxy, type MqttProxy } from './mqtt-proxy.ts';
import { mulberry32, streamFor } from './prng.ts';
import { faultSeed } from './seed.ts';
import { ownTcpSockets } from './sockets.ts';
import { topicMatches } from './topic-filter.ts';

const seed = faultSeed();

describe('proxy parts', () => {
  it('cuts a byte stream into whole MQTT packets however it is chunked', () => {
    const packets = [
      mqttPacket.generate({ cmd: 'pingreq' }),
      mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(200, 1), qos: 1, messageId: 7, retain: false, dup: false }),
      mqttPacket.generate({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(20_000, 2), qos: 0, retain: false, dup: false }),
    ];
    const stream = Buffer.concat(packets);
    const random = mulberry32(seed);
    const splitter = new FrameSplitter();
    const frames: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const size = 1 + Math.floor(random() * 300);
      frames.push(...splitter.push(stream.subarray(at, at + size)));
      at += size;
    }
    expect(frames.map((f) => f.toString('hex'))).toEqual(packets.map((p) => p.toString('hex')));
    expect(() => new FrameSplitter().push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(MalformedFrame);
  });

  it('matches topics as a broker does', () => {
    expect(topicMatches('kiosk/v1/+/rpc', 'kiosk/v1/K-1/rpc')).toBe(true);
    expect(topicMatches('kiosk/v1/+/rpc', 'kiosk/v1/K-1/rpc/res')).toBe(false);
    expect(topicMatches('kiosk/#', 'kiosk')).toBe(true);
    expect(topicMatches('#', '$SYS/broker/uptime')).toBe(false);
    expect(topicMatches('a/b', 'a/b')).toBe(true);
    expect(topicMatches('a/b', 'a')).toBe(false);
  });

  it('replays a random stream from its seed and name, and no other', () => {
    const draw = (s: number, name: string) => Array.from({ length: 5 }, streamFor(s, name));
    expect(draw(seed, 'kiosk#1:toBroker')).toEqual(draw(seed, 'kiosk#1:toBroker'));
    expect(draw(seed, 'kiosk#1:toBroker')).not.toEqual(draw(seed, 'kiosk#1:toClient'));
    expect(draw(seed, 'kiosk#1:toBroker')).not.toEqual(draw(seed + 1, 'kiosk#1:toBroker'));
    expect(draw(seed, 'x').every((r) => r >= 0 && r < 1)).toBe(true);
  });

  it('refuses a bad rule, naming the field', () => {
    expect(() => checkRules([{ duplicate: { p: 1.5 } }])).toThrow('rules[0].duplicate.p');
    expect(() => checkRules([{}, { drop: { p: 1, mode: 'quiet' as never } }])).toThrow('rules[1].drop.mode');
    expect(() => checkRules([{ delay: { minMs: 10, maxMs: 5 } }])).toThrow('rules[0].delay.maxMs');
    expect(() => checkRules([{ topic: 'a/#/b' }])).toThrow('rules[0].topic');
    expect(() => checkRules([{ direction: 'up' as never }])).toThrow('rules[0].direction');
  });
});

describe('MQTT fault proxy against a real Mosquitto', () => {
  let dir: string;
  let broker: RunningBroker;
  let proxy: MqttProxy | undefined;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-proxy-'));
    broker = await startBroker({ port: await freePort(), dataDir: dir });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await proxy?.stop();
    proxy = undefined;
  });
  afterAll(async () => {
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(rules: FaultRule[] = []): Promise<MqttProxy> {
    proxy = await startMqttProxy({ brokerPort: broker.port, seed, rules });
    return proxy;
  }

  /** Through the proxy unless `url` says otherwise; reconnects quickly so cut tests stay short. */
  async function connect(clientId: string, url = proxy!.url, options: IClientOptions = {}): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId, reconnectPeriod: 100, ...options });
    clients.push(client);
    return client;
  }

  function received(client: MqttClient): { topic: string; text: string; packet: IPublishPacket }[] {
    const got: { topic: string; text: string; packet: IPublishPacket }[] = [];
    client.on('message', (topic, payload, packet) => got.push({ topic, text: payload.toString(), packet }));
    return got;
  }

  async function until(condition: () => boolean, what: string, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms\n${proxy?.describe() ?? ''}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

  it('forwards every packet byte for byte in both directions, whatever the chunking (a byte recorder in place of the broker)', async () => {
    const recorderPort = await freePort();
    const fromClient: Buffer[] = [];
    let recorderSide: net.Socket | undefined;
    const recorder = net.createServer((s) => {
      recorderSide = s;
      s.on('data', (d: Buffer) => fromClient.push(d));
    });
    await new Promise<void>((r) => recorder.listen(recorderPort, '127.0.0.1', r));
    try {
      // Rules that parse every packet but touch none of these.
      proxy = await startMqttProxy({ brokerPort: recorderPort, seed, rules: [{ topic: 'elsewhere/#', drop: { p: 1, mode: 'silent' } }] });
      const v5 = { protocolVersion: 5 };
      const up = Buffer.concat([
        mqttPacket.generate({ cmd: 'connect', clientId: 'bytes', protocolVersion: 5, clean: true, keepalive: 30, properties: { sessionExpiryInterval: 10, userProperties: { a: 'b' } } }, v5),
        mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 1 }] } as Packet, v5),
        mqttPacket.generate({ cmd: 'publish', topic: 'kiosk/v1/K-1/rpc', payload: Buffer.from('{"v":1,"op":"bill.pay"}'), qos: 1, messageId: 2, retain: false, dup: false, properties: { responseTopic: 'kiosk/v1/K-1/rpc/res', correlationData: Buffer.from('id-1'), messageExpiryInterval: 30, userProperties: { k: ['1', '2'] } } }, v5),
        mqttPacket.generate({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(300_000, 7), qos: 0, retain: true, dup: false }, v5),
        mqttPacket.generate({ cmd: 'publish', topic: 'aliased', payload: Buffer.from('1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } }, v5),
        mqttPacket.generate({ cmd: 'publish', topic: '', payload: Buffer.from('2'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } }, v5),
        mqttPacket.generate({ cmd: 'pingreq' }, v5),
      ]);
      const down = Buffer.concat([
        mqttPacket.generate({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { assignedClientIdentifier: 'ignored', topicAliasMaximum: 10 } }, v5),
        mqttPacket.generate({ cmd: 'publish', topic: 'x/y', payload: Buffer.from('down'), qos: 1, messageId: 9, retain: false, dup: false, properties: { contentType: 'text/plain' } }, v5),
        mqttPacket.generate({ cmd: 'puback', messageId: 2, reasonCode: 16 }, v5),
      ]);
      const client = net.connect(proxy.port, '127.0.0.1');
      const fromBroker: Buffer[] = [];
      client.on('data', (d: Buffer) => fromBroker.push(d));
      const random = mulberry32(seed);
      for (let at = 0; at < up.length; ) {
        const size = 1 + Math.floor(random() * 40_000);
        client.write(up.subarray(at, at + size));
        at += size;
      }
      await until(() => Buffer.concat(fromClient).length >= up.length, 'the upward bytes');
      recorderSide!.write(down.subarray(0, 5));
      recorderSide!.write(down.subarray(5));
      await until(() => Buffer.concat(fromBroker).length >= down.length, 'the downward bytes');
      expect(Buffer.concat(fromClient).equals(up)).toBe(true);
      expect(Buffer.concat(fromBroker).equals(down)).toBe(true);
      expect(proxy.stats).toMatchObject({ packets: 10, publishes: 5, matched: 0, unparsed: 0 });
      client.destroy();
    } finally {
      await proxy?.stop();
      proxy = undefined;
      await new Promise<void>((r) => recorder.close(() => r()));
    }
  });

  it('passes QoS 0 and QoS 1 messages through complete and in order', async () => {
    await start([{ topic: 'unrelated/#', drop: { p: 1, mode: 'silent' } }]);
    const sub = await connect('pass-sub');
    await sub.subscribeAsync('pass/#', { qos: 1 });
    const got = received(sub);
    const pub = await connect('pass-pub');
    const q0 = numbered('q0', 100);
    const q1 = numbered('q1', 100);
    for (const text of q0) pub.publish('pass/q0', text, { qos: 0 });
    await Promise.all(q1.map((text) => pub.publishAsync('pass/q1', text, { qos: 1 })));
    await until(() => got.length >= 200, 'all 200 messages');
    expect(got.filter((m) => m.topic === 'pass/q0').map((m) => m.text)).toEqual(q0);
    expect(got.filter((m) => m.topic === 'pass/q1').map((m) => m.text)).toEqual(q1);
    expect(proxy!.log).toEqual([]);
    expect(proxy!.stats.dropped + proxy!.stats.duplicated + proxy!.stats.delayed).toBe(0);
  });

  it('duplicates: the subscriber sees each chosen message twice, a QoS 1 copy with the same id and DUP set', async () => {
    await start([
      { name: 'dup-up', direction: 'toBroker', topic: 'dup/up', duplicate: { p: 0.5 } },
      { name: 'dup-down', direction: 'toClient', topic: 'dup/down', duplicate: { p: 1 } },
    ]);
    const sub = await connect('dup-sub');
    await sub.subscribeAsync('dup/#', { qos: 1 });
    const got = received(sub);
    const pub = await connect('dup-pub');
    const up = numbered('up', 40);
    await Promise.all(up.map((text) => pub.publishAsync('dup/up', text, { qos: 1 })));
    const upCopies = up.length + proxy!.stats.duplicated;
    await until(() => got.filter((m) => m.topic === 'dup/up').length >= upCopies, `${upCopies} copies on dup/up`);
    const duplicatedUp = proxy!.log.filter((d) => d.rule === 'dup-up' && d.actions.includes('duplicate')).length;
    expect(duplicatedUp).toBeGreaterThan(0);
    expect(duplicatedUp).toBeLessThan(up.length);
    expect(new Set(got.map((m) => m.text))).toEqual(new Set(up));

    const down = numbered('down', 5);
    for (const text of down) await pub.publishAsync('dup/down', text, { qos: 1 });
    await until(() => got.filter((m) => m.topic === 'dup/down').length >= 10, 'ten copies on dup/down');
    const copies = got.filter((m) => m.topic === 'dup/down');
    expect(copies.map((m) => m.text)).toEqual(down.flatMap((t) => [t, t]));
    for (let i = 0; i < copies.length; i += 2) {
      expect(copies[i + 1]!.packet.messageId).toBe(copies[i]!.packet.messageId);
      expect([copies[i]!.packet.dup, copies[i + 1]!.packet.dup]).toEqual([false, true]);
    }
    // Each duplicate's second acknowledgement is kept from its sender, so no client sees a stray ack.
    await until(() => proxy!.stats.acksSuppressed === proxy!.stats.duplicated, 'one acknowledgement kept back per duplicate');
  });

  it('acknowledges a duplicated QoS 1 publish once to its sender, as a redelivery on a new connection would (raw MQTT client)', async () => {
    await start([{ direction: 'toBroker', topic: 'raw/dup', duplicate: { p: 1 } }]);
    const socket = net.connect(proxy!.port, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const acks: number[] = [];
    parser.on('packet', (p) => {
      if (p.cmd === 'puback') acks.push(p.messageId!);
    });
    socket.on('data', (d: Buffer) => parser.parse(d));
    const v5 = { protocolVersion: 5 };
    socket.write(mqttPacket.generate({ cmd: 'connect', clientId: 'raw-dup', protocolVersion: 5, clean: true, keepalive: 30 }, v5));
    for (const messageId of [1, 2, 3]) {
      socket.write(mqttPacket.generate({ cmd: 'publish', topic: 'raw/dup', payload: Buffer.from(String(messageId)), qos: 1, messageId, retain: false, dup: false }, v5));
    }
    // Mosquitto answers in order: once the PINGRESP is back, every acknowledgement is too.
    socket.write(mqttPacket.generate({ cmd: 'pingreq' }, v5));
    let pong = false;
    parser.on('packet', (p) => (pong ||= p.cmd === 'pingresp'));
    await until(() => pong, 'the PINGRESP');
    expect(acks).toEqual([1, 2, 3]);
    expect(proxy!.stats).toMatchObject({ duplicated: 3, acksSuppressed: 3 });
    socket.destroy();
  });

  it('delays: with reorder later messages overtake, without it order holds', async () => {
    await start([
      { direction: 'toBroker', topic: 'delay/loose', delay: { minMs: 0, maxMs: 200, reorder: true } },
      { direction: 'toBroker', topic: 'delay/ordered', delay: { minMs: 0, maxMs: 200 } },
    ]);
    const sub = await connect('delay-sub', broker.url);
    await sub.subscribeAsync('delay/#', { qos: 0 });
    const got = received(sub);
    const pub = await connect('delay-pub');
    const texts = numbered('m', 30);
    for (const text of texts) pub.publish('delay/loose', text, { qos: 0 });
    for (const text of texts) pub.publish('delay/ordered', text, { qos: 0 });
    await until(() => got.length >= 60, 'all 60 messages');
    const loose = got.filter((m) => m.topic === 'delay/loose').map((m) => m.text);
    const ordered = got.filter((m) => m.topic === 'delay/ordered').map((m) => m.text);
    expect([...loose].sort()).toEqual(texts);
    expect(loose, proxy!.describe()).not.toEqual(texts);
    expect(ordered).toEqual(texts);
    expect(proxy!.log.filter((d) => d.topic === 'delay/ordered' && d.actions[0]!.startsWith('delay:')).length).toBeGreaterThan(20);
  });

  it('lose mode: the connection dies after the loss and mqtt.js resends its unacknowledged QoS 1 on reconnect', async () => {
    await start([{ direction: 'toBroker', topic: 'lose/up', drop: { p: 0.25, mode: 'lose' } }]);
    const sub = await connect('lose-sub', broker.url);
    await sub.subscribeAsync('lose/up', { qos: 1 });
    const got = received(sub);
    const pub = await connect('lose-pub');
    let closes = 0;
    pub.on('close', () => (closes += 1));
    const texts = numbered('m', 40);
    // Resolves only when every message has its PUBACK, however many connections that took.
    await Promise.all(texts.map((text) => pub.publishAsync('lose/up', text, { qos: 1 })));
    await until(() => texts.every((t) => got.some((m) => m.text === t)), 'every message at the subscriber');
    const losses = proxy!.log.filter((d) => d.actions[0] === 'drop:lose').length;
    expect(losses, proxy!.describe()).toBeGreaterThan(0);
    expect(closes).toBe(losses);
    expect(proxy!.stats.connections).toBe(losses + 1);
  });

  it('lose mode toward a subscriber: nothing after the loss arrives; a clean session loses it all, a persistent one gets it again', async () => {
    await start([{ direction: 'toClient', topic: 'lose/down/first', drop: { p: 1, mode: 'lose', cutAfterMs: 300 } }]);
    const clean = await connect('lose-clean');
    const persistent = await connect('lose-persistent', proxy!.url, { clean: false, properties: { sessionExpiryInterval: 60 } });
    await clean.subscribeAsync('lose/down/#', { qos: 1 });
    await persistent.subscribeAsync('lose/down/#', { qos: 1 });
    const gotClean = received(clean);
    const gotPersistent = received(persistent);
    let cleanBack = false;
    // mqtt.js's own 'connect' listener, registered first, has sent the resubscription by then.
    clean.on('connect', () => (cleanBack = true));
    const pub = await connect('lose-down-pub', broker.url);
    const texts = numbered('m', 10);
    await Promise.all(texts.map((text, i) => pub.publishAsync(i === 0 ? 'lose/down/first' : 'lose/down/rest', text, { qos: 1 })));
    // Each subscriber lost the first message; the rule goes before either connection is cut, so
    // the redelivery after the reconnect gets through.
    await until(() => proxy!.stats.dropped >= 2, 'a loss on each subscriber');
    proxy!.setRules([]);
    await until(() => proxy!.stats.connectionsCut >= 2 && proxy!.stats.connections >= 4, 'both subscribers reconnected');
    await until(() => gotPersistent.length >= texts.length, 'the persistent session redelivered');
    expect(gotPersistent.map((m) => m.text)).toEqual(texts);
    expect(gotPersistent.every((m) => m.packet.dup)).toBe(true);
    // The clean subscriber is back (a later message arrives) but the batch in flight is gone,
    // the messages behind the lost one included. A new subscription's SUBACK follows the
    // resubscription's on the same connection, so both are in force.
    await until(() => cleanBack, 'the clean subscriber back');
    await clean.subscribeAsync('lose/after', { qos: 1 });
    await pub.publishAsync('lose/after', 'after', { qos: 1 });
    await until(() => gotClean.some((m) => m.text === 'after'), 'the message after the reconnect');
    expect(gotClean.map((m) => m.text)).toEqual(['after']);
    expect(proxy!.stats.discarded).toBeGreaterThanOrEqual(2 * (texts.length - 1));
  });

  it('silent mode: dropped messages vanish and the connection lives on; QoS 1 comes back only with a new connection', async () => {
    await start([{ direction: 'toBroker', topic: 'silent/#', drop: { p: 1, mode: 'silent' } }]);
    const sub = await connect('silent-sub', broker.url);
    await sub.subscribeAsync(['silent/#', 'marker'], { qos: 1 });
    const got = received(sub);
    const pub = await connect('silent-pub');
    let acked = 0;
    const q1 = numbered('q1', 5).map((text) => pub.publishAsync('silent/q1', text, { qos: 1 }).then(() => (acked += 1)));
    for (const text of numbered('q0', 5)) pub.publish('silent/q0', text, { qos: 0 });
    // The marker follows them on the same TCP connection: once it is in, they would be too.
    await pub.publishAsync('marker', 'after', { qos: 1 });
    await until(() => got.some((m) => m.topic === 'marker'), 'the marker');
    expect(got.map((m) => m.topic)).toEqual(['marker']);
    expect(acked).toBe(0);
    expect(proxy!.stats).toMatchObject({ dropped: 10, connectionsCut: 0 });
    expect(pub.connected).toBe(true);

    // mqtt.js keeps unacknowledged QoS 1 in its in-memory store and sends it again after every
    // CONNACK, clean session or not; QoS 0 is gone for good.
    proxy!.setRules([]);
    expect(proxy!.cut('silent-pub')).toBe(1);
    await Promise.all(q1);
    await until(() => got.filter((m) => m.topic === 'silent/q1').length >= 5, 'the resent QoS 1 messages');
    expect(got.filter((m) => m.topic === 'silent/q1').map((m) => m.text)).toEqual(numbered('q1', 5));
    expect(got.some((m) => m.topic === 'silent/q0')).toBe(false);
  });

  it('cut: the connection closes right after the chosen PUBLISH, which got through, so its unacknowledged QoS 1 arrives twice', async () => {
    await start([{ direction: 'toBroker', topic: 'cut/now', cut: { p: 1 } }]);
    const sub = await connect('cut-sub', broker.url);
    await sub.subscribeAsync('cut/#', { qos: 1 });
    const got = received(sub);
    // A slow reconnect leaves time to lift the rule before the resend.
    const pub = await connect('cut-pub', proxy!.url, { reconnectPeriod: 1000 });
    let closes = 0;
    pub.on('close', () => (closes += 1));
    await pub.publishAsync('cut/before', 'before', { qos: 1 });
    const sent = pub.publishAsync('cut/now', 'now', { qos: 1 });
    await until(() => proxy!.stats.cut === 1 && closes === 1, 'the cut');
    proxy!.setRules([]);
    await sent;
    await until(() => got.length === 3, 'the resent message');
    expect(got.map((m) => m.text)).toEqual(['before', 'now', 'now']);
    expect(proxy!.log.map((d) => d.actions)).toEqual([['cut']]);
    expect(proxy!.stats).toMatchObject({ connections: 2, connectionsCut: 1 });
  });

  it('cutAll closes every client as a network failure would: wills go out and clients reconnect through the proxy', async () => {
    await start();
    const watcher = await connect('cut-watcher', broker.url);
    await watcher.subscribeAsync('will/#', { qos: 1 });
    const wills = received(watcher);
    const names = ['cut-a', 'cut-b', 'cut-c'];
    const kiosks = await Promise.all(names.map((n) => connect(n, proxy!.url, { will: { topic: `will/${n}`, payload: Buffer.from('gone'), qos: 1, retain: false } })));
    const events = kiosks.map((k) => {
      const seen: string[] = [];
      k.on('close', () => seen.push('close'));
      k.on('connect', () => seen.push('connect'));
      return seen;
    });
    expect(proxy!.cutAll()).toBe(3);
    await until(() => events.every((e) => e.join() === 'close,connect'), 'every client closed and back');
    await until(() => wills.length >= 3, 'three wills');
    expect(wills.map((w) => w.topic).sort()).toEqual(names.map((n) => `will/${n}`));
    expect(proxy!.stats).toMatchObject({ connections: 6, connectionsCut: 3 });

    expect(proxy!.cut('cut-b')).toBe(1);
    await until(() => events[1]!.length === 4, 'cut-b back');
    expect(events.map((e) => e.length)).toEqual([2, 4, 2]);
  });

  it('pause holds all traffic until resume', async () => {
    await start();
    const sub = await connect('pause-sub', broker.url);
    await sub.subscribeAsync('pause', { qos: 1 });
    const got = received(sub);
    const pub = await connect('pause-pub');
    proxy!.pause();
    const sent = pub.publishAsync('pause', 'held', { qos: 1 });
    await until(() => proxy!.stats.publishes === 1, 'the proxy has the message');
    expect(got).toEqual([]);
    proxy!.resume();
    await sent;
    await until(() => got.length === 1, 'the message after resume');
  });

  it('replays the same decisions from the same seed, and others from another', async () => {
    const rules: FaultRule[] = [{ direction: 'toBroker', topic: 'replay/#', drop: { p: 0.2, mode: 'silent' }, duplicate: { p: 0.3 }, delay: { p: 0.3, minMs: 1, maxMs: 5 }, cut: { p: 0 } }];
    const run = async (runSeed: number) => {
      proxy = await startMqttProxy({ brokerPort: broker.port, seed: runSeed, rules });
      const sub = await connect('replay-sub', broker.url);
      await sub.subscribeAsync('marker', { qos: 1 });
      const got = received(sub);
      const pub = await connect('replayer');
      for (let i = 0; i < 40; i += 1) pub.publish('replay/x', String(i), { qos: 0 });
      await pub.publishAsync('marker', 'end', { qos: 1 });
      await until(() => got.length === 1, 'the marker');
      const log = [...proxy.log];
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
      await proxy.stop();
      proxy = undefined;
      return log;
    };
    const first = await run(seed);
    expect(first).toHaveLength(40);
    expect(new Set(first.map((d) => d.actions.join()))).not.toEqual(new Set(['pass']));
    expect(await run(seed)).toEqual(first);
    expect(await run(seed + 1)).not.toEqual(first);
  });

  it('stop leaves no socket open on either side', async () => {
    await start();
    const toBroker = () => ownTcpSockets().filter((s) => s.remotePort === broker.port).length;
    const direct = toBroker();
    const kiosks = [await connect('stop-a'), await connect('stop-b')];
    const closed = kiosks.map((k) => new Promise<void>((r) => k.once('close', () => r())));
    const port = proxy!.port;
    // The listener and the two accepted connections; the clients' own ends are theirs, not the proxy's.
    const proxySide = () => ownTcpSockets().filter((s) => s.localPort === port);
    expect(proxySide()).toHaveLength(3);
    expect(toBroker()).toBe(direct + 2);
    await proxy!.stop();
    await Promise.all(closed);
    expect(proxy!.openSockets).toBe(0);
    expect(proxySide()).toEqual([]);
    expect(toBroker()).toBe(direct);
    const refused = await new Promise<string>((resolve) => net.connect(port, '127.0.0.1').on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')).on('connect', () => resolve('connected')));
    expect(refused).toBe('ECONNREFUSED');
    proxy = undefined;
  });
});

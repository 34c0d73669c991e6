import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { Bridge, type BridgeOptions } from '../../../central/bridge/bridge.ts';
import { Ledger } from '../../../central/bridge/ledger.ts';
import { startSimulatedChannels, startSimulatedInsurance, type SimulatedChannels, type SimulatedInsurance } from '../../../central/bridge/sim-peers.ts';
import { freePort, startBroker, type RunningBroker } from '../../../central/broker/mosquitto.ts';
import type { HisPort } from '../../../central/his/port.ts';
import { HisSimulator } from '../../../central/his/simulator.ts';
import type { TxAck } from '../../../contract/facts.ts';
import type { CardPayment, CashPayment, RpcResponse } from '../../../contract/rpc.ts';
import { topics } from '../../../contract/topics.ts';

/** The business day in Asia/Shanghai, as the bridge and the card's settlement date see it. */
export function today(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

export function card(amountFen: number, rrn = '512345678901', settleDate = today()): CardPayment {
  return { method: 'card', amountFen, rrn, trace: '000123', batch: '000045', authCode: '654321', panMasked: '622848******1234', tid: '10000001', mid: '898330160120001', settleDate };
}

export function cash(amountFen: number, notes: (100 | 500 | 1000 | 2000 | 5000 | 10000)[]): CashPayment {
  const insertedFen = notes.reduce((s, n) => s + n, 0);
  return { method: 'cash', amountFen, insertedFen, notes, changeFen: insertedFen - amountFen };
}

let codes = 0;
/** A fresh payment code that the channel simulator pays at once (scenario "50", docs/qr-channels.md). */
export function payCode(channel: 'wechat' | 'alipay'): string {
  codes += 1;
  return `${channel === 'wechat' ? '13' : '28'}50${String(process.pid % 10_000).padStart(4, '0')}${String(codes).padStart(10, '0')}`;
}

/** A GB 11643 citizen ID number with a valid check digit (fictional: region 330106). */
export function citizenId(birth: string, serial: string): string {
  const body = `330106${birth}${serial}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

/** Short schedules so a 45-second QR deadline or a 60-second settle window pass in a test's time. */
export const fast: Partial<BridgeOptions> = {
  queryDelaysMs: [20, 50, 100],
  qrTiming: { firstQueryAfterMs: 50, queryEveryMs: 50, deadlineMs: 1500, reverseEveryMs: 100, reverseForMs: 1000 },
  settleWindowMs: 300,
  leaseMs: 400,
  resolveEveryMs: 100,
  defaultDeadlineMs: 5000,
};

/** A kiosk as the bridge sees one: RPC on its own topics, facts on `tx`. */
export class Kiosk {
  readonly responses = new Map<string, RpcResponse[]>();
  readonly acks: TxAck[] = [];
  private seq = 0;
  private readonly journalId = ulid();

  private constructor(
    readonly kid: string,
    private readonly client: MqttClient,
  ) {}

  static async connect(url: string, kid: string): Promise<Kiosk> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: kid });
    const kiosk = new Kiosk(kid, client);
    client.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as RpcResponse & TxAck;
      if (topic === topics.txAck(kid)) kiosk.acks.push(body);
      else kiosk.responses.set(body.id, [...(kiosk.responses.get(body.id) ?? []), body]);
    });
    await client.subscribeAsync([topics.rpcRes(kid), topics.txAck(kid)], { qos: 1 });
    return kiosk;
  }

  /** Publishes a request `copies` times (a duplicate delivery) and returns its id. */
  async send(op: string, args: unknown, extra: { txnId?: string; deadline?: number } = {}, copies = 1): Promise<string> {
    const id = ulid();
    const body = JSON.stringify({ v: 1, id, ts: Date.now(), kid: this.kid, op, args, ...extra });
    for (let i = 0; i < copies; i++) {
      await this.client.publishAsync(topics.rpc(this.kid), body, { qos: 1, properties: { responseTopic: topics.rpcRes(this.kid), correlationData: Buffer.from(id) } });
    }
    return id;
  }

  async answer<D = Record<string, unknown>>(id: string, count = 1, ms = 15_000): Promise<RpcResponse<D>[]> {
    const until = Date.now() + ms;
    for (;;) {
      const got = this.responses.get(id) ?? [];
      if (got.length >= count) return got as RpcResponse<D>[];
      if (Date.now() > until) throw new Error(`no answer to ${id}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async call<D = Record<string, unknown>>(op: string, args: unknown, extra: { txnId?: string; deadline?: number } = {}): Promise<RpcResponse<D>> {
    return (await this.answer<D>(await this.send(op, args, extra)))[0]!;
  }

  /** A fact from the kiosk's outbox; resolves when the bridge has acknowledged it. */
  async fact(type: string, txnId: string, data: Record<string, unknown>): Promise<void> {
    this.seq += 1;
    const seq = this.seq;
    await this.client.publishAsync(topics.tx(this.kid), JSON.stringify({ v: 1, kid: this.kid, journalId: this.journalId, seq, type, txnId, ts: Date.now(), data }), { qos: 1 });
    const until = Date.now() + 5000;
    while (!this.acks.some((a) => a.journalId === this.journalId && 'upToSeq' in a && a.upToSeq >= seq)) {
      if (Date.now() > until) throw new Error(`fact ${seq} not acknowledged`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

export interface World {
  dir: string;
  broker: RunningBroker;
  his: HisSimulator;
  /** The test's own connection to the ledger the workers share. */
  ledger: Ledger;
  ledgerFile: string;
  pay: SimulatedChannels;
  insurance: SimulatedInsurance;
  bridges: Bridge[];
  kiosk: Kiosk;
  stop(): Promise<void>;
}

/**
 * A real Mosquitto, the simulated hospital, the WeChat Pay and Alipay simulators and the
 * insurance platform behind their HTTP interfaces, and one bridge per worker name on one ledger file.
 */
export interface WorldOptions {
  workers?: string[];
  bridge?: Partial<BridgeOptions>;
  kid?: string;
  /** What each worker calls for its HIS (default: the simulator itself). */
  hisFor?: (his: HisSimulator, worker: string) => HisPort;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-bridge-'));
  const broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker') });
  const his = HisSimulator.open(path.join(dir, 'his'));
  const ledgerFile = path.join(dir, 'ledger.sqlite');
  const ledger = Ledger.open(ledgerFile);
  const pay = await startSimulatedChannels(path.join(dir, 'pay'), { reverseHoldMs: 0, passwordMs: 300, timeoutMs: 3000 });
  const insurance = await startSimulatedInsurance(path.join(dir, 'insurance'), ledger, { timeoutMs: 3000 });
  const ledgers: Ledger[] = [];
  const bridges: Bridge[] = [];
  for (const worker of options.workers ?? ['w1']) {
    const own = Ledger.open(ledgerFile);
    ledgers.push(own);
    const bridge = new Bridge({
      brokerUrl: broker.url, worker, his: options.hisFor?.(his, worker) ?? his, ledger: own, log: () => undefined,
      qrChannels: pay.channels, insurance: insurance.insuranceFor, ...fast, ...options.bridge,
    });
    await bridge.start();
    bridges.push(bridge);
  }
  const kiosk = await Kiosk.connect(broker.url, options.kid ?? 'KIOSK-T1');
  return {
    dir, broker, his, ledger, ledgerFile, pay, insurance, bridges, kiosk,
    stop: async () => {
      await kiosk.close();
      for (const b of bridges) await b.stop();
      for (const l of ledgers) l.close();
      await insurance.close();
      await pay.close();
      ledger.close();
      his.close();
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { centralStateSchema, txAckSchema, type TxAck } from '../contract/facts.ts';
import type { OpName, RpcErrorCode, RpcResponse } from '../contract/rpc.ts';
import { topics } from '../contract/topics.ts';

/** No answer before the deadline: the outcome is unknown, so callers query, never guess. */
export class RpcNoAnswer extends Error {
  override readonly name = 'RpcNoAnswer';
}

/** Central said no, with its stable code: a flow for which one code is an answer (NOT_FOUND: no stay) reads it here. */
export class CentralRefusal extends Error {
  override readonly name = 'CentralRefusal';
  constructor(
    message: string,
    readonly code?: RpcErrorCode,
  ) {
    super(message);
  }
}

/** Whether `e` is central's refusal with `code`. */
export function refusedWith(e: unknown, code: RpcErrorCode): boolean {
  return e instanceof CentralRefusal && e.code === code;
}

export interface RpcCall {
  op: OpName;
  args: Record<string, unknown>;
  txnId?: string;
  timeoutMs: number;
}

/**
 * The kiosk's one MQTT 5 client (DESIGN.md §5 link): retained status with a last will, the RPC
 * helper (response topic, correlation data, deadline as message expiry), central's availability,
 * and delivery of `tx/ack` to the outbox.
 */
export class Link {
  private client?: MqttClient;
  private readonly waiting = new Map<string, (r: RpcResponse) => void>();
  private readonly workers = new Map<string, boolean>();
  /** New at every start, so central tells a restarted kiosk from a reconnected one. */
  readonly bootId = ulid();
  private connSeq = 0;
  private ackListener: (ack: TxAck) => void = () => undefined;
  private readonly connectListeners: (() => void)[] = [];
  private readonly centralListeners: (() => void)[] = [];

  constructor(
    private readonly kid: string,
    private readonly url: string,
    private readonly log: (msg: string, fields?: Record<string, unknown>) => void,
    /** For an `mqtts://` broker: the CA to trust and this kiosk's certificate, whose CN is `kid` (docs/tls.md). */
    private readonly tls?: Pick<IClientOptions, 'ca' | 'cert' | 'key'>,
  ) {}

  onAck(listener: (ack: TxAck) => void): void {
    this.ackListener = listener;
  }

  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
  }

  /** Told when central's availability may have changed (a worker came or went, the link dropped). */
  onCentralChange(listener: () => void): void {
    this.centralListeners.push(listener);
  }

  /** Starts connecting and returns at once: the kiosk works through outages and reconnects forever. */
  start(): void {
    const offline = { v: 1, ts: Date.now(), kid: this.kid, state: 'offline', bootId: this.bootId, connSeq: this.connSeq };
    this.client = mqtt.connect(this.url, {
      protocolVersion: 5,
      clientId: this.kid,
      clean: true,
      reconnectPeriod: 1000 + Math.floor(Math.random() * 500),
      connectTimeout: 5000,
      will: { topic: topics.status(this.kid), payload: Buffer.from(JSON.stringify(offline)), qos: 1, retain: true },
      ...this.tls,
    });
    this.client.on('connect', () => void this.onConnected());
    this.client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.properties?.correlationData));
    this.client.on('error', (e) => this.log('mqtt error', { error: e.message }));
    this.client.on('close', () => this.centralChanged());
  }

  private async onConnected(): Promise<void> {
    this.connSeq += 1;
    const c = this.client!;
    // mqtt.js leaves Nagle on: every request would wait ~40 ms for its ACK (docs/benchmarks.md).
    (c.stream as Partial<Socket>).setNoDelay?.(true);
    await c.subscribeAsync([topics.rpcRes(this.kid), topics.txAck(this.kid), topics.allCentralStates], { qos: 1 });
    const status = { v: 1, ts: Date.now(), kid: this.kid, state: 'online', bootId: this.bootId, connSeq: this.connSeq };
    await c.publishAsync(topics.status(this.kid), JSON.stringify(status), { qos: 1, retain: true });
    for (const l of this.connectListeners) l();
    this.centralChanged();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Money is taken only while at least one bridge worker says it is online. */
  get centralOnline(): boolean {
    return this.connected && [...this.workers.values()].some(Boolean);
  }

  async waitForCentral(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.centralOnline) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }

  private onMessage(topic: string, payload: Buffer, correlation?: Buffer): void {
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.log('garbled message ignored', { topic });
    }
    if (topic === topics.rpcRes(this.kid)) {
      const id = correlation?.toString('utf8') ?? (body as { id?: string }).id;
      if (id) this.waiting.get(id)?.(body as RpcResponse);
    } else if (topic === topics.txAck(this.kid)) {
      const ack = txAckSchema.safeParse(body);
      if (ack.success) this.ackListener(ack.data);
    } else if (topic.startsWith('kiosk/v1/central/')) {
      const state = centralStateSchema.safeParse(body);
      if (state.success) {
        this.workers.set(state.data.worker, state.data.state === 'online');
        this.centralChanged();
      }
    }
  }

  /** One request, one answer or RpcNoAnswer at the deadline. Never retried here: the caller knows if that is safe. */
  async rpc<D = unknown>(call: RpcCall): Promise<RpcResponse<D>> {
    const c = this.client;
    if (!c?.connected) throw new RpcNoAnswer(`${call.op}: not connected to central`);
    const id = ulid();
    const deadline = Date.now() + call.timeoutMs;
    const request = { v: 1, id, ts: Date.now(), kid: this.kid, op: call.op, ...(call.txnId ? { txnId: call.txnId } : {}), deadline, args: call.args };
    const answer = new Promise<RpcResponse<D>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new RpcNoAnswer(`${call.op}: no answer from central within ${call.timeoutMs} ms`));
      }, call.timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(r as RpcResponse<D>);
      });
    });
    await c.publishAsync(topics.rpc(this.kid), JSON.stringify(request), {
      qos: 1,
      properties: {
        responseTopic: topics.rpcRes(this.kid),
        correlationData: Buffer.from(id, 'utf8'),
        messageExpiryInterval: Math.max(1, Math.ceil(call.timeoutMs / 1000)),
      },
    }).catch(() => undefined);
    return answer;
  }

  /** Fire and forget while connected; what must not be lost goes through the outbox instead. */
  publish(topic: string, payload: string, options: { qos?: 0 | 1; retain?: boolean; expirySeconds?: number } = {}): Promise<unknown> {
    if (!this.client?.connected) return Promise.resolve();
    const { qos = 1, retain = false, expirySeconds } = options;
    return this.client
      .publishAsync(topic, payload, { qos, retain, ...(expirySeconds ? { properties: { messageExpiryInterval: expirySeconds } } : {}) })
      .catch((e: Error) => this.log('publish failed', { topic, error: e.message }));
  }

  private centralChanged(): void {
    for (const l of this.centralListeners) l();
  }

  get kioskId(): string {
    return this.kid;
  }

  async stop(): Promise<void> {
    if (!this.client) return;
    const offline = { v: 1, ts: Date.now(), kid: this.kid, state: 'offline', bootId: this.bootId, connSeq: this.connSeq };
    if (this.client.connected) await this.client.publishAsync(topics.status(this.kid), JSON.stringify(offline), { qos: 1, retain: true }).catch(() => undefined);
    await this.client.endAsync();
  }
}

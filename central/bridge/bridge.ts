import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { factSchema } from '../../contract/facts.ts';
import { canonicalJson, describeIssue, isOpName, ops, rpcRequestSchema, sagaSteps, type OpName, type RpcResponse } from '../../contract/rpc.ts';
import { scaled } from '../../contract/time-scale.ts';
import { kioskIdOf, topics } from '../../contract/topics.ts';
import type { HisPort } from '../his/port.ts';
import type { InsurancePort } from '../insurance/port.ts';
import type { ChannelName, QrChannel } from '../pay/port.ts';
import type { OpContext, OpOutcome, QrTiming, SagaContext } from './context.ts';
import { receiveFact } from './facts.ts';
import type { Ledger } from './ledger.ts';
import { operations } from './operations/index.ts';
import { Resolver } from './resolver.ts';

export interface BridgeOptions {
  brokerUrl: string;
  worker: string;
  his: HisPort;
  ledger: Ledger;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** How long a request without its own deadline may take, ms. */
  defaultDeadlineMs?: number;
  /** For an `mqtts://` broker: the CA to trust and this worker's certificate, whose CN must be `worker` (docs/tls.md). */
  tls?: Pick<IClientOptions, 'ca' | 'cert' | 'key'>;
  /** The QR channels this central charges payment codes on; a code of another channel is NOT_OFFERED. */
  qrChannels?: Partial<Record<ChannelName, QrChannel>>;
  /** The channels' query and reverse schedule (docs/qr-channels.md); their published defaults otherwise. */
  qrTiming?: QrTiming;
  /** The insurance platform client for a kiosk; absent: bills are not split with insurance here. */
  insurance?: (kid: string) => InsurancePort;
  /** How long a HIS money call may still be running after it was sent (default 60 s). */
  settleWindowMs?: number;
  /** How long a worker's claim on a saga lasts without renewal (default 30 s). */
  leaseMs?: number;
  /** How often the resolver looks for sagas left by a dead worker (default 5 s). */
  resolveEveryMs?: number;
  /** A QR payment with no money op after it this long is refunded (default 15 min, a pre-settle's life). */
  orphanQrAfterMs?: number;
  /** The HIS trade query schedule after an unknown outcome, ms; the last repeats (default 100, 250, 500, 1000). */
  queryDelaysMs?: number[];
}

/**
 * The central bridge (DESIGN.md §6): RPC requests and facts from every kiosk, one worker of possibly several.
 * Its default durations run at ZIZHU_TIME_SCALE; durations given in the options are real milliseconds.
 */
export class Bridge {
  private client?: MqttClient;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly background = new Set<Promise<void>>();
  private resolver?: Resolver;
  /** The first "online" went out: from then on every reconnect says it again. */
  private announced = false;
  private leaseTimer?: NodeJS.Timeout;

  constructor(private readonly options: BridgeOptions) {}

  private get leaseMs(): number {
    return this.options.leaseMs ?? scaled(30_000);
  }

  async start(): Promise<void> {
    const { worker } = this.options;
    const offline = JSON.stringify({ v: 1, ts: Date.now(), worker, state: 'offline' });
    this.client = await mqtt.connectAsync(this.options.brokerUrl, {
      protocolVersion: 5,
      clientId: `bridge-${worker}`,
      clean: true,
      reconnectPeriod: 1000,
      will: { topic: topics.centralState(worker), payload: Buffer.from(offline), qos: 1, retain: true },
      ...this.options.tls,
    }, false); // no broker at start is an error the operator must see (exit 5); later drops reconnect
    // mqtt.js leaves Nagle on: each answer would wait ~40 ms for the peer's ACK (docs/benchmarks.md).
    const noDelay = () => (this.client?.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
    noDelay();
    this.client.on('connect', noDelay);
    // A broker that restarted has lost the retained "online" (and its will never fired): say it
    // again on every reconnect, or kiosks would take central for down. mqtt.js resubscribes itself.
    this.client.on('connect', () => {
      if (this.announced) this.publishState('online').catch((e: unknown) => this.options.log('warn', 'could not republish the online state', { error: (e as Error).message }));
    });
    this.client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    this.client.on('error', (e) => this.options.log('error', 'mqtt error', { error: e.message }));
    // A dead worker stops renewing: its sagas' leases run out and another worker takes them over.
    this.leaseTimer = setInterval(() => this.options.ledger.renewLeases(worker, Date.now() + this.leaseMs), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.resolver = new Resolver({
      ledger: this.options.ledger,
      worker,
      contextFor: (kid, txnId) => ({ ...this.context(kid, Date.now() + this.leaseMs / 2), txnId }),
      everyMs: this.options.resolveEveryMs ?? scaled(5_000),
      settleWindowMs: this.settleWindowMs,
      leaseMs: this.leaseMs,
      orphanQrAfterMs: this.options.orphanQrAfterMs ?? scaled(15 * 60_000),
      now: Date.now,
      log: this.options.log,
    });
    this.resolver.start();
    await this.client.subscribeAsync([topics.sharedRpc, topics.sharedTx], { qos: 1 });
    await this.publishState('online');
    this.announced = true;
  }

  private get settleWindowMs(): number {
    return this.options.settleWindowMs ?? scaled(60_000);
  }

  private context(kid: string, deadline: number): SagaContext {
    return {
      kid,
      worker: this.options.worker,
      his: this.options.his,
      ledger: this.options.ledger,
      channels: this.options.qrChannels ?? {},
      qrTiming: this.options.qrTiming ?? {},
      insurance: this.options.insurance,
      deadline,
      settleWindowMs: this.settleWindowMs,
      leaseMs: this.leaseMs,
      queryDelaysMs: this.options.queryDelaysMs ?? [100, 250, 500, 1000].map((ms) => scaled(ms)),
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      background: (work) => {
        const tracked = work
          .catch((e: unknown) => this.options.log('error', 'background saga failed', { kid, error: (e as Error).message }))
          .finally(() => this.background.delete(tracked));
        this.background.add(tracked);
      },
      log: this.options.log,
    };
  }

  private publishState(state: 'online' | 'offline') {
    const { worker } = this.options;
    return this.client!.publishAsync(topics.centralState(worker), JSON.stringify({ v: 1, ts: Date.now(), worker, state }), { qos: 1, retain: true });
  }

  async stop(): Promise<void> {
    if (!this.client) return;
    await this.resolver?.stop();
    await Promise.allSettled(this.inFlight.values());
    await Promise.allSettled(this.background);
    clearInterval(this.leaseTimer);
    await this.publishState('offline');
    await this.client.endAsync();
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const kid = kioskIdOf(topic);
    if (!kid) return this.options.log('warn', 'message on a topic with no valid kiosk id', { topic });
    const work = topic === topics.rpc(kid) ? this.onRequest(kid, payload, packet) : topic === topics.tx(kid) ? this.onFact(kid, payload) : undefined;
    if (!work) return;
    const key = `${topic}#${packet.messageId ?? Math.random()}`;
    const tracked = work
      .catch((e: unknown) => this.options.log('error', 'message handling failed', { topic, error: (e as Error).message }))
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, tracked);
  }

  private async onFact(kid: string, payload: Buffer): Promise<void> {
    const parsed = factSchema.safeParse(safeJson(payload));
    if (!parsed.success || parsed.data.kid !== kid) {
      this.options.log('warn', 'malformed fact dropped; the kiosk will resend it', { kid, problem: parsed.success ? 'kid mismatch' : describeIssue(parsed.error) });
      return;
    }
    const ack = receiveFact(this.options.ledger, parsed.data);
    await this.client!.publishAsync(topics.txAck(kid), JSON.stringify(ack), { qos: 1 });
  }

  private async onRequest(kid: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    const props = packet.properties ?? {};
    const correlation = props.correlationData;
    const raw = safeJson(payload);
    const id = typeof (raw as { id?: unknown } | undefined)?.id === 'string' ? (raw as { id: string }).id : '';
    const reply = (outcome: OpOutcome) => this.respond(kid, id, correlation, outcome);

    // Responses go only to the requesting kiosk's own topic: a request may not point them elsewhere.
    if (props.responseTopic !== undefined && props.responseTopic !== topics.rpcRes(kid)) {
      this.options.log('warn', 'request names another response topic; refused', { kid, responseTopic: props.responseTopic });
      return reply({ status: 'FAILED', code: 'BAD_REQUEST', message: `responseTopic must be ${topics.rpcRes(kid)}` });
    }
    if (raw === undefined) return reply({ status: 'FAILED', code: 'BAD_REQUEST', message: 'payload is not JSON' });
    const envelope = rpcRequestSchema.safeParse(raw);
    if (!envelope.success) return reply({ status: 'FAILED', code: 'BAD_REQUEST', message: describeIssue(envelope.error) });
    const request = envelope.data;
    if (!isOpName(request.op)) return reply({ status: 'FAILED', code: 'UNKNOWN_OP', message: `unknown op "${request.op}"` });
    if (request.deadline !== undefined && request.deadline < Date.now()) {
      return reply({ status: 'FAILED', code: 'EXPIRED', message: `deadline ${new Date(request.deadline).toISOString()} has passed` });
    }
    const spec = ops[request.op];
    const args = spec.args.safeParse(request.args);
    if (!args.success) return reply({ status: 'FAILED', code: 'BAD_REQUEST', message: describeIssue(args.error, 'args') });
    if (spec.txn && !request.txnId) return reply({ status: 'FAILED', code: 'TXN_REQUIRED', message: `${request.op} changes state and needs a txnId` });

    const deadline = request.deadline ?? Date.now() + (this.options.defaultDeadlineMs ?? scaled(30_000));
    const ctx: OpContext = { ...this.context(kid, deadline), ...(request.txnId ? { txnId: request.txnId } : {}) };
    const run = operations[request.op] as (c: OpContext, a: unknown) => Promise<OpOutcome>;
    if (!spec.txn || !request.txnId) return reply(await run(ctx, args.data));
    return reply(await this.idempotent(kid, request.txnId, request.op, canonicalJson(args.data), deadline, () => run(ctx, args.data)));
  }

  /**
   * A repeat of (kid, txnId, op) with the same canonical args gets the stored answer; other args,
   * or an op that does not belong to the transaction's saga, is a conflict (DESIGN.md §6). The
   * ledger's unique key decides between workers too, so a duplicate delivered to another worker
   * of the shared subscription waits for the first one's answer instead of running again.
   */
  private async idempotent(kid: string, txnId: string, op: OpName, args: string, deadline: number, run: () => Promise<OpOutcome>): Promise<OpOutcome> {
    const ledger = this.options.ledger;
    const txn = ledger.txn(kid, txnId);
    // Giving a held number back moves no money: it is the one step an abandoned transaction still takes.
    if (txn?.state === 'ABANDONED' && op !== 'slot.unlock') return { status: 'FAILED', code: 'TXN_ABANDONED', message: `transaction ${txnId} was abandoned` };
    if (txn && !(sagaSteps[txn.kind as OpName] ?? []).includes(op)) {
      return { status: 'FAILED', code: 'IDEMPOTENCY_CONFLICT', message: `transaction ${txnId} is a ${txn.kind}, not a ${op}` };
    }
    if (!txn && !sagaSteps[op]) {
      return { status: 'FAILED', code: 'NOT_FOUND', message: `${op} needs a transaction opened by an earlier step` };
    }
    for (;;) {
      const claim = ledger.claimRequest(kid, txnId, op, args);
      if (claim.kind === 'stored') {
        if (!claim.sameArgs) return { status: 'FAILED', code: 'IDEMPOTENCY_CONFLICT', message: `transaction ${txnId} already made a ${op} with other arguments` };
        if (claim.response) return claim.response;
        // The first copy is still running (a duplicate delivery), or its worker died mid-op:
        // wait for its answer; one left unanswered past the settle window is run again (the op
        // answers from the ledger). Past the deadline say so rather than guess.
        if (!ledger.takeOverRequest(kid, txnId, op, Date.now() - this.settleWindowMs)) {
          if (Date.now() >= deadline) return { status: 'UNKNOWN', code: 'HIS_UNAVAILABLE', message: `the first ${op} of ${txnId} has not finished; ask txn.query` };
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
      }
      let outcome: OpOutcome;
      try {
        outcome = await run();
      } catch (e) {
        // A bug, not an answer: the request may be tried again, and the saga's ledger row says where it stopped.
        ledger.releaseRequest(kid, txnId, op);
        throw e;
      }
      const { retryable, ...answer } = outcome;
      // A refusal that changed nothing, or an answer that is not final yet, must not be replayed.
      if (outcome.status === 'UNKNOWN' || retryable) ledger.releaseRequest(kid, txnId, op);
      else ledger.storeResponse(kid, txnId, op, { v: 1, id: '', ts: Date.now(), ...answer });
      return outcome;
    }
  }

  private async respond(kid: string, id: string, correlation: Buffer | undefined, outcome: OpOutcome | RpcResponse): Promise<void> {
    const { status, code, message, data } = outcome;
    const response: RpcResponse = { v: 1, id, ts: Date.now(), status, ...(code ? { code } : {}), ...(message ? { message } : {}), ...(data !== undefined ? { data } : {}) };
    await this.client!.publishAsync(topics.rpcRes(kid), JSON.stringify(response), {
      qos: 1,
      ...(correlation ? { properties: { correlationData: correlation } } : {}),
    });
  }
}

function safeJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

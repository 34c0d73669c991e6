import net from 'node:net';
import { checkRules, type FaultDecision, type FaultRule } from './fault-rules.ts';
import { Connection, type ProxyState } from './proxy-connection.ts';

export type { Direction, FaultDecision, FaultRule } from './fault-rules.ts';

export interface MqttProxyOptions {
  /** The broker on 127.0.0.1 the proxy forwards to. */
  brokerPort: number;
  /** Every random decision derives from it; print it so a failure replays (docs/mqtt-proxy.md). */
  seed: number;
  rules?: FaultRule[];
}

export interface ProxyStats {
  /** Client connections accepted. */
  connections: number;
  /** Connections the proxy closed itself: rule cuts, lost packets, cut() and cutAll(). */
  connectionsCut: number;
  packets: number;
  publishes: number;
  /** PUBLISH packets some rule matched (whatever it then decided). */
  matched: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  cut: number;
  /** Packets that followed a `lose` drop on the same direction and so never arrived. */
  discarded: number;
  /** One of the two acknowledgements of each duplicated QoS 1/2 packet, withheld from its sender (docs/mqtt-proxy.md). */
  acksSuppressed: number;
  /** Frames mqtt-packet could not parse; forwarded as they came. */
  unparsed: number;
}

export interface MqttProxy {
  readonly port: number;
  readonly url: string;
  readonly seed: number;
  readonly stats: ProxyStats;
  /** Every PUBLISH a rule matched, in the order the proxy decided. */
  readonly log: readonly FaultDecision[];
  /** TCP sockets the proxy holds open, both sides counted. */
  readonly openSockets: number;
  setRules(rules: FaultRule[]): void;
  /** Closes every connection as a network failure would; returns how many. */
  cutAll(): number;
  /** Closes the connections of one client id; returns how many. */
  cut(clientId: string): number;
  /** Holds every byte in both directions until resume(); connections stay open. */
  pause(): void;
  resume(): void;
  /** The seed and the decision log, for a failing assertion's message. */
  describe(): string;
  stop(): Promise<void>;
}

/** Starts the proxy on a free loopback port (docs/mqtt-proxy.md). */
export async function startMqttProxy(options: MqttProxyOptions): Promise<MqttProxy> {
  if (!Number.isInteger(options.seed)) throw new Error(`seed must be a whole number (got ${options.seed})`);
  const rules = options.rules ?? [];
  checkRules(rules);
  const state: ProxyState = {
    rules,
    paused: false,
    seed: options.seed >>> 0,
    stats: { connections: 0, connectionsCut: 0, packets: 0, publishes: 0, matched: 0, dropped: 0, duplicated: 0, delayed: 0, cut: 0, discarded: 0, acksSuppressed: 0, unparsed: 0 },
    log: [],
    perClient: new Map(),
  };
  const sockets = new Set<net.Socket>();
  const connections = new Set<Connection>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    state.stats.connections += 1;
    connections.add(new Connection(state, client, options.brokerPort, sockets, (c) => connections.delete(c)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const cutWhere = (match: (c: Connection) => boolean) => {
    const chosen = [...connections].filter(match);
    for (const c of chosen) c.close(true);
    return chosen.length;
  };

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    seed: state.seed,
    stats: state.stats,
    log: state.log,
    get openSockets() {
      return sockets.size;
    },
    setRules(next) {
      checkRules(next);
      state.rules = next;
    },
    cutAll: () => cutWhere(() => true),
    cut: (clientId) => cutWhere((c) => c.clientId === clientId),
    pause() {
      state.paused = true;
    },
    resume() {
      state.paused = false;
      for (const c of connections) c.pump();
    },
    describe() {
      const lines = state.log.map((d) => `${d.connection} ${d.direction} #${d.index} ${d.topic} q${d.qos}${d.messageId !== undefined ? ` id${d.messageId}` : ''} [${d.rule}] ${d.actions.join(',')}`);
      return [`mqtt-proxy seed=${state.seed} stats=${JSON.stringify(state.stats)}`, ...lines].join('\n');
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of [...connections]) c.close();
      await closed;
      await Promise.all([...sockets].map((s) => new Promise((r) => (s.closed ? r(undefined) : s.once('close', r)))));
    },
  };
}

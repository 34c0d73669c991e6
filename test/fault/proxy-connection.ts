import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { decide, describeDecision, matchingRule, type Decision, type Direction, type FaultDecision, type FaultRule } from './fault-rules.ts';
import { FrameSplitter } from './mqtt-frames.ts';
import type { ProxyStats } from './mqtt-proxy.ts';
import { streamFor } from './prng.ts';

interface Entry {
  bytes: Buffer[];
  due: number;
  cutAfter: boolean;
}

export interface ProxyState {
  rules: FaultRule[];
  paused: boolean;
  readonly seed: number;
  readonly stats: ProxyStats;
  readonly log: FaultDecision[];
  readonly perClient: Map<string, number>;
}

/**
 * One direction of one connection: frames the bytes, parses each packet, decides what a rule does
 * to a PUBLISH, and writes to the other side in order, except what a reordering delay lets through.
 */
class Lane {
  private readonly splitter = new FrameSplitter();
  private parser = this.newParser(4);
  private parsed: Packet | undefined;
  /** Replaced at CONNECT by the connection's own stream; a PUBLISH before CONNECT is a broken client's. */
  random: () => number;
  private index = 0;
  private readonly fifo: Entry[] = [];
  private readonly loose: Entry[] = [];
  private timer?: NodeJS.Timeout;
  /** After a `lose` drop nothing more gets through on this direction, as with a lost TCP segment. */
  private broken = false;
  private sourceEnded = false;
  private readonly aliases = new Map<number, string>();
  /** Packet ids whose next acknowledgement answers the proxy's duplicate, not the sender's packet. */
  readonly surplusAcks = new Map<number, number>();

  constructor(
    readonly direction: Direction,
    private readonly connection: Connection,
    private readonly target: () => net.Socket,
  ) {
    this.random = streamFor(connection.state.seed, `?:${direction}`);
  }

  /** mqtt-packet decodes properties only when told the version, which CONNECT announces for both directions. */
  useProtocol(version: number): void {
    this.parser = this.newParser(version);
  }

  private newParser(protocolVersion: number): mqttPacket.Parser {
    const parser = mqttPacket.parser({ protocolVersion });
    parser.on('packet', (packet) => (this.parsed = packet));
    // A frame it cannot decode is forwarded as it came: the proxy is a network, not a validator.
    parser.on('error', () => (this.parsed = undefined));
    return parser;
  }

  receive(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.splitter.push(chunk);
    } catch {
      return this.connection.close();
    }
    for (const frame of frames) this.onFrame(frame);
    this.pump();
  }

  private onFrame(frame: Buffer): void {
    const { state } = this.connection;
    state.stats.packets += 1;
    this.index += 1;
    if (this.broken) {
      state.stats.discarded += 1;
      return;
    }
    const packet = this.parse(frame);
    if (!packet) state.stats.unparsed += 1;
    else if (packet.cmd === 'connect') this.connection.onConnect(packet);
    else if (packet.cmd === 'connack') this.connection.onConnack(packet);
    else if ((packet.cmd === 'puback' || packet.cmd === 'pubrec') && packet.messageId !== undefined && this.takeSurplusAck(packet.messageId)) return;
    else if (packet.cmd === 'publish') return this.onPublish(frame, packet);
    this.fifo.push({ bytes: [frame], due: 0, cutAfter: false });
  }

  private parse(frame: Buffer): Packet | undefined {
    this.parsed = undefined;
    this.parser.parse(frame);
    return this.parsed;
  }

  private takeSurplusAck(messageId: number): boolean {
    const surplus = this.surplusAcks.get(messageId) ?? 0;
    if (surplus === 0) return false;
    if (surplus === 1) this.surplusAcks.delete(messageId);
    else this.surplusAcks.set(messageId, surplus - 1);
    this.connection.state.stats.acksSuppressed += 1;
    return true;
  }

  private onPublish(frame: Buffer, packet: Extract<Packet, { cmd: 'publish' }>): void {
    const { state } = this.connection;
    state.stats.publishes += 1;
    const topic = this.resolveTopic(packet);
    const rule = matchingRule(state.rules, { direction: this.direction, clientId: this.connection.clientId, topic });
    if (!rule) {
      this.fifo.push({ bytes: [frame], due: 0, cutAfter: false });
      return;
    }
    state.stats.matched += 1;
    const decision = decide(rule, this.random);
    state.log.push({
      connection: this.connection.name,
      direction: this.direction,
      index: this.index,
      topic,
      qos: packet.qos,
      ...(packet.messageId !== undefined ? { messageId: packet.messageId } : {}),
      rule: rule.name ?? `rules[${state.rules.indexOf(rule)}]`,
      actions: describeDecision(decision),
    });
    this.apply(frame, packet, decision);
  }

  private apply(frame: Buffer, packet: Extract<Packet, { cmd: 'publish' }>, d: Decision): void {
    const { stats } = this.connection.state;
    if (d.drop) {
      stats.dropped += 1;
      if (d.drop === 'lose') {
        this.broken = true;
        this.connection.cutLater(d.cutAfterMs);
      }
      return;
    }
    const bytes = [frame];
    if (d.duplicate) {
      stats.duplicated += 1;
      const copy = Buffer.from(frame);
      if (packet.qos > 0) {
        // MQTT 5 §3.3.1.1: DUP marks a re-delivery; QoS 0 must keep it clear.
        copy[0] = copy[0]! | 0x08;
        const other = this.connection.other(this);
        other.surplusAcks.set(packet.messageId!, (other.surplusAcks.get(packet.messageId!) ?? 0) + 1);
      }
      bytes.push(copy);
    }
    if (d.delayMs > 0 || d.reorder) stats.delayed += 1;
    if (d.cut) stats.cut += 1;
    const entry = { bytes, due: Date.now() + d.delayMs, cutAfter: d.cut };
    (d.reorder ? this.loose : this.fifo).push(entry);
  }

  /** MQTT 5 topic aliases: a PUBLISH may carry an empty topic and an alias set earlier on this direction. */
  private resolveTopic(packet: Extract<Packet, { cmd: 'publish' }>): string {
    const alias = packet.properties?.topicAlias;
    if (alias === undefined) return packet.topic;
    if (packet.topic) this.aliases.set(alias, packet.topic);
    return packet.topic || (this.aliases.get(alias) ?? '');
  }

  sourceEnd(): void {
    this.sourceEnded = true;
    this.pump();
  }

  pump(): void {
    const socket = this.target();
    if (this.connection.closed || this.connection.state.paused || socket.connecting) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const ready = this.loose.filter((e) => e.due <= now).sort((a, b) => a.due - b.due);
    for (const entry of ready) {
      this.loose.splice(this.loose.indexOf(entry), 1);
      if (!this.write(socket, entry)) return;
    }
    while (this.fifo.length && this.fifo[0]!.due <= now) {
      if (!this.write(socket, this.fifo.shift()!)) return;
    }
    const next = Math.min(...this.loose.map((e) => e.due), this.fifo[0]?.due ?? Infinity);
    if (next !== Infinity) this.timer = setTimeout(() => this.pump(), next - now);
    else if (this.sourceEnded && !socket.writableEnded) socket.end();
  }

  /** Returns false when the entry cut the connection. */
  private write(socket: net.Socket, entry: Entry): boolean {
    for (const bytes of entry.bytes) socket.write(bytes);
    if (!entry.cutAfter) return true;
    this.connection.close(true);
    return false;
  }

  stopTimers(): void {
    clearTimeout(this.timer);
  }
}

/** One client connection and the upstream connection the proxy opened for it. */
export class Connection {
  clientId = '';
  name = '?#0';
  closed = false;
  readonly upstream: net.Socket;
  readonly toBroker: Lane;
  readonly toClient: Lane;
  private cutTimer?: NodeJS.Timeout;

  constructor(
    readonly state: ProxyState,
    readonly client: net.Socket,
    brokerPort: number,
    private readonly sockets: Set<net.Socket>,
    private readonly onClosed: (c: Connection) => void,
  ) {
    this.upstream = net.connect({ port: brokerPort, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
    this.toBroker = new Lane('toBroker', this, () => this.upstream);
    this.toClient = new Lane('toClient', this, () => this.client);
    for (const [socket, lane, back] of [[client, this.toBroker, this.toClient], [this.upstream, this.toClient, this.toBroker]] as const) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => lane.receive(chunk));
      socket.on('end', () => lane.sourceEnd());
      // A peer gone, either way, ends both: the proxy is the network between them.
      socket.on('error', () => this.close());
      socket.on('close', () => {
        sockets.delete(socket);
        this.close();
      });
      // Queued bytes may have been waiting for the upstream connection.
      socket.on('connect', () => back.pump());
    }
  }

  other(lane: Lane): Lane {
    return lane === this.toBroker ? this.toClient : this.toBroker;
  }

  onConnect(packet: Extract<Packet, { cmd: 'connect' }>): void {
    this.clientId = packet.clientId;
    const nth = (this.state.perClient.get(this.clientId) ?? 0) + 1;
    this.state.perClient.set(this.clientId, nth);
    this.name = `${this.clientId}#${nth}`;
    this.toBroker.random = streamFor(this.state.seed, `${this.name}:toBroker`);
    this.toClient.random = streamFor(this.state.seed, `${this.name}:toClient`);
    const version = packet.protocolVersion ?? 4;
    this.toBroker.useProtocol(version);
    this.toClient.useProtocol(version);
  }

  onConnack(packet: Extract<Packet, { cmd: 'connack' }>): void {
    const assigned = packet.properties?.assignedClientIdentifier;
    if (!this.clientId && assigned) this.clientId = assigned;
  }

  pump(): void {
    this.toBroker.pump();
    this.toClient.pump();
  }

  cutLater(ms: number): void {
    this.cutTimer ??= setTimeout(() => this.close(true), ms);
  }

  /** Destroys both sockets: the peers see the TCP connection end with no MQTT DISCONNECT. */
  close(byProxy = false): void {
    if (this.closed) return;
    this.closed = true;
    if (byProxy) this.state.stats.connectionsCut += 1;
    clearTimeout(this.cutTimer);
    this.toBroker.stopTimers();
    this.toClient.stopTimers();
    this.client.destroy();
    this.upstream.destroy();
    this.onClosed(this);
  }
}

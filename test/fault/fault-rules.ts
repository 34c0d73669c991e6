import { topicMatches } from './topic-filter.ts';

/** `toBroker`: from the client through the proxy to the broker; `toClient`: the way back. */
export type Direction = 'toBroker' | 'toClient';

/**
 * What to do to the PUBLISH packets a rule matches. Every field is optional; the first rule whose
 * filters match a packet decides for it, and a PUBLISH no rule matches passes untouched.
 */
export interface FaultRule {
  /** Shown in the decision log. */
  name?: string;
  /** Both directions when absent. */
  direction?: Direction;
  /** An MQTT topic filter (`+`, `#`); every topic when absent. */
  topic?: string;
  /** The client id the connection gave in CONNECT (or was assigned in CONNACK); every client when absent. */
  clientId?: string;
  /**
   * `lose`: the packet is lost as TCP loses one, so nothing after it on that direction arrives and
   * the connection is cut `cutAfterMs` later (default 20). `silent`: only this packet vanishes and
   * the connection goes on, which TCP cannot do: for testing application deadlines. docs/mqtt-proxy.md.
   */
  drop?: { p: number; mode: 'lose' | 'silent'; cutAfterMs?: number };
  /** Sent twice; a QoS 1/2 copy keeps the packet id and has DUP set, as a redelivery has. */
  duplicate?: { p: number };
  /** Held back a whole number of ms in [minMs, maxMs]; `reorder` lets later packets overtake it. */
  delay?: { p?: number; minMs: number; maxMs: number; reorder?: boolean };
  /** Both TCP connections closed right after this packet is forwarded, as when the network fails. */
  cut?: { p: number };
}

/** One PUBLISH a rule matched, and what was done to it: enough to replay and to explain a failure. */
export interface FaultDecision {
  /** `clientId#n`: the n-th connection of that client through this proxy. */
  connection: string;
  direction: Direction;
  /** 1-based position of the packet among all packets of this direction on this connection. */
  index: number;
  topic: string;
  qos: number;
  messageId?: number;
  rule: string;
  /** `pass`, `drop:lose`, `drop:silent`, `duplicate`, `delay:MS`, `delay:MS:reorder`, `cut`. */
  actions: string[];
}

export interface PublishView {
  direction: Direction;
  clientId: string;
  topic: string;
}

export function matchingRule(rules: readonly FaultRule[], view: PublishView): FaultRule | undefined {
  return rules.find(
    (r) =>
      (r.direction === undefined || r.direction === view.direction) &&
      (r.clientId === undefined || r.clientId === view.clientId) &&
      (r.topic === undefined || topicMatches(r.topic, view.topic)),
  );
}

export interface Decision {
  drop?: 'lose' | 'silent';
  cutAfterMs: number;
  duplicate: boolean;
  delayMs: number;
  reorder: boolean;
  cut: boolean;
}

/**
 * Draws in a fixed order (drop, duplicate, delay, its length, cut), one draw per configured
 * action, so the same seed and the same packets give the same decisions.
 */
export function decide(rule: FaultRule, random: () => number): Decision {
  const decision: Decision = { cutAfterMs: rule.drop?.cutAfterMs ?? 20, duplicate: false, delayMs: 0, reorder: false, cut: false };
  if (rule.drop && random() < rule.drop.p) return { ...decision, drop: rule.drop.mode };
  if (rule.duplicate) decision.duplicate = random() < rule.duplicate.p;
  if (rule.delay && random() < (rule.delay.p ?? 1)) {
    const { minMs, maxMs } = rule.delay;
    decision.delayMs = minMs + Math.floor(random() * (maxMs - minMs + 1));
    decision.reorder = rule.delay.reorder ?? false;
  }
  if (rule.cut) decision.cut = random() < rule.cut.p;
  return decision;
}

export function describeDecision(d: Decision): string[] {
  if (d.drop) return [`drop:${d.drop}`];
  const actions = [
    ...(d.duplicate ? ['duplicate'] : []),
    ...(d.delayMs > 0 || d.reorder ? [`delay:${d.delayMs}${d.reorder ? ':reorder' : ''}`] : []),
    ...(d.cut ? ['cut'] : []),
  ];
  return actions.length ? actions : ['pass'];
}

/** Throws an error naming the first bad field, so a typo in a test's rules is not a silent no-op. */
export function checkRules(rules: readonly FaultRule[]): void {
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    const probability = (field: string, p: unknown) => {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`${at}.${field} must be a probability between 0 and 1 (got ${String(p)})`);
    };
    if (rule.direction !== undefined && rule.direction !== 'toBroker' && rule.direction !== 'toClient') {
      throw new Error(`${at}.direction must be "toBroker" or "toClient" (got ${String(rule.direction)})`);
    }
    if (rule.topic !== undefined && (rule.topic === '' || /#./.test(rule.topic) || /[^/]#|\+[^/]|[^/]\+/.test(rule.topic))) {
      throw new Error(`${at}.topic is not a valid MQTT topic filter: ${JSON.stringify(rule.topic)}`);
    }
    if (rule.drop) {
      probability('drop.p', rule.drop.p);
      if (rule.drop.mode !== 'lose' && rule.drop.mode !== 'silent') throw new Error(`${at}.drop.mode must be "lose" or "silent" (got ${String(rule.drop.mode)})`);
      const after = rule.drop.cutAfterMs;
      if (after !== undefined && !(Number.isInteger(after) && after >= 0)) throw new Error(`${at}.drop.cutAfterMs must be a whole number of ms (got ${after})`);
    }
    if (rule.duplicate) probability('duplicate.p', rule.duplicate.p);
    if (rule.cut) probability('cut.p', rule.cut.p);
    if (rule.delay) {
      if (rule.delay.p !== undefined) probability('delay.p', rule.delay.p);
      const { minMs, maxMs } = rule.delay;
      if (!Number.isInteger(minMs) || minMs < 0) throw new Error(`${at}.delay.minMs must be a whole number of ms (got ${minMs})`);
      if (!Number.isInteger(maxMs) || maxMs < minMs) throw new Error(`${at}.delay.maxMs must be a whole number of ms not below minMs (got ${maxMs})`);
    }
  });
}

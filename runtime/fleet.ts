import type { ActiveAlarm, Availability, KioskState } from '../contract/fleet.ts';
import { topics } from '../contract/topics.ts';
import { alarmConditions, AlarmSet, type AlarmCondition } from './alarms.ts';
import { availability } from './availability.ts';
import type { DeviceHealth } from './health.ts';
import type { Journal } from './journal/journal.ts';
import type { Link } from './link.ts';

export interface FleetOptions {
  heartbeatMs: number;
  version: string;
  methods: Parameters<typeof availability>[0]['methods'];
}

/**
 * The fleet agent's reporting half (DESIGN.md §5, §7): the retained `state` snapshot whenever
 * something in it changes and on every reconnect, a heartbeat, and alarms — each raise and clear
 * as an `alarm` event, and the retained `alarms/active` set an operator's console reads first.
 */
export class FleetAgent {
  private readonly alarms = new AlarmSet();
  private readonly startedAt = Date.now();
  private lastState = '';
  private heartbeat?: NodeJS.Timeout;
  private maintenance = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly link: Link,
    private readonly journal: Journal,
    private readonly health: DeviceHealth,
    private readonly options: FleetOptions,
  ) {
    health.onChange(() => this.refresh());
    link.onCentralChange(() => this.refresh());
    link.onConnect(() => {
      this.lastState = '';
      this.refresh();
      void this.publishActive();
    });
  }

  start(): void {
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.refresh();
  }

  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  /** Whether money may move now, and why not: the session host asks before it offers payment. */
  availability(): Availability {
    return availability({ devices: this.health.snapshot(), centralOnline: this.link.centralOnline, methods: this.options.methods, maintenance: this.maintenance });
  }

  /** Told when availability or alarms may have changed (the screen redraws). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  setMaintenance(on: boolean): void {
    this.maintenance = on;
    this.refresh();
  }

  /** An alarm no device status implies, e.g. a patient pressing "call staff". */
  raise(condition: AlarmCondition): void {
    const alarm = this.alarms.raise(condition);
    if (alarm) void this.announce(alarm, 'raised');
  }

  clear(alarmId: string): void {
    const alarm = this.alarms.clear(alarmId);
    if (alarm) void this.announce(alarm, 'cleared');
  }

  activeAlarms(): ActiveAlarm[] {
    return this.alarms.list();
  }

  private refresh(): void {
    const { raised, cleared } = this.alarms.update(alarmConditions(this.health.snapshot(), this.link.centralOnline));
    for (const a of raised) void this.announce(a, 'raised', false);
    for (const a of cleared) void this.announce(a, 'cleared', false);
    if (raised.length || cleared.length) void this.publishActive();
    void this.publishState();
    for (const l of this.listeners) l();
  }

  private async announce(alarm: ActiveAlarm, state: 'raised' | 'cleared', withSet = true): Promise<void> {
    const event = { v: 1, ts: Date.now(), kid: this.link.kioskId, state, ...alarm };
    await this.link.publish(topics.alarm(this.link.kioskId), JSON.stringify(event));
    if (withSet) await this.publishActive();
  }

  private async publishActive(): Promise<void> {
    const body = { v: 1, ts: Date.now(), kid: this.link.kioskId, alarms: this.alarms.list() };
    await this.link.publish(topics.alarmsActive(this.link.kioskId), JSON.stringify(body), { retain: true });
  }

  private async publishState(): Promise<void> {
    const state: Omit<KioskState, 'ts'> = {
      v: 1,
      kid: this.link.kioskId,
      bootId: this.link.bootId,
      versions: { zizhu: this.options.version, node: process.versions.node },
      devices: { ...this.health.snapshot() },
      central: { online: this.link.centralOnline },
      outbox: this.journal.outboxStats(),
      availability: this.availability(),
    };
    // Outbox age grows every millisecond; only its depth counts as a change worth a retained message.
    const key = JSON.stringify({ ...state, outbox: state.outbox.depth });
    if (key === this.lastState || !this.link.connected) return;
    this.lastState = key;
    await this.link.publish(topics.state(this.link.kioskId), JSON.stringify({ ...state, ts: Date.now() }), { retain: true });
  }

  private beat(): void {
    const outbox = this.journal.outboxStats();
    const hb = { v: 1, ts: Date.now(), kid: this.link.kioskId, uptimeS: Math.floor((Date.now() - this.startedAt) / 1000), outboxDepth: outbox.depth, oldestPendingAgeMs: outbox.oldestAgeMs, centralOnline: this.link.centralOnline };
    // QoS 0 with an expiry: a heartbeat is worth nothing late, and is never queued while offline.
    void this.link.publish(topics.hb(this.link.kioskId), JSON.stringify(hb), { qos: 0, expirySeconds: 90 });
    void this.publishState();
  }
}

import { alarmCodes, type ActiveAlarm, type AlarmCode, type DeviceSnapshot } from '../contract/fleet.ts';

export type AlarmCondition = Omit<ActiveAlarm, 'since'>;

const condition = (code: AlarmCode, device?: string, detail?: Record<string, unknown>): AlarmCondition => ({
  alarmId: device && (code === 'device.offline' || code === 'device.fault') ? `${code}:${device}` : code,
  code,
  severity: alarmCodes[code],
  ...(device ? { device } : {}),
  ...(detail ? { detail } : {}),
});

/** The alarms a set of device statuses and the link imply right now (no history, no I/O). */
export function alarmConditions(devices: Readonly<Record<string, DeviceSnapshot | undefined>>, centralOnline: boolean): AlarmCondition[] {
  const out: AlarmCondition[] = [];
  if (!centralOnline) out.push(condition('central.down'));
  for (const [name, d] of Object.entries(devices)) {
    if (!d) continue;
    if (d.status === 'offline' || d.status === 'noDevice') out.push(condition('device.offline', name, d.error ? { error: d.error } : undefined));
    else if (d.status === 'hardwareError') out.push(condition('device.fault', name, d.error ? { error: d.error } : undefined));
  }
  const { printer, card, cash, report } = devices;
  if (printer?.paper === 'out') out.push(condition('printer.paperOut', 'printer'));
  else if (printer?.paper === 'low') out.push(condition('printer.paperLow', 'printer'));
  if (card?.stacker === 'empty') out.push(condition('card.stackerEmpty', 'card'));
  else if (card?.stacker === 'low') out.push(condition('card.stackerLow', 'card'));
  if (card?.bin === 'full') out.push(condition('card.binFull', 'card'));
  if (cash?.cashbox === 'full') out.push(condition('cash.boxFull', 'cash'));
  else if (cash?.cashbox === 'nearlyFull') out.push(condition('cash.boxNearlyFull', 'cash'));
  else if (cash?.cashbox === 'removed') out.push(condition('cash.boxRemoved', 'cash'));
  if (report?.paper === 'out') out.push(condition('report.paperOut', 'report'));
  return out;
}

/**
 * The open alarms, and what changed: a condition that appears is raised once, one that goes away
 * is cleared once, however often the same status is seen. Alarms raised by hand (a patient calls
 * staff) stay until cleared by hand.
 */
export class AlarmSet {
  private readonly active = new Map<string, ActiveAlarm>();
  private readonly manual = new Set<string>();

  update(conditions: AlarmCondition[], now = Date.now()): { raised: ActiveAlarm[]; cleared: ActiveAlarm[] } {
    const seen = new Set(conditions.map((c) => c.alarmId));
    const raised: ActiveAlarm[] = [];
    const cleared: ActiveAlarm[] = [];
    for (const c of conditions) {
      if (this.active.has(c.alarmId)) continue;
      const alarm = { ...c, since: now };
      this.active.set(c.alarmId, alarm);
      raised.push(alarm);
    }
    for (const [id, alarm] of this.active) {
      if (seen.has(id) || this.manual.has(id)) continue;
      this.active.delete(id);
      cleared.push(alarm);
    }
    return { raised, cleared };
  }

  raise(c: AlarmCondition, now = Date.now()): ActiveAlarm | undefined {
    this.manual.add(c.alarmId);
    if (this.active.has(c.alarmId)) return undefined;
    const alarm = { ...c, since: now };
    this.active.set(c.alarmId, alarm);
    return alarm;
  }

  clear(alarmId: string): ActiveAlarm | undefined {
    this.manual.delete(alarmId);
    const alarm = this.active.get(alarmId);
    this.active.delete(alarmId);
    return alarm;
  }

  list(): ActiveAlarm[] {
    return [...this.active.values()];
  }
}

export { condition as alarmCondition };

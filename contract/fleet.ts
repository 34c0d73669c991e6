import { z } from 'zod';

/**
 * What a kiosk tells operations about itself (DESIGN.md §5 fleet agent, §7): the retained `state`
 * snapshot, the `hb` heartbeat, and alarms (`alarm` events and the retained `alarms/active` set).
 * No personal data ever goes here.
 */

const deviceStates = ['online', 'offline', 'hardwareError', 'userError', 'fraudAttempt', 'noDevice', 'busy'] as const;

/** One device as the state snapshot shows it: DESIGN.md §3's `{status, ...detail}`. */
export const deviceSnapshotSchema = z.object({ status: z.enum(deviceStates) }).catchall(z.unknown());
export type DeviceSnapshot = z.infer<typeof deviceSnapshotSchema>;

/** Why money cannot be taken now; each maps to a line on the patient's screen. */
export const moneyBlocks = ['central', 'printerPaper', 'printer', 'maintenance'] as const;
export type MoneyBlock = (typeof moneyBlocks)[number];
/** Why one payment method is missing while others may work. */
export const methodBlocks = ['deviceDown', 'cashboxFull', 'notConfigured'] as const;
export type MethodBlock = (typeof methodBlocks)[number];
export const paymentMethods = ['card', 'qr', 'cash', 'insurance'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

export const availabilitySchema = z.object({
  money: z.boolean(),
  blocks: z.array(z.enum(moneyBlocks)),
  methods: z.record(z.enum(paymentMethods), z.union([z.literal('ok'), z.enum(methodBlocks)])),
});
export type Availability = z.infer<typeof availabilitySchema>;

export const kioskStateSchema = z.object({
  v: z.literal(1),
  ts: z.number().int(),
  kid: z.string(),
  bootId: z.string(),
  versions: z.object({ zizhu: z.string(), node: z.string() }),
  devices: z.record(z.string(), deviceSnapshotSchema),
  central: z.object({ online: z.boolean() }),
  outbox: z.object({ depth: z.number().int().nonnegative(), oldestAgeMs: z.number().int().nonnegative() }),
  availability: availabilitySchema,
});
export type KioskState = z.infer<typeof kioskStateSchema>;

export const heartbeatSchema = z.object({
  v: z.literal(1),
  ts: z.number().int(),
  kid: z.string(),
  uptimeS: z.number().int().nonnegative(),
  outboxDepth: z.number().int().nonnegative(),
  oldestPendingAgeMs: z.number().int().nonnegative(),
  centralOnline: z.boolean(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const alarmSeverities = ['critical', 'major', 'minor'] as const;
export type AlarmSeverity = (typeof alarmSeverities)[number];

/**
 * Alarm codes and their severity. critical: money is off on this kiosk; major: a function is off
 * or a unit needs a visit soon; minor: a consumable runs low.
 */
export const alarmCodes = {
  'device.offline': 'major',
  'device.fault': 'major',
  'printer.paperOut': 'critical',
  'printer.paperLow': 'minor',
  'card.stackerEmpty': 'major',
  'card.stackerLow': 'minor',
  'card.binFull': 'major',
  'cash.boxFull': 'major',
  'cash.boxNearlyFull': 'minor',
  'cash.boxRemoved': 'critical',
  'report.paperOut': 'major',
  'central.down': 'critical',
  'staff.called': 'major',
  'staff.pinFailed': 'major',
  'cash.countMismatch': 'major',
  /** A new patient's card went to the capture bin after the HIS created the record: staff hand it over at a counter. */
  'card.kept': 'major',
} as const satisfies Record<string, AlarmSeverity>;
export type AlarmCode = keyof typeof alarmCodes;

export const activeAlarmSchema = z.object({
  /** Stable per condition, e.g. `printer.paperOut` or `device.offline:cash`: raise and clear pair by it. */
  alarmId: z.string(),
  code: z.enum(Object.keys(alarmCodes) as [AlarmCode, ...AlarmCode[]]),
  severity: z.enum(alarmSeverities),
  device: z.string().optional(),
  since: z.number().int(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type ActiveAlarm = z.infer<typeof activeAlarmSchema>;

export const alarmEventSchema = activeAlarmSchema.extend({
  v: z.literal(1),
  ts: z.number().int(),
  kid: z.string(),
  state: z.enum(['raised', 'cleared']),
});
export type AlarmEvent = z.infer<typeof alarmEventSchema>;

export const activeAlarmsSchema = z.object({ v: z.literal(1), ts: z.number().int(), kid: z.string(), alarms: z.array(activeAlarmSchema) });

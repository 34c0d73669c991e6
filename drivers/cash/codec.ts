/**
 * ITL SSP framing and messages, pure: bytes in, typed packets out, and back. No timers, no I/O.
 * Source: ITL GA973 "SSP Implementation Guide" v2.2 and GA138 event guide, as studied in
 * reference/hardware-protocols.md §3.2. Validator (NV9/NV10/NV200) subset; no eSSP encryption,
 * which ITL makes optional for note validators.
 */

/** GA973 "Packet format": every packet starts with STX; a 7F anywhere after it is sent twice. */
export const STX = 0x7f;
/** Slave id of a note validator (GA973 "SEQ/ID"); a SMART Hopper would be 0x10. */
export const VALIDATOR_ADDRESS = 0x00;
const SEQ_BIT = 0x80;

/** Command codes, GA973 command table. */
export const CMD = {
  reset: 0x01,
  setInhibits: 0x02,
  displayOn: 0x03,
  displayOff: 0x04,
  setupRequest: 0x05,
  hostProtocolVersion: 0x06,
  poll: 0x07,
  reject: 0x08,
  disable: 0x09,
  enable: 0x0a,
  serialNumber: 0x0c,
  sync: 0x11,
  hold: 0x18,
} as const;

/** Generic responses, the first DATA byte of every reply (GA973 "Generic responses"). */
export const RESPONSE = {
  ok: 0xf0,
  unknownCommand: 0xf2,
  wrongParameters: 0xf3,
  parameterOutOfRange: 0xf4,
  cannotProcess: 0xf5,
  softwareError: 0xf6,
  fail: 0xf8,
  keyNotSet: 0xfa,
} as const;
export type ResponseName = keyof typeof RESPONSE;

export function responseName(code: number): ResponseName | undefined {
  return (Object.keys(RESPONSE) as ResponseName[]).find((k) => RESPONSE[k] === code);
}

// ---- Packets --------------------------------------------------------------------------------

export interface Packet {
  kind: 'packet';
  /** The sequence flag, bit 7 of SEQ/ID. */
  seq: 0 | 1;
  address: number;
  data: Buffer;
}

/** A packet whose CRC does not match: the receiver asks again by resending the same SEQ. */
export interface BadPacket {
  kind: 'bad';
  reason: 'crc';
  bytes: Buffer;
}

export type ParsedItem = Packet | BadPacket;

/** CRC-16, polynomial 0x8005, seed FFFF, not reflected (GA973 "CRC"). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** `7F SEQ/ID LEN DATA CRCL CRCH`, CRC over SEQ/ID..DATA before stuffing, then every 7F doubled. */
export function encodePacket(packet: Omit<Packet, 'kind'>): Buffer {
  if (!Number.isInteger(packet.address) || packet.address < 0 || packet.address > 0x7f) {
    throw new RangeError(`SSP address must be 0..127, got ${packet.address}`);
  }
  if (packet.data.length > 0xff) throw new RangeError(`SSP data is at most 255 bytes, got ${packet.data.length}`);
  const body = Buffer.concat([Buffer.of((packet.seq ? SEQ_BIT : 0) | packet.address, packet.data.length), packet.data]);
  const crc = crc16(body);
  const unstuffed = Buffer.concat([body, Buffer.of(crc & 0xff, crc >> 8)]);
  const out = [STX];
  for (const b of unstuffed) {
    out.push(b);
    if (b === STX) out.push(STX);
  }
  return Buffer.from(out);
}

export function encodeCommand(seq: 0 | 1, address: number, code: number, params: Uint8Array = Buffer.alloc(0)): Buffer {
  return encodePacket({ seq, address, data: Buffer.concat([Buffer.of(code), params]) });
}

export function encodeReply(seq: 0 | 1, address: number, response: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  return encodePacket({ seq, address, data: Buffer.concat([Buffer.of(response), payload]) });
}

/**
 * Incremental parser for both directions (packets look the same either way). Bytes before an STX
 * are line noise. Inside a packet, 7F 7F is a data 7F; a lone 7F followed by anything else is a
 * new STX (GA973: the receiver restarts there), so a packet cut short by noise is dropped and
 * the one behind it is still found.
 */
export class FrameParser {
  private body: number[] | undefined;
  private pendingStx = false;

  push(chunk: Uint8Array): ParsedItem[] {
    const items: ParsedItem[] = [];
    for (const b of chunk) {
      const item = this.byte(b);
      if (item) items.push(item);
    }
    return items;
  }

  /** Drops a partial packet, e.g. after a power cycle. */
  reset(): void {
    this.body = undefined;
    this.pendingStx = false;
  }

  private byte(b: number): ParsedItem | undefined {
    if (!this.body) {
      if (b === STX) this.body = [];
      return undefined;
    }
    if (this.pendingStx) {
      this.pendingStx = false;
      if (b !== STX) this.body = []; // the lone 7F started a new packet
    } else if (b === STX) {
      this.pendingStx = true;
      return undefined;
    }
    const body = this.body;
    body.push(b);
    const length = body[1];
    if (length === undefined || body.length < length + 4) return undefined;
    this.body = undefined;
    const bytes = Buffer.from(body);
    const crc = bytes.readUInt16LE(bytes.length - 2);
    if (crc16(bytes.subarray(0, bytes.length - 2)) !== crc) return { kind: 'bad', reason: 'crc', bytes };
    return { kind: 'packet', seq: bytes[0]! & SEQ_BIT ? 1 : 0, address: bytes[0]! & 0x7f, data: Buffer.from(bytes.subarray(2, 2 + length)) };
  }
}

// ---- Set inhibits ---------------------------------------------------------------------------

/** `02 lo hi`: bit n-1 set = channel n may accept notes (GA973 "Set inhibits"). */
export function encodeInhibits(allowedChannels: readonly number[]): Buffer {
  let mask = 0;
  for (const ch of allowedChannels) {
    if (!Number.isInteger(ch) || ch < 1 || ch > 16) throw new RangeError(`SSP channels are 1..16, got ${ch}`);
    mask |= 1 << (ch - 1);
  }
  return Buffer.of(mask & 0xff, mask >> 8);
}

export function decodeInhibits(params: Buffer): number[] {
  const mask = (params[0] ?? 0) | ((params[1] ?? 0) << 8);
  return Array.from({ length: 16 }, (_, i) => i + 1).filter((ch) => mask & (1 << (ch - 1)));
}

// ---- Setup request --------------------------------------------------------------------------

export interface SetupInfo {
  /** 0 = note validator. */
  unitType: number;
  /** Four ASCII characters, e.g. "0390" for 3.90. */
  firmware: string;
  /** ISO 4217, e.g. "CNY". */
  currency: string;
  protocolVersion: number;
  /** Value of each channel (index 0 = channel 1) in the currency's minor unit: fen for CNY. */
  channelFen: number[];
  channelSecurity: number[];
}

/**
 * The setup reply of a validator, after the F0 (GA973 "Setup request", validator table).
 * Multipliers are 3 bytes big-endian; from protocol 6 the per-channel countries and 4-byte
 * little-endian values follow, and the value multiplier may be 0 to say "use those".
 * Channel value × real value multiplier is the minor unit (GA973: "5.00 EUR = 500 EUR cents").
 */
export function decodeSetup(payload: Buffer): SetupInfo {
  const fail = (why: string) => new RangeError(`setup reply ${why} (${payload.length} bytes)`);
  if (payload.length < 12) throw fail('is too short');
  const n = payload[11]!;
  if (payload.length < 16 + 2 * n) throw fail(`is too short for ${n} channels`);
  const valueMultiplier = payload.readUIntBE(8, 3);
  const realValueMultiplier = payload.readUIntBE(12 + 2 * n, 3);
  const protocolVersion = payload[15 + 2 * n]!;
  let units = [...payload.subarray(12, 12 + n)].map((v) => v * valueMultiplier);
  if (protocolVersion >= 6) {
    const expandedAt = 16 + 5 * n;
    if (payload.length < expandedAt + 4 * n) throw fail('lacks the protocol 6 channel values');
    units = Array.from({ length: n }, (_, i) => payload.readUInt32LE(expandedAt + 4 * i));
  }
  return {
    unitType: payload[0]!,
    firmware: payload.subarray(1, 5).toString('latin1'),
    currency: payload.subarray(5, 8).toString('latin1'),
    protocolVersion,
    channelFen: units.map((u) => u * realValueMultiplier),
    channelSecurity: [...payload.subarray(12 + n, 12 + 2 * n)],
  };
}

/**
 * Builds what a validator sends. `unitValues` are whole currency units (yuan); the real value
 * multiplier 100 turns them into fen, as a CNY dataset does.
 */
export function encodeSetup(s: { firmware: string; currency: string; protocolVersion: number; unitValues: number[] }): Buffer {
  const n = s.unitValues.length;
  const out = Buffer.alloc(16 + 2 * n + (s.protocolVersion >= 6 ? 7 * n : 0));
  out[0] = 0x00;
  out.write(s.firmware.padEnd(4, '0').slice(0, 4), 1, 'latin1');
  out.write(s.currency, 5, 'latin1');
  out.writeUIntBE(1, 8, 3);
  out[11] = n;
  // A one-byte channel value cannot hold a large note; protocol 6 puts the real value later.
  s.unitValues.forEach((v, i) => {
    out[12 + i] = Math.min(v, 0xff);
    out[12 + n + i] = 2;
  });
  out.writeUIntBE(100, 12 + 2 * n, 3);
  out[15 + 2 * n] = s.protocolVersion;
  if (s.protocolVersion >= 6) {
    s.unitValues.forEach((v, i) => {
      out.write(s.currency, 16 + 2 * n + 3 * i, 'latin1');
      out.writeUInt32LE(v, 16 + 5 * n + 4 * i);
    });
  }
  return out;
}

// ---- Poll events ----------------------------------------------------------------------------

/** Event bytes of a validator's poll reply, GA138 event table. */
export const EVENT = {
  slaveReset: 0xf1,
  read: 0xef,
  credit: 0xee,
  rejecting: 0xed,
  rejected: 0xec,
  stacking: 0xcc,
  stacked: 0xeb,
  safeJam: 0xea,
  unsafeJam: 0xe9,
  disabled: 0xe8,
  stackerFull: 0xe7,
  fraudAttempt: 0xe6,
  cashboxReplaced: 0xe4,
  cashboxRemoved: 0xe3,
  noteClearedIntoCashbox: 0xe2,
  noteClearedFromFront: 0xe1,
  notePathOpen: 0xe0,
  channelDisable: 0xb5,
  initialising: 0xb6,
} as const;

/** GA138: these carry one data byte, the channel (0 when the unit does not know it). */
type ChannelEventType = 'escrow' | 'credit' | 'fraudAttempt' | 'noteClearedIntoCashbox' | 'noteClearedFromFront';
type PlainEventType = Exclude<keyof typeof EVENT, 'read' | ChannelEventType>;

/**
 * One poll event. `read` is split by its data: channel 0 is `reading` (still validating), a
 * channel is `escrow` (the note waits for the host's decision).
 */
export type PollEvent =
  | { type: ChannelEventType; channel: number }
  | { type: PlainEventType | 'reading' }
  /** A byte this codec does not know; what followed it in the same reply is not decoded. */
  | { type: 'unknown'; code: number };
export type PollEventType = PollEvent['type'];

const channelEvents = new Map<number, ChannelEventType>([
  [EVENT.read, 'escrow'],
  [EVENT.credit, 'credit'],
  [EVENT.fraudAttempt, 'fraudAttempt'],
  [EVENT.noteClearedIntoCashbox, 'noteClearedIntoCashbox'],
  [EVENT.noteClearedFromFront, 'noteClearedFromFront'],
]);
const plainEvents = new Map<number, PlainEventType>(
  (Object.entries(EVENT) as [PlainEventType, number][]).filter(([, byte]) => !channelEvents.has(byte)).map(([name, byte]) => [byte, name]),
);

/** Events of a poll reply, after its F0. */
export function decodePollEvents(payload: Buffer): PollEvent[] {
  const events: PollEvent[] = [];
  for (let i = 0; i < payload.length; i++) {
    const code = payload[i]!;
    const plain = plainEvents.get(code);
    if (plain) {
      events.push({ type: plain });
      continue;
    }
    const channelType = channelEvents.get(code);
    const channel = payload[i + 1];
    // An unknown event may carry data of unknown length: nothing after it can be trusted.
    if (!channelType || channel === undefined) {
      events.push({ type: 'unknown', code });
      break;
    }
    i++;
    events.push(channelType === 'escrow' && channel === 0 ? { type: 'reading' } : { type: channelType, channel });
  }
  return events;
}

export function encodePollEvents(events: readonly PollEvent[]): Buffer {
  const bytes: number[] = [];
  for (const e of events) {
    if (e.type === 'unknown') bytes.push(e.code);
    else if (e.type === 'reading') bytes.push(EVENT.read, 0);
    else if (e.type === 'escrow') bytes.push(EVENT.read, e.channel);
    else if ('channel' in e) bytes.push(EVENT[e.type], e.channel);
    else bytes.push(EVENT[e.type]);
  }
  return Buffer.from(bytes);
}

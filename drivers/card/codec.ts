import type { DeviceErrorCode } from '../core/device-error.ts';
import type { BinLevel, CardPosition, StackerLevel } from '../core/status.ts';

/**
 * Creator CRT-591-M framing, pure: bytes in, typed items out, and back. No timers, no I/O.
 * Source: "CRT-591-M001 communication protocol" (Creator, 2013), as studied in
 * reference/hardware-protocols.md §2.1. Other Creator models frame differently (§2), so this
 * codec is for the 591-M only.
 */

/** Control characters, CRT-591-M001 communication protocol (transmission control codes). */
export const STX = 0xf2;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;
export const EOT = 0x04;

/** Text heads. The PDF prints the negative head as "N' 45H"; the byte on the wire is 'N' = 4E. */
export const HEAD_COMMAND = 0x43; // 'C'
export const HEAD_POSITIVE = 0x50; // 'P'
export const HEAD_NEGATIVE = 0x4e; // 'N'

/** DIP-switch addresses 00–0F; the factory default is 00. */
export const MAX_ADDRESS = 0x0f;
/** DATA is 0–512 bytes; LEN counts head through DATA, so a positive reply's text is at most 6 + 512. */
export const MAX_DATA = 512;
const MAX_TEXT = 6 + MAX_DATA;

/** CM bytes, CRT-591-M001 communication protocol (command list). */
export const CM = {
  initialize: 0x30,
  status: 0x31,
  moveCard: 0x32,
  cardEntry: 0x33,
  rfCard: 0x60,
} as const;

/** PM bytes for the commands this driver uses, same command list. */
export const PM = {
  initMoveToHolding: 0x30,
  initCapture: 0x31,
  initDontMove: 0x33,
  initMoveToHoldingCounted: 0x34,
  initCaptureCounted: 0x35,
  initDontMoveCounted: 0x37,
  statusBasic: 0x30,
  moveToHolding: 0x30,
  moveToIc: 0x31, // from the stacker when no card is inside: this is "dispense"
  moveToRf: 0x32,
  moveToBin: 0x33, // capture into the error-card bin
  moveToGate: 0x39, // present the card to the patient
  entryEnable: 0x30,
  entryDisable: 0x31,
  rfActivate: 0x30,
  rfDeactivate: 0x31,
  rfMifare: 0x33,
} as const;

export interface CommandFrame {
  kind: 'command';
  address: number;
  cm: number;
  pm: number;
  data: Buffer;
}

/** Raw st0 st1 st2 bytes (ASCII '0'..'2'), decoded with `decodeUnitStatus`. */
export interface StatusBytes {
  st0: number;
  st1: number;
  st2: number;
}

export interface PositiveReply {
  kind: 'positive';
  address: number;
  cm: number;
  pm: number;
  status: StatusBytes;
  data: Buffer;
}

export interface NegativeReply {
  kind: 'negative';
  address: number;
  cm: number;
  pm: number;
  /** e1e0 as two ASCII characters, e.g. "A0". */
  code: string;
}

/**
 * A frame with a sound header that cannot be trusted. `bcc` is the case the protocol names (the
 * receiver answers NAK and the sender repeats); `etx` is a frame damaged in its length or text.
 */
export interface BadFrame {
  kind: 'bad';
  reason: 'bcc' | 'etx';
  bytes: Buffer;
}

export type ParsedItem =
  | { kind: 'ack' }
  | { kind: 'nak' }
  | { kind: 'eot' }
  | CommandFrame
  | PositiveReply
  | NegativeReply
  | BadFrame;

export function bcc(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/** `F2 ADDR LENH LENL TEXT 03 BCC`, BCC = XOR of STX through ETX. */
function frame(address: number, text: Buffer): Buffer {
  const out = Buffer.alloc(text.length + 6);
  out[0] = STX;
  out[1] = address;
  out.writeUInt16BE(text.length, 2);
  text.copy(out, 4);
  out[out.length - 2] = ETX;
  out[out.length - 1] = bcc(out.subarray(0, out.length - 1));
  return out;
}

function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > MAX_ADDRESS) {
    throw new RangeError(`CRT-591 address must be 0..15, got ${address}`);
  }
}

function checkData(data: Uint8Array): void {
  if (data.length > MAX_DATA) throw new RangeError(`CRT-591 data is at most ${MAX_DATA} bytes, got ${data.length}`);
}

export function encodeCommand(address: number, cm: number, pm: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  checkAddress(address);
  checkData(data);
  return frame(address, Buffer.concat([Buffer.from([HEAD_COMMAND, cm, pm]), data]));
}

export function encodePositive(address: number, cm: number, pm: number, status: StatusBytes, data: Uint8Array = Buffer.alloc(0)): Buffer {
  checkAddress(address);
  checkData(data);
  return frame(address, Buffer.concat([Buffer.from([HEAD_POSITIVE, cm, pm, status.st0, status.st1, status.st2]), data]));
}

export function encodeNegative(address: number, cm: number, pm: number, code: string): Buffer {
  checkAddress(address);
  if (!/^[0-9A-F]{2}$/.test(code)) throw new RangeError(`CRT-591 error code is two hex characters, got "${code}"`);
  return frame(address, Buffer.from([HEAD_NEGATIVE, cm, pm, code.charCodeAt(0), code.charCodeAt(1)]));
}

/**
 * Incremental parser for both directions of the line (the driver reads replies, the simulator
 * reads commands). Bytes outside a frame that are not ACK/NAK/EOT are line noise and are dropped;
 * a frame may arrive in any number of chunks.
 */
export class FrameParser {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): ParsedItem[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    const items: ParsedItem[] = [];
    for (;;) {
      const step = this.next();
      if (step === 'need-more') break;
      if (step !== 'skipped') items.push(step);
    }
    return items;
  }

  /** Drops a partial frame, e.g. after the line was idle too long for it to be completed. */
  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  private consume(n: number): Buffer {
    const taken = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return taken;
  }

  private next(): ParsedItem | 'skipped' | 'need-more' {
    const first = this.buffer[0];
    if (first === undefined) return 'need-more';
    if (first === ACK || first === NAK || first === EOT) {
      this.consume(1);
      return { kind: first === ACK ? 'ack' : first === NAK ? 'nak' : 'eot' };
    }
    if (first !== STX) {
      this.consume(1);
      return 'skipped';
    }
    if (this.buffer.length < 5) return 'need-more';
    // An implausible header means this F2 was noise, not a frame start: resynchronise on the next byte.
    if (!plausibleHeader(this.buffer)) {
      this.consume(1);
      return 'skipped';
    }
    const address = this.buffer[1]!;
    const textLength = this.buffer.readUInt16BE(2);
    const total = textLength + 6;
    if (this.buffer.length < total) return 'need-more';
    if (this.buffer[total - 2] !== ETX) {
      // Not where ETX must be: a damaged length or a noise F2. Report it, then resynchronise on
      // the next byte so that a real frame behind the noise is not swallowed.
      const bytes = Buffer.from(this.buffer.subarray(0, total));
      this.consume(1);
      return { kind: 'bad', reason: 'etx', bytes };
    }
    const bytes = Buffer.from(this.consume(total));
    if (bcc(bytes.subarray(0, total - 1)) !== bytes[total - 1]) return { kind: 'bad', reason: 'bcc', bytes };
    return decodeText(address, bytes.subarray(4, total - 2));
  }
}

/**
 * STX, an address the DIP switches can set, and a length that fits the head that follows.
 * Checking the head too keeps a noise F2 from making us wait for hundreds of bytes that never come.
 */
function plausibleHeader(b: Buffer): boolean {
  const textLength = b.readUInt16BE(2);
  if (b[1]! > MAX_ADDRESS || textLength > MAX_TEXT) return false;
  const head = b[4];
  if (head === HEAD_COMMAND) return textLength >= 3;
  if (head === HEAD_POSITIVE) return textLength >= 6;
  if (head === HEAD_NEGATIVE) return textLength === 5;
  return false;
}

function decodeText(address: number, text: Buffer): ParsedItem {
  const [head, cm, pm] = [text[0]!, text[1]!, text[2]!];
  if (head === HEAD_COMMAND) return { kind: 'command', address, cm, pm, data: Buffer.from(text.subarray(3)) };
  if (head === HEAD_POSITIVE) {
    const status = { st0: text[3]!, st1: text[4]!, st2: text[5]! };
    return { kind: 'positive', address, cm, pm, status, data: Buffer.from(text.subarray(6)) };
  }
  return { kind: 'negative', address, cm, pm, code: text.subarray(3, 5).toString('latin1') };
}

// ---- Status bytes --------------------------------------------------------------------------

export interface UnitStatus {
  cardAt: CardPosition;
  stacker: StackerLevel;
  bin: BinLevel;
}

/** st0: '0' no card, '1' card at gate, '2' card at RF/IC position (CRT-591-M001, status reply). */
const cardAtBytes: Record<CardPosition, number> = { none: 0x30, gate: 0x31, reader: 0x32 };
/** st1: '0' stacker empty, '1' few cards, '2' enough cards. */
const stackerBytes: Record<StackerLevel, number> = { empty: 0x30, low: 0x31, full: 0x32 };
/** st2: '0' error-card bin not full, '1' full. */
const binBytes: Record<BinLevel, number> = { ok: 0x30, full: 0x31 };

function lookup<T extends string>(table: Record<T, number>, byte: number): T | undefined {
  return (Object.keys(table) as T[]).find((k) => table[k] === byte);
}

/** Undefined when a byte is outside the table: the caller decides how loud to be. */
export function decodeUnitStatus(s: StatusBytes): UnitStatus | undefined {
  const cardAt = lookup(cardAtBytes, s.st0);
  const stacker = lookup(stackerBytes, s.st1);
  const bin = lookup(binBytes, s.st2);
  return cardAt && stacker && bin ? { cardAt, stacker, bin } : undefined;
}

export function encodeUnitStatus(u: UnitStatus): StatusBytes {
  return { st0: cardAtBytes[u.cardAt], st1: stackerBytes[u.stacker], st2: binBytes[u.bin] };
}

// ---- Error codes ---------------------------------------------------------------------------

export interface DeviceCodeInfo {
  name: string;
  /** Our stable code for it (device-error.ts). */
  errorCode: DeviceErrorCode;
  /** The mechanism needs a person: the unit is out of service until it is cleared and re-initialised. */
  hardwareFault: boolean;
}

/** e1e0 error codes of a negative reply, CRT-591-M001 communication protocol (error code table). */
const deviceCodes: Record<string, { name: string; errorCode?: DeviceErrorCode; hardwareFault?: true }> = {
  '00': { name: 'undefinedCommand' },
  '01': { name: 'parameterError' },
  '02': { name: 'commandSequenceError' },
  '03': { name: 'notSupportedByHardware' },
  '04': { name: 'dataError' },
  '05': { name: 'icContactNotReleased' },
  '10': { name: 'cardJam', errorCode: 'JAM', hardwareFault: true },
  '12': { name: 'sensorError', hardwareFault: true },
  '13': { name: 'cardTooLong' },
  '14': { name: 'cardTooShort' },
  '40': { name: 'cannotRecycleCard' },
  '41': { name: 'icMagnetError', hardwareFault: true },
  '43': { name: 'cannotMoveToIcPosition' },
  '45': { name: 'cardMovedManually' },
  '50': { name: 'counterOverflow' },
  '51': { name: 'motorError', hardwareFault: true },
  '60': { name: 'icPowerShort', hardwareFault: true },
  '61': { name: 'activationFailed' },
  'A0': { name: 'stackerEmpty', errorCode: 'STACKER_EMPTY' },
  'A1': { name: 'binFull', errorCode: 'BIN_FULL' },
  'B0': { name: 'notInitialised' },
};

export function describeDeviceCode(code: string): DeviceCodeInfo {
  const known = deviceCodes[code] ?? (/^6[2-9]$/.test(code) ? { name: 'icProtocolError' } : { name: 'unknown' });
  return { name: known.name, errorCode: known.errorCode ?? 'DEVICE_REPORTED', hardwareFault: known.hardwareFault ?? false };
}

// ---- M1 (Mifare Classic) card, through `C 60 33` pseudo-APDUs -------------------------------

export type M1KeyType = 'A' | 'B';
export interface M1Key {
  type: M1KeyType;
  /** Six bytes. */
  key: Uint8Array;
}

/** Factory transport key of a blank Mifare Classic card. */
export const DEFAULT_M1_KEY_BYTES: Readonly<Uint8Array> = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
export const DEFAULT_M1_KEY: Readonly<M1Key> = { type: 'A', key: DEFAULT_M1_KEY_BYTES };

/** Where a hospital's patient cards keep the card number: ASCII digits, right-padded with 00 or spaces. */
export interface M1Layout {
  /** 0..15 on a Mifare Classic 1K. */
  sector: number;
  /** 0..2: block 3 is the sector trailer with the keys. */
  block: number;
}
/** The default layout; hospitals that issued their cards differently set theirs in config. */
export const PATIENT_CARD_LAYOUT: Readonly<M1Layout> = { sector: 1, block: 0 };
export const M1_BLOCK_SIZE = 16;

/** Set1 Set2 of `60 30`: try type A, then type B (the C# reference driver sends the same). */
export const RF_ACTIVATE_DATA: Readonly<Buffer> = Buffer.from('AB', 'latin1');
/** Rtype of an activated Mifare One card. */
export const RF_TYPE_MIFARE = 0x4d; // 'M'

/** Pseudo-APDU instructions inside `60 33`. */
export const MIFARE_INS = { verifyKey: 0x20, readBlocks: 0xb0 } as const;
/** Result bytes the reader appends inside a positive reply. */
export const MIFARE_SW = { ok: '9000', fail: '6F00', addressOverflow: '6B00', lengthOverflow: '6700' } as const;

const keySelector = (type: M1KeyType) => (type === 'A' ? 0x00 : 0x01);

/** `00 20 ks sn 06 key6` */
export function encodeVerifyKey(sector: number, key: M1Key): Buffer {
  if (key.key.length !== 6) throw new RangeError(`an M1 key is 6 bytes, got ${key.key.length}`);
  return Buffer.from([0x00, MIFARE_INS.verifyKey, keySelector(key.type), sector, 0x06, ...key.key]);
}

/** `00 B0 sn bn le`, le = number of blocks. */
export function encodeReadBlocks(sector: number, block: number, count: number): Buffer {
  return Buffer.from([0x00, MIFARE_INS.readBlocks, sector, block, count]);
}

/** Splits a `60 33` reply's data into payload and the trailing result bytes (as hex, e.g. "9000"). */
export function splitMifareResult(data: Buffer): { payload: Buffer; sw: string } {
  if (data.length < 2) return { payload: Buffer.alloc(0), sw: '' };
  return { payload: data.subarray(0, data.length - 2), sw: data.subarray(data.length - 2).toString('hex').toUpperCase() };
}

export function mifareResult(sw: string, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.concat([payload, Buffer.from(sw, 'hex')]);
}

/** Undefined when the block holds no card number (a blank or foreign card). */
export function decodePatientCardNumber(block: Uint8Array): string | undefined {
  const text = Buffer.from(block).toString('latin1').replace(/[\0 ]+$/, '');
  return /^\d+$/.test(text) ? text : undefined;
}

export function encodePatientCardBlock(cardNo: string): Buffer {
  if (!/^\d{1,16}$/.test(cardNo)) throw new RangeError(`a patient card number is 1 to 16 digits, got "${cardNo}"`);
  const block = Buffer.alloc(M1_BLOCK_SIZE);
  block.write(cardNo, 'latin1');
  return block;
}

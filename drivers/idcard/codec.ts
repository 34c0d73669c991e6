import { DeviceError, type DeviceErrorCode } from '../core/device-error.ts';
import { nationName } from './nations.ts';

/**
 * The 公安部 SAM(V) module protocol of a second-generation resident ID card reader, pure: bytes
 * in, typed frames out, and back. No timers, no I/O. Source: eastcoms "身份证阅读器模块SAM_V通讯协议"
 * as studied in reference/hardware-protocols.md §1.
 */

/** Three sync bytes and the two frame-start bytes, §1.2. */
export const PREAMBLE: Readonly<Buffer> = Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
/** Preamble and the two length bytes. */
const HEADER_LENGTH = PREAMBLE.length + 2;
/** LEN of the longest reply, text + photo + fingerprint (30 10): 2321 bytes on the wire, §1.6. */
export const MAX_LENGTH = 2321 - HEADER_LENGTH;

/** CMD PARA of the commands this driver sends, §1.3. */
export const COMMANDS = {
  reset: { cmd: 0x10, para: 0xff },
  samStatus: { cmd: 0x11, para: 0xff },
  samInfo: { cmd: 0x12, para: 0xff },
  findCard: { cmd: 0x20, para: 0x01 },
  selectCard: { cmd: 0x20, para: 0x02 },
  readBase: { cmd: 0x30, para: 0x01 },
} as const;
export type CommandName = keyof typeof COMMANDS;

export function commandName(cmd: number, para: number): CommandName | undefined {
  return (Object.keys(COMMANDS) as CommandName[]).find((n) => COMMANDS[n].cmd === cmd && COMMANDS[n].para === para);
}

/** SW3, the module's own status byte, §1.4. */
export const SW3 = {
  ok: 0x90,
  found: 0x9f,
  hostChecksum: 0x10,
  hostLength: 0x11,
  commandError: 0x21,
  readFailed: 0x41,
  selfTestFailed: 0x60,
  noCard: 0x80,
  selectFailed: 0x81,
} as const;

export interface RequestFrame {
  kind: 'request';
  cmd: number;
  para: number;
  data: Buffer;
}

export interface ResponseFrame {
  kind: 'response';
  /** SW1 SW2 pass on the card's APDU status; SW3 is the module's. */
  sw1: number;
  sw2: number;
  sw3: number;
  data: Buffer;
}

/**
 * A frame that cannot be trusted. `checksum`: a whole frame whose XOR does not match (the frame
 * was damaged on the line). `length`: a preamble followed by a length no frame has (noise).
 */
export interface BadFrame {
  kind: 'bad';
  reason: 'checksum' | 'length';
  bytes: Buffer;
}

export type ParsedItem = RequestFrame | ResponseFrame | BadFrame;

/** XOR of LEN through the last data byte, §1.2. */
export function checksum(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(HEADER_LENGTH + body.length + 1);
  PREAMBLE.copy(out);
  out.writeUInt16BE(body.length + 1, PREAMBLE.length);
  out.set(body, HEADER_LENGTH);
  out[out.length - 1] = checksum(out.subarray(PREAMBLE.length, out.length - 1));
  return out;
}

export function encodeRequest(cmd: number, para: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  return frame(Buffer.concat([Buffer.from([cmd, para]), data]));
}

export function encodeCommand(name: CommandName): Buffer {
  return encodeRequest(COMMANDS[name].cmd, COMMANDS[name].para);
}

export function encodeResponse(sw3: number, data: Uint8Array = Buffer.alloc(0), sw1 = 0x00, sw2 = 0x00): Buffer {
  if (data.length + 4 > MAX_LENGTH) throw new RangeError(`a SAM reply carries at most ${MAX_LENGTH - 4} data bytes, got ${data.length}`);
  return frame(Buffer.concat([Buffer.from([sw1, sw2, sw3]), data]));
}

/**
 * Incremental parser for one direction of the line: the driver reads responses, the simulator
 * reads requests (both are framed alike; only the body differs). Bytes before a preamble are line
 * noise and are dropped; a frame may arrive in any number of chunks.
 */
export class FrameParser {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly direction: 'request' | 'response') {}

  push(chunk: Uint8Array): ParsedItem[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    const items: ParsedItem[] = [];
    for (let item = this.next(); item; item = this.next()) items.push(item);
    return items;
  }

  /** Drops a partial frame, e.g. one left over from a command that was given up on. */
  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  private next(): ParsedItem | undefined {
    const start = this.buffer.indexOf(PREAMBLE);
    if (start < 0) {
      // Keep a tail that may be the first bytes of a preamble still arriving.
      this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - (PREAMBLE.length - 1)));
      return undefined;
    }
    this.buffer = this.buffer.subarray(start);
    if (this.buffer.length < HEADER_LENGTH) return undefined;
    const length = this.buffer.readUInt16BE(PREAMBLE.length);
    // CMD PARA CHK, or SW1 SW2 SW3 CHK, at the least.
    const minimum = this.direction === 'request' ? 3 : 4;
    if (length < minimum || length > MAX_LENGTH) {
      // Resynchronise one byte on, so a real frame behind a noise preamble is not swallowed.
      const bytes = Buffer.from(this.buffer.subarray(0, HEADER_LENGTH));
      this.buffer = this.buffer.subarray(1);
      return { kind: 'bad', reason: 'length', bytes };
    }
    const total = HEADER_LENGTH + length;
    if (this.buffer.length < total) return undefined;
    const bytes = Buffer.from(this.buffer.subarray(0, total));
    if (checksum(bytes.subarray(PREAMBLE.length, total - 1)) !== bytes[total - 1]) {
      this.buffer = this.buffer.subarray(1);
      return { kind: 'bad', reason: 'checksum', bytes };
    }
    this.buffer = this.buffer.subarray(total);
    const body = bytes.subarray(HEADER_LENGTH, total - 1);
    if (this.direction === 'request') return { kind: 'request', cmd: body[0]!, para: body[1]!, data: Buffer.from(body.subarray(2)) };
    return { kind: 'response', sw1: body[0]!, sw2: body[1]!, sw3: body[2]!, data: Buffer.from(body.subarray(3)) };
  }
}

// ---- SW3 -----------------------------------------------------------------------------------

export interface Sw3Info {
  name: string;
  /** Our stable code when the module answers this instead of success. */
  errorCode: DeviceErrorCode;
}

const sw3Table: Record<number, Sw3Info> = {
  0x90: { name: 'success', errorCode: 'PROTOCOL' },
  0x9f: { name: 'cardFound', errorCode: 'PROTOCOL' },
  // The module got our frame damaged: a line fault, which the driver answers by sending again.
  0x10: { name: 'requestChecksumError', errorCode: 'BAD_FRAME' },
  0x11: { name: 'requestLengthError', errorCode: 'BAD_FRAME' },
  0x21: { name: 'commandError', errorCode: 'PROTOCOL' },
  0x24: { name: 'unrecognisedError', errorCode: 'DEVICE_REPORTED' },
  0x31: { name: 'cardRejectedReader', errorCode: 'DEVICE_REPORTED' },
  0x32: { name: 'readerRejectedCard', errorCode: 'DEVICE_REPORTED' },
  0x33: { name: 'verificationError', errorCode: 'DEVICE_REPORTED' },
  // Something that is not a resident ID card lies on the reader: the patient can fix that.
  0x40: { name: 'wrongCardType', errorCode: 'NO_CARD' },
  0x41: { name: 'readFailed', errorCode: 'DEVICE_REPORTED' },
  0x47: { name: 'randomNumberFailure', errorCode: 'DEVICE_REPORTED' },
  0x60: { name: 'selfTestFailed', errorCode: 'DEVICE_REPORTED' },
  0x66: { name: 'readerNotAuthorised', errorCode: 'DEVICE_REPORTED' },
  0x80: { name: 'noCard', errorCode: 'NO_CARD' },
  // The card left the field between find and select.
  0x81: { name: 'selectFailed', errorCode: 'NO_CARD' },
  0x91: { name: 'itemNotOnCard', errorCode: 'DEVICE_REPORTED' },
};

export function describeSw3(sw3: number): Sw3Info {
  return sw3Table[sw3] ?? { name: 'unknown', errorCode: 'DEVICE_REPORTED' };
}

export function hex2(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

// ---- SAM id (12 FF) ------------------------------------------------------------------------

const SAM_ID_BYTES = 16;
const SAM_ID_PATTERN = /^(\d{2})\.(\d{2})-(\d{8})-(\d{10})-(\d{10})$/;

/**
 * The 16 bytes of the management info as the id printed on the module's label, e.g.
 * `05.01-20240315-0000123456-0000654321`: two 16-bit and three 32-bit little-endian numbers, as
 * public reader code decodes them (HslCommunication's SAMSerial). The spec itself is not public.
 */
export function decodeSamId(data: Buffer): string | undefined {
  if (data.length < SAM_ID_BYTES) return undefined;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return [
    `${pad(data.readUInt16LE(0), 2)}.${pad(data.readUInt16LE(2), 2)}`,
    pad(data.readUInt32LE(4), 8),
    pad(data.readUInt32LE(8), 10),
    pad(data.readUInt32LE(12), 10),
  ].join('-');
}

export function encodeSamId(samId: string): Buffer {
  const m = SAM_ID_PATTERN.exec(samId);
  if (!m) throw new RangeError(`a SAM id looks like 05.01-20240315-0000123456-0000654321, got "${samId}"`);
  const [a, b, c, d, e] = m.slice(1).map(Number) as [number, number, number, number, number];
  const out = Buffer.alloc(SAM_ID_BYTES);
  out.writeUInt16LE(a, 0);
  out.writeUInt16LE(b, 2);
  out.writeUInt32LE(c, 4);
  out.writeUInt32LE(d, 8);
  out.writeUInt32LE(e, 12);
  return out;
}

// ---- Base info (30 01): text and photo -----------------------------------------------------

export const TEXT_BYTES = 256;
/** WLT: only the 公安部-licensed decoder reads it, so it stays opaque bytes here (§1.6). */
export const PHOTO_BYTES = 1024;
/** Data of a 30 01 reply: two BE lengths, the text, the photo. */
export const BASE_INFO_BYTES = 4 + TEXT_BYTES + PHOTO_BYTES;

export function encodeBaseInfo(text: Uint8Array, photo: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(text.length, 0);
  head.writeUInt16BE(photo.length, 2);
  return Buffer.concat([head, text, photo]);
}

export function decodeBaseInfo(data: Buffer): { text: Buffer; photo: Buffer } {
  const textLength = data.length >= 4 ? data.readUInt16BE(0) : -1;
  const photoLength = data.length >= 4 ? data.readUInt16BE(2) : -1;
  if (textLength !== TEXT_BYTES || photoLength !== PHOTO_BYTES || data.length !== BASE_INFO_BYTES) {
    throw new DeviceError('PROTOCOL', `base info is not ${TEXT_BYTES} text + ${PHOTO_BYTES} photo bytes`, {
      textLength,
      photoLength,
      dataLength: data.length,
    });
  }
  return { text: Buffer.from(data.subarray(4, 4 + TEXT_BYTES)), photo: Buffer.from(data.subarray(4 + TEXT_BYTES)) };
}

export type Sex = 'male' | 'female';

/** The holder as the card states it; also what `zizhu device idcard read --json` prints. */
export interface IdCardIdentity {
  name: string;
  sex: Sex;
  /** As the card prints it, e.g. "汉". */
  nation: string;
  /** GB 3304, e.g. "01". */
  nationCode: string;
  /** YYYY-MM-DD */
  birthDate: string;
  address: string;
  idNumber: string;
  issuer: string;
  validFrom: string;
  /** YYYY-MM-DD, or "long-term" for 长期. */
  validTo: string;
}

/** Offsets and byte lengths in the 256-byte UCS-2LE text, §1.6. */
const FIELDS = {
  name: [0, 30],
  sex: [30, 2],
  nation: [32, 4],
  birthDate: [36, 16],
  address: [52, 70],
  idNumber: [122, 36],
  issuer: [158, 30],
  validFrom: [188, 16],
  validTo: [204, 16],
} as const satisfies Record<string, readonly [number, number]>;
type Field = keyof typeof FIELDS;

/**
 * Foreign permanent residence cards and HK/Macau/Taiwan residence permits put a card-type letter
 * here and lay the text out differently (§1.6; the position is the published foreigner-card one).
 */
const CARD_TYPE_OFFSET = 248;
const OTHER_CARD_TYPES: Record<string, string> = {
  I: 'foreign permanent residence card (2017)',
  Y: 'foreign permanent residence card (2023)',
  J: 'HK/Macau/Taiwan residence permit',
};

/** GB/T 2261.1 sex codes. */
const SEX_CODES: Record<Sex, string> = { male: '1', female: '2' };
const LONG_TERM = '长期';

/** The card's text is space-padded UCS-2; characters outside the BMP do not fit in it. */
function encodeField(field: Field, value: string, text: Buffer): void {
  const [offset, bytes] = FIELDS[field];
  if (/[\uD800-\uDFFF]/.test(value)) throw new RangeError(`${field} has a character outside UCS-2`);
  if (value.length * 2 > bytes) throw new RangeError(`${field} is at most ${bytes / 2} characters, got ${value.length}`);
  text.write(value.padEnd(bytes / 2, ' '), offset, bytes, 'utf16le');
}

/** The text block as a card holds it (the simulator's side). Shape only: a bad check digit is written as given. */
export function encodeIdentityText(identity: IdCardIdentity): Buffer {
  const text = Buffer.from(' '.repeat(TEXT_BYTES / 2), 'utf16le');
  const compact = (date: string) => date.replaceAll('-', '');
  encodeField('name', identity.name, text);
  encodeField('sex', SEX_CODES[identity.sex], text);
  encodeField('nation', identity.nationCode, text);
  encodeField('birthDate', compact(identity.birthDate), text);
  encodeField('address', identity.address, text);
  encodeField('idNumber', identity.idNumber, text);
  encodeField('issuer', identity.issuer, text);
  encodeField('validFrom', compact(identity.validFrom), text);
  encodeField('validTo', identity.validTo === 'long-term' ? LONG_TERM : compact(identity.validTo), text);
  return text;
}

function readField(text: Buffer, field: Field): string {
  const [offset, bytes] = FIELDS[field];
  return text.toString('utf16le', offset, offset + bytes).replace(/[\s\0]+$/, '');
}

function malformed(field: Field, message: string, detail: Record<string, unknown> = {}): DeviceError {
  return new DeviceError('PROTOCOL', `ID card ${message}`, { field, ...detail });
}

/** `YYYYMMDD` to `YYYY-MM-DD`, undefined unless it is a day of the calendar. */
function isoDate(compact: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(compact);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';

export function idNumberCheckDigit(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('the check digit is computed over 17 digits');
  const sum = ID_WEIGHTS.reduce((s, w, i) => s + w * Number(first17[i]), 0);
  return ID_CHECK_CHARS[sum % 11]!;
}

export function isValidIdNumber(id: string): boolean {
  return /^\d{17}[\dX]$/.test(id) && idNumberCheckDigit(id.slice(0, 17)) === id[17];
}

/**
 * The 256-byte text of a resident ID card as an identity. Anything a genuine card cannot hold (an
 * unknown sex or nation code, an impossible date, an ID number whose check digit is wrong) is a
 * PROTOCOL error: the bytes were damaged, or the reader does not frame text as we expect. Error
 * details name the field, never its value (personal data).
 */
export function decodeIdentityText(text: Buffer): IdCardIdentity {
  if (text.length !== TEXT_BYTES) throw new DeviceError('PROTOCOL', `ID card text is ${text.length} bytes, not ${TEXT_BYTES}`);
  const cardType = text.toString('utf16le', CARD_TYPE_OFFSET, CARD_TYPE_OFFSET + 2);
  const other = Object.hasOwn(OTHER_CARD_TYPES, cardType) ? OTHER_CARD_TYPES[cardType] : undefined;
  if (other) throw new DeviceError('PROTOCOL', `the card is a ${other}, not a resident ID card`, { cardType });

  const name = readField(text, 'name');
  if (!name) throw malformed('name', 'name is empty');
  const sexCode = readField(text, 'sex');
  const sex = (Object.keys(SEX_CODES) as Sex[]).find((s) => SEX_CODES[s] === sexCode);
  if (!sex) throw malformed('sex', `sex code "${sexCode}" is not 1 or 2`);
  const nationCode = readField(text, 'nation');
  const nation = nationName(nationCode);
  if (!nation) throw malformed('nation', `nation code "${nationCode}" is not in GB 3304`);

  const date = (field: 'birthDate' | 'validFrom' | 'validTo') => {
    const value = isoDate(readField(text, field));
    if (!value) throw malformed(field, `${field} is not a YYYYMMDD date`);
    return value;
  };
  const birthDate = date('birthDate');
  const validFrom = date('validFrom');
  const validTo = readField(text, 'validTo') === LONG_TERM ? 'long-term' : date('validTo');

  const idNumber = readField(text, 'idNumber');
  if (!/^\d{17}[\dX]$/.test(idNumber)) throw malformed('idNumber', 'ID number is not 17 digits and a check character');
  const expected = idNumberCheckDigit(idNumber.slice(0, 17));
  if (idNumber[17] !== expected) {
    throw malformed('idNumber', `ID number check digit is ${idNumber[17]}, expected ${expected} (ISO 7064 MOD 11-2)`, {
      checkDigit: idNumber[17],
      expected,
    });
  }
  return {
    name,
    sex,
    nation,
    nationCode,
    birthDate,
    address: readField(text, 'address'),
    idNumber,
    issuer: readField(text, 'issuer'),
    validFrom,
    validTo,
  };
}

import iconv from 'iconv-lite';

/**
 * Framing and records of the bank card payment module (MIS-POS), as specified byte by byte in
 * docs/pos-framing.md. Pure: no timers, no I/O.
 */

// Control bytes, docs/pos-framing.md §1.
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;

/** A body longer than this is not one of ours: an STX followed by 4 digits is then noise. */
const MAX_BODY = 1024;

/** XOR of every byte given; over LEN..ETX it is the frame's LRC. */
export function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

export function encodeFrame(body: Uint8Array): Buffer {
  if (body.length > MAX_BODY) throw new RangeError(`body of ${body.length} bytes exceeds ${MAX_BODY}`);
  const inner = Buffer.concat([Buffer.from(String(body.length).padStart(4, '0'), 'ascii'), body, Buffer.of(ETX)]);
  return Buffer.concat([Buffer.of(STX), inner, Buffer.of(lrc(inner))]);
}

export type LinkItem =
  | { kind: 'ack' }
  | { kind: 'nak' }
  | { kind: 'frame'; body: Buffer }
  /** A frame whose length and ETX were right but whose LRC was not: the receiver answers NAK. */
  | { kind: 'badFrame'; raw: Buffer };

/**
 * Incremental parser: bytes in whatever chunks the tty delivers, link items out. Bytes outside a
 * frame that are neither ACK nor NAK are line noise and are skipped; an STX not followed by four
 * digits, or a frame without ETX where its length says, is noise too and parsing resumes at the
 * byte after that STX.
 */
export class PosFrameParser {
  private buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): LinkItem[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const items: LinkItem[] = [];
    let i = 0;
    while (i < this.buffer.length) {
      const b = this.buffer[i]!;
      if (b === ACK || b === NAK) {
        items.push({ kind: b === ACK ? 'ack' : 'nak' });
        i += 1;
        continue;
      }
      if (b !== STX) {
        i += 1;
        continue;
      }
      const frame = this.frameAt(i);
      if (frame === 'incomplete') break;
      if (frame === 'noise') {
        i += 1;
        continue;
      }
      items.push(frame.item);
      i += frame.size;
    }
    this.buffer = this.buffer.subarray(i);
    return items;
  }

  private frameAt(start: number): 'incomplete' | 'noise' | { item: LinkItem; size: number } {
    const buf = this.buffer;
    const lenEnd = start + 5;
    for (let j = start + 1; j < Math.min(lenEnd, buf.length); j++) {
      if (buf[j]! < 0x30 || buf[j]! > 0x39) return 'noise';
    }
    if (buf.length < lenEnd) return 'incomplete';
    const len = Number(buf.toString('ascii', start + 1, lenEnd));
    if (len > MAX_BODY) return 'noise';
    const etxAt = lenEnd + len;
    if (buf.length <= etxAt) return 'incomplete';
    if (buf[etxAt] !== ETX) return 'noise';
    if (buf.length <= etxAt + 1) return 'incomplete';
    const size = etxAt + 2 - start;
    const raw = Buffer.from(buf.subarray(start, start + size));
    if (lrc(raw.subarray(1, size - 1)) !== raw[size - 1]) return { item: { kind: 'badFrame', raw }, size };
    return { item: { kind: 'frame', body: Buffer.from(raw.subarray(5, 5 + len)) }, size };
  }
}

// ---- Records, docs/pos-framing.md §2 ----

/** Transaction type codes, docs/pos-framing.md §2.1. */
export const transTypeCodes = { sale: '00', void: '01', refund: '02', reversal: '03', queryLast: '10', status: '20' } as const;
export type TransType = keyof typeof transTypeCodes;

/**
 * What the module is doing, as the status record (`S`, §2.4) reports it: a sale goes
 * waitingCard → readingCard → waitingPin → online (asking the bank) → idle again.
 */
export type ModuleState = 'idle' | 'waitingCard' | 'readingCard' | 'waitingPin' | 'online';
export const moduleStateWords: Record<ModuleState, string> = {
  idle: 'IDLE',
  waitingCard: 'WAITING_CARD',
  readingCard: 'READING_CARD',
  waitingPin: 'WAITING_PIN',
  online: 'ONLINE',
};

export interface PosRequest {
  transType: TransType;
  amountFen: number;
  oldTrace: string;
  /** YYYYMMDD */
  oldDate: string;
  oldRrn: string;
  oldAuth: string;
  oldBatch: string;
  /** Our ULID transaction id, so a query can match an unknown outcome. */
  orderId: string;
  counterId: string;
  operatorId: string;
}

export interface PosResponse {
  transType: TransType;
  respCode: string;
  respInfo: string;
  panMasked: string;
  amountFen: number;
  trace: string;
  batch: string;
  /** MMDD, module's local date */
  date: string;
  /** hhmmss */
  time: string;
  rrn: string;
  authCode: string;
  mid: string;
  tid: string;
  /** YYYYMMDD, the acquirer's settlement date */
  settleDate: string;
  orderId: string;
}

/** The module's answer to a status request (tag `S`), whether idle or in the middle of a sale. */
export interface PosModuleStatus {
  /** `00` working; `XF` a part of the module has failed (respInfo says which), §3 */
  respCode: string;
  respInfo: string;
  /** 'unknown' for a state word this host does not know: a newer module may add some. */
  state: ModuleState | 'unknown';
  /** The card of the transaction in progress once read; '' before. */
  panMasked: string;
  amountFen: number;
  orderId: string;
  /** The open batch (批次号). */
  batch: string;
  mid: string;
  tid: string;
}

export type PosMessage =
  | { kind: 'request'; request: PosRequest }
  /** The answer to the request just made (tag `R`). */
  | { kind: 'result'; response: PosResponse }
  /** The module's last transaction record, the answer to query-last (tag `L`). */
  | { kind: 'lastRecord'; response: PosResponse }
  | { kind: 'progress'; stage: string }
  /** The module's state, the answer to a status request (tag `S`). */
  | { kind: 'moduleStatus'; status: PosModuleStatus }
  | { kind: 'invalid'; reason: string };

type FieldKind = 'num' | 'text' | 'gb';
type Field<K extends string> = readonly [name: K, width: number, kind: FieldKind];

const requestFields = [
  ['transType', 2, 'num'],
  ['amount', 12, 'num'],
  ['oldTrace', 6, 'num'],
  ['oldDate', 8, 'num'],
  ['oldRrn', 12, 'text'],
  ['oldAuth', 6, 'text'],
  ['oldBatch', 6, 'num'],
  ['orderId', 32, 'text'],
  ['counterId', 8, 'text'],
  ['operatorId', 8, 'text'],
] as const satisfies readonly Field<string>[];

const responseFields = [
  ['transType', 2, 'num'],
  ['respCode', 2, 'text'],
  ['respInfo', 40, 'gb'],
  ['panMasked', 20, 'text'],
  ['amount', 12, 'num'],
  ['trace', 6, 'num'],
  ['batch', 6, 'num'],
  ['date', 4, 'num'],
  ['time', 6, 'num'],
  ['rrn', 12, 'text'],
  ['authCode', 6, 'text'],
  ['mid', 15, 'text'],
  ['tid', 8, 'text'],
  ['settleDate', 8, 'num'],
  ['orderId', 32, 'text'],
] as const satisfies readonly Field<string>[];

const moduleStatusFields = [
  ['respCode', 2, 'text'],
  ['respInfo', 40, 'gb'],
  ['state', 12, 'text'],
  ['panMasked', 20, 'text'],
  ['amount', 12, 'num'],
  ['orderId', 32, 'text'],
  ['batch', 6, 'num'],
  ['mid', 15, 'text'],
  ['tid', 8, 'text'],
] as const satisfies readonly Field<string>[];

type Values<F extends readonly Field<string>[]> = Record<F[number][0], string>;

const TAG = { request: 'C', result: 'R', lastRecord: 'L', progress: 'P', moduleStatus: 'S' } as const;

/**
 * Numbers are right-aligned and zero-padded, text left-aligned and space-padded; an absent value
 * is all spaces in either kind. `gb` text is GB18030, cut at a character boundary to fit.
 */
function encodeField(value: string, width: number, kind: FieldKind, name: string): Buffer {
  if (kind === 'gb') {
    let chars = [...value];
    let bytes = iconv.encode(value, 'gb18030');
    while (bytes.length > width) {
      chars = chars.slice(0, -1);
      bytes = iconv.encode(chars.join(''), 'gb18030');
    }
    return Buffer.concat([bytes, Buffer.alloc(width - bytes.length, 0x20)]);
  }
  if (!/^[\x20-\x7e]*$/.test(value)) throw new RangeError(`${name} must be printable ASCII`);
  if (value.length > width) throw new RangeError(`${name} "${value}" is wider than ${width}`);
  if (kind === 'num' && value !== '') {
    if (!/^\d+$/.test(value)) throw new RangeError(`${name} "${value}" is not digits`);
    return Buffer.from(value.padStart(width, '0'), 'ascii');
  }
  return Buffer.from(value.padEnd(width, ' '), 'ascii');
}

function encodeRecord<F extends readonly Field<string>[]>(tag: string, fields: F, values: Values<F>): Buffer {
  const parts = fields.map(([name, width, kind]) => encodeField(values[name as F[number][0]], width, kind, name));
  return Buffer.concat([Buffer.from(tag, 'ascii'), ...parts]);
}

function decodeRecord<F extends readonly Field<string>[]>(fields: F, bytes: Buffer): Values<F> | undefined {
  const width = fields.reduce((sum, [, w]) => sum + w, 0);
  if (bytes.length !== width) return undefined;
  const out: Record<string, string> = {};
  let at = 0;
  for (const [name, w, kind] of fields) {
    const raw = bytes.subarray(at, at + w);
    out[name] = (kind === 'gb' ? iconv.decode(raw, 'gb18030') : raw.toString('latin1')).trim();
    at += w;
  }
  return out as Values<F>;
}

function amountText(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`amount ${fen} is not a whole number of fen`);
  return String(fen);
}

function typeFromCode(code: string): TransType | undefined {
  return (Object.keys(transTypeCodes) as TransType[]).find((t) => transTypeCodes[t] === code);
}

/**
 * A full card number never crosses the line: every card number is masked as it is encoded and
 * again as it is decoded, so neither a module that slipped nor a host that did can put one on
 * the wire or past the codec. At most the first 6 and last 4 digits, as a receipt may print them.
 */
export function maskPan(pan: string): string {
  const digits = pan.replace(/\D/g, '');
  if (digits.length <= 10) return pan;
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

export function encodeMessage(message: Exclude<PosMessage, { kind: 'invalid' }>): Buffer {
  switch (message.kind) {
    case 'request': {
      const r = message.request;
      return encodeRecord(TAG.request, requestFields, {
        ...r,
        transType: transTypeCodes[r.transType],
        amount: amountText(r.amountFen),
      });
    }
    case 'result':
    case 'lastRecord': {
      const r = message.response;
      return encodeRecord(TAG[message.kind], responseFields, {
        ...r,
        transType: transTypeCodes[r.transType],
        amount: amountText(r.amountFen),
        panMasked: maskPan(r.panMasked),
      });
    }
    case 'progress':
      return Buffer.from(TAG.progress + message.stage, 'ascii');
    case 'moduleStatus': {
      const m = message.status;
      if (m.state === 'unknown') throw new RangeError('a module reports a state it knows');
      return encodeRecord(TAG.moduleStatus, moduleStatusFields, {
        ...m,
        state: moduleStateWords[m.state],
        amount: amountText(m.amountFen),
        panMasked: maskPan(m.panMasked),
      });
    }
  }
}

function stateFromWord(word: string): ModuleState | 'unknown' {
  return (Object.keys(moduleStateWords) as ModuleState[]).find((s) => moduleStateWords[s] === word) ?? 'unknown';
}

export function decodeMessage(body: Buffer): PosMessage {
  const tag = body.toString('latin1', 0, 1);
  const rest = body.subarray(1);
  if (tag === TAG.progress) return { kind: 'progress', stage: rest.toString('latin1').trim() };
  if (tag === TAG.request) {
    const v = decodeRecord(requestFields, rest);
    if (!v) return { kind: 'invalid', reason: `request record of ${rest.length} bytes` };
    const transType = typeFromCode(v.transType);
    if (!transType) return { kind: 'invalid', reason: `unknown transaction type "${v.transType}"` };
    const { amount, ...fields } = v;
    return { kind: 'request', request: { ...fields, transType, amountFen: Number(amount || 0) } };
  }
  if (tag === TAG.result || tag === TAG.lastRecord) {
    const v = decodeRecord(responseFields, rest);
    if (!v) return { kind: 'invalid', reason: `response record of ${rest.length} bytes` };
    const transType = typeFromCode(v.transType);
    if (!transType) return { kind: 'invalid', reason: `unknown transaction type "${v.transType}"` };
    const { amount, ...fields } = v;
    const response = { ...fields, transType, amountFen: Number(amount || 0), panMasked: maskPan(v.panMasked) };
    return { kind: tag === TAG.result ? 'result' : 'lastRecord', response };
  }
  if (tag === TAG.moduleStatus) {
    const v = decodeRecord(moduleStatusFields, rest);
    if (!v) return { kind: 'invalid', reason: `status record of ${rest.length} bytes` };
    const { amount, state, ...fields } = v;
    return {
      kind: 'moduleStatus',
      status: { ...fields, state: stateFromWord(state), amountFen: Number(amount || 0), panMasked: maskPan(v.panMasked) },
    };
  }
  return { kind: 'invalid', reason: `unknown body tag "${tag}"` };
}

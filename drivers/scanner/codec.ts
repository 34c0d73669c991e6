import { DeviceError } from '../core/device-error.ts';

/**
 * QR / barcode scanner in USB-CDC or RS-232 mode (reference/hardware-protocols.md §6.1): each
 * decode is sent as `data suffix`, the suffix CR (factory default) or CRLF. Pure: bytes in, lines
 * and classified codes out. No timers, no I/O.
 */

export const CR = 0x0d;
export const LF = 0x0a;

/**
 * Longest decode we take. Payment codes are at most 24 digits (§6.2) and an insurance e-voucher
 * token a few hundred characters; a longer run of bytes without a terminator is a scanner set to
 * the wrong suffix, or line noise, not a code.
 */
export const MAX_CODE_LENGTH = 512;

export type ScanLine =
  /** One decode, terminator removed. */
  | { kind: 'line'; bytes: Buffer }
  /** More than the maximum arrived without a terminator; bytes up to the next terminator are dropped. */
  | { kind: 'overlong'; length: number };

/**
 * Splits the byte stream into decodes at CR, LF or CRLF. A decode may arrive in any number of
 * reads (USB-CDC delivers it in 64-byte packets, a pty in whatever the tty layer flushed), and a
 * CRLF may be split between two reads: the LF after a CR never makes an empty line of its own.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private afterCr = false;
  /** Set once a line overran the maximum: drop everything up to the next terminator. */
  private discarding = false;

  constructor(private readonly maxLength: number = MAX_CODE_LENGTH) {}

  push(chunk: Uint8Array): ScanLine[] {
    const lines: ScanLine[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === LF && this.afterCr && i === start && this.pendingLength === 0 && !this.discarding) {
        // Second half of a CRLF.
        this.afterCr = false;
        start = i + 1;
        continue;
      }
      this.afterCr = byte === CR;
      if (byte !== CR && byte !== LF) continue;
      this.take(chunk.subarray(start, i), lines);
      start = i + 1;
      if (this.discarding) this.discarding = false;
      else lines.push({ kind: 'line', bytes: this.drain() });
      this.clear();
    }
    this.take(chunk.subarray(start), lines);
    return lines;
  }

  /** Drops a partial decode, e.g. when the port is reopened. */
  reset(): void {
    this.clear();
    this.afterCr = false;
    this.discarding = false;
  }

  private take(bytes: Uint8Array, lines: ScanLine[]): void {
    if (this.discarding || bytes.length === 0) return;
    this.pending.push(Buffer.from(bytes));
    this.pendingLength += bytes.length;
    if (this.pendingLength > this.maxLength) {
      lines.push({ kind: 'overlong', length: this.pendingLength });
      this.clear();
      this.discarding = true;
    }
  }

  private drain(): Buffer {
    return this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
  }

  private clear(): void {
    this.pending = [];
    this.pendingLength = 0;
  }
}

export type CodeKind = 'wechat' | 'alipay' | 'unionpay' | 'insurance' | 'unknown';

export interface ScannedCode {
  code: string;
  kind: CodeKind;
}

/**
 * How an insurance e-voucher (医保电子凭证) is told apart. Its QR token is opaque and only the
 * national platform can read it (§6.2), so recognising one locally is a guess we keep narrow: a
 * long run of token characters (base64, base64url, hex) with at least one letter. That never
 * overlaps a payment code (digits only) or a URL or text QR (':', spaces, anything else). Where
 * the province's SDK documents a fixed prefix, `prefixes` narrows it to tokens starting with one
 * of them. A wrong guess costs one `ec.query` that the platform refuses.
 */
export interface InsuranceRule {
  prefixes?: readonly string[];
  /** Default 24: longer than any numeric payment code. */
  minLength?: number;
}

/** Payment-code formats, reference/hardware-protocols.md §6.2. */
const WECHAT = /^1[0-5]\d{16}$/;
const ALIPAY = /^(2[5-9]|30)\d{14,22}$/;
/** Commonly 19 digits starting 62; unverified (§6.2), confirm with the acquirer. */
const UNIONPAY = /^62\d{17}$/;
/** base64 / base64url / hex token characters: what an opaque token is made of. */
const TOKEN = /^[A-Za-z0-9+/=_-]+$/;
const DEFAULT_INSURANCE_MIN_LENGTH = 24;

export function classifyCode(code: string, insurance: InsuranceRule = {}): CodeKind {
  if (WECHAT.test(code)) return 'wechat';
  if (ALIPAY.test(code)) return 'alipay';
  if (UNIONPAY.test(code)) return 'unionpay';
  if (isInsuranceToken(code, insurance)) return 'insurance';
  return 'unknown';
}

function isInsuranceToken(code: string, rule: InsuranceRule): boolean {
  if (code.length < (rule.minLength ?? DEFAULT_INSURANCE_MIN_LENGTH) || !TOKEN.test(code) || !/[A-Za-z]/.test(code)) return false;
  return !rule.prefixes?.length || rule.prefixes.some((p) => code.startsWith(p));
}

/** Control, surrogate, private-use and unassigned code points: no scanner decodes them from a symbol. */
const NOT_PRINTABLE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}]/u;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One decode, checked and classified. Obvious garbage (empty, not UTF-8, control characters,
 * overlong) is a BAD_FRAME: noise on the line or a scanner with the wrong prefix/suffix settings.
 */
export function decodeScan(bytes: Uint8Array, options: { insurance?: InsuranceRule; maxLength?: number } = {}): ScannedCode {
  const maxLength = options.maxLength ?? MAX_CODE_LENGTH;
  if (bytes.length === 0) throw new DeviceError('BAD_FRAME', 'empty decode (a bare terminator)', { reason: 'empty' });
  if (bytes.length > maxLength) {
    throw new DeviceError('BAD_FRAME', `decode of ${bytes.length} bytes is longer than ${maxLength}`, { reason: 'overlong', length: bytes.length });
  }
  let code: string;
  try {
    code = utf8.decode(bytes);
  } catch {
    throw new DeviceError('BAD_FRAME', 'decode is not text (invalid UTF-8 bytes)', { reason: 'notText', length: bytes.length });
  }
  if (NOT_PRINTABLE.test(code)) {
    throw new DeviceError('BAD_FRAME', 'decode holds control or non-printable characters', { reason: 'notPrintable', length: bytes.length });
  }
  return { code, kind: classifyCode(code, options.insurance) };
}

/** What the simulator sends for one decode. */
export function encodeScan(code: string, suffix: 'cr' | 'crlf'): Buffer {
  return Buffer.concat([Buffer.from(code, 'utf8'), Buffer.from(suffix === 'cr' ? [CR] : [CR, LF])]);
}

/**
 * A payment code is a bearer credential: whoever holds it for the next minute can pay with it.
 * Logs, events and technician output show only its last four characters.
 */
export function maskCode(code: string): string {
  const chars = [...code];
  if (chars.length <= 4) return '*'.repeat(chars.length);
  return `${'*'.repeat(chars.length - 4)}${chars.slice(-4).join('')}`;
}

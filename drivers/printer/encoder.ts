import iconv from 'iconv-lite';

/**
 * ESC/POS receipt encoder for 80 mm thermal printers with a Chinese font. Pure: text and layout in,
 * bytes out. Command bytes are from reference/hardware-protocols.md §4.1 unless noted.
 *
 * Chinese text is GB18030 between `FS &` and `FS .`: GB2312 lacks characters that occur in
 * patients' names (喆, 堃, 𪚥), and GB18030 encodes every Unicode character (2 or 4 bytes).
 */

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const LF = 0x0a;

/** 80 mm paper, 576 dots: 48 columns of the 12×24 ASCII font, 24 of the 24×24 Hanzi font. */
export const RECEIPT_COLUMNS = 48;
/** Lines fed before the cut so the last printed line clears the cutter blade. */
export const CUT_FEED_LINES = 4;

export type Align = 'left' | 'center' | 'right';
export type QrErrorLevel = 'L' | 'M' | 'Q' | 'H';
/** Character magnification, 1–8 each way (`GS ! n`). */
export type Magnification = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface QrOptions {
  /** Dots per module, 1–16; 6 gives a symbol a phone camera reads from arm's length. */
  moduleSize?: number;
  errorLevel?: QrErrorLevel;
}

const alignCode: Record<Align, number> = { left: 0, center: 1, right: 2 };
// GS ( k fn 69: 48 + level index (§4.1 "QR: error level L/M/Q/H ... 30..33").
const qrLevelCode: Record<QrErrorLevel, number> = { L: 0x30, M: 0x31, Q: 0x32, H: 0x33 };
// Epson's limit for GS ( k store: the largest QR (version 40-L) holds 7089 bytes.
const QR_MAX_BYTES = 7089;

/**
 * Columns a string occupies on the printer. Every character outside ASCII is printed from the
 * 24-dot Hanzi font (GB18030 2- and 4-byte alike), so it takes two 12-dot columns; unlike a
 * terminal, there are no ambiguous widths here.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ch.codePointAt(0)! < 0x80 ? 1 : 2;
  return width;
}

/** Splits text into lines of at most `columns` display columns, never splitting a character. */
export function wrapToWidth(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  let width = 0;
  for (const ch of text) {
    const w = displayWidth(ch);
    if (width + w > columns && line !== '') {
      lines.push(line);
      line = '';
      width = 0;
    }
    line += ch;
    width += w;
  }
  lines.push(line);
  return lines;
}

/**
 * "挂号费 ........ 12.00": label left, amount right, `fill` between, by display width. A label too
 * long to share a line with the amount goes on lines of its own and the amount stands alone,
 * right-aligned, below it: a receipt must never cut a patient's name or an amount.
 */
export function layoutRow(label: string, amount: string, columns = RECEIPT_COLUMNS, fill = ' '): string[] {
  if (fill.length !== 1 || displayWidth(fill) !== 1) throw new RangeError(`fill must be one ASCII character, got "${fill}"`);
  const amountWidth = displayWidth(amount);
  const labelWidth = displayWidth(label);
  const gap = columns - labelWidth - amountWidth;
  if (gap >= 1) {
    // A leader keeps a space at each end so it reads "挂号费 ..... 12.00", not "挂号费.....12.00".
    const filler = fill === ' ' || gap < 3 ? ' '.repeat(gap) : ' ' + fill.repeat(gap - 2) + ' ';
    return [label + filler + amount];
  }
  return [...wrapToWidth(label, columns), ' '.repeat(Math.max(0, columns - amountWidth)) + amount];
}

/**
 * Bytes below 0x20 and DEL are ESC/POS commands: text that reaches a receipt from the HIS must
 * not be able to issue one, so they print as '?'.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, '?');
}

function encodeLine(line: string): Buffer {
  const text = printable(line);
  // Pure ASCII prints the same in either mode; leave Chinese mode off so the bytes stay readable.
  if (/^[\u0020-\u007e]*$/.test(text)) return Buffer.from(text + '\n', 'latin1');
  return Buffer.concat([
    Buffer.from([FS, 0x26]), // FS & — enter Chinese (Hanzi) mode
    iconv.encode(text, 'gb18030'),
    Buffer.from([FS, 0x2e, LF]), // FS . — leave it, then LF prints the line
  ]);
}

/**
 * Builds one receipt. Starts with `ESC @`; align, bold and size are emitted only when they change,
 * so a document's blocks can state their formatting without bloating the stream. Alignment only
 * takes effect at the start of a line, so call `align` between lines.
 */
export class ReceiptBuilder {
  private readonly parts: Buffer[] = [Buffer.from([ESC, 0x40])];
  private current = { align: 'left' as Align, bold: false, width: 1 as Magnification, height: 1 as Magnification };

  /** Columns per line at the current character width. */
  get columns(): number {
    return Math.floor(RECEIPT_COLUMNS / this.current.width);
  }

  align(align: Align): this {
    if (align !== this.current.align) this.push(ESC, 0x61, alignCode[align]);
    this.current.align = align;
    return this;
  }

  bold(on = true): this {
    if (on !== this.current.bold) this.push(ESC, 0x45, on ? 1 : 0);
    this.current.bold = on;
    return this;
  }

  size(width: Magnification, height: Magnification = width): this {
    for (const m of [width, height]) {
      if (!Number.isInteger(m) || m < 1 || m > 8) throw new RangeError(`magnification must be 1..8, got ${m}`);
    }
    if (width !== this.current.width || height !== this.current.height) {
      this.push(GS, 0x21, ((width - 1) << 4) | (height - 1));
    }
    this.current.width = width;
    this.current.height = height;
    return this;
  }

  /** Prints text; each `\n`-separated part is one printed line. */
  text(text: string): this {
    for (const line of text.split('\n')) this.parts.push(encodeLine(line));
    return this;
  }

  /** A rule across the full width at the current size. */
  rule(char = '-'): this {
    const w = displayWidth(char);
    if (w === 0) throw new RangeError('rule needs a character');
    return this.text(char.repeat(Math.floor(this.columns / w)));
  }

  /** A "label ..... amount" row laid out by `layoutRow` at the current width. */
  row(label: string, amount: string, fill = ' '): this {
    return this.text(layoutRow(label, amount, this.columns, fill).join('\n'));
  }

  /** `ESC d n`: feeds n blank lines (n 0–255). */
  feed(lines: number): this {
    if (!Number.isInteger(lines) || lines < 0 || lines > 255) throw new RangeError(`feed must be 0..255, got ${lines}`);
    this.push(ESC, 0x64, lines);
    return this;
  }

  /** A QR code (model 2) of `data` as UTF-8, via the `GS ( k` sequence of §4.1. */
  qr(data: string, options: QrOptions = {}): this {
    const moduleSize = options.moduleSize ?? 6;
    const level = options.errorLevel ?? 'M';
    if (!Number.isInteger(moduleSize) || moduleSize < 1 || moduleSize > 16) {
      throw new RangeError(`QR module size must be 1..16, got ${moduleSize}`);
    }
    const payload = Buffer.from(data, 'utf8');
    if (payload.length < 1 || payload.length > QR_MAX_BYTES) {
      throw new RangeError(`QR data must be 1..${QR_MAX_BYTES} bytes, got ${payload.length}`);
    }
    const storeLength = payload.length + 3; // pL + 256·pH counts cn, fn and m too
    this.push(GS, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00); // select model 2
    this.push(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, moduleSize);
    this.push(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, qrLevelCode[level]);
    this.push(GS, 0x28, 0x6b, storeLength & 0xff, storeLength >> 8, 0x31, 0x50, 0x30);
    this.parts.push(payload);
    this.push(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30); // print the stored symbol
    return this;
  }

  /** `GS V 66 n`: feeds n lines, then cuts (§4.1 "1D 56 42 n"). */
  cut(feedLines = CUT_FEED_LINES): this {
    if (!Number.isInteger(feedLines) || feedLines < 0 || feedLines > 255) {
      throw new RangeError(`cut feed must be 0..255, got ${feedLines}`);
    }
    this.push(GS, 0x56, 0x42, feedLines);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }

  private push(...bytes: number[]): void {
    this.parts.push(Buffer.from(bytes));
  }
}

/** One block of a declarative receipt. Text blocks state their own formatting; unset = plain. */
export type ReceiptBlock =
  | { text: string; align?: Align; bold?: boolean; size?: Magnification | [Magnification, Magnification] }
  | { row: [label: string, amount: string]; fill?: string; bold?: boolean }
  | { qr: string; align?: Align; moduleSize?: number; errorLevel?: QrErrorLevel }
  | { rule: string }
  | { feed: number };

/** A receipt as data: blocks top to bottom. Encoding always ends with a feed and a cut. */
export type ReceiptDocument = readonly ReceiptBlock[];

export function encodeReceipt(doc: ReceiptDocument): Buffer {
  const b = new ReceiptBuilder();
  for (const block of doc) {
    if ('text' in block) {
      const [w, h] = Array.isArray(block.size) ? block.size : [block.size ?? 1, block.size ?? 1];
      b.align(block.align ?? 'left').bold(block.bold ?? false).size(w, h).text(block.text);
    } else if ('row' in block) {
      b.align('left').bold(block.bold ?? false).size(1).row(block.row[0], block.row[1], block.fill);
    } else if ('qr' in block) {
      b.align(block.align ?? 'center').qr(block.qr, block);
    } else if ('rule' in block) {
      b.align('left').bold(false).size(1).rule(block.rule);
    } else {
      b.feed(block.feed);
    }
  }
  return b.cut().bytes();
}

import iconv from 'iconv-lite';
import type { PaperLevel } from '../core/status.ts';
import type { DeviceSimulator, SimulatorControl, SimulatorEvent } from '../core/simulator.ts';
import { receiptPrinterSerial } from './driver.ts';
import { statusBits } from './status.ts';

/** What the ESC/POS stream asks the mechanism to do, in order. */
export interface EscPosSink {
  /** LF: the current line is printed (text decoded: GB18030 in Chinese mode, ASCII otherwise). */
  line(text: string): void;
  /** Paper moved without printing text: `ESC d n`. */
  feed(lines: number): void;
  /** `GS ( k` print: the stored QR payload, as UTF-8. */
  qr(payload: string): void;
  /** `GS V`: `feedLines` fed first (feed-and-cut form), then cut. */
  cut(feedLines: number): void;
  /** `DLE EOT n`: a real-time status request. */
  status(n: number): void;
  /** A command this parser does not know; the bytes it skipped. */
  unknown(bytes: Buffer): void;
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

/** Commands of the form `prefix fn n` whose one parameter the model does not need. */
const oneParameter: Record<number, readonly number[]> = {
  [ESC]: [0x61, 0x45, 0x21, 0x2d], // ESC a, ESC E, ESC !, ESC -
  [GS]: [0x21], // GS !
  [FS]: [0x21], // FS ! (Chinese character mode)
};

/**
 * Incremental ESC/POS parser (reference/hardware-protocols.md §4.1, §4.4). Chunks may split
 * anywhere: an incomplete command stays buffered until the rest arrives. Text bytes of a line are
 * kept raw and decoded only at LF, so a GB18030 character split across chunks decodes whole; that
 * is safe because GB18030 trail bytes are all >= 0x30 and can never look like a command.
 */
export class EscPosParser {
  private pending: Buffer = Buffer.alloc(0);
  private chinese = false;
  /** Decoded pieces of the current line, one per run of bytes in the same mode. */
  private lineParts: string[] = [];
  private run: number[] = [];
  private storedQr: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: EscPosSink) {}

  push(chunk: Buffer): void {
    const bytes = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (at < bytes.length) {
      const used = this.step(bytes, at);
      if (used === 0) break;
      at += used;
    }
    this.pending = Buffer.from(bytes.subarray(at));
  }

  /** Handles the item at `at`; returns the bytes it used, or 0 when it needs more. */
  private step(b: Buffer, at: number): number {
    const byte = b[at]!;
    const have = b.length - at;
    if (byte >= 0x20) {
      this.run.push(byte);
      return 1;
    }
    if (byte === 0x0a) {
      this.sink.line(this.takeLine());
      return 1;
    }
    if (byte === 0x0d) return 1; // CR: ignored, as with auto line feed off (the default)
    if (byte !== ESC && byte !== GS && byte !== FS && byte !== DLE) {
      this.sink.unknown(b.subarray(at, at + 1));
      return 1;
    }
    if (have < 2) return 0;
    const fn = b[at + 1]!;
    if (oneParameter[byte]?.includes(fn)) return have < 3 ? 0 : 3;
    switch ((byte << 8) | fn) {
      case (ESC << 8) | 0x40: // ESC @: reset modes, drop the unprinted line
        this.chinese = false;
        this.lineParts = [];
        this.run = [];
        return 2;
      case (ESC << 8) | 0x64: // ESC d n
        if (have < 3) return 0;
        this.sink.feed(b[at + 2]!);
        return 3;
      case (FS << 8) | 0x26: // FS &
      case (FS << 8) | 0x2e: // FS .
        this.closeRun();
        this.chinese = fn === 0x26;
        return 2;
      case (DLE << 8) | 0x04: // DLE EOT n
        if (have < 3) return 0;
        this.sink.status(b[at + 2]!);
        return 3;
      case (GS << 8) | 0x56:
        return this.cut(b, at, have);
      case (GS << 8) | 0x28:
        return this.extended(b, at, have);
    }
    this.sink.unknown(b.subarray(at, at + 2));
    return 2;
  }

  /** `GS V m` (full/partial cut) or `GS V m n` (m = 65/66: feed n lines, then cut). */
  private cut(b: Buffer, at: number, have: number): number {
    if (have < 3) return 0;
    const m = b[at + 2]!;
    if (m === 0x41 || m === 0x42) {
      if (have < 4) return 0;
      this.sink.cut(b[at + 3]!);
      return 4;
    }
    this.sink.cut(0);
    return 3;
  }

  /** `GS ( fn pL pH ...`: every function of this family carries its own length. */
  private extended(b: Buffer, at: number, have: number): number {
    if (have < 5) return 0;
    const length = b[at + 3]! + 256 * b[at + 4]!;
    if (have < 5 + length) return 0;
    const params = b.subarray(at + 5, at + 5 + length);
    // GS ( k with cn = 49 is the QR family: fn 80 stores (after m = 48), fn 81 prints.
    if (b[at + 2] === 0x6b && params[0] === 0x31) {
      if (params[1] === 0x50) this.storedQr = Buffer.from(params.subarray(3));
      if (params[1] === 0x51) this.sink.qr(this.storedQr.toString('utf8'));
    }
    return 5 + length;
  }

  private closeRun(): void {
    if (this.run.length === 0) return;
    const bytes = Buffer.from(this.run);
    // Outside Chinese mode the printer would show code-page glyphs for bytes >= 0x80; U+FFFD makes
    // a receipt sent without FS & fail loudly in a test instead of looking almost right.
    this.lineParts.push(this.chinese ? iconv.decode(bytes, 'gb18030') : bytes.toString('latin1').replace(/[\u0080-\u00ff]/g, '\ufffd'));
    this.run = [];
  }

  private takeLine(): string {
    this.closeRun();
    const text = this.lineParts.join('');
    this.lineParts = [];
    return text;
  }
}

export interface PrintedReceipt {
  lines: string[];
  qr: string[];
  at: string;
}

/** Paper a QR symbol uses, in text lines: a version-3 symbol at module size 6 is ~6 lines tall. */
const QR_PAPER_LINES = 6;
/** Not a status byte (bits 0 and 7 set): what line noise on a reply looks like. */
const GARBAGE_BYTE = 0xff;

/**
 * The receipt printer as a device on a pseudo-terminal (§4.4): keeps the paper roll, cover and
 * cutter, prints what the stream says into a receipt model, and answers `DLE EOT n` from that
 * state. A receipt is what lies between two cuts; one that lost any line (paper ran out, cover
 * open, cutter fault) is never reported, as a patient would never get it.
 */
export class ReceiptPrinterSimulator implements DeviceSimulator {
  readonly kind = 'printer';
  readonly serial = receiptPrinterSerial;
  readonly receipts: PrintedReceipt[] = [];
  readonly controls: readonly SimulatorControl[];

  private paper: PaperLevel = 'ok';
  /** Lines left on the roll; undefined for a roll that will not run out during a test. */
  private linesLeft: number | undefined;
  private coverOpen = false;
  private cutterError = false;
  /** Prints but never answers: a broken RX wire, or firmware without real-time status. */
  private silent = false;
  /** Status replies still to be replaced by noise. */
  private garbleNext = 0;
  private current = { lines: [] as string[], qr: [] as string[], lost: false };
  private send: (bytes: Buffer) => void = () => undefined;
  private readonly listeners: ((event: SimulatorEvent) => void)[] = [];
  private readonly parser = new EscPosParser({
    line: (text) => {
      if (this.consume(1)) this.current.lines.push(text);
    },
    feed: (lines) => void this.consume(lines),
    qr: (payload) => {
      if (this.consume(QR_PAPER_LINES)) this.current.qr.push(payload);
    },
    cut: (feedLines) => this.cut(feedLines),
    status: (n) => this.answerStatus(n),
    unknown: (bytes) => this.emit({ event: 'unknown-command', hex: bytes.toString('hex') }),
  });

  constructor() {
    this.controls = [
      {
        name: 'paper',
        usage: 'paper ok|low|out',
        help: 'set the roll: ok (fresh), low (near-end sensor on), out (no paper)',
        run: ([level]) => {
          if (level !== 'ok' && level !== 'low' && level !== 'out') throw new Error('usage: paper ok|low|out');
          this.paper = level;
          this.linesLeft = undefined;
          return this.state();
        },
      },
      {
        name: 'paper-after',
        usage: 'paper-after <lines>',
        help: 'the roll ends after this many more lines; the receipt being printed then is lost',
        run: ([count]) => {
          const lines = Number(count);
          if (!Number.isInteger(lines) || lines < 0) throw new Error('usage: paper-after <lines>, lines >= 0');
          if (this.paper === 'out') throw new Error('paper is out; load paper first (paper ok)');
          this.linesLeft = lines;
          return this.state();
        },
      },
      this.onOff('cover', 'open', 'closed', 'open or close the cover (the printer stops while open)', (on) => (this.coverOpen = on)),
      this.onOff('cutter', 'error', 'ok', 'jam the autocutter, or clear it', (on) => (this.cutterError = on)),
      this.onOff('silent', 'on', 'off', 'stop answering status requests (printing carries on)', (on) => (this.silent = on)),
      {
        name: 'garble',
        usage: 'garble [count]',
        help: 'answer the next status request (or the next count) with a byte that is not a status byte',
        run: ([count = '1']) => {
          const n = Number(count);
          if (!Number.isInteger(n) || n < 0) throw new Error('usage: garble [count], count >= 0');
          this.garbleNext = n;
          return this.state();
        },
      },
      {
        name: 'receipts',
        usage: 'receipts',
        help: 'every receipt printed so far',
        run: () => ({ count: this.receipts.length, receipts: [...this.receipts] }),
      },
      {
        name: 'last',
        usage: 'last',
        help: 'the last receipt printed',
        run: () => ({ receipt: this.receipts.at(-1) ?? null }),
      },
      { name: 'state', usage: 'state', help: 'paper, cover, cutter and fault settings', run: () => this.state() },
    ];
  }

  attach(send: (bytes: Buffer) => void): void {
    this.send = send;
  }

  receive(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  onEvent(listener: (event: SimulatorEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Nothing to release: the simulator has no timers. */
  stop(): void {}

  /** A control that switches one fault on or off: `name on|off` in the device's own words. */
  private onOff(name: string, on: string, off: string, help: string, set: (on: boolean) => void): SimulatorControl {
    return {
      name,
      usage: `${name} ${on}|${off}`,
      help,
      run: ([arg]) => {
        if (arg !== on && arg !== off) throw new Error(`usage: ${name} ${on}|${off}`);
        set(arg === on);
        return this.state();
      },
    };
  }

  private state(): Record<string, unknown> {
    return {
      paper: this.paper,
      linesLeft: this.linesLeft ?? null,
      coverOpen: this.coverOpen,
      cutterError: this.cutterError,
      silent: this.silent,
      garbleNext: this.garbleNext,
      receipts: this.receipts.length,
    };
  }

  private canPrint(): boolean {
    return this.paper !== 'out' && !this.coverOpen && !this.cutterError;
  }

  /** Moves `lines` of paper past the head; false (and the receipt is lost) if it cannot. */
  private consume(lines: number): boolean {
    if (!this.canPrint()) {
      this.current.lost = true;
      return false;
    }
    if (this.linesLeft !== undefined) {
      if (lines > this.linesLeft) {
        this.linesLeft = 0;
        this.paper = 'out';
        this.current.lost = true;
        return false;
      }
      this.linesLeft -= lines;
    }
    return true;
  }

  private cut(feedLines: number): void {
    this.consume(feedLines);
    const { lines, qr, lost } = this.current;
    this.current = { lines: [], qr: [], lost: false };
    if (lost) return;
    const receipt: PrintedReceipt = { lines, qr, at: new Date().toISOString() };
    this.receipts.push(receipt);
    this.emit({ event: 'receipt', ...receipt });
  }

  private answerStatus(n: number): void {
    if (this.silent) return;
    if (this.garbleNext > 0) {
      this.garbleNext--;
      this.send(Buffer.from([GARBAGE_BYTE]));
      return;
    }
    const reply = this.statusByte(n);
    if (reply !== undefined) this.send(Buffer.from([reply]));
  }

  /** §4.2, from the physical state. The printer goes offline whenever it cannot print. */
  private statusByte(n: number): number | undefined {
    const bits = statusBits;
    const out = this.paper === 'out';
    switch (n) {
      case 1:
        return bits.fixed | (this.canPrint() ? 0 : bits.printer.offline);
      case 2:
        return (
          bits.fixed |
          (this.coverOpen ? bits.offlineCause.coverOpen : 0) |
          (out ? bits.offlineCause.paperEndStop : 0) |
          (this.cutterError ? bits.offlineCause.error : 0)
        );
      case 3:
        return bits.fixed | (this.cutterError ? bits.errorCause.autocutter : 0);
      case 4:
        // No paper also uncovers the near-end sensor, as on a real roll holder.
        return bits.fixed | (out ? bits.paperSensor.paperEnd | bits.paperSensor.nearEnd : this.paper === 'low' ? bits.paperSensor.nearEnd : 0);
      default:
        return undefined; // Epson ignores DLE EOT with any other n
    }
  }

  private emit(event: SimulatorEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

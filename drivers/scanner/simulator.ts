import { randomBytes, randomInt } from 'node:crypto';
import type { DeviceSimulator, SimulatorControl, SimulatorEvent } from '../core/simulator.ts';
import { classifyCode, encodeScan, maskCode } from './codec.ts';
import { scannerSerial } from './driver.ts';

export interface QrScannerSimulatorOptions {
  /** Suffix after each decode (default CR, the factory setting). */
  suffix?: 'cr' | 'crlf';
  /** Gap between the pieces of a split decode (default 5 ms), long enough for separate reads. */
  pieceGapMs?: number;
}

/** What line noise on a scanner cable looks like: NUL, an escape sequence, bytes that are not text. */
const GARBAGE = Buffer.from([0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe, 0x07, 0x31, 0x32]);

/**
 * A scanner in USB-CDC mode (reference/hardware-protocols.md §6.1): a person holds a code to the
 * window and the decode goes out as `data suffix`. It never reads anything from the host.
 */
export class QrScannerSimulator implements DeviceSimulator {
  readonly kind = 'scanner';
  readonly serial = scannerSerial;
  readonly controls: readonly SimulatorControl[];

  private send: (bytes: Buffer) => void = () => undefined;
  private readonly listeners: ((event: SimulatorEvent) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pieceGapMs: number;
  private suffix: 'cr' | 'crlf';
  /** Pieces the next decode is cut into; 1 = in one write. */
  private splitNext = 1;
  private scans = 0;

  constructor(options: QrScannerSimulatorOptions = {}) {
    this.suffix = options.suffix ?? 'cr';
    this.pieceGapMs = options.pieceGapMs ?? 5;
    this.controls = this.makeControls();
  }

  attach(send: (bytes: Buffer) => void): void {
    this.send = send;
  }

  /** A scanner has no commands: whatever the host writes is ignored, as the hardware does. */
  receive(): void {}

  onEvent(listener: (event: SimulatorEvent) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** A person scans `code`. */
  scan(code: string): void {
    if (!code) throw new Error('usage: scan <code>');
    this.scans++;
    this.emit({ event: 'scan', kind: classifyCode(code), code: maskCode(code) });
    this.transmit(encodeScan(code, this.suffix));
  }

  private transmit(bytes: Buffer): void {
    const size = Math.ceil(bytes.length / Math.min(this.splitNext, bytes.length));
    this.splitNext = 1;
    for (let i = 0; i * size < bytes.length; i++) {
      const piece = bytes.subarray(i * size, (i + 1) * size);
      if (i === 0) this.send(piece);
      else this.later(i * this.pieceGapMs, () => this.send(piece));
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private emit(event: SimulatorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private state(): Record<string, unknown> {
    return { suffix: this.suffix, splitNext: this.splitNext, scans: this.scans };
  }

  private makeControls(): SimulatorControl[] {
    const fictional = (name: 'wechat' | 'alipay' | 'unionpay' | 'insurance', help: string, make: () => string): SimulatorControl => ({
      name,
      usage: name,
      help,
      run: () => {
        this.scan(make());
        return this.state();
      },
    });
    const suffix = (name: 'cr' | 'crlf', help: string): SimulatorControl => ({
      name,
      usage: name,
      help,
      run: () => {
        this.suffix = name;
        return this.state();
      },
    });
    return [
      {
        name: 'scan',
        usage: 'scan <code>',
        help: 'a person holds a code with this content to the scanner',
        run: ([code]) => {
          this.scan(code ?? '');
          return this.state();
        },
      },
      fictional('wechat', 'scan a made-up WeChat Pay code (18 digits, 10-15)', () => `${randomInt(10, 16)}${digits(16)}`),
      fictional('alipay', 'scan a made-up Alipay code (18 digits, 25-30)', () => `${randomInt(25, 31)}${digits(16)}`),
      fictional('unionpay', 'scan a made-up UnionPay code (19 digits, 62)', () => `62${digits(17)}`),
      fictional('insurance', 'scan a made-up insurance e-voucher token', () => `SIM${randomBytes(30).toString('base64url')}`),
      {
        name: 'split',
        usage: 'split [pieces]',
        help: 'the next decode reaches the host in pieces (default 3; more pieces than bytes: byte by byte), as USB packets do',
        run: ([n]) => {
          const pieces = n === undefined ? 3 : Number(n);
          if (!Number.isInteger(pieces) || pieces < 2) throw new Error('usage: split [pieces], pieces a whole number of at least 2');
          this.splitNext = pieces;
          return this.state();
        },
      },
      {
        name: 'garbage',
        usage: 'garbage',
        help: 'line noise ending in the suffix: control characters and bytes that are not text',
        run: () => {
          this.emit({ event: 'garbage', bytes: GARBAGE.length });
          this.transmit(Buffer.concat([GARBAGE, encodeScan('', this.suffix)]));
          return this.state();
        },
      },
      suffix('cr', 'end each decode with CR (the factory setting)'),
      suffix('crlf', 'end each decode with CR LF'),
      { name: 'state', usage: 'state', help: 'print the settings as JSON', run: () => this.state() },
    ];
  }
}

function digits(n: number): string {
  return Array.from({ length: n }, () => randomInt(0, 10)).join('');
}

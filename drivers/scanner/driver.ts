import type { DeviceStatus } from '../core/status.ts';
import { DeviceError } from '../core/device-error.ts';
import { openSerial, type ByteTransport, type SerialOptions } from '../core/serial-transport.ts';
import { LineSplitter, MAX_CODE_LENGTH, decodeScan, type InsuranceRule, type ScanLine, type ScannedCode } from './codec.ts';

/** Newland, Honeywell and Hikvision engines ship at 9600 8N1; over USB-CDC the rate is ignored. */
export const scannerSerial: SerialOptions = { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none' };

export interface QrScannerOptions {
  insurance?: InsuranceRule;
  maxLength?: number;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** How long to wait for a patient to scan (default 30 s). */
  timeoutMs?: number;
}

type Decode = { ok: true; scan: ScannedCode } | { ok: false; error: DeviceError };

const READ_TIMEOUT_MS = 30_000;

/**
 * A QR / barcode scanner on its own serial port (USB-CDC or RS-232, §6.1).
 *
 * Keyboard-wedge (HID-KBW) mode is refused on purpose: there the scanner types the code as key
 * presses into whichever window has focus. A payment code is a bearer credential, so it must not
 * land in a search box or a terminal; keystrokes pass through IME and keyboard layout, which
 * mangle digits; and taking them away from the screen needs a grab of the input device. A scanner
 * on its own port reaches nobody but this driver.
 *
 * The scanner never answers anything, so there is no command queue: one `read` may wait at a
 * time, and `onScan` listeners see every decode.
 */
export class QrScanner {
  static async open(path: string, options: QrScannerOptions & { baudRate?: number } = {}): Promise<QrScanner> {
    if (/^\/dev\/(input\/|hidraw)/.test(path)) {
      throw new DeviceError('TRANSPORT', `${path} is a keyboard/HID device; set the scanner to USB-CDC (virtual COM) mode`, { path });
    }
    const transport = await openSerial(path, { ...scannerSerial, baudRate: options.baudRate ?? scannerSerial.baudRate });
    return new QrScanner(transport, options);
  }

  private readonly splitter: LineSplitter;
  private readonly listeners = new Set<(decode: Decode) => void>();
  private reading = false;
  private closed = false;
  private readonly closeListeners = new Set<() => void>();

  constructor(
    private readonly transport: ByteTransport,
    private readonly options: QrScannerOptions = {},
  ) {
    this.splitter = new LineSplitter(options.maxLength ?? MAX_CODE_LENGTH);
    transport.onData((chunk) => {
      for (const line of this.splitter.push(chunk)) this.publish(this.decode(line));
    });
    transport.onClose(() => this.markClosed());
  }

  /**
   * Waits for the next decode. Only a decode that arrives after the call counts: a payment code
   * scanned while nobody asked for one belongs to no payment, so it is not kept for later.
   * Rejects with BAD_FRAME on garbage, TIMEOUT when nothing is scanned in time, ABORTED on the signal.
   */
  read(options: ReadOptions = {}): Promise<ScannedCode> {
    const { signal, timeoutMs = READ_TIMEOUT_MS } = options;
    if (signal?.aborted) return Promise.reject(aborted());
    if (this.closed || !this.transport.isOpen) return Promise.reject(new DeviceError('NOT_OPEN', 'scanner is not open'));
    if (this.reading) return Promise.reject(new DeviceError('BUSY', 'a read is already waiting for a scan'));
    this.reading = true;
    return new Promise<ScannedCode>((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.listeners.delete(onDecode);
        this.closeListeners.delete(onClose);
        this.reading = false;
        outcome();
      };
      const onDecode = (decode: Decode) => finish(() => (decode.ok ? resolve(decode.scan) : reject(decode.error)));
      const onAbort = () => finish(() => reject(aborted()));
      const onClose = () => finish(() => reject(new DeviceError('NOT_OPEN', 'scanner port closed while waiting for a scan')));
      const timer = setTimeout(() => finish(() => reject(new DeviceError('TIMEOUT', `nothing scanned within ${timeoutMs} ms`, { timeoutMs }))), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.listeners.add(onDecode);
      this.closeListeners.add(onClose);
    });
  }

  /** Every decode, for continuous use (a check-in screen that takes any code). Returns the unsubscribe. */
  onScan(listener: (scan: ScannedCode) => void, onGarbage?: (error: DeviceError) => void): () => void {
    const wrapped = (decode: Decode) => (decode.ok ? listener(decode.scan) : onGarbage?.(decode.error));
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  /**
   * A serial-mode scanner answers nothing, so all the driver can know is that its port is open;
   * a scanner unplugged from USB closes the port and reads `offline`.
   */
  status(): DeviceStatus {
    return { status: !this.closed && this.transport.isOpen ? 'online' : 'offline' };
  }

  async close(): Promise<void> {
    this.markClosed();
    await this.transport.close();
  }

  private decode(line: ScanLine): Decode {
    if (line.kind === 'overlong') {
      const max = this.options.maxLength ?? MAX_CODE_LENGTH;
      const error = new DeviceError('BAD_FRAME', `more than ${max} bytes without a line end: dropped as garbage (check the scanner's suffix setting)`, {
        reason: 'overlong',
        length: line.length,
      });
      return { ok: false, error };
    }
    try {
      return { ok: true, scan: decodeScan(line.bytes, this.options) };
    } catch (e) {
      return { ok: false, error: e as DeviceError };
    }
  }

  private publish(decode: Decode): void {
    for (const listener of [...this.listeners]) listener(decode);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of [...this.closeListeners]) listener();
  }
}

function aborted(): DeviceError {
  return new DeviceError('ABORTED', 'scanner read aborted');
}

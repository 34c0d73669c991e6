import { DeviceError, isDeviceError } from '../core/device-error.ts';
import { openSerial, type ByteTransport, type SerialOptions } from '../core/serial-transport.ts';
import { openTcp } from '../core/tcp-transport.ts';
import { parsePrinterAddress } from './address.ts';
import { openUsbPrinter } from './usb-transport.ts';
import { encodeReceipt, type ReceiptDocument } from './encoder.ts';
import { decodeStatus, isStatusReply, statusProblem, statusQueries, statusRequest, type PrinterStatus, type StatusQuery } from './status.ts';

/** Kiosk printers ship at 115200 8N1 (SNBC, Xprinter kiosk models); the simulator uses the same. */
export const receiptPrinterSerial: SerialOptions = { baudRate: 115200, dataBits: 8, stopBits: 1, parity: 'none' };

export interface ReceiptPrinterOptions {
  /** How long one `DLE EOT n` may take to answer. Printers answer in milliseconds, even offline. */
  statusTimeoutMs?: number;
}

export interface ReceiptPrinterOpenOptions extends ReceiptPrinterOptions {
  /** Serial only. */
  baudRate?: number;
  /** TCP only: how long the connection may take. */
  connectTimeoutMs?: number;
}

/**
 * An 80 mm ESC/POS receipt printer over any two-way byte transport: serial, TCP 9100 or USB,
 * all behind ByteTransport. One command in flight: a status query's reply byte carries no tag,
 * so two interleaved queries could not be told apart.
 */
export class ReceiptPrinter {
  /**
   * Opens the printer `where` says (address.ts): `/dev/...`, `tcp://HOST:PORT` or `usb://VID:PID`.
   * A malformed address is a RangeError; a printer that cannot be reached is a DeviceError.
   */
  static async openAt(where: string, options: ReceiptPrinterOpenOptions = {}): Promise<ReceiptPrinter> {
    const address = parsePrinterAddress(where);
    let transport: ByteTransport;
    if (address.transport === 'tcp') {
      transport = await openTcp(address.host, address.port, { connectTimeoutMs: options.connectTimeoutMs });
    } else if (address.transport === 'usb') {
      transport = await openUsbPrinter(address);
    } else {
      transport = await openSerial(address.path, { ...receiptPrinterSerial, baudRate: options.baudRate ?? receiptPrinterSerial.baudRate });
    }
    return new ReceiptPrinter(transport, options);
  }

  /** The same as `openAt`: existing configs name a serial path, and that is still one kind of address. */
  static open(where: string, options: ReceiptPrinterOpenOptions = {}): Promise<ReceiptPrinter> {
    return ReceiptPrinter.openAt(where, options);
  }

  private readonly statusTimeoutMs: number;
  private received: number[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  /** Why the transport went away under us (a reset socket, an unplugged cable); undefined after our own close. */
  private lost: DeviceError | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transport: ByteTransport,
    options: ReceiptPrinterOptions = {},
  ) {
    this.statusTimeoutMs = options.statusTimeoutMs ?? 1000;
    transport.onData((chunk) => {
      this.received.push(...chunk);
      this.wake?.();
    });
    transport.onClose((error) => {
      this.closed = true;
      if (error) this.lost = isDeviceError(error) ? error : new DeviceError('TRANSPORT', `receipt printer connection lost: ${error.message}`);
      this.wake?.();
    });
  }

  /** Asks `DLE EOT 1..4` and decodes the four replies. */
  status(signal?: AbortSignal): Promise<PrinterStatus> {
    return this.exclusive(signal, () => this.readStatus(signal));
  }

  /**
   * Prints a receipt and returns the printer's status afterwards (paper may now be low). Refuses
   * to start when the printer cannot print, and reads status again after the cut: a receipt the
   * printer lost part of (paper ran out) fails with `printed: false`, so the flow can offer a
   * reprint rather than tell the patient to take a receipt that is not there.
   *
   * `DLE EOT` is real-time: a printer answers it on arrival, which on hardware with a large input
   * buffer can be before the receipt ahead of it has finished printing. The simulator handles bytes
   * in order; on such hardware a paper-out in the last lines may only show at the next status.
   */
  print(doc: ReceiptDocument | Buffer, signal?: AbortSignal): Promise<PrinterStatus> {
    return this.exclusive(signal, async () => {
      const bytes = Buffer.isBuffer(doc) ? doc : encodeReceipt(doc);
      this.refuseIfUnable(await this.readStatus(signal), false);
      throwIfAborted(signal);
      await this.transport.write(bytes);
      const after = await this.readStatus(signal);
      this.refuseIfUnable(after, true);
      return after;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.transport.close();
  }

  private refuseIfUnable(status: PrinterStatus, started: boolean): void {
    const code = statusProblem(status);
    if (!code) return;
    const what = started ? 'receipt not printed' : 'cannot print';
    throw new DeviceError(code, `${what}: ${code.toLowerCase().replace('_', ' ')}`, {
      printed: false,
      started,
      status,
    });
  }

  /** Runs `task` after every earlier command has finished: one command in flight. */
  private exclusive<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      throwIfAborted(signal);
      if (this.closed || !this.transport.isOpen) throw this.lost ?? new DeviceError('NOT_OPEN', 'receipt printer is not open');
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readStatus(signal: AbortSignal | undefined): Promise<PrinterStatus> {
    const replies = {} as Record<StatusQuery, number>;
    for (const n of statusQueries) replies[n] = await this.query(n, signal);
    return decodeStatus(replies);
  }

  /** One `DLE EOT n`. A byte that cannot be a status reply is noise: discard it and ask once more. */
  private async query(n: StatusQuery, signal: AbortSignal | undefined): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      // Whatever arrived before this request (a late reply to a timed-out one, noise) is not its answer.
      this.received = [];
      await this.transport.write(statusRequest(n));
      const byte = await this.nextByte(n, signal);
      if (isStatusReply(byte)) return byte;
      if (attempt === 2) {
        throw new DeviceError('BAD_FRAME', `DLE EOT ${n}: reply 0x${byte.toString(16)} is not a status byte`, { query: n, byte });
      }
    }
  }

  private nextByte(n: StatusQuery, signal: AbortSignal | undefined): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
        outcome();
      };
      const check = () => {
        const byte = this.received.shift();
        if (byte !== undefined) finish(() => resolve(byte));
        else if (this.closed) finish(() => reject(this.lost ?? new DeviceError('NOT_OPEN', 'receipt printer closed while waiting for status')));
      };
      const onAbort = () => finish(() => reject(abortError()));
      const timer = setTimeout(
        () => finish(() => reject(new DeviceError('TIMEOUT', `no reply to DLE EOT ${n} within ${this.statusTimeoutMs} ms`, { query: n }))),
        this.statusTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = check;
      check();
    });
  }
}

function abortError(): DeviceError {
  return new DeviceError('ABORTED', 'receipt printer command aborted');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

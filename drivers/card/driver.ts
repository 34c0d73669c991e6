import { aborted, raceAbort, sleep } from '../core/abort.ts';
import { DeviceError, type DeviceErrorCode } from '../core/device-error.ts';
import { openSerial, type ByteTransport } from '../core/serial-transport.ts';
import type { DeviceState, DeviceStatus } from '../core/status.ts';
import {
  ACK,
  CM,
  DEFAULT_M1_KEY,
  FrameParser,
  MIFARE_SW,
  M1_BLOCK_SIZE,
  NAK,
  PATIENT_CARD_LAYOUT,
  PM,
  RF_ACTIVATE_DATA,
  RF_TYPE_MIFARE,
  decodePatientCardNumber,
  decodeUnitStatus,
  describeDeviceCode,
  encodeCommand,
  encodeReadBlocks,
  encodeVerifyKey,
  splitMifareResult,
  type M1Key,
  type M1Layout,
  type ParsedItem,
  type PositiveReply,
  type UnitStatus,
} from './codec.ts';

/** `{status, cardAt, stacker, bin}`: the shared vocabulary of DESIGN.md §3. */
export type CardStatus = DeviceStatus & UnitStatus & { status: DeviceState };

export interface CardDispenserOptions {
  /** DIP-switch address 0..15 (factory default 0). */
  address?: number;
  /** How long the unit may take to execute a command once it has ACKed it. */
  replyTimeoutMs?: number;
  /** The protocol's 300 ms; longer only for a slow USB-serial adaptor. */
  ackTimeoutMs?: number;
  /** Key for the patient-card sector (default: transport key A, FF×6). */
  key?: M1Key;
  /** Where the card number is on the card (default sector 1, block 0). */
  layout?: M1Layout;
}

export interface OpenOptions extends CardDispenserOptions {
  /** The unit detects 9600/19200/38400/57600 from the first command. */
  baudRate?: number;
}

/** CRT-591-M001 communication protocol §1.4: resend when no ACK within 300 ms, at most 3 sends. */
const ACK_TIMEOUT_MS = 300;
const MAX_SENDS = 3;
/** Moving a card through the unit takes about a second; initialise can take several. */
const REPLY_TIMEOUT_MS = 5_000;
/** How many times we ask for a corrupted reply again before calling the line bad. */
const MAX_REPLY_NAKS = 3;

/**
 * Creator CRT-591-M patient card dispenser with M1 reader (reference/hardware-protocols.md §2.1).
 * One command in flight; every failure is a DeviceError.
 */
export class CardDispenser {
  private readonly parser = new FrameParser();
  private readonly inbox: ParsedItem[] = [];
  private waiter: ((item: ParsedItem) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly closeListeners = new Set<() => void>();
  /** The last hardware fault the unit reported; cleared by a successful initialise. */
  private fault: DeviceError | undefined;
  private readonly address: number;
  private readonly replyTimeoutMs: number;
  private readonly ackTimeoutMs: number;
  private readonly key: M1Key;
  private readonly layout: M1Layout;

  static async open(path: string, options: OpenOptions = {}): Promise<CardDispenser> {
    const transport = await openSerial(path, { baudRate: options.baudRate ?? 9600, dataBits: 8, stopBits: 1, parity: 'none' });
    return new CardDispenser(transport, options);
  }

  constructor(
    private readonly transport: ByteTransport,
    options: CardDispenserOptions = {},
  ) {
    this.address = options.address ?? 0;
    this.replyTimeoutMs = options.replyTimeoutMs ?? REPLY_TIMEOUT_MS;
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    this.key = options.key ?? DEFAULT_M1_KEY;
    this.layout = options.layout ?? PATIENT_CARD_LAYOUT;
    transport.onData((chunk) => {
      for (const item of this.parser.push(chunk)) {
        const waiter = this.waiter;
        if (waiter) {
          this.waiter = undefined;
          waiter(item);
        } else {
          this.inbox.push(item);
        }
      }
    });
    transport.onClose(() => this.markClosed());
  }

  /** Initialise without moving a card (PM 33): a card left inside stays for the flow to decide. */
  async initialize(signal?: AbortSignal): Promise<{ firmware: string }> {
    const reply = await this.command('initialize', CM.initialize, PM.initDontMove, undefined, signal);
    this.fault = undefined;
    return { firmware: reply.data.toString('latin1').replace(/\0+$/, '').trim() };
  }

  async status(signal?: AbortSignal): Promise<CardStatus> {
    const reply = await this.command('status', CM.status, PM.statusBasic, undefined, signal);
    const unit = decodeUnitStatus(reply.status);
    if (!unit) throw new DeviceError('PROTOCOL', 'status reply has unknown status bytes', { status: reply.status });
    return { status: this.fault ? 'hardwareError' : 'online', ...unit };
  }

  /** Lets a patient insert their own card at the gate (off while dispensing). */
  async enableEntry(enabled: boolean, signal?: AbortSignal): Promise<void> {
    await this.command('enableEntry', CM.cardEntry, enabled ? PM.entryEnable : PM.entryDisable, undefined, signal);
  }

  /** Resolves once a card sits at the reader position (inserted by a patient, or dispensed). */
  async waitForCard(options: { pollMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const { pollMs = 250, signal } = options;
    while ((await this.status(signal)).cardAt !== 'reader') await sleep(pollMs, signal);
  }

  /** Reads the patient number from the M1 sector of the card at the reader. */
  async readCardNumber(signal?: AbortSignal): Promise<string> {
    const { sector, block } = this.layout;
    const activated = await this.command('activate', CM.rfCard, PM.rfActivate, RF_ACTIVATE_DATA, signal, {
      // The antenna finds nothing: no card at the reader (or one that is not contactless).
      '61': 'NO_CARD',
    });
    if (activated.data[0] !== RF_TYPE_MIFARE) {
      throw new DeviceError('PROTOCOL', 'the card at the reader is not an M1 (Mifare) card', {
        rtype: activated.data.subarray(0, 1).toString('hex'),
      });
    }
    await this.mifare('verifyKey', encodeVerifyKey(sector, this.key), signal);
    const payload = await this.mifare('readBlock', encodeReadBlocks(sector, block, 1), signal);
    const cardNo = decodePatientCardNumber(payload.subarray(0, M1_BLOCK_SIZE));
    if (cardNo === undefined) {
      throw new DeviceError('PROTOCOL', 'the card holds no patient number (blank or foreign card)', { sector, block });
    }
    return cardNo;
  }

  /** Issues a card from the stacker to the reader position (or pulls back a card inside). */
  async dispense(signal?: AbortSignal): Promise<void> {
    await this.command('dispense', CM.moveCard, PM.moveToIc, undefined, signal);
  }

  /** Presents the card at the gate for the patient to take. */
  async eject(signal?: AbortSignal): Promise<void> {
    await this.command('eject', CM.moveCard, PM.moveToGate, undefined, signal);
  }

  /** Resolves true once the gate is empty, false if the card is still there after `timeoutMs`. */
  async waitForTaken(options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    const { timeoutMs = 30_000, pollMs = 250, signal } = options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.status(signal)).cardAt === 'none') return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(pollMs, left), signal);
    }
  }

  /** Retains the card in the error-card bin (a card the patient left behind, or a bad card). */
  async capture(signal?: AbortSignal): Promise<void> {
    // The protocol has no "no card" code; a move with nothing inside to move is a command
    // sequence error, which for capture can only mean there was no card.
    await this.command('capture', CM.moveCard, PM.moveToBin, undefined, signal, { '02': 'NO_CARD' });
  }

  async close(): Promise<void> {
    this.markClosed();
    await this.transport.close();
  }

  private markClosed(): void {
    this.closed = true;
    for (const listener of this.closeListeners) listener();
  }

  /** A `60 33` pseudo-APDU: the card's own result (90 00 or a failure) comes inside a positive reply. */
  private async mifare(step: string, apdu: Buffer, signal?: AbortSignal): Promise<Buffer> {
    const reply = await this.command(step, CM.rfCard, PM.rfMifare, apdu, signal);
    const { payload, sw } = splitMifareResult(reply.data);
    if (sw !== MIFARE_SW.ok) {
      throw new DeviceError('DEVICE_REPORTED', `M1 ${step} failed with ${sw || 'no result bytes'}`, { step, sw });
    }
    return payload;
  }

  /** Queues one command: only one may be on the half-duplex line at a time. */
  private command(
    name: string,
    cm: number,
    pm: number,
    data: Uint8Array | undefined,
    signal: AbortSignal | undefined,
    overrides: Record<string, DeviceErrorCode> = {},
  ): Promise<PositiveReply> {
    const run = this.queue.then(() => this.exchange(name, cm, pm, data, signal, overrides));
    this.queue = run.catch(() => undefined);
    return raceAbort(run, signal);
  }

  private async exchange(
    name: string,
    cm: number,
    pm: number,
    data: Uint8Array | undefined,
    signal: AbortSignal | undefined,
    overrides: Record<string, DeviceErrorCode>,
  ): Promise<PositiveReply> {
    if (signal?.aborted) throw aborted(name);
    if (this.closed || !this.transport.isOpen) throw new DeviceError('NOT_OPEN', `card dispenser is closed (${name})`);
    // Whatever is left from an earlier, abandoned command must not be mistaken for this one's reply.
    this.inbox.length = 0;
    const frame = encodeCommand(this.address, cm, pm, data);
    const matches = (item: ParsedItem): item is Extract<ParsedItem, { kind: 'positive' | 'negative' }> =>
      (item.kind === 'positive' || item.kind === 'negative') && item.cm === cm && item.pm === pm;

    let reply = await this.sendUntilAcked(name, frame, matches, signal);
    let naks = 0;
    const deadline = Date.now() + this.replyTimeoutMs;
    while (!reply) {
      const item = await this.nextItem(deadline - Date.now(), name, signal);
      if (!item) throw new DeviceError('TIMEOUT', `no reply to ${name} within ${this.replyTimeoutMs} ms`, { command: name });
      if (matches(item)) reply = item;
      else if (item.kind === 'bad') {
        if (++naks > MAX_REPLY_NAKS) {
          throw new DeviceError('BAD_FRAME', `reply to ${name} still corrupted after ${MAX_REPLY_NAKS} NAKs`, {
            command: name,
            reason: item.reason,
          });
        }
        await this.write(Uint8Array.of(NAK));
      }
      // Anything else (a stray ACK, a late reply to an abandoned command) is not ours: keep waiting.
    }
    await this.write(Uint8Array.of(ACK));
    if (reply.kind === 'positive') return reply;
    throw this.negativeError(name, reply.code, overrides);
  }

  /**
   * Sends the frame until the unit ACKs it. A reply (even a corrupted one) also proves the unit
   * took the command, whose ACK we then missed: resending it would move a card twice.
   */
  private async sendUntilAcked(
    name: string,
    frame: Buffer,
    matches: (item: ParsedItem) => item is Extract<ParsedItem, { kind: 'positive' | 'negative' }>,
    signal: AbortSignal | undefined,
  ): Promise<Extract<ParsedItem, { kind: 'positive' | 'negative' }> | undefined> {
    let lastFailure: 'NAK' | 'TIMEOUT' = 'TIMEOUT';
    for (let send = 1; send <= MAX_SENDS; send++) {
      await this.write(frame);
      const deadline = Date.now() + this.ackTimeoutMs;
      for (;;) {
        const item = await this.nextItem(deadline - Date.now(), name, signal);
        if (!item) {
          lastFailure = 'TIMEOUT';
          break;
        }
        if (item.kind === 'ack') return undefined;
        if (item.kind === 'nak') {
          lastFailure = 'NAK';
          break;
        }
        if (matches(item)) return item;
        if (item.kind === 'bad') {
          await this.write(Uint8Array.of(NAK));
          return undefined;
        }
      }
    }
    throw lastFailure === 'NAK'
      ? new DeviceError('NAK', `${name} refused with NAK ${MAX_SENDS} times`, { command: name, sends: MAX_SENDS })
      : new DeviceError('TIMEOUT', `no ACK to ${name} after ${MAX_SENDS} sends`, { command: name, sends: MAX_SENDS });
  }

  private negativeError(name: string, code: string, overrides: Record<string, DeviceErrorCode>): DeviceError {
    const info = describeDeviceCode(code);
    const error = new DeviceError(overrides[code] ?? info.errorCode, `${name}: unit reported ${code} (${info.name})`, {
      command: name,
      deviceCode: code,
      deviceError: info.name,
    });
    if (info.hardwareFault) this.fault = error;
    return error;
  }

  private async write(bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.write(bytes);
    } catch (e) {
      throw e instanceof DeviceError ? e : new DeviceError('TRANSPORT', `write failed: ${(e as Error).message}`);
    }
  }

  /** The next parsed item, or undefined when `timeoutMs` passes first. */
  private nextItem(timeoutMs: number, name: string, signal: AbortSignal | undefined): Promise<ParsedItem | undefined> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        signal?.removeEventListener('abort', onAbort);
        this.closeListeners.delete(onClose);
      };
      const onAbort = () => {
        done();
        reject(aborted(name));
      };
      const onClose = () => {
        done();
        reject(new DeviceError('NOT_OPEN', `card dispenser closed during ${name}`));
      };
      const timer = setTimeout(() => {
        done();
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      if (signal?.aborted) return onAbort();
      if (this.closed) return onClose();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closeListeners.add(onClose);
      this.waiter = (item) => {
        done();
        resolve(item);
      };
    });
  }
}

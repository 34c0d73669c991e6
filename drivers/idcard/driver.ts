import { aborted, raceAbort, sleep } from '../core/abort.ts';
import { DeviceError } from '../core/device-error.ts';
import { openSerial, type ByteTransport } from '../core/serial-transport.ts';
import type { DeviceState, DeviceStatus } from '../core/status.ts';
import {
  FrameParser,
  SW3,
  decodeBaseInfo,
  decodeIdentityText,
  decodeSamId,
  describeSw3,
  encodeCommand,
  hex2,
  type BadFrame,
  type CommandName,
  type IdCardIdentity,
  type ParsedItem,
  type ResponseFrame,
} from './codec.ts';

export interface IdCardReaderOptions {
  /** Reset, SAM status, find and select (the module answers in about 50 ms, §1.7). */
  commandTimeoutMs?: number;
  /** Read base info: about a second on a real card; published code waits 2–3 s (§1.5). */
  readTimeoutMs?: number;
  /** Pause between finds while waiting for a card. */
  pollMs?: number;
}

export interface OpenOptions extends IdCardReaderOptions {
  /** The module's factory default is 115200 (§1.1). */
  baudRate?: number;
}

export interface ReadOptions {
  signal: AbortSignal;
  /** How long to wait for a card to arrive in the field; 0 (default) looks once. */
  timeoutMs?: number;
}

/** `{status, samId}`; on a SAM fault, `samError` and `sw3` say what the module reported. */
export interface SamStatus extends DeviceStatus {
  status: DeviceState;
  samId?: string;
  samError?: string;
  sw3?: string;
}

const COMMAND_TIMEOUT_MS = 1_000;
const READ_TIMEOUT_MS = 3_000;
const POLL_MS = 250;
/**
 * Sends of one command when the reply comes back damaged, or the module says our frame reached it
 * damaged (SW3 10/11). Every command here only reads, so sending it again is safe.
 */
const MAX_SENDS = 3;

/** The patient-facing half of every no-card message: the rule that surprises people (§1.5). */
const LEAVE_FIELD_RULE = 'a card is read once per placement: lift it off the reader and place it again to read it again';

/**
 * Second-generation resident ID card reader with a SAM(V) module (reference/hardware-protocols.md
 * §1). One command in flight; every failure is a DeviceError. The photo is kept as the card's WLT
 * bytes: decoding it needs the 公安部-licensed library.
 */
export class IdCardReader {
  private readonly parser = new FrameParser('response');
  private readonly inbox: ParsedItem[] = [];
  private waiter: ((item: ParsedItem) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly closeListeners = new Set<() => void>();
  /**
   * A card was read and no find has succeeded since: the module will not find that card again
   * until it has left the field, so "no card" most likely means "the same card is still there".
   */
  private cardReadAndNotRemoved = false;
  private readonly commandTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly pollMs: number;

  static async open(path: string, options: OpenOptions = {}): Promise<IdCardReader> {
    const transport = await openSerial(path, { baudRate: options.baudRate ?? 115_200, dataBits: 8, stopBits: 1, parity: 'none' });
    return new IdCardReader(transport, options);
  }

  constructor(
    private readonly transport: ByteTransport,
    options: IdCardReaderOptions = {},
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
    this.readTimeoutMs = options.readTimeoutMs ?? READ_TIMEOUT_MS;
    this.pollMs = options.pollMs ?? POLL_MS;
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

  async reset(signal?: AbortSignal): Promise<void> {
    await this.enqueue(() => this.expect('reset', [SW3.ok], this.commandTimeoutMs, signal), signal);
  }

  /**
   * SAM status check, then the SAM id when the module is well. A module that answers with a fault
   * is a status (`hardwareError`), not an exception; silence and line faults throw.
   */
  async samStatus(signal?: AbortSignal): Promise<SamStatus> {
    return this.enqueue(async () => {
      const status = await this.exchange('samStatus', this.commandTimeoutMs, signal);
      if (status.sw3 !== SW3.ok) return { status: 'hardwareError', samError: describeSw3(status.sw3).name, sw3: hex2(status.sw3) };
      const info = await this.expect('samInfo', [SW3.ok], this.commandTimeoutMs, signal);
      const samId = decodeSamId(info.data);
      if (samId === undefined) throw new DeviceError('PROTOCOL', `SAM info is ${info.data.length} bytes, too short for a SAM id`, { command: 'samInfo' });
      return { status: 'online', samId };
    }, signal);
  }

  /** Waits up to `timeoutMs` for a card, then reads it: find → select → read base info (§1.5). */
  async read(options: ReadOptions): Promise<IdCardIdentity> {
    return (await this.readWithPhoto(options)).identity;
  }

  /** The kiosk's idle wait: reads the next card placed, for as long as the signal allows. */
  async waitForCard({ signal }: { signal: AbortSignal }): Promise<IdCardIdentity> {
    return this.read({ signal, timeoutMs: Infinity });
  }

  /** As `read`, with the card's 1024 WLT photo bytes, undecoded. */
  async readWithPhoto({ signal, timeoutMs = 0 }: ReadOptions): Promise<{ identity: IdCardIdentity; photo: Buffer }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // One queue slot per attempt, so a status check can run between polls but never splits a read.
      const card = await this.enqueue(() => this.readOnce(signal), signal);
      if (card) return card;
      const left = deadline - Date.now();
      if (left <= 0) throw this.noCard(timeoutMs);
      await sleep(Math.min(this.pollMs, left), signal);
    }
  }

  async close(): Promise<void> {
    this.markClosed();
    await this.transport.close();
  }

  private markClosed(): void {
    this.closed = true;
    for (const listener of this.closeListeners) listener();
  }

  /** Undefined when the field is empty (or holds the card already read). */
  private async readOnce(signal: AbortSignal): Promise<{ identity: IdCardIdentity; photo: Buffer } | undefined> {
    const found = await this.expect('findCard', [SW3.found, SW3.noCard], this.commandTimeoutMs, signal);
    if (found.sw3 === SW3.noCard) return undefined;
    this.cardReadAndNotRemoved = false;
    await this.expect('selectCard', [SW3.ok], this.commandTimeoutMs, signal);
    const reply = await this.expect('readBase', [SW3.ok], this.readTimeoutMs, signal);
    // From here the module will not find this card again until it leaves the field.
    this.cardReadAndNotRemoved = true;
    const { text, photo } = decodeBaseInfo(reply.data);
    return { identity: decodeIdentityText(text), photo };
  }

  private noCard(timeoutMs: number): DeviceError {
    const waited = timeoutMs > 0 ? ` within ${timeoutMs} ms` : '';
    const message = this.cardReadAndNotRemoved
      ? `no ID card in the field${waited}: the card read last is probably still on the reader; ${LEAVE_FIELD_RULE}`
      : `no ID card in the field${waited} (${LEAVE_FIELD_RULE})`;
    return new DeviceError('NO_CARD', message, { command: 'findCard', sw3: hex2(SW3.noCard), afterRead: this.cardReadAndNotRemoved });
  }

  /** Runs one command and insists on one of the expected SW3; any other is the module's error. */
  private async expect(name: CommandName, expected: number[], timeoutMs: number, signal: AbortSignal | undefined): Promise<ResponseFrame> {
    const reply = await this.exchange(name, timeoutMs, signal);
    if (expected.includes(reply.sw3)) return reply;
    const info = describeSw3(reply.sw3);
    const sw3 = hex2(reply.sw3);
    throw new DeviceError(info.errorCode, `${name}: module reported SW3 ${sw3} (${info.name})`, { command: name, sw3, samError: info.name });
  }

  /** Queues work: only one command may be on the line, and replies carry no command id to match. */
  private enqueue<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return raceAbort(run, signal);
  }

  private async exchange(name: CommandName, timeoutMs: number, signal: AbortSignal | undefined): Promise<ResponseFrame> {
    for (let send = 1; ; send++) {
      if (signal?.aborted) throw aborted(name);
      if (this.closed || !this.transport.isOpen) throw new DeviceError('NOT_OPEN', `ID card reader is closed (${name})`);
      // Bytes left from an abandoned command must not pass for this one's reply.
      this.parser.reset();
      this.inbox.length = 0;
      await this.write(encodeCommand(name));
      const reply = await this.awaitReply(name, timeoutMs, signal);
      const lineFault =
        reply.kind === 'bad'
          ? `reply failed its checksum`
          : reply.sw3 === SW3.hostChecksum || reply.sw3 === SW3.hostLength
            ? `module received the request damaged (SW3 ${hex2(reply.sw3)})`
            : undefined;
      if (reply.kind === 'response' && !lineFault) return reply;
      if (send === MAX_SENDS) throw new DeviceError('BAD_FRAME', `${name}: ${lineFault} after ${MAX_SENDS} sends`, { command: name, sends: MAX_SENDS });
    }
  }

  /**
   * The reply, or a frame damaged by the line. A noise preamble with an impossible length is not
   * a reply: the real one may still be on its way, so we keep waiting for it.
   */
  private async awaitReply(name: CommandName, timeoutMs: number, signal: AbortSignal | undefined): Promise<ResponseFrame | BadFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const item = await this.nextItem(deadline - Date.now(), name, signal);
      if (!item) throw new DeviceError('TIMEOUT', `no reply to ${name} within ${timeoutMs} ms`, { command: name });
      if (item.kind === 'response' || (item.kind === 'bad' && item.reason === 'checksum')) return item;
    }
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
        reject(new DeviceError('NOT_OPEN', `ID card reader closed during ${name}`));
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

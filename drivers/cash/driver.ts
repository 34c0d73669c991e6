import { aborted, pause, raceAbort } from '../core/abort.ts';
import { DeviceError, isDeviceError } from '../core/device-error.ts';
import { openSerial, type ByteTransport } from '../core/serial-transport.ts';
import type { CashboxLevel, DeviceState, DeviceStatus } from '../core/status.ts';
import {
  CMD,
  FrameParser,
  RESPONSE,
  VALIDATOR_ADDRESS,
  decodePollEvents,
  decodeSetup,
  encodeCommand,
  encodeInhibits,
  responseName,
  type ParsedItem,
  type PollEvent,
  type PollEventType,
  type SetupInfo,
} from './codec.ts';

/** A poll event with the value of its channel in fen (null when the channel is 0 or unknown). */
export type CashEvent = Exclude<PollEvent, { channel: number }> | (Extract<PollEvent, { channel: number }> & { fen: number | null });

export interface AcceptorIdentity {
  serialNumber: string;
  firmware: string;
  currency: string;
  /** Value of each channel in fen, channel 1 first. */
  channels: number[];
  protocolVersion: number;
}

export type JamState = 'none' | 'safe' | 'unsafe';

/** `{status, cashbox, ...}`: the shared vocabulary of DESIGN.md §3. */
export interface CashStatus extends DeviceStatus {
  status: DeviceState;
  cashbox: CashboxLevel;
  enabled: boolean;
  jam: JamState;
}

export type EscrowDecision = 'accept' | 'return';

export interface AcceptOptions {
  /** Notes are taken until their credited total reaches this; a note that would pass it is returned. */
  maxFen: number;
  /**
   * Asked while a note waits in escrow (the unit is told to hold it meanwhile). The place to
   * journal the intent before the note is stacked. A throw returns the note.
   */
  decide?: (noteFen: number, acceptedFen: number) => EscrowDecision | Promise<EscrowDecision>;
  onEvent?: (event: CashEvent) => void;
  /** Stops taking notes: a note in escrow is returned, one being stacked is waited for, then the unit is disabled. */
  signal?: AbortSignal;
  /** Denominations (fen) the unit may take; all by default. */
  channels?: number[];
}

/** A note whose fate the unit did not make definite: money for a cashier and a slip, never a guess. */
export interface InDoubtNote {
  fen: number | null;
  /**
   * acceptedNotCredited: told to stack, no credit came; clearedIntoCashbox: a reset put it in the
   * box uncredited; inPathAtStop: the patient's note was still inside when the unit stopped
   * (jam, silence); creditOfUnknownChannel: credited on a channel the setup did not list.
   */
  why: 'acceptedNotCredited' | 'clearedIntoCashbox' | 'inPathAtStop' | 'creditOfUnknownChannel';
}

export interface AcceptResult {
  /** Sum of the notes credited: the only money this session took. */
  acceptedFen: number;
  notes: number[];
  ended: 'amountReached' | 'stopped' | 'fault';
  fault?: DeviceError;
  inDoubt: InDoubtNote[];
}

export interface BillAcceptorOptions {
  /** SSP slave id; a note validator is 0. */
  address?: number;
  /** Per send; a validator answers within milliseconds. */
  replyTimeoutMs?: number;
  /** Sends of one packet (same SEQ) before the line is called dead. */
  sends?: number;
  /** GA973 start-up: poll every 200 ms or less, never a gap of 5 s. */
  pollMs?: number;
  /** Asked of the unit at connect; 6 or higher gives 4-byte channel values. */
  protocolVersion?: number;
  /** After a stop, how long to wait for a note already on its way (being stacked or returned). */
  drainMs?: number;
  /**
   * SSP has no "nearly full" event; with the box's capacity and the notes the runtime's journal
   * says are in it, the driver counts and reports `nearlyFull` itself.
   */
  cashboxCapacity?: number;
  cashboxNotes?: number;
}

const REPLY_TIMEOUT_MS = 1_000;
const SENDS = 3;
const POLL_MS = 200;
const PROTOCOL_VERSION = 7;
const DRAIN_MS = 10_000;
/** Share of the capacity from which the box counts as nearly full. */
const NEARLY_FULL_SHARE = 0.9;

/** Events that describe a condition and repeat on every poll while it lasts: told once per onset. */
const levelEvents = new Set<PollEventType>([
  'reading',
  'rejecting',
  'stacking',
  'disabled',
  'safeJam',
  'unsafeJam',
  'stackerFull',
  'cashboxRemoved',
  'notePathOpen',
  'channelDisable',
  'initialising',
]);

interface UnitState {
  enabled: boolean;
  jam: JamState;
  notePathOpen: boolean;
  /** Sticky until the cash box is replaced: only emptying it ends either. */
  stackerFull: boolean;
  cashboxRemoved: boolean;
  /** Sticky until the next connect, so an operator sees it even after the unit carries on. */
  fraud: boolean;
}

/**
 * ITL SSP note validator (NV9/NV10/NV200), reference/hardware-protocols.md §3.2. One command in
 * flight; every failure is a DeviceError. Money counts only on the unit's credit event.
 */
export class BillAcceptor {
  private readonly parser = new FrameParser();
  private readonly inbox: ParsedItem[] = [];
  private waiter: ((item: ParsedItem) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly closeListeners = new Set<() => void>();
  private readonly listeners = new Set<(event: CashEvent) => void>();
  private readonly address: number;
  private readonly replyTimeoutMs: number;
  private readonly sends: number;
  private readonly pollMs: number;
  private readonly protocolVersion: number;
  private readonly drainMs: number;
  private readonly cashboxCapacity: number | undefined;
  private cashboxNotes: number;
  /** SEQ of the last new command; SYNC resets both ends to 1. */
  private seq: 0 | 1 = 1;
  /** After a command failed for good, the unit's SEQ is unknown: resynchronise before the next. */
  private needsSync = true;
  private setup: SetupInfo | undefined;
  private allowedChannels: number[] = [];
  private previousLevels = new Set<PollEventType>();
  private unit: UnitState = { enabled: false, jam: 'none', notePathOpen: false, stackerFull: false, cashboxRemoved: false, fraud: false };
  private accepting = false;

  static async open(path: string, options: BillAcceptorOptions & { baudRate?: number } = {}): Promise<BillAcceptor> {
    const transport = await openSerial(path, { baudRate: options.baudRate ?? 9600, dataBits: 8, stopBits: 2, parity: 'none' });
    return new BillAcceptor(transport, options);
  }

  constructor(
    private readonly transport: ByteTransport,
    options: BillAcceptorOptions = {},
  ) {
    this.address = options.address ?? VALIDATOR_ADDRESS;
    this.replyTimeoutMs = options.replyTimeoutMs ?? REPLY_TIMEOUT_MS;
    this.sends = options.sends ?? SENDS;
    this.pollMs = options.pollMs ?? POLL_MS;
    this.protocolVersion = options.protocolVersion ?? PROTOCOL_VERSION;
    this.drainMs = options.drainMs ?? DRAIN_MS;
    this.cashboxCapacity = options.cashboxCapacity;
    this.cashboxNotes = options.cashboxNotes ?? 0;
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

  /** Every event of every poll, whoever polled. Returns the unsubscribe function. */
  onEvent(listener: (event: CashEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** GA973 start-up: sync, host protocol version, setup request; plus the serial number. */
  connect(signal?: AbortSignal): Promise<AcceptorIdentity> {
    return this.enqueue(async () => {
      await this.exchange('sync', CMD.sync);
      await this.exchange('hostProtocolVersion', CMD.hostProtocolVersion, Buffer.of(this.protocolVersion));
      const setupPayload = await this.exchange('setupRequest', CMD.setupRequest);
      let setup: SetupInfo;
      try {
        setup = decodeSetup(setupPayload);
      } catch (e) {
        throw new DeviceError('PROTOCOL', (e as Error).message, { command: 'setupRequest' });
      }
      if (setup.unitType !== 0) throw new DeviceError('PROTOCOL', `unit type ${setup.unitType} is not a note validator`, { unitType: setup.unitType });
      const serial = await this.exchange('serialNumber', CMD.serialNumber);
      if (serial.length < 4) throw new DeviceError('PROTOCOL', 'serial number reply is shorter than 4 bytes', { command: 'serialNumber' });
      this.setup = setup;
      this.unit.fraud = false;
      return {
        serialNumber: String(serial.readUInt32BE(0)),
        firmware: setup.firmware,
        currency: setup.currency,
        channels: setup.channelFen,
        protocolVersion: setup.protocolVersion,
      };
    }, signal);
  }

  /** Polls once (SSP has no other status) and reports what the unit's events say. */
  async status(signal?: AbortSignal): Promise<CashStatus> {
    await this.poll(signal);
    return this.currentStatus();
  }

  /** One poll: its events, also given to every listener. With a note in escrow, this accepts it. */
  poll(signal?: AbortSignal): Promise<CashEvent[]> {
    return this.enqueue(async () => this.absorb(decodePollEvents(await this.exchange('poll', CMD.poll))), signal);
  }

  /** Lets the unit take these denominations (fen; all by default) and enables it. */
  async enable(channelFen?: readonly number[], signal?: AbortSignal): Promise<void> {
    const setup = this.requireSetup('enable');
    const channels = channelFen ? channelFen.map((fen) => channelOf(setup, fen)) : setup.channelFen.map((_, i) => i + 1);
    await this.enqueue(async () => {
      await this.exchange('setInhibits', CMD.setInhibits, encodeInhibits(channels));
      this.allowedChannels = channels;
      await this.exchange('enable', CMD.enable);
      this.unit.enabled = true;
    }, signal);
  }

  async disable(signal?: AbortSignal): Promise<void> {
    await this.command('disable', CMD.disable, undefined, signal);
    this.unit.enabled = false;
  }

  /** Keeps the note in escrow another 5 s (GA973: without a command it goes back by itself). */
  async hold(signal?: AbortSignal): Promise<void> {
    await this.command('hold', CMD.hold, undefined, signal);
  }

  /** Gives the note in escrow back to the patient. */
  async returnNote(signal?: AbortSignal): Promise<void> {
    await this.command('reject', CMD.reject, undefined, signal);
  }

  async display(on: boolean, signal?: AbortSignal): Promise<void> {
    await this.command(on ? 'displayOn' : 'displayOff', on ? CMD.displayOn : CMD.displayOff, undefined, signal);
  }

  /**
   * Enables the unit and takes notes until their credited total reaches `maxFen`, the signal
   * fires, or a fault stops it; the unit is disabled at the end. Once the unit is enabled this
   * never throws: a fault comes back in the result beside what was credited, so a caller cannot
   * lose count of money by catching an error.
   */
  async acceptNotes(options: AcceptOptions): Promise<AcceptResult> {
    if (!Number.isInteger(options.maxFen) || options.maxFen <= 0) throw new RangeError(`maxFen must be a positive whole number of fen, got ${options.maxFen}`);
    this.requireSetup('acceptNotes');
    if (this.accepting) throw new DeviceError('BUSY', 'the acceptor is already taking notes');
    if (options.signal?.aborted) throw new DeviceError('ABORTED', 'acceptNotes aborted before it started');
    this.accepting = true;
    const unsubscribe = options.onEvent ? this.onEvent(options.onEvent) : () => undefined;
    try {
      try {
        // Not aborted half-way: an abort is handled by the session, which disables the unit.
        await this.enable(options.channels);
      } catch (e) {
        await this.disable().catch(() => undefined);
        throw e;
      }
      return await new AcceptSession(this, options, this.pollMs, this.drainMs).run();
    } finally {
      unsubscribe();
      this.accepting = false;
    }
  }

  /** Re-applies what a slave reset made the unit forget: protocol version, inhibits, enable. */
  async restoreAfterReset(): Promise<void> {
    await this.enqueue(async () => {
      await this.exchange('hostProtocolVersion', CMD.hostProtocolVersion, Buffer.of(this.protocolVersion));
      await this.exchange('setInhibits', CMD.setInhibits, encodeInhibits(this.allowedChannels));
      await this.exchange('enable', CMD.enable);
      this.unit.enabled = true;
    });
  }

  /** What the polls so far have said, without asking the unit again. */
  currentStatus(): CashStatus {
    const u = this.unit;
    const cashbox: CashboxLevel = u.cashboxRemoved ? 'removed' : u.stackerFull ? 'full' : this.nearlyFull() ? 'nearlyFull' : 'ok';
    let status: DeviceState = 'online';
    if (u.jam !== 'none') status = 'hardwareError';
    else if (u.fraud) status = 'fraudAttempt';
    else if (u.cashboxRemoved || u.stackerFull || u.notePathOpen) status = 'userError';
    return { status, cashbox, enabled: u.enabled, jam: u.jam };
  }

  async close(): Promise<void> {
    this.markClosed();
    await this.transport.close();
  }

  private nearlyFull(): boolean {
    return this.cashboxCapacity !== undefined && this.cashboxNotes >= this.cashboxCapacity * NEARLY_FULL_SHARE;
  }

  private requireSetup(what: string): SetupInfo {
    if (!this.setup) throw new DeviceError('PROTOCOL', `connect() before ${what}(): the channel values come from the setup request`);
    return this.setup;
  }

  private markClosed(): void {
    this.closed = true;
    for (const listener of this.closeListeners) listener();
  }

  /** Applies a poll's events to what we know of the unit and tells the listeners. */
  private absorb(events: PollEvent[]): CashEvent[] {
    const types = new Set(events.map((e) => e.type));
    const u = this.unit;
    u.jam = types.has('unsafeJam') ? 'unsafe' : types.has('safeJam') ? 'safe' : 'none';
    u.notePathOpen = types.has('notePathOpen');
    if (types.has('disabled') || types.has('slaveReset')) u.enabled = false;
    const withFen = events.map((e): CashEvent => ('channel' in e ? { ...e, fen: this.setup?.channelFen[e.channel - 1] ?? null } : e));
    for (const e of withFen) {
      if (e.type === 'stackerFull') u.stackerFull = true;
      else if (e.type === 'cashboxRemoved') u.cashboxRemoved = true;
      else if (e.type === 'fraudAttempt') u.fraud = true;
      else if (e.type === 'credit' || e.type === 'noteClearedIntoCashbox') this.cashboxNotes++;
      else if (e.type === 'cashboxReplaced') {
        u.cashboxRemoved = false;
        u.stackerFull = false;
        this.cashboxNotes = 0;
      }
    }
    const told = withFen.filter((e) => !levelEvents.has(e.type) || !this.previousLevels.has(e.type));
    this.previousLevels = new Set([...types].filter((t) => levelEvents.has(t)));
    for (const e of told) for (const listener of this.listeners) listener(e);
    return withFen;
  }

  /** Queues one command and returns its payload after the F0. */
  private command(name: string, code: number, params?: Uint8Array, signal?: AbortSignal): Promise<Buffer> {
    return this.enqueue(() => this.exchange(name, code, params), signal);
  }

  /**
   * Runs work when the line is free. The caller's signal can stop the wait or the caller's
   * waiting, never the exchange itself: a poll reply read half-way would lose its events.
   */
  private enqueue<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = this.queue.then(() => {
      if (signal?.aborted) throw aborted('command');
      return work();
    });
    this.queue = run.catch(() => undefined);
    return raceAbort(run, signal);
  }

  private async exchange(name: string, code: number, params?: Uint8Array): Promise<Buffer> {
    if (this.closed || !this.transport.isOpen) throw new DeviceError('NOT_OPEN', `bill acceptor is closed (${name})`);
    if (code !== CMD.sync && this.needsSync) await this.transact('sync', CMD.sync);
    return this.transact(name, code, params);
  }

  /**
   * Sends one new command and waits for its reply, resending the same packet (same SEQ) on
   * silence or a bad CRC: the unit then repeats its last reply instead of acting twice, so even a
   * poll carrying a credit is safe to resend.
   */
  private async transact(name: string, code: number, params?: Uint8Array): Promise<Buffer> {
    const seq: 0 | 1 = code === CMD.sync ? 1 : this.seq === 1 ? 0 : 1;
    this.seq = seq;
    const frame = encodeCommand(seq, this.address, code, params);
    let garbled = 0;
    for (let send = 1; send <= this.sends; send++) {
      this.inbox.length = 0;
      await this.write(frame);
      const deadline = Date.now() + this.replyTimeoutMs;
      for (;;) {
        const item = await this.nextItem(deadline - Date.now(), name);
        if (!item) break;
        if (item.kind === 'bad') {
          garbled++;
          break;
        }
        // Another SEQ or address is a late reply to an earlier packet, or another unit's.
        if (item.address !== this.address || item.seq !== seq) continue;
        if (code === CMD.sync) this.needsSync = false;
        return this.payloadOf(name, item.data);
      }
    }
    this.needsSync = true;
    throw garbled === this.sends
      ? new DeviceError('BAD_FRAME', `every reply to ${name} failed its CRC (${this.sends} sends)`, { command: name, sends: this.sends })
      : new DeviceError('TIMEOUT', `no reply to ${name} after ${this.sends} sends`, { command: name, sends: this.sends });
  }

  private payloadOf(name: string, data: Buffer): Buffer {
    const response = data[0];
    if (response === undefined) throw new DeviceError('PROTOCOL', `empty reply to ${name}`, { command: name });
    if (response === RESPONSE.ok) return data.subarray(1);
    const responseCode = response.toString(16).toUpperCase();
    const known = responseName(response) ?? 'unknown';
    throw new DeviceError('DEVICE_REPORTED', `${name}: unit answered ${responseCode} (${known})`, { command: name, responseCode, response: known });
  }

  private async write(bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.write(bytes);
    } catch (e) {
      throw e instanceof DeviceError ? e : new DeviceError('TRANSPORT', `write failed: ${(e as Error).message}`);
    }
  }

  /** The next parsed item, or undefined when `timeoutMs` passes first. */
  private nextItem(timeoutMs: number, name: string): Promise<ParsedItem | undefined> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        this.closeListeners.delete(onClose);
      };
      const onClose = () => {
        done();
        reject(new DeviceError('NOT_OPEN', `bill acceptor closed during ${name}`));
      };
      const timer = setTimeout(() => {
        done();
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      if (this.closed) return onClose();
      this.closeListeners.add(onClose);
      this.waiter = (item) => {
        done();
        resolve(item);
      };
    });
  }
}

/** The note in the unit's path, as far as its events have told us. */
interface NoteInPath {
  /** null until the unit has read it (or when it never says). */
  fen: number | null;
  stage: 'reading' | 'escrow' | 'stacking' | 'returning';
}

/**
 * One run of acceptNotes: polls, decides each note in escrow, counts credits, and winds down
 * (return the escrow note, disable, wait for a note already being stacked) on every way out.
 */
class AcceptSession {
  private acceptedFen = 0;
  private readonly notes: number[] = [];
  private readonly inDoubt: InDoubtNote[] = [];
  private note: NoteInPath | undefined;
  private ended: AcceptResult['ended'] | undefined;
  private fault: DeviceError | undefined;
  private drainUntil = 0;

  constructor(
    private readonly unit: BillAcceptor,
    private readonly options: AcceptOptions,
    private readonly pollMs: number,
    private readonly drainMs: number,
  ) {}

  async run(): Promise<AcceptResult> {
    const { signal, maxFen } = this.options;
    let disabled = false;
    /** A note drawn in just before the disable shows only on a later poll: leave after one. */
    let polledSinceDisable = false;
    for (;;) {
      try {
        const restart = this.take(await this.unit.poll());
        polledSinceDisable = disabled;
        if (!this.ended && signal?.aborted) this.stop('stopped');
        if (!this.ended && this.acceptedFen >= maxFen && !this.note) this.stop('amountReached');
        if (this.note?.stage === 'escrow') await this.decideEscrow(this.note);
        if (this.ended && !disabled) {
          disabled = true;
          await this.unit.disable();
        }
        const pathClear = polledSinceDisable && !this.note;
        if (this.ended && (this.ended === 'fault' || pathClear || Date.now() >= this.drainUntil)) break;
        if (!this.ended && restart === 'reset') await this.unit.restoreAfterReset();
        else if (!this.ended && restart === 'enable') await this.unit.enable(this.options.channels);
      } catch (e) {
        this.stop('fault', isDeviceError(e) ? e : new DeviceError('PROTOCOL', (e as Error).message));
        if (!disabled) await this.unit.disable().catch(() => undefined);
        break;
      }
      // Once stopping, the signal has fired: waiting on it would poll without a pause.
      await pause(this.pollMs, this.ended ? undefined : signal);
    }
    if (this.note) this.inDoubt.push({ fen: this.note.fen, why: this.note.stage === 'stacking' ? 'acceptedNotCredited' : 'inPathAtStop' });
    return {
      acceptedFen: this.acceptedFen,
      notes: this.notes,
      ended: this.ended ?? 'fault',
      ...(this.fault ? { fault: this.fault } : {}),
      inDoubt: this.inDoubt,
    };
  }

  /** The first reason to stop wins, except that a fault always shows. */
  private stop(why: AcceptResult['ended'], fault?: DeviceError): void {
    if (this.ended === 'fault' || (this.ended && why !== 'fault')) return;
    this.ended = why;
    this.fault = fault;
    this.drainUntil = Date.now() + this.drainMs;
  }

  /** Follows the note through one poll's events; says whether the unit needs enabling again. */
  private take(events: CashEvent[]): 'reset' | 'enable' | undefined {
    let reset = false;
    for (const e of events) {
      switch (e.type) {
        case 'reading':
          this.note = { fen: null, stage: 'reading' };
          break;
        case 'escrow':
          this.note = { fen: e.fen, stage: 'escrow' };
          break;
        case 'credit':
          this.note = undefined;
          if (e.fen === null) this.inDoubt.push({ fen: null, why: 'creditOfUnknownChannel' });
          else {
            this.acceptedFen += e.fen;
            this.notes.push(e.fen);
          }
          break;
        case 'rejecting':
          this.note = { fen: this.note?.fen ?? null, stage: 'returning' };
          break;
        case 'rejected':
        case 'noteClearedFromFront': // back in the patient's hand
          this.note = undefined;
          break;
        case 'noteClearedIntoCashbox':
          this.note = undefined;
          this.inDoubt.push({ fen: e.fen, why: 'clearedIntoCashbox' });
          break;
        case 'slaveReset':
          reset = true;
          break;
        case 'safeJam':
        case 'unsafeJam': {
          const jam = e.type === 'safeJam' ? 'safe' : 'unsafe';
          this.stop('fault', new DeviceError('JAM', `${jam} note jam`, { jam }));
          break;
        }
        case 'stackerFull':
          this.stop('fault', new DeviceError('CASHBOX_FULL', 'the cash box is full'));
          break;
        case 'cashboxRemoved':
          this.stop('fault', new DeviceError('CASHBOX_REMOVED', 'the cash box was removed'));
          break;
        case 'fraudAttempt':
          this.note = undefined;
          this.stop('fault', new DeviceError('FRAUD_ATTEMPT', 'the unit detected a fraud attempt', { channel: e.channel, fen: e.fen }));
          break;
        case 'unknown':
          // What followed it in the reply, maybe a credit, cannot be read.
          this.stop('fault', new DeviceError('PROTOCOL', `unknown poll event ${e.code.toString(16).toUpperCase()}`, { code: e.code }));
          break;
        default:
          break;
      }
    }
    if (!reset) return events.some((e) => e.type === 'disabled') ? 'enable' : undefined;
    // A reset that did not say where the note went: nobody knows, so it is in doubt.
    if (this.note) this.inDoubt.push({ fen: this.note.fen, why: this.note.stage === 'stacking' ? 'acceptedNotCredited' : 'inPathAtStop' });
    this.note = undefined;
    return 'reset';
  }

  /** The next command decides (GA973): poll stacks the note, hold keeps it, reject returns it. */
  private async decideEscrow(note: NoteInPath): Promise<void> {
    const { maxFen, decide, signal } = this.options;
    let decision: EscrowDecision = 'return';
    if (!this.ended && note.fen !== null && this.acceptedFen + note.fen <= maxFen) {
      decision = decide ? await this.decideWhileHolding(decide, note.fen) : 'accept';
    }
    if (decision === 'accept' && !signal?.aborted) {
      note.stage = 'stacking';
      return;
    }
    note.stage = 'returning';
    try {
      await this.unit.returnNote();
    } catch (e) {
      if (!isNoteGone(e)) throw e;
    }
  }

  private async decideWhileHolding(decide: NonNullable<AcceptOptions['decide']>, noteFen: number): Promise<EscrowDecision> {
    const { signal } = this.options;
    let outcome: EscrowDecision | 'failed' | undefined;
    const pending = Promise.resolve()
      .then(() => decide(noteFen, this.acceptedFen))
      .then(
        (d) => (outcome = d === 'accept' ? 'accept' : 'return'),
        () => (outcome = 'failed'),
      );
    for (;;) {
      const tick = new AbortController();
      await Promise.race([pending, pause(this.pollMs, signal ? AbortSignal.any([signal, tick.signal]) : tick.signal)]);
      tick.abort();
      if (outcome) return outcome === 'accept' && !signal?.aborted ? 'accept' : 'return';
      if (signal?.aborted) return 'return';
      try {
        await this.unit.hold();
      } catch (e) {
        // The unit gave the note back by itself (its escrow time ran out): nothing left to decide.
        if (isNoteGone(e)) return 'return';
        throw e;
      }
    }
  }
}

/** F5 to hold or reject: no note in escrow any more (the unit gave it back itself, or is jammed). */
function isNoteGone(e: unknown): boolean {
  return isDeviceError(e, 'DEVICE_REPORTED') && e.detail.response === 'cannotProcess';
}

function channelOf(setup: SetupInfo, fen: number): number {
  const index = setup.channelFen.indexOf(fen);
  if (index < 0) throw new RangeError(`no channel takes ${fen} fen (channels: ${setup.channelFen.join(', ')})`);
  return index + 1;
}

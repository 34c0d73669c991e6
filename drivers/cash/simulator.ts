import type { DeviceSimulator, SimulatorControl, SimulatorEvent } from '../core/simulator.ts';
import {
  CMD,
  FrameParser,
  RESPONSE,
  VALIDATOR_ADDRESS,
  decodeInhibits,
  encodePollEvents,
  encodeReply,
  encodeSetup,
  type Packet,
  type PollEvent,
} from './codec.ts';

export interface BillAcceptorSimulatorOptions {
  /** Denominations in fen, channel 1 first, whole yuan (default CNY 1, 5, 10, 20, 50, 100). */
  channels?: number[];
  serialNumber?: number;
  /** Four characters, as the setup reply carries them. */
  firmware?: string;
  /** Notes the stacker holds before its full sensor trips (default 1000). */
  cashboxCapacity?: number;
  /** GA973: a note left in escrow without a command for 5 s goes back to the patient. */
  escrowTimeoutMs?: number;
  address?: number;
}

const CNY_CHANNELS = [100, 500, 1000, 2000, 5000, 10000];
/** Protocol versions this unit speaks; it starts at 6 until the host asks otherwise. */
const MIN_PROTOCOL = 4;
const MAX_PROTOCOL = 8;
const DEFAULT_PROTOCOL = 6;

type Stage = 'entering' | 'reading' | 'escrow' | 'stacking' | 'returning' | 'rejecting';
type ReturnReason = 'host' | 'escrowTimeout' | 'counterfeit' | 'inhibited' | 'noCashbox' | 'disabled';

interface Note {
  /** null for a counterfeit of no stated value. */
  fen: number | null;
  /** 0 when the unit cannot recognise it. */
  channel: number;
  stage: Stage;
  returnReason?: ReturnReason;
}

/**
 * An ITL NV9-style note validator that speaks real SSP (reference/hardware-protocols.md §3.2):
 * a note moves reading → escrow → stacking → cash box one poll at a time, the host's next
 * command decides an escrow note, and a repeated SEQ gets the last reply again.
 */
export class BillAcceptorSimulator implements DeviceSimulator {
  readonly kind = 'cash';
  readonly serial = { baudRate: 9600, dataBits: 8, stopBits: 2, parity: 'none' } as const;
  readonly controls: readonly SimulatorControl[];

  private send: (bytes: Buffer) => void = () => undefined;
  private readonly parser = new FrameParser();
  private readonly listeners: ((event: SimulatorEvent) => void)[] = [];
  private readonly channels: number[];
  private readonly serialNumber: number;
  private readonly firmware: string;
  private readonly capacity: number;
  private readonly escrowTimeoutMs: number;
  private readonly address: number;

  private enabled = false;
  private allowed: number[] = [];
  private protocolVersion = DEFAULT_PROTOCOL;
  private display = true;
  private note: Note | undefined;
  private escrowTimer: NodeJS.Timeout | undefined;
  /** Events that happen once, told on the next poll. */
  private pending: PollEvent[] = [];
  private jam: 'none' | 'safe' | 'unsafe' = 'none';
  private cashbox = { present: true, full: false, notes: new Map<number, number>() };
  /** SEQ and reply of the last command executed; undefined after power-up. */
  private last: { seq: 0 | 1; reply: Buffer } | undefined;
  private repeatedReplies = 0;
  private silent = false;
  private garbleNext = false;
  private dropNext = false;

  constructor(options: BillAcceptorSimulatorOptions = {}) {
    this.channels = options.channels ?? CNY_CHANNELS;
    for (const fen of this.channels) {
      if (!Number.isInteger(fen) || fen <= 0 || fen % 100 !== 0) throw new RangeError(`a channel is a whole number of yuan in fen, got ${fen}`);
    }
    this.serialNumber = options.serialNumber ?? 20_250_101;
    this.firmware = options.firmware ?? '0390';
    this.capacity = options.cashboxCapacity ?? 1000;
    this.escrowTimeoutMs = options.escrowTimeoutMs ?? 5_000;
    this.address = options.address ?? VALIDATOR_ADDRESS;
    this.controls = this.makeControls();
  }

  attach(send: (bytes: Buffer) => void): void {
    this.send = send;
  }

  onEvent(listener: (event: SimulatorEvent) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    this.clearEscrowTimer();
  }

  receive(chunk: Buffer): void {
    if (this.silent) return;
    for (const item of this.parser.push(chunk)) {
      // A packet with a bad CRC gets no answer (GA973): the host resends it.
      if (item.kind === 'packet' && item.address === this.address) this.answer(item);
    }
  }

  private answer(packet: Packet): void {
    const code = packet.data[0];
    let reply: Buffer;
    if (code !== CMD.sync && this.last && this.last.seq === packet.seq) {
      // The same SEQ again: the host lost our reply. Repeat it; do not act twice.
      reply = this.last.reply;
      this.repeatedReplies++;
    } else {
      reply = encodeReply(packet.seq, this.address, ...this.execute(code, packet.data.subarray(1)));
      this.last = { seq: packet.seq, reply };
    }
    if (this.dropNext) {
      this.dropNext = false;
      return;
    }
    this.send(this.garbleNext ? garbled(reply) : reply);
    this.garbleNext = false;
  }

  private execute(code: number | undefined, params: Buffer): [number, Buffer?] {
    switch (code) {
      case CMD.sync:
      case CMD.displayOn:
      case CMD.displayOff:
        if (code !== CMD.sync) this.display = code === CMD.displayOn;
        return [RESPONSE.ok];
      case CMD.reset:
        this.powerUp();
        return [RESPONSE.ok];
      case CMD.hostProtocolVersion: {
        const version = params[0];
        if (params.length !== 1 || version === undefined) return [RESPONSE.wrongParameters];
        if (version < MIN_PROTOCOL || version > MAX_PROTOCOL) return [RESPONSE.fail];
        this.protocolVersion = version;
        return [RESPONSE.ok];
      }
      case CMD.setupRequest:
        return [RESPONSE.ok, encodeSetup({ firmware: this.firmware, currency: 'CNY', protocolVersion: this.protocolVersion, unitValues: this.channels.map((f) => f / 100) })];
      case CMD.setInhibits:
        if (params.length < 2) return [RESPONSE.wrongParameters];
        this.allowed = decodeInhibits(params).filter((ch) => ch <= this.channels.length);
        return [RESPONSE.ok];
      case CMD.serialNumber: {
        const serial = Buffer.alloc(4);
        serial.writeUInt32BE(this.serialNumber);
        return [RESPONSE.ok, serial];
      }
      case CMD.enable:
        this.setEnabled(true);
        return [RESPONSE.ok];
      case CMD.disable:
        this.setEnabled(false);
        if (this.note?.stage === 'escrow' || this.note?.stage === 'reading' || this.note?.stage === 'entering') this.giveBack('disabled');
        return [RESPONSE.ok];
      case CMD.hold:
        if (this.note?.stage !== 'escrow' || this.jam !== 'none') return [RESPONSE.cannotProcess];
        this.startEscrowTimer();
        return [RESPONSE.ok];
      case CMD.reject:
        if (this.note?.stage !== 'escrow' || this.jam !== 'none') return [RESPONSE.cannotProcess];
        this.giveBack('host');
        return [RESPONSE.ok];
      case CMD.poll:
        return [RESPONSE.ok, encodePollEvents(this.poll())];
      default:
        return [RESPONSE.unknownCommand];
    }
  }

  /** One poll moves the note one step (a jam freezes it), then reports what lasts. */
  private poll(): PollEvent[] {
    const events = this.pending;
    this.pending = [];
    const note = this.note;
    if (note && this.jam === 'none') {
      switch (note.stage) {
        case 'entering':
          note.stage = 'reading';
          events.push({ type: 'reading' });
          break;
        case 'reading': {
          const refusal = this.refusalOf(note);
          if (refusal) {
            note.stage = 'rejecting';
            note.returnReason = refusal;
            events.push({ type: 'rejecting' });
          } else {
            note.stage = 'escrow';
            events.push({ type: 'escrow', channel: note.channel });
            this.startEscrowTimer();
            this.emit('escrow', { fen: note.fen });
          }
          break;
        }
        case 'escrow':
          // A poll while a note waits in escrow is the host's "accept".
          this.clearEscrowTimer();
          note.stage = 'stacking';
          events.push({ type: 'stacking' });
          this.emit('stacking', { fen: note.fen });
          break;
        case 'stacking':
          events.push({ type: 'credit', channel: note.channel }, { type: 'stacked' });
          this.note = undefined;
          this.intoCashbox(note.fen!);
          this.emit('stacked', { fen: note.fen });
          break;
        case 'returning':
          note.stage = 'rejecting';
          events.push({ type: 'rejecting' });
          break;
        case 'rejecting':
          events.push({ type: 'rejected' });
          this.note = undefined;
          this.emit('returned', { fen: note.fen, reason: note.returnReason });
          break;
      }
    }
    if (this.jam === 'safe') events.push({ type: 'safeJam' });
    if (this.jam === 'unsafe') events.push({ type: 'unsafeJam' });
    if (this.cashbox.full) events.push({ type: 'stackerFull' });
    if (!this.cashbox.present) events.push({ type: 'cashboxRemoved' });
    if (!this.enabled) events.push({ type: 'disabled' });
    return events;
  }

  private refusalOf(note: Note): ReturnReason | undefined {
    if (note.channel === 0) return 'counterfeit';
    if (!this.allowed.includes(note.channel)) return 'inhibited';
    if (!this.cashbox.present || this.cashbox.full) return 'noCashbox';
    return undefined;
  }

  private giveBack(reason: ReturnReason): void {
    this.clearEscrowTimer();
    this.note!.stage = 'returning';
    this.note!.returnReason = reason;
  }

  private startEscrowTimer(): void {
    this.clearEscrowTimer();
    this.escrowTimer = setTimeout(() => {
      this.escrowTimer = undefined;
      // GA973: no decision in time; the note goes back and the unit inhibits itself.
      if (this.note?.stage === 'escrow') this.giveBack('escrowTimeout');
      this.setEnabled(false);
    }, this.escrowTimeoutMs);
  }

  private clearEscrowTimer(): void {
    if (this.escrowTimer) clearTimeout(this.escrowTimer);
    this.escrowTimer = undefined;
  }

  private intoCashbox(fen: number): void {
    const notes = this.cashbox.notes;
    notes.set(fen, (notes.get(fen) ?? 0) + 1);
    if (!this.cashbox.full && this.cashboxCount() >= this.capacity) {
      this.cashbox.full = true;
      this.emit('cashboxFull', this.cashboxSummary());
    }
  }

  private cashboxCount(): number {
    return [...this.cashbox.notes.values()].reduce((a, b) => a + b, 0);
  }

  private cashboxSummary(): Record<string, unknown> {
    const byDenomination = Object.fromEntries([...this.cashbox.notes].sort(([a], [b]) => a - b).map(([fen, n]) => [String(fen), n]));
    const fen = [...this.cashbox.notes].reduce((sum, [value, n]) => sum + value * n, 0);
    return { present: this.cashbox.present, full: this.cashbox.full, notes: this.cashboxCount(), fen, byDenomination };
  }

  private setEnabled(enabled: boolean): void {
    if (this.enabled === enabled) return;
    this.enabled = enabled;
    this.emit(enabled ? 'enabled' : 'disabled');
  }

  /** Power comes back: the unit forgets the host (SEQ, protocol, inhibits) and comes up disabled. */
  private powerUp(): void {
    this.clearEscrowTimer();
    this.parser.reset();
    this.last = undefined;
    this.protocolVersion = DEFAULT_PROTOCOL;
    this.allowed = [];
    this.setEnabled(false);
    this.pending = [{ type: 'slaveReset' }];
  }

  private emit(action: string, detail: Record<string, unknown> = {}): void {
    for (const listener of this.listeners) listener({ event: 'cash', action, ...detail });
  }

  private state(): Record<string, unknown> {
    return {
      enabled: this.enabled,
      allowed: this.allowed.map((ch) => this.channels[ch - 1]),
      protocolVersion: this.protocolVersion,
      display: this.display,
      note: this.note ? { fen: this.note.fen, stage: this.note.stage } : null,
      jam: this.jam,
      cashbox: this.cashboxSummary(),
      silent: this.silent,
      garbleNext: this.garbleNext,
      dropNext: this.dropNext,
      repeatedReplies: this.repeatedReplies,
    };
  }

  /** A patient feeds a note: only an enabled unit with a free path draws it in. */
  private feed(note: Note): void {
    if (!this.enabled) throw new Error('the acceptor is disabled: the note is not drawn in');
    if (this.jam !== 'none') throw new Error('the acceptor is jammed');
    if (this.note) throw new Error(`a note is already in the path (${this.note.stage})`);
    this.note = note;
    this.emit('inserted', { fen: note.fen });
  }

  private fenArg(arg: string | undefined, usage: string): number {
    const fen = Number(arg);
    if (!arg || !Number.isInteger(fen) || fen <= 0) throw new Error(`usage: ${usage}`);
    return fen;
  }

  private makeControls(): SimulatorControl[] {
    const onOff = (args: string[], usage: string): boolean => {
      if (args[0] !== 'on' && args[0] !== 'off') throw new Error(`usage: ${usage}`);
      return args[0] === 'on';
    };
    return [
      {
        name: 'insert',
        usage: 'insert <fen>',
        help: `a patient feeds a genuine note (${this.channels.join(', ')} fen)`,
        run: ([arg]) => {
          const fen = this.fenArg(arg, 'insert <fen>');
          const channel = this.channels.indexOf(fen) + 1;
          if (channel === 0) throw new Error(`no channel takes ${fen} fen; use counterfeit for a note the unit refuses`);
          this.feed({ fen, channel, stage: 'entering' });
          return this.state();
        },
      },
      {
        name: 'counterfeit',
        usage: 'counterfeit [fen]',
        help: 'a patient feeds a note the unit does not recognise: read, then rejected',
        run: ([arg]) => {
          this.feed({ fen: arg === undefined ? null : this.fenArg(arg, 'counterfeit [fen]'), channel: 0, stage: 'entering' });
          return this.state();
        },
      },
      {
        name: 'jam',
        usage: 'jam safe|unsafe',
        help: 'the note path jams; safe = the note cannot be reached from the front, unsafe = it can',
        run: ([kind]) => {
          if (kind !== 'safe' && kind !== 'unsafe') throw new Error('usage: jam safe|unsafe');
          this.jam = kind;
          this.clearEscrowTimer();
          this.emit('jam', { jam: kind, fen: this.note?.fen ?? null });
          return this.state();
        },
      },
      {
        name: 'clear-jam',
        usage: 'clear-jam',
        help: 'staff open the unit and take out whatever note was stuck; it stays disabled',
        run: () => {
          if (this.jam === 'none') throw new Error('the unit is not jammed');
          this.jam = 'none';
          if (this.note) this.emit('removedByStaff', { fen: this.note.fen });
          this.note = undefined;
          this.setEnabled(false);
          return this.state();
        },
      },
      {
        name: 'cashbox-remove',
        usage: 'cashbox-remove',
        help: 'staff take the cash box out (its notes go with it)',
        run: () => {
          if (!this.cashbox.present) throw new Error('the cash box is already out');
          this.emit('cashboxRemoved', this.cashboxSummary());
          this.cashbox = { present: false, full: false, notes: new Map() };
          return this.state();
        },
      },
      {
        name: 'cashbox-replace',
        usage: 'cashbox-replace',
        help: 'staff put an empty cash box in',
        run: () => {
          if (this.cashbox.present) throw new Error('the cash box is in place; cashbox-remove first');
          this.cashbox = { present: true, full: false, notes: new Map() };
          this.pending.push({ type: 'cashboxReplaced' });
          this.emit('cashboxReplaced');
          return this.state();
        },
      },
      {
        name: 'cashbox-full',
        usage: 'cashbox-full',
        help: "trip the stacker's full sensor",
        run: () => {
          this.cashbox.full = true;
          this.emit('cashboxFull', this.cashboxSummary());
          return this.state();
        },
      },
      {
        name: 'fraud',
        usage: 'fraud',
        help: 'someone pulls the note in the path back out on a string',
        run: () => {
          const note = this.note;
          this.clearEscrowTimer();
          this.note = undefined;
          this.pending.push({ type: 'fraudAttempt', channel: note?.channel ?? 0 });
          this.emit('fraud', { fen: note?.fen ?? null });
          return this.state();
        },
      },
      {
        name: 'power-up-with-note',
        usage: 'power-up-with-note front|cashbox [fen]',
        help: 'power fails and returns with a note in the path; the unit clears it out the front or into the box',
        run: ([where, arg]) => {
          if (where !== 'front' && where !== 'cashbox') throw new Error('usage: power-up-with-note front|cashbox [fen]');
          const fen = arg === undefined ? (this.note?.fen ?? null) : this.fenArg(arg, 'power-up-with-note front|cashbox [fen]');
          const channel = fen === null ? 0 : this.channels.indexOf(fen) + 1;
          this.note = undefined;
          this.jam = 'none';
          this.powerUp();
          this.pending.push({ type: where === 'front' ? 'noteClearedFromFront' : 'noteClearedIntoCashbox', channel });
          if (where === 'cashbox' && fen !== null && channel > 0) this.intoCashbox(fen);
          this.emit('powerUp', { cleared: where, fen });
          return this.state();
        },
      },
      {
        name: 'silent',
        usage: 'silent on|off',
        help: 'stop answering anything (cable pulled, unit off)',
        run: (args) => {
          this.silent = onOff(args, 'silent on|off');
          return this.state();
        },
      },
      {
        name: 'garble',
        usage: 'garble',
        help: "corrupt the next reply's CRC once (the host resends; the unit repeats, not re-executes)",
        run: () => {
          this.garbleNext = true;
          return this.state();
        },
      },
      {
        name: 'drop-reply',
        usage: 'drop-reply',
        help: 'carry out the next command but lose its reply on the line once',
        run: () => {
          this.dropNext = true;
          return this.state();
        },
      },
      { name: 'state', usage: 'state', help: 'print the physical state, cash box counts included, as JSON', run: () => this.state() },
    ];
  }
}

/** A reply whose CRC no longer matches: what a burst of line noise does. */
function garbled(reply: Buffer): Buffer {
  const copy = Buffer.from(reply);
  // SEQ/ID is 00 or 80 for a validator, so flipping its low bit never makes or breaks a 7F pair.
  copy[1]! ^= 0x01;
  return copy;
}

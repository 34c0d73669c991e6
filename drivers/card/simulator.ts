import { crc32 } from 'node:zlib';
import type { DeviceSimulator, SimulatorControl, SimulatorEvent } from '../core/simulator.ts';
import type { CardPosition } from '../core/status.ts';
import {
  ACK,
  CM,
  DEFAULT_M1_KEY,
  EOT,
  FrameParser,
  M1_BLOCK_SIZE,
  MIFARE_INS,
  MIFARE_SW,
  NAK,
  PATIENT_CARD_LAYOUT,
  PM,
  RF_TYPE_MIFARE,
  encodeNegative,
  encodePatientCardBlock,
  encodePositive,
  encodeUnitStatus,
  mifareResult,
  type CommandFrame,
  type M1Key,
  type M1Layout,
  type ParsedItem,
} from './codec.ts';

export interface CardDispenserSimulatorOptions {
  /** Cards in the stacker (default: as many as `cards`, or 50). */
  stacker?: number;
  /** Numbers of the stacker's cards, first issued first; more are made up when `stacker` is larger. */
  cards?: string[];
  /** Cards the error-card bin holds before its full sensor trips (default 30). */
  binCapacity?: number;
  /** DIP-switch address (default 0). */
  address?: number;
  /** Time the mechanism takes between ACK and reply (default 5 ms; a real unit takes about a second). */
  executeMs?: number;
  /** The key that opens the patient sector of every simulated card (default transport key A). */
  cardKey?: M1Key;
  /** Where the simulated cards keep their number (default sector 1, block 0). */
  layout?: M1Layout;
}

/** Reply data of initialise: the firmware version string, as the M001 sends it. */
const FIRMWARE = 'CRT-591-M001';
/** Below this many cards the stacker's "few cards" sensor is uncovered. */
const STACKER_LOW = 10;
/**
 * Made-up numbers for stacker cards not given in `cards`: ten digits like the seeded hospital's
 * patient cards (central/his/seed.ts, 20000001xx), in a range no seeded patient holds, so a card
 * issued from the stack is a new card to the HIS.
 */
const FIRST_GENERATED_CARD = 2_000_900_001;

interface CardInUnit {
  cardNo: string;
  at: Exclude<CardPosition, 'none'>;
  /** A patient pushed it into a closed gate and still holds it there (not one we ejected). */
  held?: boolean;
}

/**
 * A CRT-591-M that speaks the real bytes (reference/hardware-protocols.md §2.1, §2.4): stacker,
 * gate, reader position, error-card bin and a virtual M1 card, with fault injection.
 */
export class CardDispenserSimulator implements DeviceSimulator {
  readonly kind = 'card';
  readonly serial = { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none' } as const;
  readonly controls: readonly SimulatorControl[];

  private send: (bytes: Buffer) => void = () => undefined;
  private readonly parser = new FrameParser();
  private readonly listeners: ((event: SimulatorEvent) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly address: number;
  private readonly executeMs: number;
  private readonly cardKey: M1Key;
  private readonly layout: M1Layout;
  private readonly binCapacity: number;

  private stacker: string[];
  private nextGenerated = FIRST_GENERATED_CARD;
  private card: CardInUnit | undefined;
  private binCount = 0;
  private binForcedFull = false;
  private entryEnabled = false;
  private initialised = false;
  private jammed = false;
  private silent = false;
  private garbleNext = false;
  /** Bytes to put on the line just before the next reply. */
  private noise = Buffer.alloc(0);
  /** RF state of the card at the reader: activated, and which sector a key has opened. */
  private rf: { active: boolean; sector?: number } = { active: false };
  /** The reply the host has not ACKed yet: resent on NAK. */
  private lastReply: Buffer | undefined;
  private repliesNotAcknowledged = 0;

  constructor(options: CardDispenserSimulatorOptions = {}) {
    this.address = options.address ?? 0;
    this.executeMs = options.executeMs ?? 5;
    this.cardKey = options.cardKey ?? DEFAULT_M1_KEY;
    this.layout = options.layout ?? PATIENT_CARD_LAYOUT;
    this.binCapacity = options.binCapacity ?? 30;
    const cards = options.cards ?? [];
    for (const cardNo of cards) encodePatientCardBlock(cardNo);
    this.stacker = [...cards];
    this.setStacker(options.stacker ?? (cards.length || 50));
    this.controls = this.makeControls();
  }

  attach(send: (bytes: Buffer) => void): void {
    this.send = send;
  }

  onEvent(listener: (event: SimulatorEvent) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  receive(chunk: Buffer): void {
    if (this.silent) return;
    for (const item of this.parser.push(chunk)) this.handle(item);
  }

  /** The handshake of CRT-591-M001 communication protocol §1.4, device side. */
  private handle(item: ParsedItem): void {
    switch (item.kind) {
      case 'command': {
        if (item.address !== this.address) return; // another unit on the bus
        if (this.lastReply) this.repliesNotAcknowledged++;
        this.lastReply = undefined;
        this.send(Buffer.of(ACK));
        const reply = this.execute(item);
        this.later(() => {
          this.lastReply = reply;
          this.send(Buffer.concat([this.noise, this.garbleNext ? garbled(reply) : reply]));
          this.garbleNext = false;
          this.noise = Buffer.alloc(0);
        });
        return;
      }
      case 'ack':
        this.lastReply = undefined;
        return;
      case 'nak':
        if (this.lastReply) this.send(this.lastReply);
        return;
      case 'eot':
        this.stop();
        this.lastReply = undefined;
        this.send(Buffer.of(EOT));
        return;
      case 'bad':
        this.send(Buffer.of(NAK));
        return;
      default:
        return; // replies from another unit: not for us
    }
  }

  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.executeMs);
    this.timers.add(timer);
  }

  private execute(cmd: CommandFrame): Buffer {
    if (cmd.cm === CM.initialize) return this.initialize(cmd);
    if (cmd.cm === CM.status) return cmd.pm === PM.statusBasic ? this.positive(cmd) : this.negative(cmd, '01');
    const needInitialise: number[] = [CM.moveCard, CM.cardEntry, CM.rfCard];
    if (!needInitialise.includes(cmd.cm)) return this.negative(cmd, '00');
    // "Must be the first command after power-up."
    if (!this.initialised) return this.negative(cmd, 'B0');
    if (cmd.cm === CM.moveCard) return this.move(cmd);
    if (cmd.cm === CM.cardEntry) {
      if (cmd.pm !== PM.entryEnable && cmd.pm !== PM.entryDisable) return this.negative(cmd, '01');
      this.entryEnabled = cmd.pm === PM.entryEnable;
      // A card a patient holds against the gate goes in as soon as the gate opens, as on the unit.
      if (this.entryEnabled && this.card?.at === 'gate' && this.card.held) this.card = { cardNo: this.card.cardNo, at: 'reader' };
      return this.positive(cmd);
    }
    return this.rfCard(cmd);
  }

  private initialize(cmd: CommandFrame): Buffer {
    const moveIn = [PM.initMoveToHolding, PM.initMoveToHoldingCounted] as number[];
    const capture = [PM.initCapture, PM.initCaptureCounted] as number[];
    const stay = [PM.initDontMove, PM.initDontMoveCounted] as number[];
    if (![...moveIn, ...capture, ...stay].includes(cmd.pm)) return this.negative(cmd, '01');
    if (this.jammed) return this.negative(cmd, '10');
    if (this.card && capture.includes(cmd.pm)) {
      if (this.binFull()) return this.negative(cmd, 'A1');
      this.captureCard();
    }
    if (this.card && moveIn.includes(cmd.pm)) this.card.at = 'reader';
    this.initialised = true;
    this.entryEnabled = false;
    this.rf = { active: false };
    return this.positive(cmd, Buffer.from(FIRMWARE, 'latin1'));
  }

  private move(cmd: CommandFrame): Buffer {
    const known = [PM.moveToHolding, PM.moveToIc, PM.moveToRf, PM.moveToBin, PM.moveToGate] as number[];
    if (!known.includes(cmd.pm)) return this.negative(cmd, '01');
    if (this.jammed) return this.negative(cmd, '10');
    this.rf = { active: false };
    if (cmd.pm === PM.moveToBin) {
      if (!this.card) return this.negative(cmd, '02');
      if (this.binFull()) return this.negative(cmd, 'A1');
      this.captureCard();
      return this.positive(cmd);
    }
    // With no card inside, every other move issues one from the stacker.
    if (!this.card) {
      const cardNo = this.stacker.shift();
      if (cardNo === undefined) return this.negative(cmd, 'A0');
      this.card = { cardNo, at: 'reader' };
      this.emit('dispensed', cardNo);
    }
    if (cmd.pm === PM.moveToGate && this.card.at !== 'gate') {
      this.card.at = 'gate';
      this.emit('ejected', this.card.cardNo);
    } else if (cmd.pm !== PM.moveToGate) {
      this.card.at = 'reader';
    }
    return this.positive(cmd);
  }

  private rfCard(cmd: CommandFrame): Buffer {
    const atReader = this.card?.at === 'reader' ? this.card : undefined;
    if (cmd.pm === PM.rfActivate) {
      if (!atReader) return this.negative(cmd, '61');
      this.rf = { active: true };
      // Rtype 'M', ATQA 00 04 (Mifare Classic 1K), UID length, UID, SAK 08.
      return this.positive(cmd, Buffer.concat([Buffer.of(RF_TYPE_MIFARE, 0x00, 0x04, 0x04), uidOf(atReader.cardNo), Buffer.of(0x08)]));
    }
    if (cmd.pm === PM.rfDeactivate) {
      this.rf = { active: false };
      return this.positive(cmd);
    }
    if (cmd.pm !== PM.rfMifare) return this.negative(cmd, '01');
    if (!atReader || !this.rf.active) return this.positive(cmd, mifareResult(MIFARE_SW.fail));
    return this.positive(cmd, this.mifare(cmd.data, atReader.cardNo));
  }

  /** One pseudo-APDU against the virtual M1 card; the result bytes travel in a positive reply. */
  private mifare(apdu: Buffer, cardNo: string): Buffer {
    const [cla, ins, p1, p2, p3] = apdu;
    if (cla !== 0x00 || p1 === undefined || p2 === undefined || p3 === undefined) return mifareResult(MIFARE_SW.fail);
    if (ins === MIFARE_INS.verifyKey && apdu.length === 11) {
      const [keyType, sector] = [p1 === 0x00 ? 'A' : 'B', p2];
      if (sector > 15) return mifareResult(MIFARE_SW.addressOverflow);
      const ok = keyType === this.cardKey.type && Buffer.from(this.cardKey.key).equals(apdu.subarray(5));
      this.rf.sector = ok ? sector : undefined;
      return mifareResult(ok ? MIFARE_SW.ok : MIFARE_SW.fail);
    }
    if (ins === MIFARE_INS.readBlocks && apdu.length === 5) {
      const [sector, block, count] = [p1, p2, p3];
      if (sector > 15 || block > 3) return mifareResult(MIFARE_SW.addressOverflow);
      if (count < 1 || block + count > 4) return mifareResult(MIFARE_SW.lengthOverflow);
      if (this.rf.sector !== sector) return mifareResult(MIFARE_SW.fail);
      const blocks = Array.from({ length: count }, (_, i) => m1Block(cardNo, sector, block + i, this.layout));
      return mifareResult(MIFARE_SW.ok, Buffer.concat(blocks));
    }
    return mifareResult(MIFARE_SW.fail);
  }

  private positive(cmd: CommandFrame, data?: Buffer): Buffer {
    const stacker = this.stacker.length === 0 ? 'empty' : this.stacker.length < STACKER_LOW ? 'low' : 'full';
    const status = encodeUnitStatus({ cardAt: this.card?.at ?? 'none', stacker, bin: this.binFull() ? 'full' : 'ok' });
    return encodePositive(this.address, cmd.cm, cmd.pm, status, data);
  }

  private negative(cmd: CommandFrame, code: string): Buffer {
    return encodeNegative(this.address, cmd.cm, cmd.pm, code);
  }

  private binFull(): boolean {
    return this.binForcedFull || this.binCount >= this.binCapacity;
  }

  private captureCard(): void {
    const cardNo = this.card!.cardNo;
    this.card = undefined;
    this.binCount++;
    this.emit('captured', cardNo);
  }

  private setStacker(n: number): void {
    this.stacker = this.stacker.slice(0, n);
    while (this.stacker.length < n) this.stacker.push(String(this.nextGenerated++));
  }

  private emit(action: 'ejected' | 'captured' | 'taken' | 'dispensed' | 'inserted', cardNo: string): void {
    for (const listener of this.listeners) listener({ event: 'card', action, cardNo });
  }

  private state(): Record<string, unknown> {
    return {
      cardAt: this.card?.at ?? 'none',
      cardNo: this.card?.cardNo ?? null,
      stacker: this.stacker.length,
      binCount: this.binCount,
      binCapacity: this.binCapacity,
      binFull: this.binFull(),
      entryEnabled: this.entryEnabled,
      initialised: this.initialised,
      jammed: this.jammed,
      silent: this.silent,
      garbleNext: this.garbleNext,
      noise: this.noise.toString('hex'),
      repliesNotAcknowledged: this.repliesNotAcknowledged,
    };
  }

  private makeControls(): SimulatorControl[] {
    const onOff = (args: string[], usage: string): boolean => {
      if (args[0] !== 'on' && args[0] !== 'off') throw new Error(`usage: ${usage}`);
      return args[0] === 'on';
    };
    return [
      {
        name: 'insert',
        usage: 'insert <cardNo>',
        help: 'a patient puts a card in the gate; drawn to the reader if entry is enabled',
        run: ([cardNo]) => {
          if (!cardNo) throw new Error('usage: insert <cardNo>');
          encodePatientCardBlock(cardNo);
          if (this.card) throw new Error(`a card is already at the ${this.card.at}`);
          this.card = this.entryEnabled ? { cardNo, at: 'reader' } : { cardNo, at: 'gate', held: true };
          this.emit('inserted', cardNo);
          return this.state();
        },
      },
      {
        name: 'take',
        usage: 'take',
        help: 'the patient takes the card waiting at the gate',
        run: () => {
          if (this.card?.at !== 'gate') throw new Error('no card at the gate');
          const { cardNo } = this.card;
          this.card = undefined;
          this.emit('taken', cardNo);
          return this.state();
        },
      },
      {
        name: 'jam',
        usage: 'jam',
        help: 'the mechanism jams: moves and initialise fail with 10',
        run: () => {
          this.jammed = true;
          return this.state();
        },
      },
      {
        name: 'unjam',
        usage: 'unjam',
        help: 'a technician clears the jam (initialise again to go back in service)',
        run: () => {
          this.jammed = false;
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
        help: "corrupt the next reply's BCC once",
        run: () => {
          this.garbleNext = true;
          return this.state();
        },
      },
      {
        name: 'noise',
        usage: 'noise <hex>',
        help: 'put these bytes on the line once, just before the next reply',
        run: ([bytes]) => {
          if (!bytes || !/^([0-9a-fA-F]{2})+$/.test(bytes)) throw new Error('usage: noise <hex>, e.g. noise 00ff');
          this.noise = Buffer.from(bytes, 'hex');
          return this.state();
        },
      },
      {
        name: 'stacker',
        usage: 'stacker <n>',
        help: 'refill or empty the stacker to n cards',
        run: ([n]) => {
          const count = Number(n);
          if (!Number.isInteger(count) || count < 0) throw new Error('usage: stacker <n>, n a whole number');
          this.setStacker(count);
          return this.state();
        },
      },
      {
        name: 'bin-full',
        usage: 'bin-full on|off',
        help: "force the error-card bin's full sensor",
        run: (args) => {
          this.binForcedFull = onOff(args, 'bin-full on|off');
          return this.state();
        },
      },
      {
        name: 'power-cycle',
        usage: 'power-cycle',
        help: 'power off and on: the unit wants initialise again (a card inside stays)',
        run: () => {
          this.stop();
          this.initialised = false;
          this.entryEnabled = false;
          this.rf = { active: false };
          this.lastReply = undefined;
          this.parser.reset();
          return this.state();
        },
      },
      { name: 'state', usage: 'state', help: 'print the physical state as JSON', run: () => this.state() },
    ];
  }
}

/** A reply whose BCC no longer matches: what a burst of line noise does. */
function garbled(reply: Buffer): Buffer {
  const copy = Buffer.from(reply);
  copy[copy.length - 1]! ^= 0xff;
  return copy;
}

/** A stable 4-byte UID per card number, so the same card always activates the same way. */
function uidOf(cardNo: string): Buffer {
  const uid = Buffer.alloc(4);
  uid.writeUInt32BE(crc32(cardNo));
  return uid;
}

/** Blocks of the virtual Mifare Classic 1K: the patient number where our layout puts it. */
function m1Block(cardNo: string, sector: number, block: number, layout: M1Layout): Buffer {
  if (sector === layout.sector && block === layout.block) return encodePatientCardBlock(cardNo);
  // Sector trailer: key A reads back as zeros, transport access bits FF 07 80 69, key B.
  if (block === 3) return Buffer.from('000000000000FF078069FFFFFFFFFFFF', 'hex');
  if (sector === 0 && block === 0) {
    const uid = uidOf(cardNo);
    const manufacturer = Buffer.alloc(M1_BLOCK_SIZE);
    uid.copy(manufacturer);
    manufacturer[4] = uid.reduce((x, b) => x ^ b, 0); // BCC of the UID
    manufacturer[5] = 0x08; // SAK
    manufacturer.writeUInt16BE(0x0400, 6); // ATQA as stored: 04 00
    return manufacturer;
  }
  return Buffer.alloc(M1_BLOCK_SIZE);
}

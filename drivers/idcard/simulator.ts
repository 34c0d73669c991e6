import { crc32 } from 'node:zlib';
import type { DeviceSimulator, SimulatorControl, SimulatorEvent } from '../core/simulator.ts';
import {
  COMMANDS,
  FrameParser,
  PHOTO_BYTES,
  SW3,
  commandName,
  encodeBaseInfo,
  encodeIdentityText,
  encodeResponse,
  encodeSamId,
  type CommandName,
  type IdCardIdentity,
  type ParsedItem,
} from './codec.ts';

/**
 * Fictional card holders. The valid ones are the HIS simulator's fixture patients (central/his/
 * seed.ts: same names and ID numbers), so a demo can identify a patient by ID card; addresses,
 * issuers and dates are made up. `bad-check` is 王喆's card with a wrong check digit.
 */
export const idCardProfiles: Readonly<Record<string, IdCardIdentity>> = {
  'wang-zhe': {
    name: '王喆',
    sex: 'male',
    nation: '汉',
    nationCode: '01',
    birthDate: '1989-01-05',
    address: '浙江省杭州市上城区望江示范路18号',
    idNumber: '330102198901050138',
    issuer: '杭州市公安局上城分局',
    validFrom: '2016-03-08',
    validTo: '2036-03-08',
  },
  'zhao-kun': {
    name: '赵堃',
    sex: 'male',
    nation: '满',
    nationCode: '11',
    birthDate: '1981-06-11',
    address: '浙江省杭州市余杭区样板街道演示路66号2幢301室',
    idNumber: '330110198106110613',
    issuer: '杭州市公安局余杭区分局',
    validFrom: '2019-07-22',
    validTo: '2039-07-22',
  },
  // Issued after the holder turned 46: valid long-term (长期).
  'ouyang-ming': {
    name: '欧阳明',
    sex: 'male',
    nation: '汉',
    nationCode: '01',
    birthDate: '1952-01-30',
    address: '浙江省杭州市江干区虚拟路9号',
    idNumber: '330104195201300377',
    issuer: '杭州市公安局江干分局',
    validFrom: '2008-10-15',
    validTo: 'long-term',
  },
  'chen-jing': {
    name: '陈静',
    sex: 'female',
    nation: '回',
    nationCode: '03',
    birthDate: '1993-07-17',
    address: '浙江省杭州市拱墅区例子巷7号',
    idNumber: '33010519930717086X',
    issuer: '杭州市公安局拱墅分局',
    validFrom: '2021-05-04',
    validTo: '2041-05-04',
  },
};
const badCheckDigit: IdCardIdentity = { ...idCardProfiles['wang-zhe']!, idNumber: '330102198901050137' };
/** `no-record`: a valid card of a person the HIS simulator has never seen, for 建档发卡 (card issue). */
export const noRecordIdCard: IdCardIdentity = {
  name: '林小雨',
  sex: 'female',
  nation: '汉',
  nationCode: '01',
  birthDate: '1990-05-12',
  address: '浙江省杭州市上城区样例路21号3单元502室',
  idNumber: '330102199005120841',
  issuer: '杭州市公安局上城分局',
  validFrom: '2020-06-01',
  validTo: '2040-06-01',
};
const profiles: Record<string, IdCardIdentity> = { ...idCardProfiles, 'bad-check': badCheckDigit, 'no-record': noRecordIdCard };
const DEFAULT_PROFILE = 'wang-zhe';

export interface IdCardReaderSimulatorOptions {
  /** Time to answer reset, status, find and select (default 5 ms; a real module takes about 50). */
  answerMs?: number;
  /** Time to read base info (default 20 ms; a real card takes about 800, §1.7). */
  readMs?: number;
  /** Pause between the chunks of a `split` reply (default 10 ms). */
  splitGapMs?: number;
  samId?: string;
}

/**
 * `found` and `selected` are the steps of one read; `read` is the card that was read and is still
 * on the reader: the module will not find it again until it has left the field (§1.5).
 */
type Field = 'empty' | 'present' | 'found' | 'selected' | 'read';

/** Noise for `noise` without bytes: partial preambles, to make a parser resynchronise. */
const DEFAULT_NOISE = '00FFAAAA96AA55';

/**
 * A SAM(V) ID card reader that speaks the real bytes (reference/hardware-protocols.md §1.7): a
 * card placed in and taken out of the field, the read-once-per-placement rule, and fault
 * injection (noise, split replies, bad checksums, silence, a failed SAM).
 */
export class IdCardReaderSimulator implements DeviceSimulator {
  readonly kind = 'idcard';
  readonly serial = { baudRate: 115_200, dataBits: 8, stopBits: 1, parity: 'none' } as const;
  readonly controls: readonly SimulatorControl[];

  private send: (bytes: Buffer) => void = () => undefined;
  private readonly parser = new FrameParser('request');
  private readonly listeners: ((event: SimulatorEvent) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly answerMs: number;
  private readonly readMs: number;
  private readonly splitGapMs: number;
  private readonly samId: Buffer;

  private field: Field = 'empty';
  private profile: string | undefined;
  private samFault = false;
  private silent = false;
  private garbleAll = false;
  /** Garble the next reply (`any`) or the next reply to one command. */
  private garbleNext: CommandName | 'any' | undefined;
  private splitNext: { command: CommandName | 'any'; chunks: number } | undefined;
  private noise = Buffer.alloc(0);
  private pendingReplies = 0;
  /** Requests that arrived while a reply was still owed: a driver breaking one-command-at-a-time. */
  private overlaps = 0;
  private reads = 0;

  constructor(options: IdCardReaderSimulatorOptions = {}) {
    this.answerMs = options.answerMs ?? 5;
    this.readMs = options.readMs ?? 20;
    this.splitGapMs = options.splitGapMs ?? 10;
    this.samId = encodeSamId(options.samId ?? '05.01-20240315-0000123456-0000654321');
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
    this.pendingReplies = 0;
  }

  receive(chunk: Buffer): void {
    if (this.silent) return;
    for (const item of this.parser.push(chunk)) this.handle(item);
  }

  private handle(item: ParsedItem): void {
    if (item.kind === 'response') return; // another module's reply on a shared line: not ours
    if (this.pendingReplies > 0) this.overlaps++;
    this.pendingReplies++;
    if (item.kind === 'bad') {
      const sw3 = item.reason === 'checksum' ? SW3.hostChecksum : SW3.hostLength;
      this.later(this.answerMs, () => this.deliver(undefined, encodeResponse(sw3)));
      return;
    }
    const name = commandName(item.cmd, item.para);
    const reply = name ? this.execute(name) : encodeResponse(SW3.commandError);
    this.later(name === 'readBase' ? this.readMs : this.answerMs, () => this.deliver(name, reply));
  }

  private execute(name: CommandName): Buffer {
    if (name === 'reset') return encodeResponse(SW3.ok);
    if (this.samFault) return encodeResponse(SW3.selfTestFailed);
    switch (name) {
      case 'samStatus':
        return encodeResponse(SW3.ok);
      case 'samInfo':
        return encodeResponse(SW3.ok, this.samId);
      case 'findCard':
        if (this.field === 'empty' || this.field === 'read') return encodeResponse(SW3.noCard);
        this.field = 'found';
        // Four bytes of card IIN; published replies show zeros (§1.3).
        return encodeResponse(SW3.found, Buffer.alloc(4));
      case 'selectCard':
        if (this.field !== 'found') return encodeResponse(SW3.selectFailed);
        this.field = 'selected';
        return encodeResponse(SW3.ok, Buffer.alloc(8));
      case 'readBase': {
        // The card stays selected until it leaves the field, so a reply lost on the line can be asked for again.
        if (this.field !== 'selected' && this.field !== 'read') return encodeResponse(SW3.readFailed);
        if (this.field === 'selected') {
          this.reads++;
          this.emit('read');
        }
        this.field = 'read';
        const identity = profiles[this.profile!]!;
        return encodeResponse(SW3.ok, encodeBaseInfo(encodeIdentityText(identity), photoOf(this.profile!)));
      }
    }
  }

  /** Puts a reply on the line with whatever faults are armed for it. */
  private deliver(name: CommandName | undefined, reply: Buffer): void {
    this.pendingReplies = Math.max(0, this.pendingReplies - 1);
    if (this.silent) return;
    const armed = (target: CommandName | 'any' | undefined) => target === 'any' || (target !== undefined && target === name);
    let bytes = reply;
    if (this.garbleAll || armed(this.garbleNext)) {
      bytes = garbled(bytes);
      if (armed(this.garbleNext)) this.garbleNext = undefined;
    }
    bytes = Buffer.concat([this.noise, bytes]);
    this.noise = Buffer.alloc(0);
    if (!this.splitNext || !armed(this.splitNext.command)) return this.send(bytes);
    const size = Math.ceil(bytes.length / this.splitNext.chunks);
    this.splitNext = undefined;
    const sendFrom = (offset: number) => {
      this.send(bytes.subarray(offset, offset + size));
      if (offset + size < bytes.length) this.later(this.splitGapMs, () => sendFrom(offset + size));
    };
    sendFrom(0);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Events name the profile, never the holder: they end up in logs. */
  private emit(action: 'placed' | 'removed' | 'read'): void {
    for (const listener of this.listeners) listener({ event: 'idcard', action, profile: this.profile });
  }

  private state(): Record<string, unknown> {
    return {
      field: this.field,
      profile: this.profile ?? null,
      samFault: this.samFault,
      silent: this.silent,
      garble: this.garbleAll ? 'on' : (this.garbleNext ?? 'off'),
      split: this.splitNext ?? null,
      noise: this.noise.toString('hex'),
      reads: this.reads,
      overlaps: this.overlaps,
    };
  }

  private makeControls(): SimulatorControl[] {
    const onOff = (args: string[], usage: string): boolean => {
      if (args[0] !== 'on' && args[0] !== 'off') throw new Error(`usage: ${usage}`);
      return args[0] === 'on';
    };
    const command = (arg: string | undefined): CommandName | 'any' => {
      if (arg === undefined) return 'any';
      if (!Object.hasOwn(COMMANDS, arg)) throw new Error(`unknown command "${arg}"; one of ${Object.keys(COMMANDS).join(', ')}`);
      return arg as CommandName;
    };
    return [
      {
        name: 'place',
        usage: `place [${Object.keys(profiles).join('|')}]`,
        help: `put a card in the field (default ${DEFAULT_PROFILE}; bad-check has a wrong ID check digit; no-record is nobody the hospital knows)`,
        run: ([profile = DEFAULT_PROFILE]) => {
          if (!Object.hasOwn(profiles, profile)) throw new Error(`unknown profile "${profile}"; one of ${Object.keys(profiles).join(', ')}`);
          if (this.field !== 'empty') throw new Error('a card is already in the field; remove it first');
          this.field = 'present';
          this.profile = profile;
          this.emit('placed');
          return this.state();
        },
      },
      {
        name: 'remove',
        usage: 'remove',
        help: 'take the card out of the field (the only way to read it again)',
        run: () => {
          if (this.field === 'empty') throw new Error('no card in the field');
          this.emit('removed');
          this.field = 'empty';
          this.profile = undefined;
          return this.state();
        },
      },
      {
        name: 'noise',
        usage: 'noise [hex]',
        help: `put these bytes on the line once, just before the next reply (default ${DEFAULT_NOISE})`,
        run: ([bytes = DEFAULT_NOISE]) => {
          if (!/^([0-9a-fA-F]{2})+$/.test(bytes)) throw new Error('usage: noise [hex], e.g. noise 00ff');
          this.noise = Buffer.from(bytes, 'hex');
          return this.state();
        },
      },
      {
        name: 'split',
        usage: `split [${Object.keys(COMMANDS).join('|')}] [chunks]`,
        help: 'send the next reply (to that command) in several chunks with small gaps (default 4)',
        run: (args) => {
          const [target, chunks = '4'] = /^\d+$/.test(args[0] ?? '') ? [undefined, args[0]] : args;
          const count = Number(chunks);
          if (!Number.isInteger(count) || count < 2) throw new Error('usage: split [command] [chunks], chunks a whole number from 2');
          this.splitNext = { command: command(target), chunks: count };
          return this.state();
        },
      },
      {
        name: 'garble',
        usage: `garble [on|off|${Object.keys(COMMANDS).join('|')}]`,
        help: "corrupt the checksum of the next reply (to that command), or of every reply until 'garble off'",
        run: ([arg]) => {
          if (arg === 'on' || arg === 'off') {
            this.garbleAll = arg === 'on';
            this.garbleNext = undefined;
          } else {
            this.garbleNext = command(arg);
          }
          return this.state();
        },
      },
      {
        name: 'silent',
        usage: 'silent on|off',
        help: 'stop answering anything (cable pulled, module unpowered)',
        run: (args) => {
          this.silent = onOff(args, 'silent on|off');
          return this.state();
        },
      },
      {
        name: 'sam-fault',
        usage: 'sam-fault on|off',
        help: 'the SAM fails its self-test: status and card commands answer SW3 60',
        run: (args) => {
          this.samFault = onOff(args, 'sam-fault on|off');
          return this.state();
        },
      },
      { name: 'state', usage: 'state', help: 'print the physical state as JSON', run: () => this.state() },
    ];
  }
}

/** A reply whose checksum no longer matches: what a burst of line noise does. */
function garbled(reply: Buffer): Buffer {
  const copy = Buffer.from(reply);
  copy[copy.length - 1]! ^= 0xff;
  return copy;
}

/** Stand-in WLT bytes, fixed per profile, so a test can see the photo pass through unchanged. */
export function photoOf(profile: string): Buffer {
  const seed = crc32(profile);
  return Buffer.from(Array.from({ length: PHOTO_BYTES }, (_, i) => ((seed >>> (8 * (i % 4))) ^ i) & 0xff));
}

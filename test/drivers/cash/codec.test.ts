import { describe, expect, it } from 'vitest';
import {
  CMD,
  FrameParser,
  RESPONSE,
  crc16,
  decodeInhibits,
  decodePollEvents,
  decodeSetup,
  encodeCommand,
  encodeInhibits,
  encodePacket,
  encodePollEvents,
  encodeReply,
  encodeSetup,
  type ParsedItem,
  type PollEvent,
} from '../../../drivers/cash/codec.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Golden packets from reference/hardware-protocols.md §3.2 (GA973 examples) and ITL's packet examples. */
const golden = {
  sync: hex('7F 80 01 11 65 82'),
  pollSeq0: hex('7F 00 01 07 11 88'),
  okSeq1: hex('7F 80 01 F0 23 80'),
  hostProtocol8: hex('7F 80 02 06 08 03 94'),
  failSeq1: hex('7F 80 01 F8 10 00'),
};
/** CRCs worked out independently (a bitwise CRC-16/0x8005 in Python) for packets that need stuffing. */
const stuffed = {
  /** set inhibits with mask 7F 00: a 7F in DATA */
  inhibits7f: hex('7F 00 03 02 7F 7F 00 2D 9A'),
  /** reply F0 60: CRC A17F, so a 7F in the CRC */
  crcLow7f: hex('7F 80 02 F0 60 7F 7F A1'),
};

const parseAll = (...chunks: Buffer[]): ParsedItem[] => {
  const parser = new FrameParser();
  return chunks.flatMap((c) => parser.push(c));
};

describe('SSP packets', () => {
  it('computes the guide CRC (poly 8005, seed FFFF) over SEQ..DATA', () => {
    expect(crc16(hex('80 01 11'))).toBe(0x8265);
    expect(crc16(hex('00 01 07'))).toBe(0x8811);
  });

  it.each([
    ['sync', 1, CMD.sync, undefined, golden.sync],
    ['poll', 0, CMD.poll, undefined, golden.pollSeq0],
    ['host protocol version 8', 1, CMD.hostProtocolVersion, hex('08'), golden.hostProtocol8],
  ] as const)('encodes %s byte for byte', (_name, seq, code, params, bytes) => {
    expect(encodeCommand(seq, 0, code, params)).toEqual(bytes);
  });

  it('encodes the generic replies of the guide', () => {
    expect(encodeReply(1, 0, RESPONSE.ok)).toEqual(golden.okSeq1);
    expect(encodeReply(1, 0, RESPONSE.fail)).toEqual(golden.failSeq1);
  });

  it('doubles every 7F after the STX, in DATA and in the CRC', () => {
    expect(encodeCommand(0, 0, CMD.setInhibits, hex('7F 00'))).toEqual(stuffed.inhibits7f);
    expect(encodeReply(1, 0, RESPONSE.ok, hex('60'))).toEqual(stuffed.crcLow7f);
  });

  it('parses both directions and removes the stuffing', () => {
    expect(parseAll(golden.sync, stuffed.inhibits7f, stuffed.crcLow7f)).toEqual([
      { kind: 'packet', seq: 1, address: 0, data: hex('11') },
      { kind: 'packet', seq: 0, address: 0, data: hex('02 7F 00') },
      { kind: 'packet', seq: 1, address: 0, data: hex('F0 60') },
    ]);
  });

  it('parses a packet split at every byte boundary, stuffed pairs included', () => {
    for (const bytes of [stuffed.inhibits7f, stuffed.crcLow7f, golden.hostProtocol8]) {
      for (let cut = 1; cut < bytes.length; cut++) {
        const items = parseAll(bytes.subarray(0, cut), bytes.subarray(cut));
        expect(items, `cut at ${cut}`).toHaveLength(1);
        expect(items[0]!.kind).toBe('packet');
      }
      expect(parseAll(...[...bytes].map((b) => Buffer.of(b)))).toHaveLength(1);
    }
  });

  it('skips noise before the STX', () => {
    expect(parseAll(hex('00 FF 11'), golden.okSeq1)).toEqual([{ kind: 'packet', seq: 1, address: 0, data: hex('F0') }]);
  });

  it('reports a bad CRC and still finds the packet behind it', () => {
    const bad = Buffer.from(golden.okSeq1);
    bad[4]! ^= 0xff;
    const items = parseAll(bad, golden.pollSeq0);
    expect(items[0]).toMatchObject({ kind: 'bad', reason: 'crc' });
    expect(items[1]).toEqual({ kind: 'packet', seq: 0, address: 0, data: hex('07') });
  });

  it('restarts at a lone 7F, so a packet cut short by noise does not swallow the next', () => {
    expect(parseAll(golden.okSeq1.subarray(0, 3), golden.pollSeq0)).toEqual([{ kind: 'packet', seq: 0, address: 0, data: hex('07') }]);
  });

  it('refuses what cannot be framed', () => {
    expect(() => encodePacket({ seq: 0, address: 0x80, data: hex('07') })).toThrow(RangeError);
    expect(() => encodePacket({ seq: 0, address: 0, data: Buffer.alloc(256) })).toThrow(RangeError);
  });
});

describe('SSP messages', () => {
  it('encodes the channel mask low byte first', () => {
    expect(encodeInhibits([1, 2, 3, 4, 5, 6])).toEqual(hex('3F 00'));
    expect(encodeInhibits([9, 16])).toEqual(hex('00 81'));
    expect(decodeInhibits(hex('21 01'))).toEqual([1, 6, 9]);
    expect(() => encodeInhibits([17])).toThrow(RangeError);
  });

  /** An NV9 CNY dataset at protocol 7, byte by byte after the F0. */
  const cnySetup = hex(
    [
      '00', // validator
      '30 33 39 30', // firmware "0390"
      '43 4E 59', // CNY
      '00 00 01', // value multiplier 1
      '06', // six channels
      '01 05 0A 14 32 64', // 1 5 10 20 50 100 yuan
      '02 02 02 02 02 02', // security
      '00 00 64', // real value multiplier 100: fen
      '07', // protocol 7
      '43 4E 59 '.repeat(6), // country per channel
      '01000000 05000000 0A000000 14000000 32000000 64000000', // expanded values, LE
    ].join(' '),
  );

  it('decodes a CNY setup reply into channel values in fen', () => {
    expect(decodeSetup(cnySetup)).toEqual({
      unitType: 0,
      firmware: '0390',
      currency: 'CNY',
      protocolVersion: 7,
      channelFen: [100, 500, 1000, 2000, 5000, 10000],
      channelSecurity: [2, 2, 2, 2, 2, 2],
    });
    expect(encodeSetup({ firmware: '0390', currency: 'CNY', protocolVersion: 7, unitValues: [1, 5, 10, 20, 50, 100] })).toEqual(cnySetup);
  });

  it('uses the value multiplier before protocol 6, when no expanded values follow', () => {
    const old = hex('00 30 33 30 30 43 4E 59 00 00 0A 02 01 05 02 02 00 00 64 05');
    expect(decodeSetup(old)).toMatchObject({ protocolVersion: 5, channelFen: [1000, 5000] });
  });

  it('refuses a truncated setup reply', () => {
    expect(() => decodeSetup(cnySetup.subarray(0, 20))).toThrow(RangeError);
    expect(() => decodeSetup(cnySetup.subarray(0, cnySetup.length - 1))).toThrow(/protocol 6/);
  });

  it('decodes poll events, the channel byte where GA138 gives one', () => {
    expect(decodePollEvents(hex('EF 00'))).toEqual([{ type: 'reading' }]);
    expect(decodePollEvents(hex('EF 06'))).toEqual([{ type: 'escrow', channel: 6 }]);
    expect(decodePollEvents(hex('CC'))).toEqual([{ type: 'stacking' }]);
    expect(decodePollEvents(hex('EE 06 EB E8'))).toEqual([{ type: 'credit', channel: 6 }, { type: 'stacked' }, { type: 'disabled' }]);
    expect(decodePollEvents(hex('F1 E2 03 E1 00'))).toEqual([
      { type: 'slaveReset' },
      { type: 'noteClearedIntoCashbox', channel: 3 },
      { type: 'noteClearedFromFront', channel: 0 },
    ]);
    expect(decodePollEvents(hex('E6 02 EA E9 E7 E3 E4 ED EC E0 B5 B6'))).toEqual([
      { type: 'fraudAttempt', channel: 2 },
      { type: 'safeJam' },
      { type: 'unsafeJam' },
      { type: 'stackerFull' },
      { type: 'cashboxRemoved' },
      { type: 'cashboxReplaced' },
      { type: 'rejecting' },
      { type: 'rejected' },
      { type: 'notePathOpen' },
      { type: 'channelDisable' },
      { type: 'initialising' },
    ]);
  });

  it('stops at an event it does not know, whose data length it cannot know', () => {
    expect(decodePollEvents(hex('E8 AA EE 01'))).toEqual([{ type: 'disabled' }, { type: 'unknown', code: 0xaa }]);
    expect(decodePollEvents(hex('EE'))).toEqual([{ type: 'unknown', code: 0xee }]);
  });

  it('encodes what it decodes', () => {
    const events: PollEvent[] = [
      { type: 'slaveReset' },
      { type: 'reading' },
      { type: 'escrow', channel: 4 },
      { type: 'credit', channel: 4 },
      { type: 'stacked' },
      { type: 'fraudAttempt', channel: 0 },
      { type: 'noteClearedFromFront', channel: 1 },
    ];
    expect(encodePollEvents(events)).toEqual(hex('F1 EF 00 EF 04 EE 04 EB E6 00 E1 01'));
    expect(decodePollEvents(encodePollEvents(events))).toEqual(events);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CM,
  DEFAULT_M1_KEY,
  FrameParser,
  PM,
  decodePatientCardNumber,
  decodeUnitStatus,
  describeDeviceCode,
  encodeCommand,
  encodeNegative,
  encodePatientCardBlock,
  encodePositive,
  encodeReadBlocks,
  encodeUnitStatus,
  encodeVerifyKey,
  splitMifareResult,
  type ParsedItem,
} from '../../../drivers/card/codec.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Golden frames, address 00, from reference/hardware-protocols.md §2.1 ("Byte-exact examples"). */
const golden = {
  init: hex('F2 00 00 03 43 30 33 03 B2'),
  status: hex('F2 00 00 03 43 31 30 03 B0'),
  dispense: hex('F2 00 00 03 43 32 31 03 B2'),
  eject: hex('F2 00 00 03 43 32 39 03 BA'),
  capture: hex('F2 00 00 03 43 32 33 03 B0'),
  /** "no card, enough cards, bin ok" */
  statusReply: hex('F2 00 00 06 50 31 30 30 32 30 03 94'),
};

const parseAll = (...chunks: Buffer[]): ParsedItem[] => {
  const parser = new FrameParser();
  return chunks.flatMap((c) => parser.push(c));
};

describe('CRT-591-M command encoding', () => {
  it.each([
    ['init', CM.initialize, PM.initDontMove, golden.init],
    ['status', CM.status, PM.statusBasic, golden.status],
    ['dispense', CM.moveCard, PM.moveToIc, golden.dispense],
    ['eject', CM.moveCard, PM.moveToGate, golden.eject],
    ['capture', CM.moveCard, PM.moveToBin, golden.capture],
  ])('encodes %s byte for byte', (_name, cm, pm, bytes) => {
    expect(encodeCommand(0, cm, pm)).toEqual(bytes);
  });

  it('puts the address and a two-byte length in the header', () => {
    const frame = encodeCommand(0x0f, CM.rfCard, PM.rfMifare, encodeReadBlocks(1, 0, 1));
    expect(frame.subarray(0, 4)).toEqual(hex('F2 0F 00 08'));
    expect(parseAll(frame)).toEqual([{ kind: 'command', address: 15, cm: 0x60, pm: 0x33, data: hex('00 B0 01 00 01') }]);
  });

  it('refuses an address the DIP switches cannot set', () => {
    expect(() => encodeCommand(16, CM.status, PM.statusBasic)).toThrow(RangeError);
  });

  it('encodes the positive status reply of the reference', () => {
    const status = encodeUnitStatus({ cardAt: 'none', stacker: 'full', bin: 'ok' });
    expect(encodePositive(0, CM.status, PM.statusBasic, status)).toEqual(golden.statusReply);
  });
});

describe('CRT-591-M parser', () => {
  it('decodes the golden positive status reply', () => {
    const [item] = parseAll(golden.statusReply);
    expect(item).toEqual({
      kind: 'positive',
      address: 0,
      cm: 0x31,
      pm: 0x30,
      status: { st0: 0x30, st1: 0x32, st2: 0x30 },
      data: Buffer.alloc(0),
    });
    expect(item?.kind === 'positive' && decodeUnitStatus(item.status)).toEqual({ cardAt: 'none', stacker: 'full', bin: 'ok' });
  });

  it('decodes a command frame (the simulator side)', () => {
    expect(parseAll(golden.eject)).toEqual([{ kind: 'command', address: 0, cm: 0x32, pm: 0x39, data: Buffer.alloc(0) }]);
  });

  it('decodes ACK, NAK, EOT and a negative reply', () => {
    const negative = encodeNegative(0, CM.moveCard, PM.moveToIc, 'A0');
    // 'N' is 4E on the wire, whatever the PDF's "N' 45H" says.
    expect(negative).toEqual(hex('F2 00 00 05 4E 32 31 41 30 03 C8'));
    expect(parseAll(hex('06 15 04'), negative)).toEqual([
      { kind: 'ack' },
      { kind: 'nak' },
      { kind: 'eot' },
      { kind: 'negative', address: 0, cm: 0x32, pm: 0x31, code: 'A0' },
    ]);
  });

  it('yields the same item however the frame is split across chunks', () => {
    const stream = Buffer.concat([Buffer.of(0x06), golden.statusReply]);
    const whole = parseAll(stream);
    expect(whole).toHaveLength(2);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parseAll(stream.subarray(0, cut), stream.subarray(cut)), `cut at ${cut}`).toEqual(whole);
    }
    expect(parseAll(...[...stream].map((b) => Buffer.of(b)))).toEqual(whole);
  });

  it('skips leading garbage, including a stray STX', () => {
    expect(parseAll(Buffer.concat([hex('00 FF 41 F2'), golden.statusReply]))).toEqual(parseAll(golden.statusReply));
    expect(parseAll(hex('F2'), hex('00 00'), golden.init)).toEqual(parseAll(golden.init));
  });

  it('reports a bad BCC as its own item and carries on with the next frame', () => {
    const corrupted = Buffer.from(golden.statusReply);
    corrupted[corrupted.length - 1]! ^= 0x01;
    const items = parseAll(corrupted, golden.statusReply);
    expect(items[0]).toEqual({ kind: 'bad', reason: 'bcc', bytes: corrupted });
    expect(items.slice(1)).toEqual(parseAll(golden.statusReply));
  });

  it('reports a frame whose ETX is missing, then resynchronises', () => {
    const damaged = Buffer.from(golden.init);
    damaged[damaged.length - 2] = 0x00;
    const items = parseAll(damaged, golden.status);
    expect(items[0]).toMatchObject({ kind: 'bad', reason: 'etx' });
    expect(items.at(-1)).toEqual(parseAll(golden.status)[0]);
  });

  it('waits for the rest of a frame instead of guessing', () => {
    expect(parseAll(golden.statusReply.subarray(0, 11))).toEqual([]);
  });
});

describe('status bytes and error codes', () => {
  it('maps st0/st1/st2 to the DESIGN vocabulary', () => {
    expect(decodeUnitStatus({ st0: 0x31, st1: 0x31, st2: 0x31 })).toEqual({ cardAt: 'gate', stacker: 'low', bin: 'full' });
    expect(decodeUnitStatus({ st0: 0x32, st1: 0x30, st2: 0x30 })).toEqual({ cardAt: 'reader', stacker: 'empty', bin: 'ok' });
    expect(decodeUnitStatus({ st0: 0x33, st1: 0x30, st2: 0x30 })).toBeUndefined();
  });

  it('maps e1e0 to stable error codes', () => {
    expect(describeDeviceCode('10')).toEqual({ name: 'cardJam', errorCode: 'JAM', hardwareFault: true });
    expect(describeDeviceCode('A0')).toMatchObject({ name: 'stackerEmpty', errorCode: 'STACKER_EMPTY' });
    expect(describeDeviceCode('A1')).toMatchObject({ name: 'binFull', errorCode: 'BIN_FULL' });
    expect(describeDeviceCode('B0')).toMatchObject({ name: 'notInitialised', errorCode: 'DEVICE_REPORTED' });
    expect(describeDeviceCode('64')).toMatchObject({ name: 'icProtocolError', errorCode: 'DEVICE_REPORTED' });
    expect(describeDeviceCode('ZZ')).toMatchObject({ name: 'unknown', errorCode: 'DEVICE_REPORTED' });
  });
});

describe('M1 patient card', () => {
  it('encodes verify-key and read-block pseudo-APDUs', () => {
    expect(encodeVerifyKey(1, DEFAULT_M1_KEY)).toEqual(hex('00 20 00 01 06 FF FF FF FF FF FF'));
    expect(encodeVerifyKey(1, { type: 'B', key: hex('A0 A1 A2 A3 A4 A5') })).toEqual(hex('00 20 01 01 06 A0 A1 A2 A3 A4 A5'));
    expect(encodeReadBlocks(1, 0, 1)).toEqual(hex('00 B0 01 00 01'));
  });

  it('splits the result bytes off a reply', () => {
    expect(splitMifareResult(hex('31 32 90 00'))).toEqual({ payload: hex('31 32'), sw: '9000' });
    expect(splitMifareResult(hex('6F 00'))).toEqual({ payload: Buffer.alloc(0), sw: '6F00' });
  });

  it('reads the number padded with NULs or spaces, and nothing from a blank block', () => {
    expect(decodePatientCardNumber(encodePatientCardBlock('0012345678'))).toBe('0012345678');
    expect(decodePatientCardNumber(Buffer.from('123456          ', 'latin1'))).toBe('123456');
    expect(decodePatientCardNumber(Buffer.alloc(16))).toBeUndefined();
    expect(decodePatientCardNumber(Buffer.from('12AB', 'latin1'))).toBeUndefined();
    expect(() => encodePatientCardBlock('12345678901234567')).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import {
  BASE_INFO_BYTES,
  COMMANDS,
  FrameParser,
  MAX_LENGTH,
  PHOTO_BYTES,
  SW3,
  decodeBaseInfo,
  decodeIdentityText,
  decodeSamId,
  describeSw3,
  encodeBaseInfo,
  encodeCommand,
  encodeIdentityText,
  encodeRequest,
  encodeResponse,
  encodeSamId,
  idNumberCheckDigit,
  isValidIdNumber,
  type IdCardIdentity,
  type ParsedItem,
} from '../../../drivers/idcard/codec.ts';
import { nationName, nations } from '../../../drivers/idcard/nations.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** ASCII as UCS-2LE, byte by byte: each character then 00. */
const ucsAscii = (s: string) => Buffer.from([...s].flatMap((c) => [c.charCodeAt(0), 0x00]));

/** Golden frames from reference/hardware-protocols.md §1.3 and §1.6. */
const golden = {
  reset: hex('AA AA AA 96 69 00 03 10 FF EC'),
  samStatus: hex('AA AA AA 96 69 00 03 11 FF ED'),
  samInfo: hex('AA AA AA 96 69 00 03 12 FF EE'),
  findCard: hex('AA AA AA 96 69 00 03 20 01 22'),
  selectCard: hex('AA AA AA 96 69 00 03 20 02 21'),
  readBase: hex('AA AA AA 96 69 00 03 30 01 32'),
  findOk: hex('AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97'),
  findNoCard: hex('AA AA AA 96 69 00 04 00 00 80 84'),
  selectOk: hex('AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C'),
  selectFailed: hex('AA AA AA 96 69 00 04 00 00 81 85'),
  readFailed: hex('AA AA AA 96 69 00 04 00 00 41 45'),
  /** Header of the 1295-byte base-info reply: LEN 0508, SW 00 00 90, text 0100, photo 0400. */
  baseInfoHead: hex('AA AA AA 96 69 05 08 00 00 90 01 00 04 00'),
};

const parseAll = (direction: 'request' | 'response', ...chunks: Buffer[]): ParsedItem[] => {
  const parser = new FrameParser(direction);
  return chunks.flatMap((c) => parser.push(c));
};

/**
 * A 256-byte text written by hand at the offsets of §1.6: 王喆, male, 汉, 1989-01-05, 杭州市,
 * 330102198901050138, 杭州市公安局, 2016-03-08 to 长期.
 */
function handwrittenText(overrides: Record<number, Buffer> = {}): Buffer {
  const text = Buffer.from('20 00'.repeat(128).replace(/\s+/g, ''), 'hex');
  const pieces: Record<number, Buffer> = {
    0: hex('8B 73 86 55'),
    30: ucsAscii('1'),
    32: ucsAscii('01'),
    36: ucsAscii('19890105'),
    52: hex('6D 67 DE 5D 02 5E'),
    122: ucsAscii('330102198901050138'),
    158: hex('6D 67 DE 5D 02 5E 6C 51 89 5B 40 5C'),
    188: ucsAscii('20160308'),
    204: hex('7F 95 1F 67'),
    ...overrides,
  };
  for (const [offset, bytes] of Object.entries(pieces)) bytes.copy(text, Number(offset));
  return text;
}

const handwrittenIdentity: IdCardIdentity = {
  name: '王喆',
  sex: 'male',
  nation: '汉',
  nationCode: '01',
  birthDate: '1989-01-05',
  address: '杭州市',
  idNumber: '330102198901050138',
  issuer: '杭州市公安局',
  validFrom: '2016-03-08',
  validTo: 'long-term',
};

function protocolError(work: () => unknown): DeviceError {
  try {
    work();
  } catch (e) {
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as DeviceError).code).toBe('PROTOCOL');
    return e as DeviceError;
  }
  throw new Error('expected a PROTOCOL error');
}

describe('SAM request encoding', () => {
  it.each(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])('encodes %s byte for byte', (name) => {
    expect(encodeCommand(name)).toEqual(golden[name]);
  });

  it('counts CMD PARA DATA CHK in the big-endian length and XORs from the length on', () => {
    expect(encodeRequest(0x60, 0x00, hex('01 02'))).toEqual(hex('AA AA AA 96 69 00 05 60 00 01 02 66'));
  });
});

describe('SAM response encoding', () => {
  it.each([
    ['find OK with a zero IIN', SW3.found, Buffer.alloc(4), golden.findOk],
    ['find, no card', SW3.noCard, undefined, golden.findNoCard],
    ['select OK', SW3.ok, Buffer.alloc(8), golden.selectOk],
    ['select failed', SW3.selectFailed, undefined, golden.selectFailed],
    ['read failed', SW3.readFailed, undefined, golden.readFailed],
  ])('encodes %s as published', (_name, sw3, data, bytes) => {
    expect(encodeResponse(sw3, data)).toEqual(bytes);
  });

  it('frames base info as the 1295-byte reply of §1.6', () => {
    const photo = Buffer.alloc(PHOTO_BYTES, 0x5a);
    const frame = encodeResponse(SW3.ok, encodeBaseInfo(handwrittenText(), photo));
    expect(frame.length).toBe(1295);
    expect(frame.subarray(0, 14)).toEqual(golden.baseInfoHead);
    expect(frame.subarray(14, 14 + 256)).toEqual(handwrittenText());
    expect(frame.subarray(14 + 256, 14 + 256 + 1024)).toEqual(photo);
  });

  it('refuses data longer than any reply', () => {
    expect(() => encodeResponse(SW3.ok, Buffer.alloc(MAX_LENGTH))).toThrow(RangeError);
  });
});

describe('SAM frame parser', () => {
  it('decodes the golden replies', () => {
    expect(parseAll('response', golden.findOk, golden.findNoCard)).toEqual([
      { kind: 'response', sw1: 0, sw2: 0, sw3: 0x9f, data: Buffer.alloc(4) },
      { kind: 'response', sw1: 0, sw2: 0, sw3: 0x80, data: Buffer.alloc(0) },
    ]);
  });

  it('decodes a request on the simulator side', () => {
    expect(parseAll('request', golden.readBase)).toEqual([{ kind: 'request', cmd: 0x30, para: 0x01, data: Buffer.alloc(0) }]);
  });

  it('reassembles the 1295-byte reply split at every possible byte', () => {
    const frame = encodeResponse(SW3.ok, encodeBaseInfo(handwrittenText(), Buffer.alloc(PHOTO_BYTES, 0x11)));
    const whole = parseAll('response', frame);
    expect(whole).toHaveLength(1);
    for (let cut = 1; cut < frame.length; cut += 7) {
      expect(parseAll('response', frame.subarray(0, cut), frame.subarray(cut))).toEqual(whole);
    }
    const bytewise = parseAll('response', ...[...frame].map((b) => Buffer.of(b)));
    expect(bytewise).toEqual(whole);
  });

  it('drops noise before the preamble, partial preambles included', () => {
    const noise = hex('00 FF AA AA 96 AA 55 AA AA AA 96');
    expect(parseAll('response', noise, golden.findNoCard)).toEqual(parseAll('response', golden.findNoCard));
    // The noise can end in what looks like the start of the preamble, in a chunk of its own.
    expect(parseAll('response', hex('13 AA AA'), golden.findOk)).toEqual(parseAll('response', golden.findOk));
  });

  it('reports a damaged checksum and still finds the next frame', () => {
    const damaged = Buffer.from(golden.findOk);
    damaged[damaged.length - 1]! ^= 0xff;
    const items = parseAll('response', damaged, golden.findNoCard);
    expect(items).toEqual([
      { kind: 'bad', reason: 'checksum', bytes: damaged },
      { kind: 'response', sw1: 0, sw2: 0, sw3: 0x80, data: Buffer.alloc(0) },
    ]);
  });

  it('treats a preamble with an impossible length as noise, without swallowing the frame behind it', () => {
    const fake = hex('AA AA AA 96 69 FF FF');
    expect(parseAll('response', Buffer.concat([fake, golden.findOk]))).toEqual([
      { kind: 'bad', reason: 'length', bytes: fake },
      { kind: 'response', sw1: 0, sw2: 0, sw3: 0x9f, data: Buffer.alloc(4) },
    ]);
  });

  it('takes a preamble inside the data as data, once the frame is in sync', () => {
    const data = Buffer.concat([hex('AA AA AA 96 69 00 03'), Buffer.alloc(5)]);
    expect(parseAll('response', encodeResponse(SW3.ok, data))).toEqual([{ kind: 'response', sw1: 0, sw2: 0, sw3: 0x90, data }]);
  });

  it('drops a partial frame on reset', () => {
    const parser = new FrameParser('response');
    expect(parser.push(golden.findOk.subarray(0, 9))).toEqual([]);
    parser.reset();
    expect(parser.push(golden.findNoCard)).toEqual([{ kind: 'response', sw1: 0, sw2: 0, sw3: 0x80, data: Buffer.alloc(0) }]);
  });
});

describe('SW3 status codes', () => {
  it.each([
    [0x80, 'noCard', 'NO_CARD'],
    [0x81, 'selectFailed', 'NO_CARD'],
    [0x40, 'wrongCardType', 'NO_CARD'],
    [0x41, 'readFailed', 'DEVICE_REPORTED'],
    [0x60, 'selfTestFailed', 'DEVICE_REPORTED'],
    [0x10, 'requestChecksumError', 'BAD_FRAME'],
    [0x21, 'commandError', 'PROTOCOL'],
    [0x55, 'unknown', 'DEVICE_REPORTED'],
  ])('SW3 %s is %s (%s)', (sw3, name, errorCode) => {
    expect(describeSw3(sw3)).toEqual({ name, errorCode });
  });
});

describe('SAM id', () => {
  it('decodes the 16 bytes of 12 FF as the label form', () => {
    const data = hex('05 00 01 00 BB D7 34 01 40 E2 01 00 F1 FB 09 00');
    expect(decodeSamId(data)).toBe('05.01-20240315-0000123456-0000654321');
    expect(encodeSamId('05.01-20240315-0000123456-0000654321')).toEqual(data);
  });

  it('has no id in fewer than 16 bytes', () => {
    expect(decodeSamId(Buffer.alloc(15))).toBeUndefined();
  });
});

describe('base info text', () => {
  it('decodes a text block written by hand at the documented offsets', () => {
    expect(decodeIdentityText(handwrittenText())).toEqual(handwrittenIdentity);
  });

  it('encodes the same bytes it decodes, 长期 included', () => {
    expect(encodeIdentityText(handwrittenIdentity)).toEqual(handwrittenText());
  });

  it('round-trips a full-width address and a dated validity', () => {
    const identity: IdCardIdentity = {
      ...handwrittenIdentity,
      name: '赵堃',
      sex: 'female',
      nation: '满',
      nationCode: '11',
      address: '浙江省杭州市余杭区样板街道演示路66号2幢301室一二三四五六七八九十',
      validTo: '2036-03-08',
    };
    expect([...identity.address]).toHaveLength(35);
    const text = encodeIdentityText(identity);
    expect(text.subarray(204, 220)).toEqual(ucsAscii('20360308'));
    expect(decodeIdentityText(text)).toEqual(identity);
  });

  it('refuses what does not fit in the card: too long, or outside UCS-2', () => {
    expect(() => encodeIdentityText({ ...handwrittenIdentity, name: '一二三四五六七八九十一二三四五六' })).toThrow(RangeError);
    expect(() => encodeIdentityText({ ...handwrittenIdentity, name: '王𠀀' })).toThrow(RangeError);
  });

  it('splits the base info into text and photo, and refuses other lengths', () => {
    const photo = Buffer.alloc(PHOTO_BYTES, 0x33);
    const data = encodeBaseInfo(handwrittenText(), photo);
    expect(data).toHaveLength(BASE_INFO_BYTES);
    expect(decodeBaseInfo(data)).toEqual({ text: handwrittenText(), photo });
    expect(protocolError(() => decodeBaseInfo(data.subarray(0, 1000))).detail).toMatchObject({ textLength: 256, photoLength: 1024 });
  });

  it('reports a wrong ID check digit as a protocol error naming the field, not the number', () => {
    const error = protocolError(() => decodeIdentityText(handwrittenText({ 122: ucsAscii('330102198901050137') })));
    expect(error.message).toContain('check digit is 7, expected 8');
    expect(error.message).not.toContain('330102');
    expect(error.detail).toEqual({ field: 'idNumber', checkDigit: '7', expected: '8' });
  });

  it.each([
    ['sex', 30, ucsAscii('9')],
    ['nation', 32, ucsAscii('57')],
    ['birthDate', 36, ucsAscii('19890230')],
    ['validTo', 204, ucsAscii('2036XX08')],
    ['idNumber', 122, ucsAscii('33010219890105013')],
    ['name', 0, Buffer.from(' '.repeat(15), 'utf16le')],
  ])('reports an impossible %s as a protocol error', (field, offset, bytes) => {
    expect(protocolError(() => decodeIdentityText(handwrittenText({ [offset]: bytes }))).detail).toMatchObject({ field });
  });

  it('recognises a residence permit by its card-type letter instead of misreading it', () => {
    const error = protocolError(() => decodeIdentityText(handwrittenText({ 248: ucsAscii('J') })));
    expect(error.message).toContain('residence permit');
  });
});

describe('ID number check digit (GB 11643, ISO 7064 MOD 11-2)', () => {
  it('accepts the examples of the standard', () => {
    expect(idNumberCheckDigit('11010519491231002')).toBe('X');
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('440524188001010014')).toBe(true);
  });

  it('refuses a changed digit, a lower-case x and a wrong length', () => {
    expect(isValidIdNumber('11010519491231003X')).toBe(false);
    expect(isValidIdNumber('11010519491231002x')).toBe(false);
    expect(isValidIdNumber('1101051949123100')).toBe(false);
  });
});

describe('GB 3304 nations', () => {
  it('has the 56 nationalities and the two special codes', () => {
    expect(Object.keys(nations)).toHaveLength(58);
    expect(nationName('01')).toBe('汉');
    expect(nationName('05')).toBe('维吾尔');
    expect(nationName('56')).toBe('基诺');
    expect(nationName('97')).toBe('其他');
    expect(nationName('98')).toBe('外国血统中国籍人士');
    expect(nationName('57')).toBeUndefined();
    expect(nationName('toString')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { LineSplitter, classifyCode, decodeScan, encodeScan, maskCode, type ScanLine } from '../../../drivers/scanner/codec.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const lines = (items: ScanLine[]) => items.map((l) => (l.kind === 'line' ? l.bytes.toString('latin1') : `<overlong ${l.length}>`));

function badFrame(work: () => unknown): DeviceError {
  try {
    work();
  } catch (e) {
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as DeviceError).code).toBe('BAD_FRAME');
    return e as DeviceError;
  }
  throw new Error('expected BAD_FRAME');
}

describe('LineSplitter (§6.1: data then CR or CRLF)', () => {
  it('splits at CR, at LF and at CRLF, one decode per line', () => {
    const splitter = new LineSplitter();
    expect(lines(splitter.push(bytes('134567890123456789\r')))).toEqual(['134567890123456789']);
    expect(lines(splitter.push(bytes('281234567890123456\r\n')))).toEqual(['281234567890123456']);
    expect(lines(splitter.push(bytes('6212345678901234567\n')))).toEqual(['6212345678901234567']);
    expect(lines(splitter.push(bytes('A\rB\r\nC\n')))).toEqual(['A', 'B', 'C']);
  });

  it('joins a decode that arrives in several reads, and a CRLF split between two reads', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(bytes('1345678'))).toEqual([]);
    expect(splitter.push(bytes('9012345'))).toEqual([]);
    expect(lines(splitter.push(bytes('6789\r')))).toEqual(['134567890123456789']);
    // The LF of that CRLF arrives alone: it is not an empty decode.
    expect(splitter.push(bytes('\n'))).toEqual([]);
    expect(lines(splitter.push(bytes('next\r')))).toEqual(['next']);
  });

  it('keeps an empty line between two CRs (the classifier calls it garbage)', () => {
    expect(lines(new LineSplitter().push(bytes('\r\r')))).toEqual(['', '']);
  });

  it('drops a line longer than the maximum once, then resynchronises at the next line end', () => {
    const splitter = new LineSplitter(8);
    expect(lines(splitter.push(bytes('12345')))).toEqual([]);
    expect(lines(splitter.push(bytes('67890')))).toEqual(['<overlong 10>']);
    expect(lines(splitter.push(bytes('still noise')))).toEqual([]);
    expect(lines(splitter.push(bytes(' end\r\nok\r')))).toEqual(['ok']);
  });
});

describe('classifyCode (§6.2)', () => {
  it('recognises WeChat Pay: 18 digits starting 10 to 15', () => {
    expect(classifyCode('134567890123456789')).toBe('wechat');
    expect(classifyCode('104567890123456789')).toBe('wechat');
    expect(classifyCode('154567890123456789')).toBe('wechat');
    expect(classifyCode('164567890123456789')).toBe('unknown');
    expect(classifyCode('13456789012345678')).toBe('unknown');
  });

  it('recognises Alipay: 16 to 24 digits starting 25 to 30', () => {
    expect(classifyCode('2812345678901234')).toBe('alipay');
    expect(classifyCode('301234567890123456789012')).toBe('alipay');
    expect(classifyCode('251234567890123456')).toBe('alipay');
    expect(classifyCode('3112345678901234')).toBe('unknown');
    expect(classifyCode('281234567890123')).toBe('unknown');
    expect(classifyCode('2812345678901234567890123')).toBe('unknown');
  });

  it('recognises UnionPay: 19 digits starting 62', () => {
    expect(classifyCode('6212345678901234567')).toBe('unionpay');
    expect(classifyCode('621234567890123456')).toBe('unknown');
  });

  it('takes a long token with letters as an insurance e-voucher, and nothing else', () => {
    expect(classifyCode('SIMq3Zk0bW1sXv9aYp2Lr8tNc4Hd6Je')).toBe('insurance');
    expect(classifyCode('AbCdEf0123456789+/AbCdEf==')).toBe('insurance');
    // too short, all digits, a URL, text with spaces
    expect(classifyCode('SIMq3Zk0bW1s')).toBe('unknown');
    expect(classifyCode('123456789012345678901234567890')).toBe('unknown');
    expect(classifyCode('https://example.com/some/long/path/abc')).toBe('unknown');
    expect(classifyCode('hello world this is a long text QR')).toBe('unknown');
  });

  it('narrows insurance tokens to the configured prefixes and minimum length', () => {
    const rule = { prefixes: ['EC01'], minLength: 10 };
    expect(classifyCode('EC01abcdef123', rule)).toBe('insurance');
    expect(classifyCode('XX01abcdef1234567890abcdef', rule)).toBe('unknown');
    // A payment code is still a payment code whatever the insurance rule says.
    expect(classifyCode('134567890123456789', rule)).toBe('wechat');
  });
});

describe('decodeScan', () => {
  it('returns the code and its kind', () => {
    expect(decodeScan(bytes('134567890123456789'))).toEqual({ code: '134567890123456789', kind: 'wechat' });
    expect(decodeScan(Buffer.from('挂号单 A12', 'utf8'))).toEqual({ code: '挂号单 A12', kind: 'unknown' });
  });

  it('rejects obvious garbage as BAD_FRAME with a reason', () => {
    expect(badFrame(() => decodeScan(bytes(''))).detail).toMatchObject({ reason: 'empty' });
    expect(badFrame(() => decodeScan(Buffer.from([0x31, 0x00, 0x32]))).detail).toMatchObject({ reason: 'notPrintable' });
    expect(badFrame(() => decodeScan(Buffer.from([0x1b, 0x5b, 0x32, 0x4a]))).detail).toMatchObject({ reason: 'notPrintable' });
    expect(badFrame(() => decodeScan(Buffer.from([0x31, 0xff, 0xfe]))).detail).toMatchObject({ reason: 'notText' });
    expect(badFrame(() => decodeScan(bytes('x'.repeat(20)), { maxLength: 16 })).detail).toMatchObject({ reason: 'overlong', length: 20 });
  });
});

describe('encodeScan and maskCode', () => {
  it('frames a decode with the configured suffix', () => {
    expect(encodeScan('123', 'cr')).toEqual(Buffer.from([0x31, 0x32, 0x33, 0x0d]));
    expect(encodeScan('123', 'crlf')).toEqual(Buffer.from([0x31, 0x32, 0x33, 0x0d, 0x0a]));
  });

  it('keeps only the last four characters of a code', () => {
    expect(maskCode('134567890123456789')).toBe('**************6789');
    expect(maskCode('123')).toBe('***');
  });
});

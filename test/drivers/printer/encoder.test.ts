import { describe, expect, it } from 'vitest';
import { displayWidth, encodeReceipt, layoutRow, ReceiptBuilder, type ReceiptDocument } from '../../../drivers/printer/encoder.ts';
import { EscPosParser } from '../../../drivers/printer/simulator.ts';

const hex = (b: Buffer) => b.toString('hex').replace(/(..)(?!$)/g, '$1 ');
/** The bytes after the leading ESC @ every builder starts with. */
const body = (b: ReceiptBuilder) => hex(b.bytes().subarray(2));

type Parsed = (string | number)[][];

function parse(chunks: Buffer[]): Parsed {
  const events: Parsed = [];
  const parser = new EscPosParser({
    line: (text) => events.push(['line', text]),
    feed: (n) => events.push(['feed', n]),
    qr: (payload) => events.push(['qr', payload]),
    cut: (n) => events.push(['cut', n]),
    status: (n) => events.push(['status', n]),
    unknown: (bytes) => events.push(['unknown', bytes.toString('hex')]),
  });
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('ReceiptBuilder golden bytes (hardware-protocols.md §4.1)', () => {
  it('starts with ESC @', () => {
    expect(hex(new ReceiptBuilder().bytes())).toBe('1b 40');
  });

  it('prints ASCII as is, ended by LF, without Chinese mode', () => {
    expect(body(new ReceiptBuilder().text('No. 42'))).toBe('4e 6f 2e 20 34 32 0a');
  });

  it('wraps Chinese text in FS & ... FS . with GB18030, rare name characters included', () => {
    expect(body(new ReceiptBuilder().text('喆'))).toBe('1c 26 86 b4 1c 2e 0a');
    expect(body(new ReceiptBuilder().text('堃'))).toBe('1c 26 88 d2 1c 2e 0a');
    // 𪚥 (U+2A6A5) and ¥ (U+00A5) are 4-byte GB18030 sequences.
    expect(body(new ReceiptBuilder().text('𪚥'))).toBe('1c 26 98 35 ee 37 1c 2e 0a');
    expect(body(new ReceiptBuilder().text('¥5'))).toBe('1c 26 81 30 84 36 35 1c 2e 0a');
  });

  it('prints a patient name with 喆 and 堃 in GB18030, where GB2312 has neither', () => {
    // 患者：王喆 李堃 — 喆 is 86 B4 and 堃 is 88 D2, both outside GB2312's A1-F7 rows.
    expect(body(new ReceiptBuilder().text('患者：王喆 李堃'))).toBe('1c 26 bb bc d5 df a3 ba cd f5 86 b4 20 c0 ee 88 d2 1c 2e 0a');
  });

  it('sets align, bold and size only when they change', () => {
    const b = new ReceiptBuilder().align('left').align('center').bold().bold().size(2, 2).size(2).align('right').bold(false).size(1, 3);
    expect(body(b)).toBe('1b 61 01 1b 45 01 1d 21 11 1b 61 02 1b 45 00 1d 21 02');
  });

  it('feeds and cuts with feed', () => {
    expect(body(new ReceiptBuilder().feed(3).cut())).toBe('1b 64 03 1d 56 42 04');
    expect(body(new ReceiptBuilder().cut(0))).toBe('1d 56 42 00');
  });

  it('emits the QR sequence: model 2, module size, error level, store, print', () => {
    expect(body(new ReceiptBuilder().qr('01H', { moduleSize: 6, errorLevel: 'M' }))).toBe(
      [
        '1d 28 6b 04 00 31 41 32 00',
        '1d 28 6b 03 00 31 43 06',
        '1d 28 6b 03 00 31 45 31',
        '1d 28 6b 06 00 31 50 30 30 31 48',
        '1d 28 6b 03 00 31 51 30',
      ].join(' '),
    );
    expect(body(new ReceiptBuilder().qr('x', { errorLevel: 'H', moduleSize: 3 }))).toContain('31 43 03 1d 28 6b 03 00 31 45 33');
  });

  it('puts the store length in pL pH (len + 3, little-endian)', () => {
    const bytes = new ReceiptBuilder().qr('A'.repeat(300)).bytes();
    const store = bytes.indexOf(Buffer.from([0x31, 0x50, 0x30])) - 5;
    expect(hex(bytes.subarray(store, store + 5))).toBe('1d 28 6b 2f 01');
  });

  it('refuses parameters the printer cannot take', () => {
    expect(() => new ReceiptBuilder().qr('')).toThrow(RangeError);
    expect(() => new ReceiptBuilder().qr('x', { moduleSize: 17 })).toThrow(RangeError);
    expect(() => new ReceiptBuilder().feed(256)).toThrow(RangeError);
  });

  it('prints control characters in text as ? so text cannot issue commands', () => {
    expect(body(new ReceiptBuilder().text('a\u001b@b'))).toBe('61 3f 40 62 0a');
  });
});

describe('width', () => {
  it('counts every non-ASCII character as two columns', () => {
    expect(displayWidth('挂号费 12.00')).toBe(12);
    expect(displayWidth('𪚥¥')).toBe(4);
  });

  it('lays out label and amount across the line with a leader', () => {
    expect(layoutRow('挂号费', '12.00', 20, '.')).toEqual(['挂号费 ....... 12.00']);
    const [row] = layoutRow('诊查费', '¥30.00');
    expect(displayWidth(row!)).toBe(48);
    expect(row!.endsWith(' ¥30.00')).toBe(true);
  });

  it('puts a label too long for one line above the amount, never cutting either', () => {
    const label = '检验费（血常规五分类加超敏C反应蛋白）';
    const lines = layoutRow(label, '45.00', 24);
    expect(lines.join('').replace(/ /g, '')).toBe(label + '45.00');
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(24);
    expect(lines.at(-1)).toBe(' '.repeat(19) + '45.00');
  });

  it('rules the full width at the current size', () => {
    expect(body(new ReceiptBuilder().size(2).rule('='))).toBe('1d 21 11 ' + hex(Buffer.from('='.repeat(24) + '\n')));
  });
});

describe('encodeReceipt through the simulator parser', () => {
  const doc: ReceiptDocument = [
    { text: '某某市人民医院', align: 'center', bold: true, size: 2 },
    { text: '挂号凭条', align: 'center' },
    { rule: '-' },
    { text: '姓名: 王喆堃𪚥' },
    { row: ['挂号费', '¥12.00'], fill: '.' },
    { feed: 1 },
    { qr: '01HZX3V9Q6A7B8C9D0E1F2G3H4' },
    { text: 'Thank you' },
  ];
  const expected: Parsed = [
    ['line', '某某市人民医院'],
    ['line', '挂号凭条'],
    ['line', '-'.repeat(48)],
    ['line', '姓名: 王喆堃𪚥'],
    ['line', layoutRow('挂号费', '¥12.00', 48, '.')[0]!],
    ['feed', 1],
    ['qr', '01HZX3V9Q6A7B8C9D0E1F2G3H4'],
    ['line', 'Thank you'],
    ['cut', 4],
  ];
  const bytes = encodeReceipt(doc);

  it('round-trips text, QR and cut', () => {
    expect(parse([bytes])).toEqual(expected);
  });

  it('parses the same when split at every byte boundary', () => {
    for (let at = 0; at <= bytes.length; at++) {
      expect(parse([bytes.subarray(0, at), bytes.subarray(at)]), `split at ${at}`).toEqual(expected);
    }
  });

  it('parses the same fed one byte at a time', () => {
    expect(parse([...bytes].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('shows Chinese sent without FS & as replacement characters, as a printer shows garbage', () => {
    expect(parse([Buffer.from([0x86, 0xb4, 0x0a])])).toEqual([['line', '\ufffd\ufffd']]);
  });

  it('answers DLE EOT in stream order and reports unknown commands', () => {
    expect(parse([Buffer.from('10040211', 'hex'), Buffer.from('0e1b7a', 'hex')])).toEqual([
      ['status', 2],
      ['unknown', '11'],
      ['unknown', '0e'],
      ['unknown', '1b7a'],
    ]);
  });
});

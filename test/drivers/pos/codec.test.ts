import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PosFrameParser,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  lrc,
  maskPan,
  type LinkItem,
  type PosModuleStatus,
  type PosRequest,
  type PosResponse,
} from '../../../drivers/pos/codec.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// docs/pos-framing.md §5, the worked example.
const saleRequestFrame = hex(`
  02 30 31 30 31 43 30 30 30 30 30 30 30 30 30 30 31 32 35 30 20 20 20 20 20 20 20 20 20 20 20 20
  20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 30 31 4a 51 33 5a
  38 4b 35 56 37 4e 34 4d 32 50 36 52 38 54 30 57 31 59 33 41 20 20 20 20 20 20 4b 30 30 30 30 30
  31 37 30 30 30 30 30 30 30 31 03 4e`);
const approvedResultFrame = hex(`
  02 30 31 38 30 52 30 30 30 30 bd bb d2 d7 b3 c9 b9 a6 20 20 20 20 20 20 20 20 20 20 20 20 20 20
  20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 36 32 32 38 34 38 2a 2a 2a 2a 2a 2a 31 32
  33 34 20 20 20 20 30 30 30 30 30 30 30 30 31 32 35 30 30 30 30 31 32 33 30 30 30 30 30 31 30 36
  31 34 30 39 33 30 31 35 30 39 33 30 31 35 30 30 30 31 32 33 38 36 31 32 33 37 38 39 38 33 31 30
  31 34 38 31 36 30 30 30 31 31 30 30 30 30 30 30 31 32 30 32 35 30 36 31 34 30 31 4a 51 33 5a 38
  4b 35 56 37 4e 34 4d 32 50 36 52 38 54 30 57 31 59 33 41 20 20 20 20 20 20 03 77`);

// docs/pos-framing.md §5: the module's status while that sale waits for the PIN, a later refund, a reversal.
const waitingPinStatusFrame = hex(`
  02 30 31 34 38 53 30 30 bd bb d2 d7 d6 d0 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20
  20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 57 41 49 54 49 4e 47 5f 50 49 4e 20 36 32 32 38
  34 38 2a 2a 2a 2a 2a 2a 31 32 33 34 20 20 20 20 30 30 30 30 30 30 30 30 31 32 35 30 30 31 4a 51
  33 5a 38 4b 35 56 37 4e 34 4d 32 50 36 52 38 54 30 57 31 59 33 41 20 20 20 20 20 20 30 30 30 30
  30 31 38 39 38 33 31 30 31 34 38 31 36 30 30 30 31 31 30 30 30 30 30 30 31 03 7e`);
const refundRequestFrame = hex(`
  02 30 31 30 31 43 30 32 30 30 30 30 30 30 30 30 30 35 30 30 20 20 20 20 20 20 32 30 32 35 30 36
  31 34 30 39 33 30 31 35 30 30 30 31 32 33 20 20 20 20 20 20 20 20 20 20 20 20 30 31 4a 51 34 42
  32 43 33 44 34 45 35 46 36 47 37 48 38 4a 39 4b 30 4d 31 4e 20 20 20 20 20 20 4b 30 30 30 30 30
  31 37 30 30 30 30 30 30 30 31 03 57`);
const reversalRequestFrame = hex(`
  02 30 31 30 31 43 30 33 30 30 30 30 30 30 30 30 31 32 35 30 20 20 20 20 20 20 20 20 20 20 20 20
  20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 30 31 4a 51 33 5a
  38 4b 35 56 37 4e 34 4d 32 50 36 52 38 54 30 57 31 59 33 41 20 20 20 20 20 20 4b 30 30 30 30 30
  31 37 30 30 30 30 30 30 30 31 03 4d`);

const orderId = '01JQ3Z8K5V7N4M2P6R8T0W1Y3A';
const saleRequest: PosRequest = {
  transType: 'sale',
  amountFen: 1250,
  oldTrace: '',
  oldDate: '',
  oldRrn: '',
  oldAuth: '',
  oldBatch: '',
  orderId,
  counterId: 'K0000017',
  operatorId: '00000001',
};
const approvedResponse: PosResponse = {
  transType: 'sale',
  respCode: '00',
  respInfo: '交易成功',
  panMasked: '622848******1234',
  amountFen: 1250,
  trace: '000123',
  batch: '000001',
  date: '0614',
  time: '093015',
  rrn: '093015000123',
  authCode: '861237',
  mid: '898310148160001',
  tid: '10000001',
  settleDate: '20250614',
  orderId,
};
const waitingPinStatus: PosModuleStatus = {
  respCode: '00',
  respInfo: '交易中',
  state: 'waitingPin',
  panMasked: '622848******1234',
  amountFen: 1250,
  orderId,
  batch: '000001',
  mid: '898310148160001',
  tid: '10000001',
};
const refundRequest: PosRequest = {
  ...saleRequest,
  transType: 'refund',
  amountFen: 500,
  oldDate: '20250614',
  oldRrn: '093015000123',
  orderId: '01JQ4B2C3D4E5F6G7H8J9K0M1N',
};
const reversalRequest: PosRequest = { ...saleRequest, transType: 'reversal' };

function frames(items: LinkItem[]): Buffer[] {
  return items.flatMap((i) => (i.kind === 'frame' ? [i.body] : []));
}

describe('pos codec: golden frames from docs/pos-framing.md', () => {
  it('the doc shows exactly these bytes', () => {
    const doc = fs.readFileSync(new URL('../../../docs/pos-framing.md', import.meta.url), 'utf8');
    const example = doc.slice(doc.indexOf('## 5. Worked example'));
    const blocks = [...example.matchAll(/```\n([\s\S]*?)```/g)].map((m) =>
      hex(
        m[1]!
          .split('\n')
          .map((line) => /^(?:[0-9a-f]{2} ?)+/.exec(line)?.[0] ?? '')
          .join(' '),
      ),
    );
    expect(blocks).toEqual([saleRequestFrame, approvedResultFrame, waitingPinStatusFrame, refundRequestFrame, reversalRequestFrame]);
  });

  it('encodes and decodes the status record, the refund and the reversal request', () => {
    expect(encodeFrame(encodeMessage({ kind: 'moduleStatus', status: waitingPinStatus }))).toEqual(waitingPinStatusFrame);
    expect(encodeFrame(encodeMessage({ kind: 'request', request: refundRequest }))).toEqual(refundRequestFrame);
    expect(encodeFrame(encodeMessage({ kind: 'request', request: reversalRequest }))).toEqual(reversalRequestFrame);
    const [status, refund, reversal] = frames(new PosFrameParser().push(Buffer.concat([waitingPinStatusFrame, refundRequestFrame, reversalRequestFrame])));
    expect(decodeMessage(status!)).toEqual({ kind: 'moduleStatus', status: waitingPinStatus });
    expect(decodeMessage(refund!)).toEqual({ kind: 'request', request: refundRequest });
    expect(decodeMessage(reversal!)).toEqual({ kind: 'request', request: reversalRequest });
  });

  it('reads a module state word it does not know as unknown, and never sends one', () => {
    const body = encodeMessage({ kind: 'moduleStatus', status: waitingPinStatus });
    body.write('PRINTING    ', 43, 'latin1');
    const back = decodeMessage(body);
    expect(back.kind === 'moduleStatus' && back.status.state).toBe('unknown');
    expect(() => encodeMessage({ kind: 'moduleStatus', status: { ...waitingPinStatus, state: 'unknown' } })).toThrow(RangeError);
  });

  it('encodes the sale request', () => {
    expect(encodeFrame(encodeMessage({ kind: 'request', request: saleRequest }))).toEqual(saleRequestFrame);
  });

  it('encodes the approved result', () => {
    expect(encodeFrame(encodeMessage({ kind: 'result', response: approvedResponse }))).toEqual(approvedResultFrame);
  });

  it('LRC is the XOR of LEN..ETX', () => {
    expect(lrc(saleRequestFrame.subarray(1, -1))).toBe(0x4e);
    expect(lrc(approvedResultFrame.subarray(1, -1))).toBe(0x77);
  });

  it('decodes both records back', () => {
    const [req] = frames(new PosFrameParser().push(saleRequestFrame));
    expect(decodeMessage(req!)).toEqual({ kind: 'request', request: saleRequest });
    const [res] = frames(new PosFrameParser().push(approvedResultFrame));
    expect(decodeMessage(res!)).toEqual({ kind: 'result', response: approvedResponse });
  });

  it('progress, last-record and unknown tags', () => {
    expect(encodeMessage({ kind: 'progress', stage: 'ENTER_PIN' }).toString('ascii')).toBe('PENTER_PIN');
    expect(decodeMessage(Buffer.from('PINSERT_CARD'))).toEqual({ kind: 'progress', stage: 'INSERT_CARD' });
    const last = encodeMessage({ kind: 'lastRecord', response: approvedResponse });
    expect(last[0]).toBe(0x4c);
    expect(decodeMessage(last)).toEqual({ kind: 'lastRecord', response: approvedResponse });
    expect(decodeMessage(Buffer.from('Zhello')).kind).toBe('invalid');
    expect(decodeMessage(Buffer.from('R00')).kind).toBe('invalid');
  });
});

describe('pos codec: fields', () => {
  it('cuts GB18030 text at a character boundary', () => {
    const long = { ...approvedResponse, respInfo: '持卡人取消'.repeat(5) };
    const body = encodeMessage({ kind: 'result', response: long });
    expect(body.length).toBe(180);
    const back = decodeMessage(body);
    expect(back.kind === 'result' && back.response.respInfo).toBe('持卡人取消'.repeat(4));
  });

  it('refuses values that do not fit', () => {
    expect(() => encodeMessage({ kind: 'request', request: { ...saleRequest, amountFen: 12.5 } })).toThrow(RangeError);
    expect(() => encodeMessage({ kind: 'request', request: { ...saleRequest, orderId: 'x'.repeat(33) } })).toThrow(RangeError);
    expect(() => encodeMessage({ kind: 'request', request: { ...saleRequest, oldTrace: '12a' } })).toThrow(RangeError);
  });

  it('never lets a full card number onto the wire or past the decoder', () => {
    const pan = '6228480402564890018';
    expect(maskPan(pan)).toBe('622848*********0018');
    expect(maskPan('622848******1234')).toBe('622848******1234');
    // A module (or a simulator) handing the encoder a full number still sends the masked one.
    const result = encodeMessage({ kind: 'result', response: { ...approvedResponse, panMasked: pan } });
    const status = encodeMessage({ kind: 'moduleStatus', status: { ...waitingPinStatus, panMasked: pan } });
    for (const body of [result, status]) {
      expect(body.includes(Buffer.from(pan))).toBe(false);
      expect(body.includes(Buffer.from('622848*********0018'))).toBe(true);
    }
    // A module that put one on the wire anyway: the decoder masks it before anyone sees it.
    const leaked = Buffer.from(result);
    leaked.write(pan.padEnd(20), 45, 'latin1');
    expect(leaked.includes(Buffer.from(pan))).toBe(true);
    const back = decodeMessage(leaked);
    expect(back.kind === 'result' && back.response.panMasked).toBe('622848*********0018');
  });
});

describe('pos codec: incremental parser', () => {
  it('a frame split at every byte boundary', () => {
    for (let cut = 1; cut < approvedResultFrame.length; cut++) {
      const parser = new PosFrameParser();
      const items = [...parser.push(approvedResultFrame.subarray(0, cut)), ...parser.push(approvedResultFrame.subarray(cut))];
      expect(items, `cut at ${cut}`).toEqual([{ kind: 'frame', body: approvedResultFrame.subarray(5, -2) }]);
    }
  });

  it('one byte at a time, with ACK and NAK between frames', () => {
    const parser = new PosFrameParser();
    const stream = Buffer.concat([Buffer.of(0x06), saleRequestFrame, Buffer.of(0x15), approvedResultFrame]);
    const items = [...stream].flatMap((b) => parser.push(Buffer.of(b)));
    expect(items.map((i) => i.kind)).toEqual(['ack', 'frame', 'nak', 'frame']);
  });

  it('skips leading noise, including a false STX', () => {
    const noise = Buffer.from([0xff, 0x00, 0x41, 0x02, 0x39, 0x39, 0x7a, 0x02, 0x31]);
    const items = new PosFrameParser().push(Buffer.concat([noise, saleRequestFrame]));
    expect(items).toEqual([{ kind: 'frame', body: saleRequestFrame.subarray(5, -2) }]);
  });

  it('resynchronises after an STX whose ETX is missing', () => {
    // A plausible header that claims 5 bytes, then the real frame where its ETX should be.
    const bogus = Buffer.from('\x020005ab', 'latin1');
    const items = new PosFrameParser().push(Buffer.concat([bogus, saleRequestFrame]));
    expect(frames(items)).toEqual([saleRequestFrame.subarray(5, -2)]);
  });

  it('reports a bad LRC as an item and carries on', () => {
    const bad = Buffer.from(saleRequestFrame);
    bad[bad.length - 1] = 0xb1;
    const items = new PosFrameParser().push(Buffer.concat([bad, approvedResultFrame]));
    expect(items).toEqual([
      { kind: 'badFrame', raw: bad },
      { kind: 'frame', body: approvedResultFrame.subarray(5, -2) },
    ]);
  });

  it('ignores an STX with a length beyond any record', () => {
    const items = new PosFrameParser().push(Buffer.concat([Buffer.from('\x029999', 'latin1'), saleRequestFrame]));
    expect(frames(items)).toEqual([saleRequestFrame.subarray(5, -2)]);
  });
});

import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alipayTime, isoFromAlipayTime, rsa2Sign, rsa2Verify, signContent, signedNodeText, signedResponse } from '../../../central/pay/alipay-wire.ts';
import { channelOfAuthCode } from '../../../central/pay/port.ts';
import { fromXml, hasValidSign, toXml, wechatSign, withSign } from '../../../central/pay/wechat-wire.ts';
import { parseYuan, yuanFromWire } from '../../../central/pay/yuan.ts';

describe('yuan on the wire to integer fen', () => {
  it('reads the digits, never a float', () => {
    expect(parseYuan('0.01')).toBe(1);
    expect(parseYuan('0.1')).toBe(10);
    expect(parseYuan('12')).toBe(1200);
    expect(parseYuan('1234567.89')).toBe(123456789);
    expect(parseYuan('-5.30')).toBe(-530);
    expect(Object.is(parseYuan('-0.00'), 0)).toBe(true);
    // 0.1 + 0.2 in floats is 0.30000000000000004; the digits are exact.
    expect(parseYuan('0.30')).toBe(parseYuan('0.10') + parseYuan('0.20'));
  });

  it('refuses what is not yuan with at most two decimals', () => {
    for (const bad of ['', '1.234', '1,00', '.5', '1e3', ' 1.00', '¥1.00', '--1']) expect(() => parseYuan(bad), bad).toThrow(RangeError);
  });

  it('takes a JSON number only when two decimals hold it exactly', () => {
    expect(yuanFromWire(123.45)).toBe(12345);
    expect(yuanFromWire('7.00')).toBe(700);
    expect(() => yuanFromWire(0.125)).toThrow(RangeError);
    expect(() => yuanFromWire(null)).toThrow(RangeError);
  });
});

describe('WeChat Pay v2 XML and signature', () => {
  // The worked example of WeChat Pay's "安全规范" page (API key 192006250b4c09247ec02edce69f6a2d).
  const example = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
  const key = '192006250b4c09247ec02edce69f6a2d';

  it('signs the documented example to the documented MD5 and HMAC-SHA256 values', () => {
    expect(wechatSign(example, key, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(wechatSign(example, key, 'HMAC-SHA256')).toBe('6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6');
  });

  it('leaves empty fields and sign itself out of the signature, and notices any change', () => {
    const signed = withSign({ ...example, attach: '' }, key, 'HMAC-SHA256');
    expect(signed.sign).toBe(wechatSign(example, key, 'HMAC-SHA256'));
    expect(hasValidSign(signed, key, 'HMAC-SHA256')).toBe(true);
    expect(hasValidSign({ ...signed, body: 'test2' }, key, 'HMAC-SHA256')).toBe(false);
    expect(hasValidSign(signed, 'a'.repeat(32), 'HMAC-SHA256')).toBe(false);
  });

  it('round-trips XML, with CDATA, Chinese text and "]]>" in a value', () => {
    const fields = { body: '门诊缴费 <x> & ]]> end', total_fee: '1234', out_trade_no: '01JTEST' };
    const xml = toXml(fields);
    expect(xml).toContain('<total_fee>1234</total_fee>');
    expect(fromXml(xml)).toEqual(fields);
    expect(fromXml('<xml>\n <a>x &amp; y</a>\n</xml>')).toEqual({ a: 'x & y' });
  });

  it('refuses nested elements, stray text and DTDs', () => {
    expect(() => fromXml('<xml><a><b>1</b></a></xml>')).toThrow(SyntaxError);
    expect(() => fromXml('<xml>oops<a>1</a></xml>')).toThrow(SyntaxError);
    expect(() => fromXml('<!DOCTYPE x [<!ENTITY e "boom">]><xml><a>&e;</a></xml>')).toThrow(SyntaxError);
    expect(() => fromXml('{"json": true}')).toThrow(SyntaxError);
  });
});

describe('Alipay RSA2', () => {
  const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

  it('signs the sorted non-empty parameters other than sign, with raw values', () => {
    const params = { method: 'alipay.trade.pay', app_id: '2021000000000001', sign: 'x', biz_content: '{"a":"b c"}', notify_url: '' };
    expect(signContent(params)).toBe('app_id=2021000000000001&biz_content={"a":"b c"}&method=alipay.trade.pay');
    const signature = rsa2Sign(signContent(params), keys.privateKey);
    expect(rsa2Verify(signContent(params), signature, keys.publicKey)).toBe(true);
    expect(rsa2Verify(signContent({ ...params, method: 'alipay.trade.refund' }), signature, keys.publicKey)).toBe(false);
    expect(rsa2Verify('anything', 'not base64 at all', keys.publicKey)).toBe(false);
  });

  it('verifies the answer over the node text exactly as sent', () => {
    const raw = signedResponse('alipay_trade_query_response', { code: '10000', msg: 'Success', sub: { note: 'a "}" in a string {' } }, keys.privateKey);
    const node = signedNodeText(raw, 'alipay_trade_query_response')!;
    expect(JSON.parse(node)).toEqual({ code: '10000', msg: 'Success', sub: { note: 'a "}" in a string {' } });
    const { sign } = JSON.parse(raw) as { sign: string };
    expect(rsa2Verify(node, sign, keys.publicKey)).toBe(true);
    expect(signedNodeText(raw, 'alipay_trade_pay_response')).toBeUndefined();
    // Re-serialising with other spacing would change the bytes: the signature is over the text.
    expect(rsa2Verify(JSON.stringify(JSON.parse(node), null, 1), sign, keys.publicKey)).toBe(false);
  });

  it('writes and reads Beijing time', () => {
    expect(alipayTime(Date.UTC(2025, 5, 3, 2, 15, 30))).toBe('2025-06-03 10:15:30');
    expect(isoFromAlipayTime('2025-06-03 10:15:30')).toBe('2025-06-03T10:15:30+08:00');
  });
});

describe('payment codes', () => {
  it('tells WeChat from Alipay by the scanner line (DESIGN.md §3)', () => {
    expect(channelOfAuthCode('134567890123456789')).toBe('wechat');
    expect(channelOfAuthCode('284567890123456789')).toBe('alipay');
    expect(channelOfAuthCode('3045678901234567')).toBe('alipay');
    expect(channelOfAuthCode('304567890123456')).toBeUndefined();
    expect(channelOfAuthCode('164567890123456789')).toBeUndefined();
    expect(channelOfAuthCode('YB3301000000000001')).toBeUndefined();
  });
});

import crypto from 'node:crypto';

/**
 * WeChat Pay API v2 on the wire (pay.weixin.qq.com/wiki/doc/api/micropay.php, "安全规范"): a flat
 * `<xml>` of string fields, signed by sorting the non-empty fields other than `sign` by name,
 * joining them as `k=v&...`, appending `&key=API_KEY`, and taking MD5, or HMAC-SHA256 keyed with
 * the API key, as upper-case hex. Both directions sign the same way with the same key.
 */

export type WechatSignType = 'MD5' | 'HMAC-SHA256';
export type WechatFields = Record<string, string>;

export function toXml(fields: WechatFields): string {
  // CDATA cannot hold "]]>", so such a value is split across two sections.
  const cdata = (v: string) => `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
  return `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${/^\d+$/.test(v) ? v : cdata(v)}</${k}>`)
    .join('')}</xml>`;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Reads the flat `<xml>` WeChat sends. Throws on anything else, and on DTDs (no entity expansion, ever). */
export function fromXml(text: string): WechatFields {
  const body = /^\s*<xml>([\s\S]*)<\/xml>\s*$/.exec(text)?.[1];
  if (body === undefined || /<!DOCTYPE|<!ENTITY/i.test(text)) throw new SyntaxError('not a WeChat Pay <xml> document');
  const fields: WechatFields = {};
  const element = /<([A-Za-z_][\w]*)>((?:<!\[CDATA\[[\s\S]*?\]\]>)+|[^<]*)<\/\1>|(\S)/g;
  for (const m of body.matchAll(element)) {
    if (m[3] !== undefined) throw new SyntaxError('not a flat WeChat Pay <xml> document');
    const raw = m[2]!;
    fields[m[1]!] = raw.startsWith('<![CDATA[')
      ? [...raw.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((c) => c[1]).join('')
      : raw.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => entities[name]!);
  }
  return fields;
}

export function wechatSign(fields: WechatFields, apiKey: string, signType: WechatSignType): string {
  const text = `${Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&')}&key=${apiKey}`;
  const digest = signType === 'MD5' ? crypto.createHash('md5') : crypto.createHmac('sha256', apiKey);
  return digest.update(text, 'utf8').digest('hex').toUpperCase();
}

export function withSign(fields: WechatFields, apiKey: string, signType: WechatSignType): WechatFields {
  return { ...fields, sign: wechatSign(fields, apiKey, signType) };
}

export function hasValidSign(fields: WechatFields, apiKey: string, signType: WechatSignType): boolean {
  const given = Buffer.from(fields.sign ?? '', 'utf8');
  const expected = Buffer.from(wechatSign(fields, apiKey, signType), 'utf8');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Random strings of letters and digits, as WeChat asks for nonce_str. */
export function nonce(length = 32): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/** "20250603101530" in Beijing time, the form of time_end, back to ISO 8601 with +08:00. */
export function isoFromWechatTime(text: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new RangeError(`not a WeChat time: ${text}`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`;
}

export function wechatTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

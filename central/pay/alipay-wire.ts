import crypto from 'node:crypto';

/**
 * Alipay open platform on the wire (opendocs.alipay.com, "自行实现签名" and "自行实现验签"):
 * requests are form fields signed with RSA2 (SHA256withRSA) over the non-empty fields other than
 * `sign`, sorted by name and joined as `k=v&...` with raw values; answers are JSON
 * `{"<method>_response": {...}, "sign": "..."}` where the signature covers the exact bytes of the
 * response object as sent, so it is cut out of the raw text, not re-serialised.
 */

export type AlipayParams = Record<string, string>;

export function signContent(params: AlipayParams): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return crypto.sign('sha256', Buffer.from(content, 'utf8'), privateKeyPem).toString('base64');
}

export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return crypto.verify('sha256', Buffer.from(content, 'utf8'), publicKeyPem, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** `alipay.trade.pay` → `alipay_trade_pay_response`. */
export function responseNode(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/** The raw text of the object under `"node":` at the top level of `raw`, or undefined. */
export function signedNodeText(raw: string, node: string): string | undefined {
  const key = raw.indexOf(`"${node}"`);
  if (key < 0) return undefined;
  const start = raw.indexOf('{', key + node.length + 2);
  if (start < 0 || !/^\s*:\s*$/.test(raw.slice(key + node.length + 2, start))) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < raw.length; i += 1) {
    const c = raw[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth += 1;
    else if (c === '}' && --depth === 0) return raw.slice(start, i + 1);
  }
  return undefined;
}

/** The answer Alipay sends: the node text signed as it stands. */
export function signedResponse(node: string, body: Record<string, unknown>, privateKeyPem: string): string {
  const text = JSON.stringify(body);
  return `{"${node}":${text},"sign":"${rsa2Sign(text, privateKeyPem)}"}`;
}

const shanghai = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString();

/** "2025-06-03 10:15:30", Beijing time: the form of `timestamp` and `gmt_payment`. */
export function alipayTime(ms: number): string {
  return shanghai(ms).slice(0, 19).replace('T', ' ');
}

export function isoFromAlipayTime(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) throw new RangeError(`not an Alipay time: ${text}`);
  return `${text.replace(' ', 'T')}+08:00`;
}

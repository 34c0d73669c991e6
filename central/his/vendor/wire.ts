import crypto from 'node:crypto';
import { formatYuan } from '../../../contract/money.ts';
import type { HisErrorCode } from '../port.ts';

/**
 * The vendor HTTP/JSON interface's conventions (docs/his-interface.md): one gateway endpoint, a
 * service code per function, snake_case fields, amounts in yuan strings, local times without a
 * zone, flags as "1"/"0", and a signed header set. Both the simulator's server and the HTTP
 * adapter use these; everything vendor-shaped stops here.
 */

export const gatewayPath = '/his/gateway';

/** `code` of the response envelope; the vendor's own table, mapped one way to our HisError codes. */
export const vendorCodes = {
  OK: '0',
  BAD_PARAM: '1001',
  BAD_SIGN: '1002',
  STALE_TIMESTAMP: '1003',
  UNKNOWN_SERVICE: '1004',
} as const;

/** Business codes, each with the HisError code it means. 9xxx say the outcome is not known. */
export const vendorErrorCodes: Record<string, { code: HisErrorCode; msg: string }> = {
  '1001': { code: 'INVALID_REQUEST', msg: '参数错误' },
  '1002': { code: 'REJECTED', msg: '签名校验失败' },
  '1003': { code: 'REJECTED', msg: '请求时间戳超出允许范围' },
  '1004': { code: 'REJECTED', msg: '未知服务' },
  '2001': { code: 'NOT_FOUND', msg: '记录不存在' },
  '2002': { code: 'ALREADY_EXISTS', msg: '患者已建档或卡号已使用' },
  '3001': { code: 'SLOT_FULL', msg: '号源已满' },
  '3002': { code: 'LOCK_EXPIRED', msg: '锁号已失效' },
  '4001': { code: 'BILL_NOT_PAYABLE', msg: '处方单不可结算' },
  '4002': { code: 'PRESETTLE_NOT_FOUND', msg: '预结算记录不存在' },
  '4003': { code: 'PRESETTLE_EXPIRED', msg: '预结算已失效' },
  '4004': { code: 'AMOUNT_MISMATCH', msg: '金额不符' },
  '5001': { code: 'TRADE_CONFLICT', msg: '交易流水号重复' },
  '6001': { code: 'NOT_OFFERED', msg: '业务未开通' },
  '6002': { code: 'NOT_ALLOWED', msg: '当前状态不允许该操作' },
  '8000': { code: 'REJECTED', msg: '业务拒绝' },
  '9001': { code: 'UNAVAILABLE', msg: '服务暂不可用' },
  '9002': { code: 'TIMEOUT', msg: '处理超时，结果未知' },
  '9003': { code: 'NO_ANSWER', msg: '下游系统无应答，结果未知' },
  '9999': { code: 'INTERNAL', msg: '系统异常，结果未知' },
};

/** The code the server answers for a HisError; REJECTED is the vendor's generic refusal 8000. */
export const vendorCodeOf: Record<HisErrorCode, string> = {
  INVALID_REQUEST: '1001', NOT_FOUND: '2001', ALREADY_EXISTS: '2002', SLOT_FULL: '3001', LOCK_EXPIRED: '3002',
  BILL_NOT_PAYABLE: '4001', PRESETTLE_NOT_FOUND: '4002', PRESETTLE_EXPIRED: '4003', AMOUNT_MISMATCH: '4004',
  TRADE_CONFLICT: '5001', NOT_OFFERED: '6001', NOT_ALLOWED: '6002', REJECTED: '8000',
  UNAVAILABLE: '9001', TIMEOUT: '9002', NO_ANSWER: '9003', INTERNAL: '9999',
};

export interface RequestEnvelope {
  service: string;
  hospital_id: string;
  terminal_no: string;
  /** ZZJ (自助机): the caller is a self-service platform. */
  source: string;
  data: Record<string, unknown>;
}

export interface ResponseEnvelope {
  code: string;
  msg: string;
  request_id: string;
  timestamp: string;
  data: Record<string, unknown> | null;
  /** On a 1001: the request field at fault, as a dotted wire path. */
  err_field?: string;
  /** On an amount mismatch: what the HIS expects, in fen (a card fee the caller did not send). */
  expected_fen?: number;
}

export const headers = { appId: 'x-app-id', timestamp: 'x-timestamp', requestId: 'x-request-id', sign: 'x-sign' } as const;

/** How far a request's timestamp may stray from the server's clock, either way. */
export const timestampSkewMs = 5 * 60_000;

/** The development credentials the simulator accepts unless told otherwise. Never a hospital's. */
export const simulatorCredentials = { appId: 'zizhu-kiosk', appSecret: 'zizhu-his-sim-development-secret' } as const;

/** HMAC-SHA256, lower-case hex, over app id, timestamp, request id and the exact body bytes, newline-joined. */
export function sign(secret: string, appId: string, timestamp: string, requestId: string, body: string): string {
  return crypto.createHmac('sha256', secret).update(`${appId}\n${timestamp}\n${requestId}\n${body}`).digest('hex');
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** A value the wire cannot carry or a field the other side sent wrong; `path` is the wire path. */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path} ${message}`);
  }
}

/** Integer fen to the vendor's yuan string with two decimals, never through a float. */
export function fenToYuan(fen: unknown, path: string, signed = false): string {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen) || (!signed && fen < 0)) throw new WireError(path, `must be ${signed ? 'a' : 'a non-negative'} whole number of fen`);
  return formatYuan(fen);
}

/** "12.30" to 1230. Exactly two decimals, as the interface requires; no float ever holds the value. */
export function yuanToFen(yuan: unknown, path: string, signed = false): number {
  const m = typeof yuan === 'string' ? /^(-?)(\d{1,13})\.(\d{2})$/.exec(yuan) : null;
  if (!m || (m[1] && !signed)) throw new WireError(path, `must be ${signed ? '' : 'a non-negative '}amount in yuan with two decimals, such as "12.30"`);
  const fen = Number(m[2]) * 100 + Number(m[3]);
  return m[1] && fen !== 0 ? -fen : fen;
}

/** `2025-06-04T10:15:00+08:00` to `2025-06-04 10:15:00`: the vendor's local time has no zone. */
export function isoToVendorTime(iso: unknown, path: string): string {
  const m = typeof iso === 'string' ? /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})\+08:00$/.exec(iso) : null;
  if (!m) throw new WireError(path, 'must be a hospital local time such as 2025-06-04T10:15:00+08:00');
  return `${m[1]} ${m[2]}`;
}

export function vendorTimeToIso(value: unknown, path: string): string {
  const m = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value) : null;
  if (!m) throw new WireError(path, 'must be a time yyyy-MM-dd HH:mm:ss');
  return `${m[1]}T${m[2]}+08:00`;
}

/** The envelope's own timestamp, hospital local time. */
export function vendorNow(ms = Date.now()): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

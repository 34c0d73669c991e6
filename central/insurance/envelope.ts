/**
 * The national platform's common message (通用报文): one JSON POST per transaction, the business
 * input under `input`, the answer's business output under `output`, `infcode` 0 for success and
 * -1 for a refusal explained in `err_msg`. Field names are the platform's.
 */

/** The usual gateway path of the national platform's service bus (fsi). */
export const servicePath = '/fsi/api/rsfComIfsService/callService';

export interface Envelope {
  infno: string;
  /** fixmedins_code + yyyyMMddHHmmss + 4-digit sequence; unique per call, the key of a 2601 reversal. */
  msgid: string;
  /** 就医地医保区划: where the patient is treated. */
  mdtrtarea_admvs: string;
  /** 参保地医保区划: where the patient is insured (from 1101; empty before it). */
  insuplc_admdvs: string;
  recer_sys_code: string;
  dev_no: string;
  dev_safe_info: string;
  cainfo: string;
  signtype: string;
  infver: string;
  /** 1 经办人 (a clerk), 2 自助终端 (a kiosk), 3 移动终端. */
  opter_type: '1' | '2' | '3';
  opter: string;
  opter_name: string;
  /** yyyy-MM-dd HH:mm:ss, Beijing time. */
  inf_time: string;
  fixmedins_code: string;
  fixmedins_name: string;
  sign_no: string;
  input: Record<string, unknown>;
}

export interface PlatformAnswer {
  infcode: number | string;
  inf_refmsgid: string;
  refmsg_time: string;
  respond_time: string;
  err_msg: string | null;
  warn_msg: string | null;
  cainfo: string | null;
  signtype: string | null;
  output: Record<string, unknown> | null;
}

/** The institution code (H + 11 digits), the time to the second, and a 4-digit sequence. */
export const msgidPattern = /^[A-Z]\d{11}\d{14}\d{4}$/;

const beijing = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString();

export function platformTime(ms: number): string {
  return beijing(ms).slice(0, 19).replace('T', ' ');
}

export function compactTime(ms: number): string {
  return beijing(ms).slice(0, 19).replace(/[-T:]/g, '');
}

export function isoFromPlatformTime(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) throw new RangeError(`not a platform time: ${text}`);
  return `${text.replace(' ', 'T')}+08:00`;
}

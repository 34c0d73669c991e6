import http from 'node:http';
import ipp, { type IppAttribute, type IppResponse, type IppValue } from 'ipp-encoder';
import { DeviceError } from '../core/device-error.ts';

/**
 * The IPP client of the A4 report printer (reference/hardware-protocols.md §5): messages encoded
 * by ipp-encoder (RFC 8010), carried in an HTTP POST by node:http. The pure half (encode a
 * request, decode job and printer attributes) is separate from the I/O half (IppClient).
 */

/** Operation ids, RFC 8011 §4 / RFC 8010 §3. */
export const operations = {
  printJob: 0x0002,
  cancelJob: 0x0008,
  getJobAttributes: 0x0009,
  getPrinterAttributes: 0x000b,
} as const;
export type Operation = keyof typeof operations;

/** Delimiter and value tags, RFC 8010 §3.5. */
export const tags = {
  operationAttributes: 0x01,
  jobAttributes: 0x02,
  printerAttributes: 0x04,
  integer: 0x21,
  boolean: 0x22,
  enum: 0x23,
  textWithoutLanguage: 0x41,
  nameWithoutLanguage: 0x42,
  keyword: 0x44,
  uri: 0x45,
  charset: 0x47,
  naturalLanguage: 0x48,
  mimeMediaType: 0x49,
} as const;

/** job-state, RFC 8011 §5.3.7. "held" is pending-held, "stopped" processing-stopped. */
export type JobState = 'pending' | 'held' | 'processing' | 'stopped' | 'canceled' | 'aborted' | 'completed';
const jobStates: Record<number, JobState> = { 3: 'pending', 4: 'held', 5: 'processing', 6: 'stopped', 7: 'canceled', 8: 'aborted', 9: 'completed' };
export const terminalJobStates: ReadonlySet<JobState> = new Set(['canceled', 'aborted', 'completed']);

/** printer-state, RFC 8011 §5.4.11. */
export type PrinterState = 'idle' | 'processing' | 'stopped';
const printerStates: Record<number, PrinterState> = { 3: 'idle', 4: 'processing', 5: 'stopped' };

export interface JobStatus {
  job: number;
  state: JobState;
  /** job-state-reasons, without "none". */
  reasons: string[];
  message?: string;
}

export interface PrinterAttributes {
  state: PrinterState;
  /** printer-state-reasons as sent (with any -report/-warning/-error suffix), without "none". */
  reasons: string[];
  accepting: boolean;
  makeAndModel?: string;
  message?: string;
}

/** IPP/1.1: every operation we use is in it, and every IPP printer and CUPS answers it. */
const VERSION = { major: 1, minor: 1 };
const JOB_ATTRIBUTES = ['job-id', 'job-state', 'job-state-reasons', 'job-state-message'];
/** Asking for a few keeps the answer small and clear of collections ipp-encoder decodes poorly. */
const PRINTER_ATTRIBUTES = ['printer-state', 'printer-state-reasons', 'printer-is-accepting-jobs', 'printer-make-and-model', 'printer-state-message'];
/** Far more than any answer to the operations above. */
const MAX_RESPONSE_BYTES = 1 << 20;

const attribute = (tag: number, name: string, value: IppValue | IppValue[]): IppAttribute => ({ tag, name, value });

/** RFC 8011 §4.1.4: charset and natural language first, then the target. */
export function encodeRequest(operation: Operation, requestId: number, attributes: IppAttribute[], document?: Buffer): Buffer {
  const message = {
    version: VERSION,
    operationId: operations[operation],
    requestId,
    groups: [
      {
        tag: tags.operationAttributes,
        attributes: [attribute(tags.charset, 'attributes-charset', 'utf-8'), attribute(tags.naturalLanguage, 'attributes-natural-language', 'en'), ...attributes],
      },
    ],
    data: document,
  };
  // Into our own buffer: ipp-encoder would otherwise allocate with the deprecated `new Buffer`.
  return ipp.request.encode(message, Buffer.alloc(ipp.request.encodingLength(message)));
}

export function decodeResponse(body: Buffer): IppResponse {
  let response: IppResponse;
  try {
    response = ipp.response.decode(body);
  } catch (e) {
    throw new DeviceError('BAD_FRAME', `printer answer is not an IPP message (${(e as Error).message})`, { bytes: body.length });
  }
  if (response.version?.major !== 1 && response.version?.major !== 2) {
    throw new DeviceError('BAD_FRAME', `printer answer has IPP version ${response.version?.major}.${response.version?.minor}`, { bytes: body.length });
  }
  return response;
}

/** name → values of every attribute in the groups with `groupTag`. */
export function attributesOf(response: IppResponse, groupTag: number): Map<string, IppValue[]> {
  const found = new Map<string, IppValue[]>();
  for (const group of response.groups) {
    if (group.tag !== groupTag) continue;
    for (const a of group.attributes) found.set(a.name, Array.isArray(a.value) ? a.value : [a.value]);
  }
  return found;
}

function text(value: IppValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && 'lang' in value) return value.value;
  return typeof value === 'string' ? value : undefined;
}

function keywords(values: IppValue[] | undefined): string[] {
  return (values ?? []).map(text).filter((k): k is string => k !== undefined && k !== 'none');
}

export function decodeJobStatus(response: IppResponse, job?: number): JobStatus {
  const attrs = attributesOf(response, tags.jobAttributes);
  const id = attrs.get('job-id')?.[0] ?? job;
  const state = jobStates[Number(attrs.get('job-state')?.[0])];
  if (typeof id !== 'number' || !state) {
    throw new DeviceError('PROTOCOL', 'printer answer lacks job-id or a known job-state', { jobState: String(attrs.get('job-state')?.[0]) });
  }
  const message = text(attrs.get('job-state-message')?.[0])?.trim();
  return { job: id, state, reasons: keywords(attrs.get('job-state-reasons')), ...(message ? { message } : {}) };
}

export function decodePrinterAttributes(response: IppResponse): PrinterAttributes {
  const attrs = attributesOf(response, tags.printerAttributes);
  const state = printerStates[Number(attrs.get('printer-state')?.[0])];
  if (!state) throw new DeviceError('PROTOCOL', 'printer answer lacks a known printer-state', { printerState: String(attrs.get('printer-state')?.[0]) });
  const makeAndModel = text(attrs.get('printer-make-and-model')?.[0]);
  const message = text(attrs.get('printer-state-message')?.[0]);
  return {
    state,
    reasons: keywords(attrs.get('printer-state-reasons')),
    // Absent means the printer does not say; only an explicit false refuses jobs.
    accepting: attrs.get('printer-is-accepting-jobs')?.[0] !== false,
    ...(makeAndModel ? { makeAndModel } : {}),
    ...(message ? { message } : {}),
  };
}

/** status-code classes, RFC 8011 §B: 0x0000–0x00FF successful. */
function statusError(response: IppResponse, operation: Operation): DeviceError | undefined {
  const status = response.statusCode;
  if (status >= 0 && status <= 0xff) return undefined;
  const name = ipp.STATUS_CODES[status] ?? `0x${status.toString(16).padStart(4, '0')}`;
  const detail = { operation, ippStatus: name };
  if (status === 0x0506) return new DeviceError('OFFLINE', `${operation}: printer is not accepting jobs (${name})`, detail);
  if (status === 0x0507) return new DeviceError('BUSY', `${operation}: printer is busy (${name})`, detail);
  return new DeviceError('PROTOCOL', `${operation}: printer refused with ${name}`, detail);
}

export interface PrinterEndpoint {
  /** The printer-uri attribute: always ipp://. */
  printerUri: string;
  host: string;
  port: number;
  path: string;
}

/** `ipp://host[:631]/path` or `http://host:port/path`. TLS (ipps) is not offered: a kiosk prints on its own loopback or LAN. */
export function parsePrinterUri(uri: string): PrinterEndpoint {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new RangeError(`printer URI "${uri}" is not a URI; expected ipp://host[:port]/path`);
  }
  if (url.protocol !== 'ipp:' && url.protocol !== 'http:') throw new RangeError(`printer URI scheme must be ipp or http, got "${url.protocol.slice(0, -1)}"`);
  if (!url.hostname) throw new RangeError(`printer URI "${uri}" has no host`);
  const port = url.port ? Number(url.port) : url.protocol === 'ipp:' ? 631 : 80;
  const path = url.pathname || '/';
  return { printerUri: `ipp://${url.host.includes(':') ? url.host : `${url.host}:${port}`}${path}`, host: url.hostname.replace(/^\[|\]$/g, ''), port, path };
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface IppClientOptions {
  /** How long one request may take, connection included (default 10 s). */
  requestTimeoutMs?: number;
  /** requesting-user-name (default "zizhu"). */
  userName?: string;
}

/** Node's connection errors: the printer is not there, or the line to it broke. */
const transportErrors = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

export class IppClient {
  readonly endpoint: PrinterEndpoint;
  private readonly requestTimeoutMs: number;
  private readonly userName: string;
  private nextRequestId = 1;

  constructor(
    readonly uri: string,
    options: IppClientOptions = {},
  ) {
    this.endpoint = parsePrinterUri(uri);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.userName = options.userName ?? 'zizhu';
  }

  async printJob(document: Buffer, jobName: string, options: RequestOptions = {}): Promise<JobStatus> {
    const response = await this.send(
      'printJob',
      [
        attribute(tags.nameWithoutLanguage, 'job-name', jobName),
        attribute(tags.mimeMediaType, 'document-format', 'application/pdf'),
      ],
      options,
      document,
    );
    return decodeJobStatus(response);
  }

  async getJobAttributes(job: number, options: RequestOptions = {}): Promise<JobStatus> {
    const response = await this.send(
      'getJobAttributes',
      [attribute(tags.integer, 'job-id', job), attribute(tags.keyword, 'requested-attributes', JOB_ATTRIBUTES)],
      options,
    );
    return decodeJobStatus(response, job);
  }

  async getPrinterAttributes(options: RequestOptions = {}): Promise<PrinterAttributes> {
    const response = await this.send('getPrinterAttributes', [attribute(tags.keyword, 'requested-attributes', PRINTER_ATTRIBUTES)], options);
    return decodePrinterAttributes(response);
  }

  async cancelJob(job: number, options: RequestOptions = {}): Promise<void> {
    await this.send('cancelJob', [attribute(tags.integer, 'job-id', job)], options);
  }

  private send(operation: Operation, attributes: IppAttribute[], options: RequestOptions, document?: Buffer): Promise<IppResponse> {
    const { signal, timeoutMs = this.requestTimeoutMs } = options;
    const requestId = this.nextRequestId++;
    const body = encodeRequest(
      operation,
      requestId,
      [attribute(tags.uri, 'printer-uri', this.endpoint.printerUri), attribute(tags.nameWithoutLanguage, 'requesting-user-name', this.userName), ...attributes],
      document,
    );
    const where = { operation, uri: this.uri };
    return new Promise<IppResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(new DeviceError('ABORTED', `${operation} aborted`, where));
      // One connection per request: a kept-alive socket the printer has quietly closed would turn
      // a healthy printer's next answer into a reset.
      const request = http.request({
        host: this.endpoint.host,
        port: this.endpoint.port,
        path: this.endpoint.path,
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/ipp', 'Content-Length': body.length },
      });
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const fail = (error: DeviceError) =>
        settle(() => {
          request.destroy();
          reject(error);
        });
      const onAbort = () => fail(new DeviceError('ABORTED', `${operation} aborted`, where));
      const timer = setTimeout(() => fail(new DeviceError('TIMEOUT', `${operation}: no answer from ${this.uri} within ${timeoutMs} ms`, where)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });

      request.on('error', (e: NodeJS.ErrnoException) => {
        const code = e.code ?? 'unknown';
        const deviceCode = transportErrors.has(code) ? 'TRANSPORT' : 'PROTOCOL';
        fail(new DeviceError(deviceCode, `${operation}: ${this.uri}: ${e.message}`, { ...where, cause: code }));
      });
      request.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return fail(new DeviceError('PROTOCOL', `${operation}: ${this.uri} answered HTTP ${res.statusCode}`, { ...where, httpStatus: res.statusCode }));
        }
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > MAX_RESPONSE_BYTES) return fail(new DeviceError('BAD_FRAME', `${operation}: answer longer than ${MAX_RESPONSE_BYTES} bytes`, where));
          chunks.push(chunk);
        });
        res.on('error', (e) => fail(new DeviceError('TRANSPORT', `${operation}: ${this.uri}: ${e.message}`, where)));
        res.on('end', () => {
          if (settled) return;
          try {
            const response = decodeResponse(Buffer.concat(chunks));
            if (response.requestId !== requestId) {
              throw new DeviceError('PROTOCOL', `${operation}: answer carries request-id ${response.requestId}, expected ${requestId}`, where);
            }
            const refused = statusError(response, operation);
            if (refused) throw refused;
            settle(() => resolve(response));
          } catch (e) {
            fail(e as DeviceError);
          }
        });
      });
      request.end(body);
    });
  }
}

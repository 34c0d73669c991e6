import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isHisError, type HisFunction, type HisPort } from './port.ts';
import type { PlayedFault } from './simulator.ts';
import { decode, encode, translatePath } from './vendor/codec.ts';
import { functionOfService, services } from './vendor/services.ts';
import {
  gatewayPath,
  headers,
  signatureMatches,
  sign,
  simulatorCredentials,
  timestampSkewMs,
  vendorCodeOf,
  vendorCodes,
  vendorErrorCodes,
  vendorNow,
  WireError,
  type ResponseEnvelope,
} from './vendor/wire.ts';

/**
 * A HIS port served as the vendor HTTP/JSON interface (docs/his-interface.md), the way a hospital's
 * HIS serves self-service platforms. `zizhu his-sim serve` puts the simulator behind it, and so
 * does `zizhu bridge --his sim`, so the bridge always talks to its HIS over real HTTP.
 *
 * The simulator's transport faults are played on the wire: `down` answers 503 as a gateway in
 * front of a stopped HIS does, `commitThenSilent` commits and then drops the connection unanswered.
 */

export interface HisServerOptions {
  his: HisPort;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  credentials?: { appId: string; appSecret: string };
  /** One line per call: service, vendor code, milliseconds. Never the data, which is personal. */
  log?: (fields: Record<string, unknown>) => void;
}

export interface RunningHisServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const maxRequestBytes = 1 << 20;

export async function startHisServer(options: HisServerOptions): Promise<RunningHisServer> {
  const credentials = options.credentials ?? simulatorCredentials;
  const server = http.createServer((req, res) => {
    handle(options.his, credentials, req, res, options.log).catch(() => {
      if (!res.headersSent) plain(res, 500, 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxRequestBytes) resolve(undefined);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(
  his: HisPort,
  credentials: { appId: string; appSecret: string },
  req: http.IncomingMessage,
  res: http.ServerResponse,
  log: HisServerOptions['log'],
): Promise<void> {
  const started = Date.now();
  if (req.url !== gatewayPath) return plain(res, 404, 'not found');
  if (req.method !== 'POST') return plain(res, 405, 'POST only');
  const body = await readBody(req).catch(() => undefined);
  if (body === undefined) return plain(res, 413, 'request too large');
  const requestId = String(req.headers[headers.requestId] ?? '');
  const answer = (envelope: Omit<ResponseEnvelope, 'request_id' | 'timestamp'>, service?: string) => {
    log?.({ service, code: envelope.code, ms: Date.now() - started });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ...envelope, request_id: requestId, timestamp: vendorNow() } satisfies ResponseEnvelope));
  };
  const refuse = (code: string, msg: string, errField?: string, service?: string, expectedFen?: number) =>
    answer({ code, msg, data: null, ...(errField ? { err_field: errField } : {}), ...(expectedFen !== undefined ? { expected_fen: expectedFen } : {}) }, service);

  const appId = String(req.headers[headers.appId] ?? '');
  const timestamp = String(req.headers[headers.timestamp] ?? '');
  const given = String(req.headers[headers.sign] ?? '');
  if (appId !== credentials.appId || !requestId || !signatureMatches(sign(credentials.appSecret, appId, timestamp, requestId, body), given)) {
    return refuse(vendorCodes.BAD_SIGN, vendorErrorCodes[vendorCodes.BAD_SIGN]!.msg);
  }
  if (!/^\d{13}$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > timestampSkewMs) {
    return refuse(vendorCodes.STALE_TIMESTAMP, vendorErrorCodes[vendorCodes.STALE_TIMESTAMP]!.msg);
  }
  let envelope: { service?: unknown; data?: unknown };
  try {
    envelope = JSON.parse(body) as typeof envelope;
  } catch {
    return refuse(vendorCodes.BAD_PARAM, '请求体不是JSON');
  }
  const service = typeof envelope?.service === 'string' ? envelope.service : '';
  const fn = functionOfService(service);
  if (!fn) return refuse(vendorCodes.UNKNOWN_SERVICE, `${vendorErrorCodes[vendorCodes.UNKNOWN_SERVICE]!.msg}: ${service}`, undefined, service);
  const spec = services[fn];

  let args: Record<string, unknown>;
  try {
    args = decode(spec.request, envelope.data, 'data');
  } catch (e) {
    if (e instanceof WireError) return refuse(vendorCodes.BAD_PARAM, `${vendorErrorCodes[vendorCodes.BAD_PARAM]!.msg}: ${e.message}`, e.path.replace(/^data\./, ''), service);
    throw e;
  }
  try {
    const result = await call(his, fn, args);
    answer({ code: vendorCodes.OK, msg: '成功', data: encode(spec.result, result) }, service);
  } catch (e) {
    if (!isHisError(e)) {
      const message = e instanceof Error ? e.message : String(e);
      return refuse('9999', `${vendorErrorCodes['9999']!.msg}: ${message}`, undefined, service);
    }
    const played = e.detail.fault as PlayedFault | undefined;
    if (played === 'down') {
      log?.({ service, status: 503, ms: Date.now() - started });
      return plain(res, 503, 'service unavailable');
    }
    if (played === 'commitThenSilent') {
      log?.({ service, dropped: true, ms: Date.now() - started });
      req.socket.destroy();
      return;
    }
    const field = e.code === 'INVALID_REQUEST' && typeof e.detail.field === 'string' ? translatePath(spec.request, e.detail.field, true) : undefined;
    const expectedFen = e.code === 'AMOUNT_MISMATCH' && typeof e.detail.expectedFen === 'number' ? e.detail.expectedFen : undefined;
    refuse(vendorCodeOf[e.code], e.message, field, service, expectedFen);
  }
}

/** Every port function takes one argument object and returns a promise: the map names which. */
function call(his: HisPort, fn: HisFunction, args: Record<string, unknown>): Promise<unknown> {
  const method = his[fn] as (this: HisPort, arg: unknown) => Promise<unknown>;
  return method.call(his, args);
}

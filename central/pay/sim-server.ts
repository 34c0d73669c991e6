import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';

/**
 * What the channel and insurance simulators share: an HTTP server on 127.0.0.1 that can stay
 * silent after it has committed, and faults kept in the simulator's SQLite file, so a test or
 * another process can break a running simulator without restarting it.
 */

export interface SimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  body: string;
}

export interface SimAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Drop the connection without a byte of answer: what the caller sees when a gateway dies after committing. */
export const silence = Symbol('silence');
export type SimHandler = (request: SimRequest) => Promise<SimAnswer | typeof silence>;

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(handler: SimHandler, options: { host?: string; port?: number } = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://simulator');
      handler({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString('utf8') })
        .catch((e: unknown): SimAnswer => ({ status: 500, contentType: 'text/plain; charset=utf-8', body: `simulator failed: ${(e as Error).message}` }))
        .then((answer) => {
          if (answer === silence) req.socket.destroy();
          else res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
        }, () => req.socket.destroy());
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export type SimFault = (
  | { mode: 'down' } // an HTTP 503 from the front, the request not processed
  | { mode: 'slow'; ms: number } // processed and answered after a delay
  | { mode: 'commitThenSilent' } // processed, then the connection dropped: the unknown outcome
  | { mode: 'error' } // the simulated system's own error answer (WeChat SYSTEMERROR, Alipay 20000, insurance infcode -1)
) & { once?: boolean };

export const faultModes = ['down', 'slow', 'commitThenSilent', 'error'] as const;

/** Throws a RangeError naming the field when `value` is not a fault the simulators can play. */
export function parseFault(value: unknown): SimFault {
  if (typeof value !== 'object' || value === null) throw new RangeError('fault: must be an object with a mode');
  const f = value as Record<string, unknown>;
  if (f.once !== undefined && typeof f.once !== 'boolean') throw new RangeError('fault.once: must be a boolean');
  const once = f.once === true ? { once: true } : {};
  switch (f.mode) {
    case 'down':
    case 'commitThenSilent':
    case 'error':
      return { mode: f.mode, ...once };
    case 'slow':
      if (typeof f.ms !== 'number' || !Number.isSafeInteger(f.ms) || f.ms < 1) throw new RangeError('fault.ms: must be a positive whole number of milliseconds');
      return { mode: 'slow', ms: f.ms, ...once };
    default:
      throw new RangeError(`fault.mode: must be one of ${faultModes.join(', ')}`);
  }
}

export class FaultTable {
  constructor(
    private readonly db: Database.Database,
    readonly apis: readonly string[],
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS faults (api TEXT PRIMARY KEY, fault TEXT NOT NULL)');
  }

  set(api: string, fault: SimFault): void {
    this.assertApi(api);
    const checked = parseFault(fault);
    this.db.prepare('INSERT INTO faults (api, fault) VALUES (?, ?) ON CONFLICT (api) DO UPDATE SET fault = excluded.fault').run(api, JSON.stringify(checked));
  }

  clear(api: string): void {
    this.assertApi(api);
    this.db.prepare('DELETE FROM faults WHERE api = ?').run(api);
  }

  /** Read at every call, since another process may have set it; a `once` fault fires for one caller only. */
  take(api: string): SimFault | undefined {
    const row = this.db.prepare<[string], { fault: string }>('SELECT fault FROM faults WHERE api = ?').get(api);
    if (!row) return undefined;
    const fault = JSON.parse(row.fault) as SimFault;
    if (fault.once && this.db.prepare('DELETE FROM faults WHERE api = ? AND fault = ?').run(api, row.fault).changes === 0) return undefined;
    return fault;
  }

  private assertApi(api: string): void {
    if (!this.apis.includes(api)) throw new RangeError(`api: must be one of ${this.apis.join(', ')}`);
  }
}

/** Plays `fault` around `commit`, the call's real work. */
export async function playFault(fault: SimFault | undefined, commit: () => SimAnswer, errorAnswer: () => SimAnswer): Promise<SimAnswer | typeof silence> {
  switch (fault?.mode) {
    case 'down':
      return { status: 503, contentType: 'text/html; charset=utf-8', body: '<html><body><h1>503 Service Unavailable</h1></body></html>' };
    case 'error':
      return errorAnswer();
    case 'slow':
      await sleep(fault.ms);
      return commit();
    case 'commitThenSilent':
      commit();
      return silence;
    default:
      return commit();
  }
}

export function jsonAnswer(status: number, value: unknown): SimAnswer {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

/**
 * The control routes every simulator offers under `/_sim/` (a path no real gateway has), so a
 * test or an operator can steer a simulator running in another process.
 */
export function faultControl(faults: FaultTable, request: SimRequest): SimAnswer | undefined {
  if (request.path !== '/_sim/faults' || request.method !== 'POST') return undefined;
  try {
    const { api, fault } = JSON.parse(request.body) as { api: string; fault: unknown };
    if (fault === null) faults.clear(api);
    else faults.set(api, parseFault(fault));
    return jsonAnswer(200, { api, fault });
  } catch (e) {
    return jsonAnswer(400, { error: (e as Error).message });
  }
}

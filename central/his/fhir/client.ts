import type { Binary, Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { HisError, hisErrorKinds, isHisErrorCode, type HisErrorCode, type HisFunction } from '../port.ts';
import { codes } from './systems.ts';

/**
 * FHIR R4 REST over fetch, one session per port call under that call's deadline. Every way an
 * exchange can end becomes a HisError of the kind the port promises (docs/fhir-adapter.md §4):
 *
 * | what happened                                              | code            | kind     |
 * |------------------------------------------------------------|-----------------|----------|
 * | connection refused, host unknown                           | UNAVAILABLE     | unknown  |
 * | HTTP 502, 503, 504 (a gateway before a stopped server)     | UNAVAILABLE     | unknown  |
 * | the call's deadline passed                                 | TIMEOUT         | unknown  |
 * | the connection broke after it was made, or mid-answer      | NO_ANSWER       | unknown  |
 * | HTTP 500 and other 5xx, 1xx/3xx, a body that is not FHIR, a transaction answered in part | INTERNAL | unknown |
 * | HTTP 409 or 412 (a version another writer moved on)        | VersionConflict, retried by the caller | definite |
 * | HTTP 400                                                   | INVALID_REQUEST | definite |
 * | other 4xx (auth, unsupported type or search, a business rule) | REJECTED, or the HisError code an OperationOutcome carries | definite |
 *
 * A transaction is all or nothing (FHIR R4 http.html#transaction), so a 4xx to one leaves nothing
 * changed: that is what makes those refusals definite.
 */

/** A conditional write lost a race: the server no longer holds the version it was based on. Nothing changed. */
export class VersionConflict extends Error {
  override readonly name = 'VersionConflict';
}

/** Past this many lost races the records are changing too fast to act on; nothing was changed. */
export const maxAttempts = 4;

/**
 * Runs `attempt` again from a fresh read while its conditional writes lose races to other
 * writers; each lost race changed nothing, so trying again is safe.
 */
export async function retryOnConflict<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof VersionConflict)) throw e;
      if (n === maxAttempts) throw new HisError('REJECTED', `the HIS records kept changing under this ${what}; nothing was changed, try again`, { fn: what });
    }
  }
}

const fhirJson = 'application/fhir+json';
const refusedBeforeSending = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** Large enough that the hospital's directory and a fortnight of one clinic's numbers come in one page; next links are followed anyway. */
const pageSize = '1000';

export interface FhirClientOptions {
  /** The service base, `http://HOST:PORT/fhir/R4`. */
  baseUrl: string;
  timeoutMs: number;
  /** Sent with every request, e.g. `authorization: Bearer …` for a server that wants it. */
  headers?: Record<string, string>;
}

export class FhirClient {
  private readonly base: string;

  constructor(private readonly options: FhirClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new HisError('INVALID_REQUEST', 'baseUrl must be an http:// or https:// URL', { field: 'baseUrl' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HisError('INVALID_REQUEST', 'baseUrl must be an http:// or https:// URL', { field: 'baseUrl' });
    this.base = url.href.replace(/\/+$/, '');
  }

  /** A conversation for one port call: every request in it shares the call's deadline. */
  session(fn: HisFunction): FhirSession {
    return new FhirSession(this.base, fn, this.options.timeoutMs, this.options.headers ?? {});
  }
}

interface Answer {
  status: number;
  body: Buffer;
}

export class FhirSession {
  private readonly signal: AbortSignal;

  constructor(
    private readonly base: string,
    readonly fn: HisFunction,
    private readonly timeoutMs: number,
    private readonly headers: Record<string, string>,
  ) {
    this.signal = AbortSignal.timeout(timeoutMs);
  }

  /** The resource, or undefined when the server has none by that id (404, 410). */
  async read<T extends Resource>(type: T['resourceType'], id: string): Promise<T | undefined> {
    const answer = await this.exchange('GET', `${this.base}/${type}/${encodeURIComponent(id)}`);
    if (answer.status === 404 || answer.status === 410) return undefined;
    return this.expect<T>(answer, type);
  }

  /** Every match, following `next` links; included resources are left out. */
  async search<T extends Resource>(type: T['resourceType'], params: Record<string, string | string[]>): Promise<T[]> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) query.append(key, v);
    if (!query.has('_count')) query.set('_count', pageSize);
    const found: T[] = [];
    let url: string | undefined = `${this.base}/${type}?${query}`;
    let offset = 0;
    while (url) {
      const page: Bundle = await this.expect<Bundle>(await this.exchange('GET', url), 'Bundle');
      const entries = page.entry ?? [];
      for (const entry of entries) {
        if (entry.resource?.resourceType === type && entry.search?.mode !== 'include') found.push(entry.resource as T);
      }
      offset += entries.length;
      url = page.link?.find((l) => l.relation === 'next')?.url;
      // A server that counts more than it sends yet links no next page is paged by `_offset` (Medplum's, HAPI's).
      if (!url && page.total !== undefined && offset < page.total) {
        if (entries.length === 0) throw new HisError('INTERNAL', `the FHIR server counts ${page.total} ${type} but sends no more after ${offset}`, { fn: this.fn });
        query.set('_offset', String(offset));
        url = `${this.base}/${type}?${query}`;
      }
    }
    return found;
  }

  /** At most one match, or REJECTED when the server's records hold the same business number twice. */
  async searchOne<T extends Resource>(type: T['resourceType'], params: Record<string, string | string[]>): Promise<T | undefined> {
    const found = await this.search<T>(type, params);
    // The search may hold an ID number: it stays out of the error, which gets logged.
    if (found.length > 1) throw new HisError('REJECTED', `the HIS holds ${found.length} ${type} records for one number`, { fn: this.fn, type });
    return found[0];
  }

  /**
   * Posts a transaction Bundle and returns the response entries in request order. Throws
   * VersionConflict on 409/412, when nothing changed and the caller may read again and retry.
   */
  async transaction(entries: BundleEntry[]): Promise<BundleEntry[]> {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: entries };
    const reply = await this.expect<Bundle>(await this.exchange('POST', this.base, JSON.stringify(bundle)), 'Bundle');
    const answered = reply.entry ?? [];
    const complete = reply.type === 'transaction-response' && answered.length === entries.length && answered.every((e) => /^2\d\d/.test(e.response?.status ?? ''));
    // A server that answers a transaction in part broke its promise: what it kept is not known.
    if (!complete) throw new HisError('INTERNAL', 'the FHIR server answered the transaction in part; the outcome is not known', { fn: this.fn });
    return answered;
  }

  /** The bytes of an attachment's `url`: a Binary on this server (relative or absolute), read as FHIR JSON. */
  async binary(url: string): Promise<Buffer> {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `${this.base}/${url.replace(/^\/+/, '')}`;
    const binary = await this.expect<Binary>(await this.exchange('GET', absolute), 'Binary');
    if (typeof binary.data !== 'string') throw new HisError('INTERNAL', 'the report Binary holds no data', { fn: this.fn, url });
    return Buffer.from(binary.data, 'base64');
  }

  /** The parsed resource of a 2xx answer of the type expected; anything else becomes its HisError. */
  private expect<T extends Resource>(answer: Answer, type: T['resourceType']): T {
    if (answer.status < 200 || answer.status > 299) throw this.refusal(answer);
    const resource = parse(answer.body);
    if (resource?.resourceType !== type) {
      throw new HisError('INTERNAL', `the FHIR server answered HTTP ${answer.status} without a ${type}; the outcome is not known`, { fn: this.fn, status: answer.status });
    }
    return resource as T;
  }

  private refusal({ status, body }: Answer): Error {
    const detail = { fn: this.fn, status };
    if (status === 502 || status === 503 || status === 504) return new HisError('UNAVAILABLE', `the FHIR server's gateway answered HTTP ${status}`, detail);
    if (status === 409 || status === 412) return new VersionConflict(`HTTP ${status}: the record changed since it was read`);
    if (status < 400 || status > 499) return new HisError('INTERNAL', `the FHIR server answered HTTP ${status}; the outcome is not known`, detail);
    const outcome = parse(body);
    const issues = outcome?.resourceType === 'OperationOutcome' ? (outcome as OperationOutcome).issue ?? [] : [];
    const text = issues.map((i) => i.details?.text ?? i.diagnostics ?? i.code).filter(Boolean).join('; ');
    const message = `the FHIR server refused the call with HTTP ${status}${text ? `: ${text}` : ''}`;
    const coded = issues.flatMap((i) => i.details?.coding ?? []).find((c) => c.system === codes.hisError && isHisErrorCode(c.code ?? ''));
    // Only a definite code can come with a 4xx: the server answered, so it knows what it did.
    if (coded && hisErrorKinds[coded.code as HisErrorCode] === 'definite') return new HisError(coded.code as HisErrorCode, message, detail);
    return new HisError(status === 400 ? 'INVALID_REQUEST' : 'REJECTED', message, { ...detail, ...(text ? { issue: text } : {}) });
  }

  /** One HTTP exchange; a read that lost its line is asked once more, since asking twice changes nothing. */
  private async exchange(method: 'GET' | 'POST', url: string, body?: string): Promise<Answer> {
    try {
      return await this.once(method, url, body);
    } catch (e) {
      if (method === 'GET' && e instanceof HisError && e.code === 'NO_ANSWER') return this.once(method, url, body);
      throw e;
    }
  }

  private async once(method: 'GET' | 'POST', url: string, body?: string): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        redirect: 'manual',
        signal: this.signal,
        headers: {
          ...this.headers,
          accept: fhirJson,
          // A fresh connection per request: a pooled one the server already closed fails like a lost answer.
          connection: 'close',
          ...(body !== undefined ? { 'content-type': `${fhirJson}; charset=utf-8` } : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });
    } catch (e) {
      throw this.lost(e, false);
    }
    try {
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    } catch (e) {
      throw this.lost(e, true);
    }
  }

  private lost(e: unknown, answering: boolean): HisError {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail = { fn: this.fn, ...(cause?.code ? { errno: cause.code } : {}) };
    if (this.signal.aborted) return new HisError('TIMEOUT', `no answer from the FHIR server within ${this.timeoutMs} ms`, detail, { cause: e });
    if (!answering && refusedBeforeSending.has(cause?.code ?? '')) return new HisError('UNAVAILABLE', `cannot reach the FHIR server: ${cause?.message ?? (e as Error).message}`, detail, { cause: e });
    return new HisError('NO_ANSWER', `the FHIR server connection broke after it was made: ${cause?.message ?? (e as Error).message}`, detail, { cause: e });
  }
}

function parse(body: Buffer): Resource | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as Resource).resourceType === 'string' ? (value as Resource) : undefined;
  } catch {
    return undefined;
  }
}

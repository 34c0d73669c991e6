import crypto from 'node:crypto';
import type { BundleEntry, Extension, Identifier, Money, Reference, Resource } from '@medplum/fhirtypes';
import { HisError } from '../port.ts';
import { compactDate, shanghaiIso } from '../sim/time.ts';

/** Conversions at the FHIR edge: money, instants, business numbers and extensions. */

/** FHIR Money is a decimal of yuan; the port's is integer fen, converted here only. */
export function money(fen: number): Money {
  return { value: fen / 100, currency: 'CNY' };
}

/** Fen from a FHIR Money in CNY with at most two decimals; anything else is a record this adapter cannot read. */
export function fenOf(value: Money | undefined, what: string): number {
  const yuan = value?.value;
  const fen = typeof yuan === 'number' ? Math.round(yuan * 100) : NaN;
  if (!Number.isSafeInteger(fen) || Math.abs(yuan! * 100 - fen) > 1e-6 || (value?.currency !== undefined && value.currency !== 'CNY')) {
    throw unreadable(`${what} is not an amount in yuan to the fen`);
  }
  return fen;
}

/** The port's form of an instant: hospital local time to the second, whatever offset the server wrote. */
export function localIso(instant: string | undefined, what: string): string {
  const ms = instant === undefined ? NaN : Date.parse(instant);
  if (Number.isNaN(ms)) throw unreadable(`${what} is not an instant`);
  return shanghaiIso(ms);
}

/** A record the server holds but this adapter cannot make sense of: a data problem, not a refusal. */
export function unreadable(message: string): HisError {
  return new HisError('INTERNAL', `the FHIR record cannot be read: ${message}`);
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A new business number: prefix, business day, then ten random Crockford base-32 characters (50
 * bits). A FHIR server numbers nothing, so the adapter does; random rather than a counter, since
 * several bridge workers write to one server and none may wait for another.
 */
export function businessNumber(prefix: string, now: number, dated = true): string {
  const tail = Array.from(crypto.randomBytes(10), (b) => crockford[b % 32]).join('');
  return `${prefix}${dated ? compactDate(now) : ''}${tail}`;
}

export function identifierValue(resource: { identifier?: Identifier[] } | undefined, system: string): string | undefined {
  return resource?.identifier?.find((i) => i.system === system)?.value;
}

export function extension(resource: { extension?: Extension[] } | undefined, url: string): Extension | undefined {
  return resource?.extension?.find((e) => e.url === url);
}

/** The resource's extensions with those named replaced, or removed where the value is undefined. */
export function withExtensions(resource: { extension?: Extension[] }, changes: Record<string, Omit<Extension, 'url'> | undefined>): Extension[] {
  const kept = (resource.extension ?? []).filter((e) => !Object.hasOwn(changes, e.url));
  return [...kept, ...Object.entries(changes).flatMap(([url, value]) => (value === undefined ? [] : [{ url, ...value }]))];
}

/** A transaction entry that updates what was read, and fails (412) if someone else wrote it since. */
export function putEntry<T extends Resource>(resource: T): BundleEntry {
  return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}`, ifMatch: ifMatch(resource) } };
}

/** A transaction entry that creates a resource others in the bundle may reference by `fullUrl`. */
export function postEntry<T extends Resource>(resource: T, fullUrl = `urn:uuid:${crypto.randomUUID()}`): BundleEntry {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType } };
}

/** `Type/id` of what a transaction answer entry wrote, from its location. */
export function writtenRef(entry: BundleEntry | undefined): string | undefined {
  return /^(?:.*\/)?([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(entry?.response?.location ?? '')?.[1];
}

/** The logical id a transaction answer gives a created resource. */
export function createdId(entry: BundleEntry | undefined, type: string): string {
  const id = refId({ reference: writtenRef(entry) ?? '' }, type);
  if (!id) throw unreadable(`the transaction answer names no ${type} it created`);
  return id;
}

export function ref(resource: Resource & { id?: string }): Reference {
  return { reference: `${resource.resourceType}/${resource.id}` };
}

/** The logical id a reference names, when it names a resource of `type`. */
export function refId(reference: Reference | undefined, type: string): string | undefined {
  const m = /^(?:.*\/)?([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(reference?.reference ?? '');
  return m && m[1] === type ? m[2] : undefined;
}

/** `If-Match` for the version read, so a write based on a stale read fails instead of overwriting. */
export function ifMatch(resource: Resource): string {
  const version = resource.meta?.versionId;
  if (!version) throw unreadable(`${resource.resourceType}/${resource.id} carries no version to lock on`);
  return `W/"${version}"`;
}

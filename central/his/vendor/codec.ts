import { fenToYuan, isoToVendorTime, vendorTimeToIso, WireError, yuanToFen } from './wire.ts';

/**
 * A declarative map between a port object and its wire object, field by field, with the unit and
 * format conversions each field needs. The server and the adapter read the same maps, so a field
 * is named and converted once; docs/his-interface.md lists them, and a test holds the two together.
 */

export type Scalar =
  | 'text'
  | 'int'
  /** "1" / "0" */
  | 'flag'
  /** non-negative fen ↔ yuan string "12.30" */
  | 'fen'
  /** fen ↔ yuan string that may be negative, "-12.30" */
  | 'signedFen'
  /** ISO local time ↔ "yyyy-MM-dd HH:mm:ss" */
  | 'time'
  /** Buffer ↔ base64 string */
  | 'base64';

export type FieldType = Scalar | { enum: Record<string, string> } | { object: Field[] } | { list: Field[] | Scalar };

export interface Field {
  port: string;
  wire: string;
  type: FieldType;
  optional?: boolean;
}

export function field(port: string, wire: string, type: FieldType, optional = false): Field {
  return { port, wire, type, optional };
}

export function optional(port: string, wire: string, type: FieldType): Field {
  return field(port, wire, type, true);
}

function scalarToWire(type: Scalar, value: unknown, path: string): unknown {
  switch (type) {
    case 'text':
      if (typeof value !== 'string') throw new WireError(path, 'must be a string');
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new WireError(path, 'must be a whole number');
      return value;
    case 'flag':
      if (typeof value !== 'boolean') throw new WireError(path, 'must be true or false');
      return value ? '1' : '0';
    case 'fen':
      return fenToYuan(value, path);
    case 'signedFen':
      return fenToYuan(value, path, true);
    case 'time':
      return isoToVendorTime(value, path);
    case 'base64':
      if (!Buffer.isBuffer(value)) throw new WireError(path, 'must be bytes');
      return value.toString('base64');
  }
}

function scalarFromWire(type: Scalar, value: unknown, path: string): unknown {
  switch (type) {
    case 'text':
      if (typeof value !== 'string') throw new WireError(path, 'must be a string');
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new WireError(path, 'must be a whole number');
      return value;
    case 'flag':
      if (value !== '1' && value !== '0') throw new WireError(path, 'must be "1" or "0"');
      return value === '1';
    case 'fen':
      return yuanToFen(value, path);
    case 'signedFen':
      return yuanToFen(value, path, true);
    case 'time':
      return vendorTimeToIso(value, path);
    case 'base64':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new WireError(path, 'must be base64');
      return Buffer.from(value, 'base64');
  }
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function convert(type: FieldType, value: unknown, path: string, toWire: boolean): unknown {
  if (typeof type === 'string') return toWire ? scalarToWire(type, value, path) : scalarFromWire(type, value, path);
  if ('enum' in type) {
    const pairs = Object.entries(type.enum).map(([port, wire]) => (toWire ? [port, wire] : [wire, port]));
    const found = pairs.find(([from]) => from === value);
    if (!found) throw new WireError(path, `must be one of ${pairs.map(([from]) => JSON.stringify(from)).join(', ')}`);
    return found[1];
  }
  if ('object' in type) return toWire ? encode(type.object, value, path) : decode(type.object, value, path);
  if (!Array.isArray(value)) throw new WireError(path, 'must be a list');
  const item = type.list;
  return value.map((v, n) => convert(Array.isArray(item) ? { object: item } : item, v, `${path}[${n}]`, toWire));
}

/** A port object to its wire object. An absent field is left out: the other side names what it misses. */
export function encode(fields: Field[], value: unknown, path = ''): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new WireError(path || '(root)', 'must be an object');
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = source[f.port];
    if (v !== undefined) out[f.wire] = convert(f.type, v, join(path, f.wire), true);
  }
  return out;
}

/** A wire object to its port object, refusing what is missing or malformed; fields the map does not know are ignored. */
export function decode(fields: Field[], value: unknown, path = ''): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WireError(path || '(root)', 'must be an object');
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = source[f.wire];
    const at = join(path, f.wire);
    if (v === undefined || v === null) {
      if (!f.optional) throw new WireError(at, 'is required');
      continue;
    }
    out[f.port] = convert(f.type, v, at, false);
  }
  return out;
}

/** `payment.amountFen` to `pay_info.pay_amount` (or back): names a field at fault in the other side's terms. */
export function translatePath(fields: Field[], path: string, toWire: boolean): string {
  const [head, ...rest] = path.split('.');
  const f = fields.find((x) => (toWire ? x.port : x.wire) === head);
  if (!f) return path;
  const name = toWire ? f.wire : f.port;
  if (rest.length === 0) return name;
  const inner = typeof f.type === 'object' && 'object' in f.type ? f.type.object : undefined;
  return `${name}.${inner ? translatePath(inner, rest.join('.'), toWire) : rest.join('.')}`;
}

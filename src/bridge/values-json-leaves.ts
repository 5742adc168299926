/**
 * The leaves of JSON -> JavaValue: scalars by their declared kind, byte[] from base64,
 * dates from milliseconds or ISO 8601, and the error helpers that name the JSON path.
 */
import { MeshError } from '../core/errors.js';
import type { JavaType } from './java-types.js';
import type { ScalarKind } from './java-kinds.js';
import { DECIMAL_PATTERN, inIntRange, inLongRange, jv, type JavaValue } from './values.js';

const INTEGER_TEXT = /^[+-]?\d{1,400}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function bad(path: string, why: string): MeshError {
  return new MeshError('PMESH_BAD_REQUEST', `argument ${path}: ${why}`);
}

export function describe(json: unknown): string {
  if (json === null) return 'null';
  if (Array.isArray(json)) return 'an array';
  if (typeof json === 'string') return `string ${JSON.stringify(json.length > 40 ? `${json.slice(0, 40)}...` : json)}`;
  if (typeof json === 'object') return 'an object';
  return `${typeof json} ${String(json)}`;
}

export function hintString(json: Record<string, unknown>, key: string, path: string): string {
  const value = json[key];
  if (typeof value !== 'string') throw bad(path, `${key} must be a string`);
  return value;
}

export function enumValue(json: unknown, className: string, constants: ReadonlySet<string> | undefined, path: string): JavaValue {
  if (typeof json !== 'string') throw bad(path, `expected an enum constant of ${className}, got ${describe(json)}`);
  if (constants !== undefined && !constants.has(json)) throw bad(path, `${className} has no constant ${JSON.stringify(json)}`);
  return jv.enumOf(className, json);
}

/** What Java leaves in a field the caller did not send: zero for primitives, null otherwise. */
export function defaultOf(type: JavaType): JavaValue {
  if (type.sort !== 'primitive') return null;
  switch (type.name) {
    case 'boolean': return jv.boolean(false);
    case 'long': return jv.long(0n);
    case 'float': return jv.float(0);
    case 'double': return jv.double(0);
    case 'char': return jv.char('\u0000');
    case 'byte': case 'short': case 'int': return jv.int(0, type.name);
    default: return null;
  }
}

export function bytes(json: unknown, path: string): JavaValue {
  if (typeof json === 'string') {
    if (!BASE64.test(json)) throw bad(path, 'byte[] must be base64');
    return jv.bytes(Buffer.from(json, 'base64'));
  }
  if (Array.isArray(json) && json.every((b) => typeof b === 'number' && inIntRange('byte', b > 127 ? b - 256 : b) && b <= 255)) {
    return jv.bytes(Uint8Array.from(json as number[], (b) => b & 0xff));
  }
  throw bad(path, `expected base64 for byte[], got ${describe(json)}`);
}

function integer(json: unknown, path: string, kind: string): bigint {
  if (typeof json === 'bigint') return json;
  if (typeof json === 'number') {
    if (!Number.isInteger(json)) throw bad(path, `expected ${kind}, got ${describe(json)}`);
    if (!Number.isSafeInteger(json)) throw bad(path, `${kind} ${json} is beyond 2^53 and lost precision in JSON; send it as a string`);
    return BigInt(json);
  }
  if (typeof json === 'string' && INTEGER_TEXT.test(json)) return BigInt(json);
  throw bad(path, `expected ${kind}, got ${describe(json)}`);
}

const FLOAT_WORDS: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

export function scalar(json: unknown, kind: ScalarKind, path: string): JavaValue {
  switch (kind) {
    case 'boolean':
      if (typeof json !== 'boolean') throw bad(path, `expected boolean, got ${describe(json)}`);
      return jv.boolean(json);
    case 'byte': case 'short': case 'int': {
      const n = integer(json, path, kind);
      if (!inIntRange(kind, Number(n)) || n !== BigInt(Number(n))) throw bad(path, `${n} is out of range for ${kind}`);
      return jv.int(Number(n), kind);
    }
    case 'long': {
      const n = integer(json, path, kind);
      if (!inLongRange(n)) throw bad(path, `${n} is out of range for long`);
      return jv.long(n);
    }
    case 'biginteger': return jv.bigInteger(integer(json, path, 'BigInteger'));
    case 'float': case 'double': {
      const n = typeof json === 'number' ? json : typeof json === 'string' ? (FLOAT_WORDS[json] ?? (DECIMAL_PATTERN.test(json) ? Number(json) : undefined)) : undefined;
      if (n === undefined) throw bad(path, `expected ${kind}, got ${describe(json)}`);
      return kind === 'float' ? jv.float(n) : jv.double(n);
    }
    case 'char':
      if (typeof json !== 'string' || json.length !== 1) throw bad(path, `expected a one-character string for char, got ${describe(json)}`);
      return jv.char(json);
    case 'string':
      if (typeof json !== 'string') throw bad(path, `expected string, got ${describe(json)}`);
      return jv.string(json);
    case 'date': return date(json, path);
    case 'decimal': {
      const text = typeof json === 'number' && Number.isFinite(json) ? String(json) : json;
      if (typeof text !== 'string' || !DECIMAL_PATTERN.test(text)) throw bad(path, `expected a decimal string for BigDecimal, got ${describe(json)}`);
      return jv.decimal(text);
    }
  }
}

/** ISO 8601 as Date.toISOString writes it, including the extended years (+-YYYYYY) beyond 0000-9999. */
const ISO_DATE = /^([+-]\d{6}|\d{4})-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds (number or digit string) or an ISO 8601 instant, to the millisecond. */
function date(json: unknown, path: string): JavaValue {
  if (typeof json === 'number' || (typeof json === 'string' && INTEGER_TEXT.test(json))) {
    const ms = Number(json);
    if (!Number.isSafeInteger(ms)) throw bad(path, `bad date ${describe(json)}`);
    return jv.date(ms);
  }
  if (typeof json === 'string' && ISO_DATE.test(json)) {
    const ms = Date.parse(json);
    if (!Number.isNaN(ms)) return jv.date(ms);
  }
  throw bad(path, `expected milliseconds or an ISO 8601 date, got ${describe(json)}`);
}

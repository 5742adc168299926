/**
 * JavaValue -> JSON for the bridge's answers.
 *
 * 'plain' style is what an app expects: numbers, strings, arrays, objects; a long or
 * BigInteger beyond 2^53 becomes a typed wrapper (default), a string, or an exact JSON
 * number (`bigint` in the tree, written by stringifyJson); BigDecimal is its exact
 * decimal string; Date is ISO 8601 to the millisecond (or ms, consistently for the whole
 * answer); POJOs carry `$class`; enums their constant name; maps whose keys are not all
 * strings use `$entries`; nulls inside lists stay.
 * 'typed' style adds a hint wherever plain JSON would read back as another type, so
 * fromJson(toJson(v, {style: 'typed'}), undefined) rebuilds v exactly, without a schema.
 */
import type { JavaValue } from './values.js';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** The same tree for binary formats (MessagePack): byte[] stays bytes and a Date a Date. */
export type BinaryTreeValue = JsonValue | Uint8Array | Date | BinaryTreeValue[] | { [key: string]: BinaryTreeValue };

export interface ToJsonOptions {
  readonly style?: 'plain' | 'typed';
  /** Plain style: how a long or BigInteger outside +-(2^53-1) is written. */
  readonly bigLongs?: 'wrapper' | 'string' | 'number';
  readonly dates?: 'iso' | 'ms';
}

const MAX_ISO_MS = 8.64e15;

export function toJson(value: JavaValue, options: ToJsonOptions = {}): JsonValue {
  // Without `binary` the writer makes no bytes or Date leaves, so the tree is JSON.
  return new JsonWriter(options, false).value(value) as JsonValue;
}

/**
 * Plain style for a binary format: byte[] as bytes (MessagePack bin), Date as a Date (the
 * timestamp extension), longs beyond 2^53 as bigint (int64); the rest as toJson writes it.
 */
export function toBinaryTree(value: JavaValue): BinaryTreeValue {
  return new JsonWriter({ style: 'plain', bigLongs: 'number' }, true).value(value);
}

class JsonWriter {
  readonly #typed: boolean;
  readonly #bigLongs: 'wrapper' | 'string' | 'number';
  readonly #isoDates: boolean;
  readonly #binary: boolean;

  constructor(options: ToJsonOptions, binary: boolean) {
    this.#binary = binary;
    this.#typed = options.style === 'typed';
    this.#bigLongs = options.bigLongs ?? 'wrapper';
    this.#isoDates = options.dates !== 'ms';
  }

  value(value: JavaValue): BinaryTreeValue {
    if (value === null) return null;
    const typed = this.#typed;
    switch (value.kind) {
      case 'boolean':
      case 'string':
        return value.value;
      case 'int':
        return value.value;
      case 'byte':
      case 'short':
        return typed ? wrap(value.kind, value.value) : value.value;
      case 'char':
        return typed ? wrap('char', value.value) : value.value;
      case 'float':
      case 'double': {
        const n = value.value;
        if (!Number.isFinite(n)) return wrap(value.kind, String(n));
        if (typed && (value.kind === 'float' || Number.isInteger(n))) return wrap(value.kind, n);
        return n;
      }
      case 'long':
      case 'biginteger':
        return this.#big(value.kind === 'long' ? 'long' : 'java.math.BigInteger', value.value);
      case 'date': {
        if (this.#binary) return new Date(value.value);
        const iso = this.#isoDates && Math.abs(value.value) <= MAX_ISO_MS;
        const json = iso ? new Date(value.value).toISOString() : value.value;
        return typed ? wrap('java.util.Date', json) : json;
      }
      case 'decimal':
        return typed ? wrap('java.math.BigDecimal', value.value) : value.value;
      case 'bytes': {
        if (this.#binary) return value.value;
        const base64 = Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength).toString('base64');
        return typed ? wrap('byte[]', base64) : base64;
      }
      case 'list':
      case 'set': {
        const items = value.items.map((item) => this.value(item));
        return typed && (value.kind === 'set' || value.className !== 'java.util.ArrayList') ? wrap(value.className, items) : items;
      }
      case 'array': {
        const items = value.items.map((item) => this.value(item));
        return typed ? wrap(`${sourceName(value.component)}[]`, items) : items;
      }
      case 'map':
        return this.#map(value.className, value.entries);
      case 'enum':
        return typed ? { $enum: value.className, $value: value.name } : value.name;
      case 'object': {
        // fromEntries defines own properties, so a field named "__proto__" stays data, never a prototype.
        const fields: { [key: string]: BinaryTreeValue } = Object.fromEntries(value.fields.map(([name, field]) => [name, this.value(field)]));
        if (value.fields.some(([name]) => name.startsWith('$'))) return { $class: value.className, $fields: fields };
        return { $class: value.className, ...fields };
      }
    }
  }

  #big(type: string, n: bigint): BinaryTreeValue {
    const safe = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER);
    if (this.#typed) return wrap(type, n.toString());
    if (safe) return Number(n);
    if (this.#bigLongs === 'string') return n.toString();
    if (this.#bigLongs === 'number') return n;
    return wrap(type, n.toString());
  }

  #map(className: string, entries: readonly (readonly [JavaValue, JavaValue])[]): BinaryTreeValue {
    // Index-like keys ("1") would be reordered by a JS object, so typed style keeps them in $entries.
    const stringKeys = entries.every(
      ([key]) => key !== null && key.kind === 'string' && !key.value.startsWith('$') && !(this.#typed && /^\d+$/.test(key.value)),
    );
    const plainClass = className === 'java.util.HashMap' || !this.#typed;
    if (stringKeys && plainClass) {
      return Object.fromEntries(entries.map(([key, v]) => [(key as { value: string }).value, this.value(v)]));
    }
    return { $type: className, $entries: entries.map(([k, v]) => [this.value(k), this.value(v)]) };
  }
}

function wrap(type: string, value: BinaryTreeValue): BinaryTreeValue {
  return { $type: type, $value: value };
}

/** `int` -> `int`, `[I` -> `int[]`, `[Ljava.lang.String;` -> `java.lang.String[]`: a type parseJavaType reads back. */
function sourceName(component: string): string {
  if (!component.startsWith('[')) return component;
  const letters: Record<string, string> = { Z: 'boolean', B: 'byte', S: 'short', C: 'char', I: 'int', J: 'long', F: 'float', D: 'double' };
  const inner = component.slice(1);
  if (inner.startsWith('L') && inner.endsWith(';')) return `${inner.slice(1, -1)}[]`;
  return inner.length === 1 ? `${letters[inner] ?? inner}[]` : `${sourceName(inner)}[]`;
}

/** JSON.stringify that writes bigint as exact JSON numbers (Python's json and Go's json.Number read them exactly). */
export function stringifyJson(value: JsonValue): string {
  // Most trees hold no bigint (answers write big longs as wrappers): plain JSON.stringify,
  // with no replacer called per value and no pass over the text, which throws on a bigint.
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const marker = '\u0000pmesh-bigint:';
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v));
  return text.replace(/"\\u0000pmesh-bigint:(-?\d+)"/g, '$1');
}

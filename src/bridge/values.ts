/**
 * The neutral, Java-typed value model of the bridge path (docs/architecture.md).
 *
 * JSON has no long, BigDecimal, Date, class names or enums; Hessian has them all. A
 * JavaValue carries each value with its Java type so that nothing is guessed twice:
 * longs and BigIntegers are `bigint` (never a JS number, exact beyond 2^53), BigDecimal
 * keeps its decimal text (exact, any scale), POJOs keep their class name and field
 * order (Java's Hessian writes fields in the class-definition order, so byte-identical
 * output needs it). Codecs convert bytes <-> JavaValue; values-json.ts converts JSON.
 *
 * Boxed and primitive Java types share one kind (`int` is int and java.lang.Integer):
 * Hessian writes them identically and only the declared parameter type, carried in
 * the method signature, tells them apart.
 */

export type IntKind = 'byte' | 'short' | 'int';
export type FloatKind = 'float' | 'double';

export type JavaValue =
  | null
  | JavaBoolean
  | JavaInt
  | JavaLong
  | JavaFloat
  | JavaChar
  | JavaString
  | JavaDate
  | JavaDecimal
  | JavaBigInteger
  | JavaBytes
  | JavaCollection
  | JavaMapValue
  | JavaArray
  | JavaEnum
  | JavaPojo;

export interface JavaBoolean { readonly kind: 'boolean'; readonly value: boolean }
/** byte, short or int; `value` is an integer inside the kind's range. */
export interface JavaInt { readonly kind: IntKind; readonly value: number }
export interface JavaLong { readonly kind: 'long'; readonly value: bigint }
/** A float holds a float32-representable number (Math.fround). */
export interface JavaFloat { readonly kind: FloatKind; readonly value: number }
/** One UTF-16 code unit. */
export interface JavaChar { readonly kind: 'char'; readonly value: string }
export interface JavaString { readonly kind: 'string'; readonly value: string }
/** java.util.Date as milliseconds since the epoch (UTC); a safe integer. */
export interface JavaDate { readonly kind: 'date'; readonly value: number }
/** java.math.BigDecimal as its canonical decimal text (BigDecimal.toString of the value). */
export interface JavaDecimal { readonly kind: 'decimal'; readonly value: string }
export interface JavaBigInteger { readonly kind: 'biginteger'; readonly value: bigint }
export interface JavaBytes { readonly kind: 'bytes'; readonly value: Uint8Array }
/** A java.util.List or Set; `className` is the concrete class (java.util.ArrayList, java.util.HashSet...). */
export interface JavaCollection {
  readonly kind: 'list' | 'set';
  readonly className: string;
  readonly items: readonly JavaValue[];
}
/** A java.util.Map with keys of any type, in iteration order. */
export interface JavaMapValue {
  readonly kind: 'map';
  readonly className: string;
  readonly entries: readonly (readonly [JavaValue, JavaValue])[];
}
/** A Java array; `component` is the component type's Class.getName() (`int`, `java.lang.String`, `[I`). */
export interface JavaArray {
  readonly kind: 'array';
  readonly component: string;
  readonly items: readonly JavaValue[];
}
export interface JavaEnum { readonly kind: 'enum'; readonly className: string; readonly name: string }
/** A POJO: class name and fields in class-definition order. */
export interface JavaPojo {
  readonly kind: 'object';
  readonly className: string;
  readonly fields: readonly (readonly [string, JavaValue])[];
}

export type JavaKind = Exclude<JavaValue, null>['kind'];

const INT_RANGE: Readonly<Record<IntKind, readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
};

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** True when `value` fits the Java integer kind. */
export function inIntRange(kind: IntKind, value: number): boolean {
  const [min, max] = INT_RANGE[kind];
  return Number.isInteger(value) && value >= min && value <= max;
}

export function inLongRange(value: bigint): boolean {
  return value >= LONG_MIN && value <= LONG_MAX;
}

/** BigDecimal text as Java's BigDecimal(String) accepts it: optional sign, digits, optional fraction and exponent. */
export const DECIMAL_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Constructors. They check ranges so that a JavaValue is always writable as the Java
 * type it names; out-of-range input throws RangeError (callers turn it into MeshError).
 */
export const jv = {
  boolean: (value: boolean): JavaBoolean => ({ kind: 'boolean', value }),
  int: (value: number, kind: IntKind = 'int'): JavaInt => {
    if (!inIntRange(kind, value)) throw new RangeError(`${value} is not a Java ${kind}`);
    return { kind, value };
  },
  long: (value: bigint): JavaLong => {
    if (!inLongRange(value)) throw new RangeError(`${value} is not a Java long`);
    return { kind: 'long', value };
  },
  double: (value: number): JavaFloat => ({ kind: 'double', value }),
  float: (value: number): JavaFloat => ({ kind: 'float', value: Math.fround(value) }),
  char: (value: string): JavaChar => {
    if (value.length !== 1) throw new RangeError(`a Java char is one UTF-16 unit, got ${value.length}`);
    return { kind: 'char', value };
  },
  string: (value: string): JavaString => ({ kind: 'string', value }),
  date: (ms: number): JavaDate => {
    if (!Number.isSafeInteger(ms)) throw new RangeError(`${ms} is not a millisecond timestamp`);
    return { kind: 'date', value: ms };
  },
  decimal: (text: string): JavaDecimal => {
    if (!DECIMAL_PATTERN.test(text)) throw new RangeError(`${JSON.stringify(text)} is not a BigDecimal`);
    return { kind: 'decimal', value: text };
  },
  bigInteger: (value: bigint): JavaBigInteger => ({ kind: 'biginteger', value }),
  bytes: (value: Uint8Array): JavaBytes => ({ kind: 'bytes', value }),
  list: (items: readonly JavaValue[], className = 'java.util.ArrayList'): JavaCollection => ({ kind: 'list', className, items }),
  set: (items: readonly JavaValue[], className = 'java.util.HashSet'): JavaCollection => ({ kind: 'set', className, items }),
  map: (entries: readonly (readonly [JavaValue, JavaValue])[], className = 'java.util.HashMap'): JavaMapValue => ({
    kind: 'map',
    className,
    entries,
  }),
  array: (component: string, items: readonly JavaValue[]): JavaArray => ({ kind: 'array', component, items }),
  enumOf: (className: string, name: string): JavaEnum => ({ kind: 'enum', className, name }),
  object: (className: string, fields: readonly (readonly [string, JavaValue])[]): JavaPojo => ({ kind: 'object', className, fields }),
} as const;

/** Structural equality (bytes by content, maps and fields in order); what the tests compare. */
export function javaEquals(a: JavaValue, b: JavaValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'bytes': {
      const other = (b as JavaBytes).value;
      return a.value.length === other.length && a.value.every((byte, i) => byte === other[i]);
    }
    case 'float':
    case 'double':
      return Object.is(a.value, (b as JavaFloat).value) || a.value === (b as JavaFloat).value;
    case 'list':
    case 'set': {
      const o = b as JavaCollection;
      return a.className === o.className && listEquals(a.items, o.items);
    }
    case 'array': {
      const o = b as JavaArray;
      return a.component === o.component && listEquals(a.items, o.items);
    }
    case 'map': {
      const o = b as JavaMapValue;
      return (
        a.className === o.className &&
        a.entries.length === o.entries.length &&
        a.entries.every(([k, v], i) => javaEquals(k, (o.entries[i] as readonly [JavaValue, JavaValue])[0]) && javaEquals(v, (o.entries[i] as readonly [JavaValue, JavaValue])[1]))
      );
    }
    case 'enum':
      return a.className === (b as JavaEnum).className && a.name === (b as JavaEnum).name;
    case 'object': {
      const o = b as JavaPojo;
      return (
        a.className === o.className &&
        a.fields.length === o.fields.length &&
        a.fields.every(([name, v], i) => {
          const field = o.fields[i] as readonly [string, JavaValue];
          return name === field[0] && javaEquals(v, field[1]);
        })
      );
    }
    default:
      return a.value === (b as { value: unknown }).value;
  }
}

function listEquals(a: readonly JavaValue[], b: readonly JavaValue[]): boolean {
  return a.length === b.length && a.every((item, i) => javaEquals(item, b[i] as JavaValue));
}

export { ClassPolicy, DEFAULT_DENIED_PREFIXES, DEFAULT_ALLOWED_CLASSES, type ClassPolicyOptions } from './class-policy.js';
export {
  parseJavaType,
  javaTypeName,
  jvmDescriptor,
  type JavaType,
  type PrimitiveName,
} from './java-types.js';

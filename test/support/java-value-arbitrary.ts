/**
 * fast-check arbitraries of JavaValues for the value-model properties, and the
 * normalization that says what a value reads back as when no declared type is known
 * (Hessian writes short/byte as int, float as double, char as a string; an integral
 * double comes back as an int).
 */
import { fc } from '@fast-check/vitest';
import { jv, type JavaValue } from '../../src/bridge/values.js';
import { floatAsJavaWritesIt } from '../../src/codecs/hessian/java-writer.js';

const IDENT = fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,6}$/);
const CLASS = fc.constantFrom('com.example.A', 'com.example.B', 'com.example.deep.C$Inner');
const MAX_DATE = 8_640_000_000_000_000;

export interface ArbitraryOptions {
  /** Allow values whose kind Hessian cannot carry without a declared type (short, byte, float, char). */
  readonly allKinds: boolean;
}

const scalar = (options: ArbitraryOptions): fc.Arbitrary<JavaValue> => {
  const base: fc.Arbitrary<JavaValue>[] = [
    fc.constant(null),
    fc.boolean().map(jv.boolean),
    fc.integer().map((n) => jv.int(n)),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(jv.long),
    fc.double().map(jv.double),
    fc.string({ unit: 'binary', maxLength: 40 }).map(jv.string),
    fc.integer({ min: -MAX_DATE, max: MAX_DATE }).map(jv.date),
    fc.stringMatching(/^-?[1-9]\d{0,29}\.\d{1,10}$/).map(jv.decimal),
    fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).map(jv.bigInteger),
    fc.uint8Array({ maxLength: 40 }).map(jv.bytes),
    fc.tuple(CLASS, fc.constantFrom('RED', 'GREEN')).map(([c, n]) => jv.enumOf(`${c}Enum`, n)),
  ];
  if (options.allKinds) {
    base.push(
      fc.integer({ min: -32768, max: 32767 }).map((n) => jv.int(n, 'short')),
      fc.integer({ min: -128, max: 127 }).map((n) => jv.int(n, 'byte')),
      fc.float({ noDefaultInfinity: false }).map(jv.float),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((s) => s.length === 1).map(jv.char),
    );
  }
  return fc.oneof(...base);
};

export function javaValueArbitrary(options: ArbitraryOptions): fc.Arbitrary<JavaValue> {
  const { value } = fc.letrec<{ value: JavaValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar(options),
      fc.tuple(fc.array(tie('value'), { maxLength: 4 }), fc.constantFrom('java.util.ArrayList', 'java.util.LinkedList')).map(([items, c]) => jv.list(items, c)),
      fc.tuple(fc.array(tie('value'), { maxLength: 4 }), fc.constantFrom('java.util.HashSet', 'java.util.TreeSet')).map(([items, c]) => jv.set(items, c)),
      fc.tuple(
        fc.uniqueArray(fc.oneof(fc.string({ maxLength: 5 }).map((s) => `k${s}`), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), { maxLength: 4 }),
        fc.array(tie('value'), { minLength: 4, maxLength: 4 }),
        fc.constantFrom('java.util.HashMap', 'java.util.TreeMap', 'java.util.LinkedHashMap'),
      ).map(([keys, values, c]) => jv.map(keys.map((k, i) => [typeof k === 'string' ? jv.string(k) : jv.long(k), values[i] ?? null]), c)),
      fc.array(fc.integer(), { maxLength: 5 }).map((ns) => jv.array('int', ns.map((n) => jv.int(n)))),
      fc.array(fc.option(fc.string({ maxLength: 5 }), { nil: null }), { maxLength: 4 })
        .map((ss) => jv.array('java.lang.String', ss.map((s) => (s === null ? null : jv.string(s))))),
      fc.array(tie('value'), { maxLength: 3 }).map((items) => jv.array('java.lang.Object', items)),
      fc.tuple(CLASS, fc.uniqueArray(IDENT.filter((n) => n !== 'name'), { minLength: 1, maxLength: 4 }), fc.array(tie('value'), { minLength: 4, maxLength: 4 }))
        .map(([c, names, values]) => jv.object(c, names.map((n, i) => [n, values[i] ?? null]))),
    ),
  }));
  return value;
}

/**
 * What a value reads back as from Hessian with no declared type, in `dialect`; `field`:
 * it sits in a POJO field, where Java holds a float unboxed and writes it widened.
 */
export function untyped(value: JavaValue, dialect: 'final' | 'legacy', field = false): JavaValue {
  if (value === null) return null;
  switch (value.kind) {
    case 'short': case 'byte': return jv.int(value.value);
    case 'char': return jv.string(value.value);
    case 'float': return number(dialect === 'final' && !field ? floatAsJavaWritesIt(value.value) : value.value);
    case 'double': return number(value.value);
    case 'list': case 'set': return { ...value, items: value.items.map((i) => untyped(i, dialect)) };
    case 'array': return { ...value, items: value.items.map((i) => untyped(i, dialect)) };
    case 'map': return { ...value, entries: value.entries.map(([k, v]) => [untyped(k, dialect), untyped(v, dialect)] as const) };
    case 'object': return { ...value, fields: value.fields.map(([n, v]) => [n, untyped(v, dialect, true)] as const) };
    default: return value;
  }
}

function number(n: number): JavaValue {
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? jv.int(n === 0 ? 0 : n) : jv.double(n);
}

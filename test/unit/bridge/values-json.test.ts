/**
 * JSON <-> JavaValue: every type of the model round-trips (long 2^63-1, a 30-digit
 * BigDecimal, a Date to the millisecond, an enum, null inside a list, a map with
 * non-string keys...), plain JSON converts by the declared type, hints always work,
 * and bad input is refused with a MeshError naming the JSON path.
 */
import { describe, expect, it } from 'vitest';
import { ClassPolicy } from '../../../src/bridge/class-policy.js';
import { MeshError } from '../../../src/core/errors.js';
import { TypeCatalog } from '../../../src/bridge/schema.js';
import { argumentsFromJson, fromJson } from '../../../src/bridge/values-json.js';
import { stringifyJson, toJson } from '../../../src/bridge/values-to-json.js';
import { javaEquals, jv, type JavaValue } from '../../../src/bridge/values.js';
import { parseJavaType } from '../../../src/bridge/java-types.js';

const policy = new ClassPolicy({ allow: ['com.example.'] });
const catalog = new TypeCatalog(
  [
    { className: 'com.example.User', fields: [{ name: 'name', type: 'String' }, { name: 'id', type: 'long' }, { name: 'address', type: 'com.example.Address' }, { name: 'color', type: 'com.example.Color' }] },
    { className: 'com.example.Address', fields: [{ name: 'city', type: 'String' }, { name: 'zip', type: 'int' }, { name: 'geo', type: 'com.example.Geo' }] },
    { className: 'com.example.Geo', fields: [{ name: 'lat', type: 'double' }, { name: 'tags', type: 'java.util.Set<String>' }] },
  ],
  [{ className: 'com.example.Color', constants: ['RED', 'GREEN'] }],
);
const options = { policy, catalog };
const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

const nested = jv.object('com.example.User', [
  ['name', jv.string('Ada')], ['id', jv.long(9223372036854775807n)],
  ['address', jv.object('com.example.Address', [['city', jv.string('London')], ['zip', jv.int(12345)],
    ['geo', jv.object('com.example.Geo', [['lat', jv.double(51.5)], ['tags', jv.set([jv.string('uk')])]])]])],
  ['color', jv.enumOf('com.example.Color', 'RED')],
]);

const everyType: [string, JavaValue][] = [
  ['null', null],
  ['boolean', jv.boolean(true)],
  ['int', jv.int(-2147483648)],
  ['short', jv.int(-32768, 'short')],
  ['byte', jv.int(127, 'byte')],
  ['long 2^63-1', jv.long(9223372036854775807n)],
  ['long -2^63', jv.long(-9223372036854775808n)],
  ['long 2^53+1', jv.long(9007199254740993n)],
  ['small long', jv.long(5n)],
  ['float', jv.float(0.1)],
  ['double', jv.double(0.1)],
  ['integral double', jv.double(2)],
  ['NaN', jv.double(Number.NaN)],
  ['-Infinity', jv.double(Number.NEGATIVE_INFINITY)],
  ['char', jv.char('\u00e9')],
  ['string', jv.string('h\u00e9llo \ud83d\ude00')],
  ['string that looks like a number', jv.string('12')],
  ['Date to the ms', jv.date(1704067200123)],
  ['Date before 1970', jv.date(-1)],
  ['BigDecimal 30 digits', jv.decimal('123456789012345678901234.567890')],
  ['BigInteger', jv.bigInteger(-123456789012345678901234567890n)],
  ['byte[]', jv.bytes(Uint8Array.of(0, 1, 254, 255))],
  ['List with null', jv.list([jv.string('a'), null, jv.int(3)])],
  ['LinkedList', jv.list([jv.int(1)], 'java.util.LinkedList')],
  ['Set', jv.set([jv.string('x'), jv.string('y')])],
  ['TreeSet', jv.set([jv.string('x')], 'java.util.TreeSet')],
  ['Map with long keys', jv.map([[jv.long(1n), jv.string('one')], [jv.long(9007199254740993n), jv.string('big')]])],
  ['Map with enum keys', jv.map([[jv.enumOf('com.example.Color', 'RED'), jv.int(1)]], 'java.util.LinkedHashMap')],
  ['Map with string keys', jv.map([[jv.string('a'), jv.int(1)], [jv.string('b'), null]])],
  ['Map with index-like keys', jv.map([[jv.string('2'), jv.int(1)], [jv.string('1'), jv.int(2)]])],
  ['Map with $ keys', jv.map([[jv.string('$type'), jv.int(1)]])],
  ['TreeMap', jv.map([[jv.string('a'), jv.int(1)]], 'java.util.TreeMap')],
  ['int[]', jv.array('int', [jv.int(1), jv.int(2)])],
  ['String[] with null', jv.array('java.lang.String', [jv.string('a'), null])],
  ['long[][]', jv.array('[J', [jv.array('long', [jv.long(1n)])])],
  ['User[]', jv.array('com.example.User', [nested])],
  ['enum', jv.enumOf('com.example.Color', 'GREEN')],
  ['POJO three deep', nested],
  ['POJO with $ field', jv.object('com.example.Odd', [['$x', jv.int(1)]])],
];

describe('typed JSON round trip of every type (no schema needed to read it back)', () => {
  it.each(everyType)('%s', (_name, value) => {
    const json = toJson(value, { style: 'typed' });
    const text = stringifyJson(json);
    const back = fromJson(JSON.parse(text), undefined, { policy: new ClassPolicy({ allow: ['com.example.'] }) });
    expect(javaEquals(back, value), `${text} -> ${show(back)}`).toBe(true);
  });
});

describe('plain JSON answers', () => {
  const table: [string, JavaValue, unknown][] = [
    ['small long is a number', jv.long(42n), 42],
    ['long beyond 2^53 is a typed wrapper', jv.long(9223372036854775807n), { $type: 'long', $value: '9223372036854775807' }],
    ['BigDecimal is its exact text', jv.decimal('123456789012345678901234.567890'), '123456789012345678901234.567890'],
    ['Date is ISO to the ms', jv.date(1704067200123), '2024-01-01T00:00:00.123Z'],
    ['enum is its name', jv.enumOf('com.example.Color', 'RED'), 'RED'],
    ['null inside a list stays', jv.list([jv.string('a'), null]), ['a', null]],
    ['POJO carries $class', jv.object('com.example.Geo', [['lat', jv.double(1.5)], ['tags', jv.set([])]]), { $class: 'com.example.Geo', lat: 1.5, tags: [] }],
    ['map with long keys uses $entries', jv.map([[jv.long(1n), jv.string('one')]]), { $type: 'java.util.HashMap', $entries: [[1, 'one']] }],
    ['map with string keys is an object', jv.map([[jv.string('a'), jv.int(1)]], 'java.util.TreeMap'), { a: 1 }],
    ['byte[] is base64', jv.bytes(Uint8Array.of(1, 2, 3, 255)), 'AQID/w=='],
    ['char is a string', jv.char('x'), 'x'],
    ['NaN is a wrapper', jv.double(Number.NaN), { $type: 'double', $value: 'NaN' }],
  ];
  it.each(table)('%s', (_name, value, json) => {
    expect(toJson(value)).toEqual(json);
  });

  it('dates as ms and big longs as strings or exact numbers, consistently', () => {
    const value = jv.list([jv.date(1704067200123), jv.long(9223372036854775807n)]);
    expect(toJson(value, { dates: 'ms', bigLongs: 'string' })).toEqual([1704067200123, '9223372036854775807']);
    expect(stringifyJson(toJson(value, { bigLongs: 'number' }))).toBe('["2024-01-01T00:00:00.123Z",9223372036854775807]');
  });
});

describe('plain JSON in, by declared type', () => {
  const table: [string, unknown, string, JavaValue][] = [
    ['long from a string', '9223372036854775807', 'long', jv.long(9223372036854775807n)],
    ['long from a number', 12, 'java.lang.Long', jv.long(12n)],
    ['short', 7, 'short', jv.int(7, 'short')],
    ['float', 0.1, 'float', jv.float(0.1)],
    ['char', 'x', 'char', jv.char('x')],
    ['Date from ISO', '2024-01-01T00:00:00.123Z', 'java.util.Date', jv.date(1704067200123)],
    ['Date from ms', 1704067200123, 'java.util.Date', jv.date(1704067200123)],
    ['BigDecimal from a string', '0.000000000000000000000000000001', 'java.math.BigDecimal', jv.decimal('0.000000000000000000000000000001')],
    ['BigInteger', '-99999999999999999999', 'java.math.BigInteger', jv.bigInteger(-99999999999999999999n)],
    ['byte[] from base64', 'AQID/w==', 'byte[]', jv.bytes(Uint8Array.of(1, 2, 3, 255))],
    ['List<Long>', ['1', 2], 'java.util.List<Long>', jv.list([jv.long(1n), jv.long(2n)])],
    ['Set<Integer>', [1], 'java.util.Set<Integer>', jv.set([jv.int(1)])],
    ['Map<Long,String> from an object', { 1: 'a' }, 'java.util.Map<Long, String>', jv.map([[jv.long(1n), jv.string('a')]])],
    ['int[]', [1, 2], 'int[]', jv.array('int', [jv.int(1), jv.int(2)])],
    ['[I', [1], '[I', jv.array('int', [jv.int(1)])],
    ['enum', 'GREEN', 'com.example.Color', jv.enumOf('com.example.Color', 'GREEN')],
    ['POJO, missing primitive fields default', { city: 'London' }, 'com.example.Address',
      jv.object('com.example.Address', [['city', jv.string('London')], ['zip', jv.int(0)], ['geo', null]])],
    ['nested POJO three deep', { name: 'Ada', id: '9223372036854775807', address: { city: 'London', zip: 12345, geo: { lat: 51.5, tags: ['uk'] } }, color: 'RED' },
      'com.example.User', nested],
    ['unknown class: an untyped map Java fills field by field', { a: 1 }, 'com.example.Unknown', jv.map([[jv.string('a'), jv.int(1)]])],
    ['Object: int, long, double by size', [1, 2 ** 40, 1.5], 'java.lang.Object', jv.list([jv.int(1), jv.long(2n ** 40n), jv.double(1.5)])],
  ];
  it.each(table)('%s', (_name, json, type, expected) => {
    const value = fromJson(json, type, options);
    expect(javaEquals(value, expected), show(value)).toBe(true);
  });

  it('hints win over the declared type', () => {
    expect(fromJson({ $type: 'long', $value: '1' }, 'java.lang.Object', options)).toEqual(jv.long(1n));
    expect(fromJson({ $class: 'java.math.BigDecimal', $value: '1.50' }, undefined, options)).toEqual(jv.decimal('1.50'));
    expect(fromJson({ $enum: 'com.example.Color', $value: 'RED' }, undefined, options)).toEqual(jv.enumOf('com.example.Color', 'RED'));
  });
});

describe('refusals name the JSON path', () => {
  const table: [string, unknown, string, string][] = [
    ['long beyond 2^53 as a number', 9007199254740993, 'long', 'argument $: long 9007199254740992 is beyond 2^53 and lost precision in JSON; send it as a string'],
    ['long out of range', '9223372036854775808', 'long', 'argument $: 9223372036854775808 is out of range for long'],
    ['int out of range', 2147483648, 'int', 'argument $: 2147483648 is out of range for int'],
    ['null for a primitive', null, 'int', 'argument $: null for primitive int'],
    ['string for boolean', 'true', 'boolean', 'argument $: expected boolean, got string "true"'],
    ['bad BigDecimal', '1,5', 'java.math.BigDecimal', 'argument $: expected a decimal string for BigDecimal, got string "1,5"'],
    ['bad date', 'yesterday', 'java.util.Date', 'argument $: expected milliseconds or an ISO 8601 date, got string "yesterday"'],
    ['bad base64', 'a', 'byte[]', 'argument $: byte[] must be base64'],
    ['unknown enum constant', 'BLUE', 'com.example.Color', 'argument $: com.example.Color has no constant "BLUE"'],
    ['unknown POJO field', { city: 'x', zipp: 1 }, 'com.example.Address', 'argument $: com.example.Address has no field "zipp"'],
    ['nested path', { name: 'x', address: { zip: 'x' } }, 'com.example.User', 'argument $.address.zip: expected int, got string "x"'],
    ['list item path', [1, 'x'], 'java.util.List<Integer>', 'argument $[1]: expected int, got string "x"'],
    ['char too long', 'xy', 'char', 'argument $: expected a one-character string for char, got string "xy"'],
  ];
  it.each(table)('%s', (_name, json, type, message) => {
    let error: unknown;
    try {
      fromJson(json, type, options);
    } catch (e) {
      error = e;
    }
    expect(MeshError.is(error)).toBe(true);
    expect((error as MeshError).reason).toBe('PMESH_BAD_REQUEST');
    expect((error as MeshError).message).toBe(message);
  });

  it('depth is bounded (64) before any recursion trouble', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => fromJson(deep, undefined, options)).toThrow('nesting deeper than 64');
    let ok: unknown = 1;
    for (let i = 0; i < 60; i++) ok = [ok];
    expect(() => fromJson(ok, undefined, options)).not.toThrow();
  });

  it('the number of values is bounded', () => {
    expect(() => fromJson(new Array(200).fill(1), undefined, { ...options, maxNodes: 100 })).toThrow('argument $[99]: more than 100 values');
  });

  it('argument count must match the signature', () => {
    expect(() => argumentsFromJson([1], [parseJavaType('int'), parseJavaType('int')], options)).toThrow('expected 2 arguments, got 1');
  });

  it('a generic map key "class" passes the allow list', () => {
    expect(() => fromJson({ class: 'com.sun.rowset.JdbcRowSetImpl', dataSourceName: 'x' }, 'java.util.Map', options)).toThrow(
      'class not allowed: "com.sun.rowset.JdbcRowSetImpl" (deny list: com.sun.)',
    );
    expect(() => fromJson({ $type: 'java.util.Map', $entries: [['class', 'java.lang.Runtime']] }, undefined, options)).toThrow(/java\.lang\.runtime/);
  });
});

/**
 * The meaning of each case in test/golden/values (written by clients/java/values-golden):
 * the JavaValue Java held, the declared type that settles what Hessian cannot say, and
 * the POJO schemas of the generator's classes (declaration order, as sofa-hessian
 * writes them; hessian-lite writes them reversed, see DUBBO_ORDER).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TypeCatalog } from '../../src/bridge/schema.js';
import { jv, type JavaValue } from '../../src/bridge/values.js';

export const VALUES_DIR = resolve(import.meta.dirname, '../golden/values');
export const goldenValue = (name: string, peer: 'dubbo' | 'sofa'): Buffer => readFileSync(join(VALUES_DIR, `${name}.${peer}.bin`));

export const V = 'com.example.values.';
export const catalog = new TypeCatalog(
  [
    { className: `${V}Primitives`, fields: [
      { name: 'z', type: 'boolean' }, { name: 'b', type: 'byte' }, { name: 's', type: 'short' }, { name: 'c', type: 'char' },
      { name: 'i', type: 'int' }, { name: 'j', type: 'long' }, { name: 'f', type: 'float' }, { name: 'd', type: 'double' },
    ] },
    { className: `${V}Address`, fields: [{ name: 'city', type: 'String' }, { name: 'zip', type: 'int' }] },
    { className: `${V}Customer`, fields: [
      { name: 'name', type: 'String' }, { name: 'id', type: 'long' }, { name: 'address', type: `${V}Address` }, { name: 'color', type: `${V}Color` },
    ] },
    { className: `${V}Order`, fields: [
      { name: 'customer', type: `${V}Customer` }, { name: 'total', type: 'java.math.BigDecimal' },
      { name: 'created', type: 'java.util.Date' }, { name: 'notes', type: 'java.util.List<String>' },
    ] },
  ],
  [{ className: `${V}Color`, constants: ['RED', 'GREEN', 'BLUE'] }],
);

/** Reorders a POJO's fields to the order a golden's class definition lists them (Java's reflection order). */
export function ordered(value: JavaValue, order: Record<string, string[]>): JavaValue {
  if (value === null) return null;
  if (value.kind === 'object') {
    const names = order[value.className] ?? value.fields.map(([n]) => n);
    return jv.object(value.className, names.map((n) => [n, ordered(value.fields.find(([f]) => f === n)?.[1] ?? null, order)]));
  }
  if (value.kind === 'list' || value.kind === 'set') return { ...value, items: value.items.map((i) => ordered(i, order)) };
  if (value.kind === 'array') return { ...value, items: value.items.map((i) => ordered(i, order)) };
  return value;
}

const red = jv.enumOf(`${V}Color`, 'RED');
const address = jv.object(`${V}Address`, [['city', jv.string('London')], ['zip', jv.int(12345)]]);
const ada = jv.object(`${V}Customer`, [['name', jv.string('Ada')], ['id', jv.long(9007199254740993n)], ['address', address], ['color', jv.enumOf(`${V}Color`, 'BLUE')]]);
export const DUBBO_ORDER: Record<string, string[]> = {
  [`${V}Customer`]: ['color', 'address', 'id', 'name'],
  [`${V}Address`]: ['zip', 'city'],
  [`${V}Order`]: ['notes', 'created', 'total', 'customer'],
  [`${V}Primitives`]: ['d', 'f', 'j', 'i', 'c', 's', 'b', 'z'],
};

export interface Case {
  readonly name: string;
  readonly type?: string;
  readonly value: JavaValue;
  /** Byte-identical to Java's Dubbo output (false where Java's choice is not the value's to make). */
  readonly identical?: boolean;
}

export const cases: Case[] = [
  { name: 'null', value: null },
  { name: 'true', value: jv.boolean(true) },
  { name: 'false', value: jv.boolean(false) },
  ...[0, -16, 47, 48, -17, 2047, -2048, 2048, 262143, -262144, 262144, 2147483647, -2147483648].map((n) => ({ name: `int_${n}`, value: jv.int(n) })),
  ...['0', '-8', '15', '16', '2047', '-2048', '262143', '-262144', '262144', '2147483647', '-2147483648', '2147483648', '9007199254740993', '9223372036854775807', '-9223372036854775808']
    .map((n) => ({ name: `long_${n}`, value: jv.long(BigInt(n)) })),
  { name: 'short_12345', type: 'short', value: jv.int(12345, 'short') },
  { name: 'short_-32768', type: 'short', value: jv.int(-32768, 'short') },
  { name: 'byte_-7', type: 'byte', value: jv.int(-7, 'byte') },
  { name: 'byte_127', type: 'byte', value: jv.int(127, 'byte') },
  { name: 'float_1.5', type: 'float', value: jv.float(1.5) },
  { name: 'float_0.1', type: 'float', value: jv.float(0.1) },
  ...([['0.0', 0], ['1.0', 1], ['-128.0', -128], ['127.0', 127], ['32767.0', 32767], ['-32768.0', -32768], ['1.5', 1.5], ['0.001', 0.001],
    ['-2.25', -2.25], ['3.141592653589793', Math.PI], ['1.0E300', 1e300], ['65536.0', 65536], ['2147483.647', 2147483.647], ['-0.0', -0]] as const)
    .map(([text, n]) => ({ name: `double_${text}`, type: 'double', value: jv.double(n) })),
  { name: 'char_x', type: 'char', value: jv.char('x') },
  { name: 'char_e9', type: 'char', value: jv.char('\u00e9') },
  { name: 'string_empty', value: jv.string('') },
  { name: 'string_hello', value: jv.string('hello') },
  { name: 'string_unicode', value: jv.string('h\u00e9llo \u4e16\u754c \ud83d\ude00') },
  { name: 'string_1024', value: jv.string('a'.repeat(1024)) },
  { name: 'date_ms', value: jv.date(1704067200123) },
  { name: 'date_minute', value: jv.date(1704067200000) },
  { name: 'date_negative', value: jv.date(-1) },
  { name: 'bigdecimal_30', value: jv.decimal('123456789012345678901234.567890') },
  { name: 'bigdecimal_small', value: jv.decimal('-0.000001') },
  { name: 'biginteger', value: jv.bigInteger(123456789012345678901234567890n) },
  { name: 'bytes_empty', value: jv.bytes(new Uint8Array(0)) },
  { name: 'bytes_3', value: jv.bytes(Uint8Array.of(1, 2, 255)) },
  { name: 'bytes_1024', value: jv.bytes(Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff)) },
  { name: 'bytes_8190', value: jv.bytes(Uint8Array.from({ length: 8190 }, (_, i) => i & 0xff)) },
  { name: 'bytes_20000', value: jv.bytes(Uint8Array.from({ length: 20000 }, (_, i) => i & 0xff)) },
  { name: 'bytes_chunks_list', value: jv.list([jv.bytes(Uint8Array.from({ length: 20000 }, (_, i) => i & 0xff)), jv.string('x'),
    jv.bytes(Uint8Array.from({ length: 20000 }, (_, i) => i & 0xff))]) },
  { name: 'string_40000', value: jv.string(`${'a'.repeat(32767)}\ud83d\ude00${'b'.repeat(7231)}`) },
  { name: 'list_with_null', value: jv.list([jv.string('a'), null, jv.string('c')]) },
  { name: 'list_empty', value: jv.list([]) },
  { name: 'list_mixed', type: 'java.util.List', value: jv.list([jv.int(1), jv.long(2n), jv.double(2.5), jv.boolean(true), jv.string('s')]) },
  { name: 'set_linked', value: jv.set([jv.string('x'), jv.string('y')], 'java.util.LinkedHashSet') },
  { name: 'set_hash', value: jv.set([jv.int(1), jv.int(2), jv.int(3)], 'java.util.HashSet') },
  { name: 'set_tree', value: jv.set([jv.string('a'), jv.string('b')], 'java.util.TreeSet') },
  { name: 'map_long_keys', value: jv.map([[jv.long(1n), jv.string('one')], [jv.long(9007199254740993n), jv.string('big')]]) },
  { name: 'map_string', value: jv.map([[jv.string('a'), jv.int(1)]]) },
  { name: 'map_tree', value: jv.map([[jv.string('a'), jv.int(1)], [jv.string('b'), jv.int(2)]], 'java.util.TreeMap') },
  { name: 'map_linked_int_keys', value: jv.map([[jv.int(7), jv.list([jv.string('p'), null])]], 'java.util.LinkedHashMap') },
  { name: 'array_int', value: jv.array('int', [jv.int(1), jv.int(-1), jv.int(300)]) },
  { name: 'array_long', value: jv.array('long', [jv.long(1n), jv.long(9007199254740993n)]) },
  { name: 'array_string', value: jv.array('java.lang.String', [jv.string('a'), null]) },
  { name: 'array_object', value: jv.array('java.lang.Object', [jv.int(1), jv.string('two'), null]) },
  { name: 'array_double', value: jv.array('double', [jv.double(1.5), jv.double(0)]) },
  { name: 'array_boolean', value: jv.array('boolean', [jv.boolean(true), jv.boolean(false)]) },
  { name: 'array_short', value: jv.array('short', [jv.int(1, 'short'), jv.int(2, 'short')]) },
  { name: 'array_byte_boxed', value: jv.array('java.lang.Byte', [jv.int(1, 'byte'), jv.int(2, 'byte')]) },
  { name: 'array_float', value: jv.array('float', [jv.float(0.1), jv.float(1.5)]) },
  { name: 'array_float_boxed', value: jv.array('java.lang.Float', [jv.float(0.1), null]) },
  { name: 'pojo_float_field', value: jv.object(`${V}Primitives`, [['z', jv.boolean(false)], ['b', jv.int(0, 'byte')], ['s', jv.int(0, 'short')],
    ['c', jv.char('y')], ['i', jv.int(0)], ['j', jv.long(0n)], ['f', jv.float(0.1)], ['d', jv.double(0.1)]]) },
  { name: 'array_customer', value: jv.array(`${V}Customer`, [jv.object(`${V}Customer`, [['name', jv.string('a')], ['id', jv.long(1n)], ['address', null], ['color', red]])]) },
  { name: 'enum_red', value: red },
  { name: 'enum_list', type: `java.util.List<${V}Color>`, value: jv.list(['GREEN', 'BLUE', 'GREEN'].map((n) => jv.enumOf(`${V}Color`, n))) },
  { name: 'pojo_primitives', value: jv.object(`${V}Primitives`, [['z', jv.boolean(true)], ['b', jv.int(-7, 'byte')], ['s', jv.int(12345, 'short')],
    ['c', jv.char('x')], ['i', jv.int(42)], ['j', jv.long(9223372036854775807n)], ['f', jv.float(1.5)], ['d', jv.double(0.1)]]) },
  { name: 'pojo_nested', value: jv.object(`${V}Order`, [['customer', ada], ['total', jv.decimal('123456789012345678901234.567890')],
    ['created', jv.date(1704067200123)], ['notes', jv.list([jv.string('first'), null])]]) },
  { name: 'pojo_list_two', value: jv.list([ada, jv.object(`${V}Customer`, [['name', jv.string('Bob')], ['id', jv.long(2n)], ['address', null], ['color', null]])]) },
];


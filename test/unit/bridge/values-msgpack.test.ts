/**
 * MessagePack bodies on the bridge: what msgpackr (a MessagePack implementation we did not
 * write) packs reads into the same Java values as the JSON hints would give, and the
 * answers we pack read back in msgpackr as native MessagePack types.
 */
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { ClassPolicy } from '../../../src/bridge/class-policy.js';
import { MeshError } from '../../../src/core/errors.js';
import { argumentsFromJson, fromJson } from '../../../src/bridge/values-json.js';
import { msgpackToTree, namesMsgpack, packMsgpack } from '../../../src/bridge/values-msgpack.js';
import { toBinaryTree } from '../../../src/bridge/values-to-json.js';
import { jv } from '../../../src/bridge/values.js';
import { parseJavaType } from '../../../src/bridge/java-types.js';

const policy = new ClassPolicy({ allow: ['com.example.'] });
// What a MessagePack client sends: plain MessagePack, 64-bit ints for bigint.
const client = new Packr({ useRecords: false, moreTypes: false });
const reader = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' });
const read = (value: unknown, type?: string) => fromJson(msgpackToTree(client.pack(value), 64), type, { policy });

describe('MessagePack in: native types become the Java values JSON hints give', () => {
  it('long 2^63-1 as int64 is exact, declared or inferred', () => {
    expect(read(9223372036854775807n, 'long')).toEqual(jv.long(9223372036854775807n));
    expect(read(9223372036854775807n)).toEqual(jv.long(9223372036854775807n));
    expect(read(-9223372036854775808n, 'java.lang.Long')).toEqual(jv.long(-9223372036854775808n));
  });

  it('uint64 beyond a long is a BigInteger, and refused for a long with the reason', () => {
    expect(read(18446744073709551615n, 'java.math.BigInteger')).toEqual(jv.bigInteger(18446744073709551615n));
    expect(() => read(18446744073709551615n, 'long')).toThrow(/out of range for long/);
  });

  it('bin is byte[]', () => {
    expect(read(Buffer.from([0, 1, 0xff]), 'byte[]')).toEqual(jv.bytes(Buffer.from([0, 1, 0xff])));
    expect(read(Buffer.from([7]))).toEqual(jv.bytes(Buffer.from([7])));
  });

  it('the timestamp extension is a Date to the millisecond', () => {
    expect(read(new Date(1700000000123), 'java.util.Date')).toEqual(jv.date(1700000000123));
    expect(read(new Date(1700000000123))).toEqual(jv.date(1700000000123));
  });

  it('BigDecimal via a $type map', () => {
    expect(read({ $type: 'java.math.BigDecimal', $value: '12345678901234567890.1234567890' })).toEqual(jv.decimal('12345678901234567890.1234567890'));
  });

  it('a POJO via a $class map, its long field exact', () => {
    const user = read({ $class: 'com.example.User', name: 'Ada', id: 9223372036854775807n, photo: Buffer.from('hi') });
    expect(user).toEqual(jv.object('com.example.User', [['name', jv.string('Ada')], ['id', jv.long(9223372036854775807n)], ['photo', jv.bytes(Buffer.from('hi'))]]));
  });

  it('null inside a list stays', () => {
    expect(read(['a', null, 'b'], 'java.util.List<String>')).toEqual(jv.list([jv.string('a'), null, jv.string('b')]));
  });

  it('a map with int keys becomes a map with those keys', () => {
    const mapped = read(new Map<unknown, unknown>([[1, 'one'], [-7, 'minus seven']]), 'java.util.Map<Integer,String>');
    expect(mapped).toEqual(jv.map([[jv.int(1), jv.string('one')], [jv.int(-7), jv.string('minus seven')]], 'java.util.HashMap'));
  });

  it('the arguments of a call convert against the parameter types', () => {
    const args = msgpackToTree(client.pack([2, 9223372036854775807n]), 64) as unknown[];
    expect(argumentsFromJson(args, [parseJavaType('int'), parseJavaType('long')], { policy })).toEqual([jv.int(2), jv.long(9223372036854775807n)]);
  });

  it('a class the policy refuses is refused as in JSON', () => {
    expect(() => read({ $class: 'java.lang.ProcessBuilder', command: ['sh'] })).toThrow(MeshError);
  });

  it('bad bytes and unknown extensions are a clear PMESH_BAD_REQUEST, nesting is bounded', () => {
    expect(() => msgpackToTree(Buffer.from([0x92, 0x01]), 64)).toThrow(/not MessagePack/);
    expect(() => msgpackToTree(Buffer.from([0xd5, 0x10, 1, 2]), 64)).toThrow(/not MessagePack: Unknown extension type 16/);
    expect(() => msgpackToTree(Buffer.from([0xc1]), 64)).toThrow(/does not read/);
    let deep: unknown = 1;
    for (let i = 0; i < 80; i++) deep = [deep];
    expect(() => msgpackToTree(client.pack(deep), 64)).toThrow(/deeper than 64/);
  });

  it('values are counted on the bytes, before anything is built: a megabyte of empty maps is refused', () => {
    const count = 1_000_000;
    const body = Buffer.alloc(5 + count, 0x80); // array32 of one million fixmap(0)
    body[0] = 0xdd;
    body.writeUInt32BE(count, 1);
    expect(() => msgpackToTree(body, 64)).toThrow('the MessagePack body holds more than 100000 values');
    // Exactly at the limit is fine; a map's keys count as values.
    expect(msgpackToTree(client.pack(new Array(99_999).fill(0)), 64)).toHaveLength(99_999);
    expect(() => msgpackToTree(client.pack({ a: new Array(99_999).fill(0) }), 64)).toThrow(/more than 100000/);
  });

  it('an array header promising more than the body holds is the decoder\'s clear error', () => {
    expect(() => msgpackToTree(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), 64)).toThrow(/not MessagePack: Unexpected end/);
  });

  it('names MessagePack in Content-Type and Accept headers', () => {
    expect(namesMsgpack('application/msgpack')).toBe(true);
    expect(namesMsgpack('application/json, application/x-msgpack;q=0.9')).toBe(true);
    expect(namesMsgpack('application/json')).toBe(false);
    expect(namesMsgpack(undefined)).toBe(false);
  });
});

describe('MessagePack out: answers use native MessagePack types', () => {
  it('long 2^63-1 as int64, byte[] as bin, Date as a timestamp, BigDecimal as its digits, POJO with $class, null in a list', () => {
    const order = jv.object('com.example.Order', [
      ['id', jv.long(9223372036854775807n)], ['small', jv.long(42n)], ['photo', jv.bytes(Buffer.from([1, 2, 255]))],
      ['created', jv.date(1700000000123)], ['total', jv.decimal('12345678901234567890.1234567890')],
      ['phones', jv.list([jv.string('+44 1'), null])],
    ]);
    const back = reader.unpack(packMsgpack(toBinaryTree(order))) as Record<string, unknown>;
    expect(back.$class).toBe('com.example.Order');
    expect(back.id).toBe(9223372036854775807n);
    expect(back.small).toBe(42);
    expect(Buffer.from(back.photo as Uint8Array)).toEqual(Buffer.from([1, 2, 255]));
    expect((back.created as Date).getTime()).toBe(1700000000123);
    expect(back.total).toBe('12345678901234567890.1234567890');
    expect(back.phones).toEqual(['+44 1', null]);
  });
});

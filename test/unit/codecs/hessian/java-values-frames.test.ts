/**
 * The bridge's whole argument path against real Java frames: the arguments of Dubbo
 * 3.3.6 requests (test/golden/dubbo) and Java SOFARPC 5.13 requests (test/golden/bolt)
 * decode to what Java sent, and the same call written as JSON -> JavaValue -> Hessian
 * gives Java's argument bytes exactly (SOFARPC in the legacy dialect, continuing the
 * stream after the SofaRequest object).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltCodec } from '../../../../src/codecs/bolt/index.js';
import { frameContent, type BoltFrame } from '../../../../src/codecs/bolt/frame.js';
import { dubboCodec, readRequestHead } from '../../../../src/codecs/dubbo/index.js';
import { HessianReader } from '../../../../src/codecs/hessian/reader.js';
import { decodeJavaValues, encodeJavaValues, readJavaValues, type StreamState } from '../../../../src/codecs/hessian/java-values.js';
import { ClassPolicy } from '../../../../src/bridge/class-policy.js';
import { DEFAULT_LIMITS } from '../../../../src/core/limits.js';
import { parseJavaType } from '../../../../src/bridge/java-types.js';
import { TypeCatalog } from '../../../../src/bridge/schema.js';
import { argumentsFromJson } from '../../../../src/bridge/values-json.js';
import { javaEquals, jv, type JavaValue } from '../../../../src/bridge/values.js';

const GOLDEN = resolve(import.meta.dirname, '../../../golden');

function dubboArgs(name: string): { types: readonly string[]; bytes: Buffer } {
  const [frame] = dubboCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'dubbo', `${name}-request.bin`)));
  if (!frame) throw new Error('no frame');
  const head = readRequestHead(frame, 64);
  return { types: head.argTypes, bytes: frame.body.subarray(head.argsStart, head.argsEnd) };
}

/** The arguments after the SofaRequest object, and the stream tables the SofaRequest filled. */
function sofaArgs(name: string): { bytes: Buffer; state: StreamState; reader: HessianReader } {
  const [frame] = boltCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'bolt', `${name}-request.bin`)));
  const content = frameContent(frame as BoltFrame);
  const reader = new HessianReader(content, 'legacy');
  reader.read();
  // SofaRequest (ref 0), requestProps map (1), methodArgSigs `[string` list (2); one class, one type.
  const state: StreamState = {
    classes: [['com.alipay.sofa.rpc.core.request.SofaRequest', ['targetAppName', 'methodName', 'targetServiceUniqueName', 'requestProps', 'methodArgSigs']]],
    refCount: 3,
    types: ['[string'],
  };
  return { bytes: content.subarray(reader.position), state, reader };
}

const same = (a: readonly JavaValue[], b: readonly JavaValue[]): boolean => a.length === b.length && a.every((v, i) => javaEquals(v, b[i] as JavaValue));
const policy = new ClassPolicy({ allow: ['com.example.'] });

describe('Dubbo 3.3.6 request arguments', () => {
  const person = jv.object('com.example.Person', [
    ['tags', jv.list([jv.string('math'), jv.string('engines')])], ['id', jv.long(2n ** 40n)], ['age', jv.int(36)], ['name', jv.string('Ada')],
  ]);
  const table = [
    { name: 'addlong', values: [jv.long(9007199254740992n), jv.long(1n)], json: ['9007199254740992', 1] },
    { name: 'add', values: [jv.int(2), jv.int(40)], json: [2, 40] },
    { name: 'echo', values: [jv.string('hello')], json: ['hello'] },
    // hessian-lite lists Person's fields in reverse declaration order; the schema says so.
    { name: 'greet', values: [person], json: [{ name: 'Ada', age: 36, id: 2 ** 40, tags: ['math', 'engines'] }] },
    {
      name: 'mixed',
      values: [jv.boolean(true), jv.double(1.5), jv.bytes(Uint8Array.of(1, 2, 3, 255)), jv.date(1700000000000), jv.list([jv.string('x'), jv.string('y')]),
        jv.map([[jv.string('a'), jv.int(1)], [jv.string('b'), jv.int(70000)]], 'java.util.LinkedHashMap')],
      json: [true, 1.5, 'AQID/w==', '2023-11-14T22:13:20.000Z', ['x', 'y'], { $type: 'java.util.LinkedHashMap<String,Integer>', $entries: [['a', 1], ['b', 70000]] }],
    },
    {
      name: 'generic-greet',
      values: [jv.string('greet'), jv.array('java.lang.String', [jv.string('com.example.Person')]),
        jv.array('java.lang.Object', [jv.map([[jv.string('name'), jv.string('Grace')], [jv.string('age'), jv.int(45)]], 'java.util.LinkedHashMap')])],
      json: ['greet', ['com.example.Person'], [{ $type: 'java.util.LinkedHashMap', $entries: [['name', 'Grace'], ['age', 45]] }]],
    },
  ];
  const catalog = new TypeCatalog([{ className: 'com.example.Person', fields: [
    { name: 'tags', type: 'java.util.List<String>' }, { name: 'id', type: 'long' }, { name: 'age', type: 'int' }, { name: 'name', type: 'String' },
  ] }]);

  for (const { name, values, json } of table) {
    it(`${name}: decodes to what Java sent`, () => {
      const { types, bytes } = dubboArgs(name);
      expect(same(decodeJavaValues(bytes, 'final', types, { catalog }), values)).toBe(true);
    });
    it(`${name}: our bytes equal Java's`, () => {
      expect(encodeJavaValues(values).toString('hex')).toBe(dubboArgs(name).bytes.toString('hex'));
    });
    it(`${name}: JSON arguments give Java's bytes`, () => {
      const { types, bytes } = dubboArgs(name);
      const converted = argumentsFromJson(json, types.map((t) => parseJavaType(t)), { policy, catalog });
      expect(encodeJavaValues(converted).toString('hex')).toBe(bytes.toString('hex'));
    });
  }
});

describe('Java SOFARPC 5.13 request arguments (legacy dialect, after the SofaRequest)', () => {
  const catalog = new TypeCatalog([{ className: 'com.example.Person', fields: [
    { name: 'name', type: 'String' }, { name: 'age', type: 'int' }, { name: 'id', type: 'long' }, { name: 'tags', type: 'java.util.List<String>' },
  ] }]);
  const table = [
    { name: 'v1-addlong', types: ['long', 'long'], values: [jv.long(9007199254740993n), jv.long(1n)], json: ['9007199254740993', 1] },
    { name: 'v1-add', types: ['int', 'int'], values: [jv.int(2), jv.int(40)], json: [2, 40] },
    {
      name: 'v1-pojo',
      types: ['com.example.Person', 'int'],
      values: [jv.object('com.example.Person', [['name', jv.string('Ada')], ['age', jv.int(36)], ['id', jv.long(9007199254740993n)],
        ['tags', jv.list([jv.string('x'), jv.string('y')])]]), jv.int(1)],
      json: [{ name: 'Ada', age: 36, id: '9007199254740993', tags: ['x', 'y'] }, 1],
    },
  ];
  for (const { name, types, values, json } of table) {
    it(`${name}: decodes to what Java sent`, () => {
      const { reader } = sofaArgs(name);
      expect(same(readJavaValues(reader, types, { catalog }), values)).toBe(true);
      expect(reader.atEnd).toBe(true);
    });
    it(`${name}: JSON arguments give Java's bytes`, () => {
      const { bytes, state } = sofaArgs(name);
      const converted = argumentsFromJson(json, types.map((t) => parseJavaType(t)), { policy, catalog });
      expect(encodeJavaValues(converted, { dialect: 'legacy', continueFrom: state }).toString('hex')).toBe(bytes.toString('hex'));
    });
  }
});

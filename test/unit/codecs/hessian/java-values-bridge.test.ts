/**
 * The bridge's conversions end to end on real Java frames: a JSON call prepared with
 * (or without) signatures gives Dubbo's descriptor and Java's argument bytes, including
 * the generic `$invoke` form; Java answers (a POJO, a long beyond 2^53, a business
 * exception, from Dubbo and from SOFARPC) come back as the JSON an app gets.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltCodec } from '../../../../src/codecs/bolt/index.js';
import { dubboCodec, readRequestHead } from '../../../../src/codecs/dubbo/index.js';
import { decodeJavaValues, encodeJavaValues, toJavaValue } from '../../../../src/codecs/hessian/java-values.js';
import { exceptionOf, genericInvokeArguments, prepareCall, resultToJson, ungeneralize } from '../../../../src/bridge/bridge-call.js';
import { ClassPolicy } from '../../../../src/bridge/class-policy.js';
import { DEFAULT_LIMITS } from '../../../../src/core/limits.js';
import { TypeCatalog, type MethodSignature } from '../../../../src/bridge/schema.js';
import { stringifyJson } from '../../../../src/bridge/values-to-json.js';
import { jv, type JavaValue } from '../../../../src/bridge/values.js';

const GOLDEN = resolve(import.meta.dirname, '../../../golden');
const policy = new ClassPolicy({ allow: ['com.example.'] });

function dubbo(name: string): { body: Buffer; argsStart: number; argsEnd: number; descriptor: string } {
  const [frame] = dubboCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'dubbo', `${name}.bin`)));
  if (!frame) throw new Error('no frame');
  if (!name.endsWith('-request')) return { body: frame.body, argsStart: 0, argsEnd: 0, descriptor: '' };
  const head = readRequestHead(frame, 64);
  return { body: frame.body, argsStart: head.argsStart, argsEnd: head.argsEnd, descriptor: head.descriptor };
}

const ECHO_SERVICE: MethodSignature[] = [
  { name: 'echo', params: ['String'], returns: 'String' },
  { name: 'addLong', params: ['long', 'long'], returns: 'long' },
  { name: 'greet', params: ['com.example.Person'], returns: 'com.example.Person' },
  { name: 'mixed', params: ['boolean', 'double', 'byte[]', 'java.util.Date', 'java.util.List<String>', 'java.util.Map<String,Integer>'], returns: 'String' },
];
const catalog = new TypeCatalog([{ className: 'com.example.Person', fields: [
  { name: 'tags', type: 'java.util.List<String>' }, { name: 'id', type: 'long' }, { name: 'age', type: 'int' }, { name: 'name', type: 'String' },
] }]);

describe('JSON call -> Dubbo arguments', () => {
  it('mixed: descriptor and argument bytes equal the Java consumer\'s', () => {
    const call = prepareCall(ECHO_SERVICE, 'mixed', [true, 1.5, 'AQID/w==', 1700000000000, ['x', 'y'],
      { $type: 'java.util.LinkedHashMap<String,Integer>', $entries: [['a', 1], ['b', 70000]] }], { policy, catalog });
    const golden = dubbo('mixed-request');
    expect(call.generic).toBe(false);
    expect(call.descriptor).toBe(golden.descriptor);
    expect(encodeJavaValues(call.values)).toEqual(golden.body.subarray(golden.argsStart, golden.argsEnd));
  });

  it('greet with plain JSON and the schema', () => {
    const call = prepareCall(ECHO_SERVICE, 'greet', [{ name: 'Ada', age: 36, id: 2 ** 40, tags: ['math', 'engines'] }], { policy, catalog });
    const golden = dubbo('greet-request');
    expect(call.descriptor).toBe('Lcom/example/Person;');
    expect(call.typeNames).toEqual(['com.example.Person']);
    expect(encodeJavaValues(call.values)).toEqual(golden.body.subarray(golden.argsStart, golden.argsEnd));
  });

  it('no signature known: generic $invoke exactly as Java\'s GenericService wrote it', () => {
    const call = prepareCall([], 'echo', ['generic hi'], { policy });
    expect(call.generic).toBe(true);
    const golden = dubbo('generic-request');
    expect(encodeJavaValues(genericInvokeArguments(call))).toEqual(golden.body.subarray(golden.argsStart, golden.argsEnd));
  });

  it('no signature known: parameter types from hints or the JSON', () => {
    const call = prepareCall([], 'find', [{ $type: 'java.lang.Long', $value: '9223372036854775807' }, 1, 'x', { $class: 'com.example.Person', name: 'Ada' }, [1]], { policy });
    expect(call.typeNames).toEqual(['java.lang.Long', 'int', 'java.lang.String', 'com.example.Person', 'java.util.List']);
  });

  it('refusals name the argument', () => {
    expect(() => prepareCall([], 'find', [1, { $class: 'java.lang.Runtime' }], { policy })).toThrow('class not allowed: "java.lang.Runtime" (deny list: java.lang.runtime)');
    expect(() => prepareCall([], 'find', [1, { $type: 'long', $value: 'x' }], { policy })).toThrow('argument $[1]: expected long, got string "x"');
    expect(() => prepareCall(ECHO_SERVICE, 'addLong', [1, 'x'], { policy })).toThrow('no overload of addLong accepts these arguments (addLong(long, long))');
  });
});

describe('Java answers -> JSON', () => {
  it('Dubbo greet: the Person POJO', () => {
    const [flag, person] = decodeJavaValues(dubbo('greet-response').body, 'final', ['int', 'com.example.Person', 'java.util.Map'], { catalog });
    expect(flag).toEqual({ kind: 'int', value: 4 });
    expect(resultToJson(person ?? null)).toEqual({ $class: 'com.example.Person', tags: ['math', 'engines', 'greeted'], id: 2 ** 40, age: 37, name: 'Hello Ada' });
  });

  it('Dubbo addLong: 2^53+1 stays exact', () => {
    const [, sum] = decodeJavaValues(dubbo('addlong-response').body, 'final', ['int', 'long', 'java.util.Map']);
    expect(stringifyJson(resultToJson(sum ?? null, { bigLongs: 'number' }))).toBe('9007199254740993');
    expect(resultToJson(sum ?? null)).toEqual({ $type: 'long', $value: '9007199254740993' });
  });

  it('Dubbo generic answer: the generalized map becomes the POJO again', () => {
    const [, person] = decodeJavaValues(dubbo('generic-greet-response').body, 'final', ['int', undefined, 'java.util.Map']);
    expect(resultToJson(ungeneralize(person ?? null))).toEqual({ $class: 'com.example.Person', name: 'Hello Grace', id: 0, age: 46, tags: ['greeted'] });
  });

  it('Dubbo generic answer: generalized POJOs inside a map\'s values and a list inside them become POJOs too', () => {
    const generalized = (className: string, fields: [string, JavaValue][]): JavaValue =>
      jv.map([[jv.string('class'), jv.string(className)], ...fields.map(([name, value]): [JavaValue, JavaValue] => [jv.string(name), value])]);
    const answer = jv.map([
      [jv.string('ada'), generalized('org.acme.Account', [['owner', jv.string('Ada')], ['cards', jv.list([generalized('org.acme.Card', [['last4', jv.string('1234')]])])]])],
      [jv.string('note'), jv.string('not a POJO')],
    ]);
    expect(resultToJson(ungeneralize(answer))).toEqual({
      ada: { $class: 'org.acme.Account', owner: 'Ada', cards: [{ $class: 'org.acme.Card', last4: '1234' }] },
      note: 'not a POJO',
    });
  });

  it('Dubbo business exception', () => {
    const [, exception] = decodeJavaValues(dubbo('fail-response').body, 'final', ['int', undefined, 'java.util.Map']);
    expect(exceptionOf(exception ?? null)).toEqual({ exception: 'com.example.EchoException', message: 'fail: boom' });
  });

  it('SOFARPC (legacy dialect): the exception, the long and the POJO', () => {
    const response = (name: string): ReturnType<typeof boltCodec.decodeResponseBody> => {
      const [frame] = boltCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'bolt', `${name}.bin`)));
      return boltCodec.decodeResponseBody(frame as never);
    };
    expect(exceptionOf(toJavaValue(response('v1-exception-response').appResponse))).toEqual({ exception: 'com.example.EchoException', message: 'boom' });
    expect(resultToJson(toJavaValue(response('v1-addlong-response').appResponse, 'long'))).toEqual({ $type: 'long', $value: '9007199254740994' });
    expect(resultToJson(toJavaValue(response('v1-pojo-response').appResponse))).toMatchObject({ $class: 'com.example.Person', name: 'Ada' });
  });
});

/**
 * The bridge filter (src/proxy/bridge.ts) end to end on real Java frames: a JSON call
 * with (or without) signatures gives Dubbo's descriptor and Java's argument bytes,
 * including the generic `$invoke` form; Java answers (a POJO, a long beyond 2^53, a
 * business exception, from Dubbo and from SOFARPC) come back as the JSON an app gets.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltCodec, frameContent, type BoltFrame } from '../../../../src/codecs/bolt/index.js';
import { decodeSofaRequest } from '../../../../src/codecs/bolt/sofa-body.js';
import { dubboCodec, readRequestHead, type DubboFrame } from '../../../../src/codecs/dubbo/index.js';
import { decodeJavaValues } from '../../../../src/codecs/hessian/java-values.js';
import { parseRequestBody } from '../../../../src/codecs/dubbo/body.js';
import { ClassPolicy } from '../../../../src/bridge/class-policy.js';
import { DEFAULT_LIMITS } from '../../../../src/core/limits.js';
import { TypeCatalog, type MethodSignature } from '../../../../src/bridge/schema.js';
import { ungeneralize } from '../../../../src/bridge/ungeneralize.js';
import { toJson } from '../../../../src/bridge/values-to-json.js';
import { jv, type JavaValue } from '../../../../src/bridge/values.js';
import { throughBridgeFilter, type BridgeFilterCall } from '../../../support/bridge-filter.js';

const GOLDEN = resolve(import.meta.dirname, '../../../golden');
const policy = new ClassPolicy({ allow: ['com.example.'] });
const SERVICE = { interface: 'com.example.EchoService', version: '1.0.0' };

function dubboFrame(name: string): DubboFrame {
  const [frame] = dubboCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'dubbo', `${name}.bin`)));
  if (!frame) throw new Error('no frame');
  return frame;
}

function boltFrame(name: string): BoltFrame {
  const [frame] = boltCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'bolt', `${name}.bin`)));
  if (!frame) throw new Error('no frame');
  return frame;
}

/** A Dubbo request's method, descriptor and argument bytes. */
function dubboArgs(frame: DubboFrame): { method: string; descriptor: string; args: Buffer } {
  const head = readRequestHead(frame, 64);
  return { method: head.method, descriptor: head.descriptor, args: frame.body.subarray(head.argsStart, head.argsEnd) };
}

const ECHO_SERVICE: MethodSignature[] = [
  { name: 'echo', params: ['String'], returns: 'String' },
  { name: 'addLong', params: ['long', 'long'], returns: 'long' },
  { name: 'greet', params: ['com.example.Person'], returns: 'com.example.Person' },
  { name: 'mixed', params: ['boolean', 'double', 'byte[]', 'java.util.Date', 'java.util.List<String>', 'java.util.Map<String,Integer>'], returns: 'String' },
  { name: 'fail', params: ['String'], returns: 'String' },
];
const catalog = new TypeCatalog([{ className: 'com.example.Person', fields: [
  { name: 'tags', type: 'java.util.List<String>' }, { name: 'id', type: 'long' }, { name: 'age', type: 'int' }, { name: 'name', type: 'String' },
] }]);

/** One call through the filter to a Dubbo (or, with `protocol`, SOFARPC) cluster. */
function call(method: string, body: string, more: Partial<BridgeFilterCall> = {}): ReturnType<typeof throughBridgeFilter> {
  return throughBridgeFilter({ protocol: 'dubbo', service: SERVICE, method, body, signatures: ECHO_SERVICE, options: { policy, catalog }, ...more });
}

describe('JSON call -> Dubbo arguments', () => {
  it('mixed: descriptor and argument bytes equal the Java consumer\'s', async () => {
    const { request } = await call('mixed', '[true, 1.5, "AQID/w==", 1700000000000, ["x", "y"], {"$type": "java.util.LinkedHashMap<String,Integer>", "$entries": [["a", 1], ["b", 70000]]}]');
    const golden = dubboArgs(dubboFrame('mixed-request'));
    expect(dubboArgs(request as DubboFrame)).toEqual(golden);
  });

  it('greet with plain JSON and the schema', async () => {
    const { request } = await call('greet', `[{"name": "Ada", "age": 36, "id": ${2 ** 40}, "tags": ["math", "engines"]}]`);
    const ours = dubboArgs(request as DubboFrame);
    expect(ours.descriptor).toBe('Lcom/example/Person;');
    expect(ours).toEqual(dubboArgs(dubboFrame('greet-request')));
  });

  it('the caller\'s own $invoke (bridge.allowGenericInvoke): exactly as Java\'s GenericService wrote it', async () => {
    const { request } = await call('$invoke', '["echo", ["java.lang.String"], ["generic hi"]]', { signatures: undefined, options: { policy, catalog, allowGenericInvoke: true } });
    expect(dubboArgs(request as DubboFrame)).toEqual(dubboArgs(dubboFrame('generic-request')));
  });

  it('no type known: generic $invoke(method, null, args), the provider converts the arguments', async () => {
    const { request } = await call('greet', '[{"name": "Grace", "age": 45}]', { signatures: undefined });
    const ours = dubboArgs(request as DubboFrame);
    expect(ours.method).toBe('$invoke');
    expect(ours.descriptor).toBe('Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;');
    const [method, types, args] = decodeJavaValues(ours.args, 'final', ['java.lang.String', 'java.lang.String[]', 'java.lang.Object[]']);
    expect([method, types]).toEqual([jv.string('greet'), null]);
    expect(args).toMatchObject({ kind: 'array', items: [{ kind: 'map' }] });
  });

  it('no signature known (SOFARPC, no generic call): parameter types from hints or the JSON', async () => {
    const { request } = await call('find', '[{"$type": "long", "$value": "9223372036854775807"}, "x", {"$class": "com.example.Person", "name": "Ada"}, {"$type": "java.util.List", "$value": [1]}]', {
      protocol: 'bolt', signatures: undefined,
    });
    expect(decodeSofaRequest(frameContent(request as BoltFrame)).methodArgSigs).toEqual(['long', 'java.lang.String', 'com.example.Person', 'java.util.List']);
  });

  it('the head kept on the built frame is what a reader parses from its bytes', async () => {
    const calls: Array<[string, string, Partial<BridgeFilterCall>]> = [
      ['mixed', '[true, 1.5, "AQID/w==", 1700000000000, ["x", "y"], {"a": 1}]', {}],
      ['greet', '[{"name": "Ada", "age": 36}]', { headers: { 'x-pmesh-attachment-tenant': 'blue' } }],
      ['echo', `["${'\u00e9x'.repeat(600)}"]`, { service: { ...SERVICE, group: 'g1' } }],
      ['greet', '[{"name": "Grace"}]', { signatures: undefined }],
    ];
    for (const [method, body, more] of calls) {
      const frame = (await call(method, body, more)).request as DubboFrame;
      expect(readRequestHead(frame, 64)).toEqual(parseRequestBody(frame.body, 64));
    }
  });

  it('refusals name the argument', async () => {
    const bolt = { protocol: 'bolt', signatures: undefined };
    await expect(call('find', '[1, {"$class": "java.lang.Runtime"}]', { ...bolt, headers: { 'x-pmesh-param-types': '["int", "java.lang.Object"]' } }))
      .rejects.toThrow('class not allowed: "java.lang.Runtime" (deny list: java.lang.runtime)');
    await expect(call('find', '[{"$type": "long", "$value": "x"}]', bolt)).rejects.toThrow('expected long, got string "x"');
    await expect(call('find', '["a", 1]', bolt)).rejects.toThrow('argument 1 of find is a plain number: declare the parameter types');
    await expect(call('addLong', '[1, "x"]')).rejects.toThrow('no overload of addLong accepts these arguments (addLong(long, long))');
  });
});

describe('Java answers -> JSON', () => {
  /** The JSON the app gets for a golden reply to a call of `method`. */
  async function answer(method: string, reply: unknown, more: Partial<BridgeFilterCall> = {}): Promise<{ status?: number; json?: unknown }> {
    const args = method === 'addLong' ? '[1, 2]' : method === 'greet' ? '[{"name": "Ada"}]' : '["x"]';
    const { status, json } = await call(method, args, { reply: () => reply, ...more });
    return { status, json };
  }

  it('Dubbo greet: the Person POJO', async () => {
    expect(await answer('greet', dubboFrame('greet-response'))).toEqual({
      status: 200, json: { $class: 'com.example.Person', tags: ['math', 'engines', 'greeted'], id: 2 ** 40, age: 37, name: 'Hello Ada' },
    });
  });

  it('Dubbo addLong: 2^53+1 stays exact', async () => {
    expect(await answer('addLong', dubboFrame('addlong-response'))).toEqual({ status: 200, json: { $type: 'long', $value: '9007199254740993' } });
  });

  it('Dubbo generic answer: the generalized map becomes the POJO again', async () => {
    expect(await answer('greet', dubboFrame('generic-greet-response'), { signatures: undefined })).toEqual({
      status: 200, json: { $class: 'com.example.Person', name: 'Hello Grace', id: 0, age: 46, tags: ['greeted'] },
    });
  });

  it('Dubbo generic answer: generalized POJOs inside a map\'s values and a list inside them become POJOs too', () => {
    const generalized = (className: string, fields: [string, JavaValue][]): JavaValue =>
      jv.map([[jv.string('class'), jv.string(className)], ...fields.map(([name, value]): [JavaValue, JavaValue] => [jv.string(name), value])]);
    const answer = jv.map([
      [jv.string('ada'), generalized('org.acme.Account', [['owner', jv.string('Ada')], ['cards', jv.list([generalized('org.acme.Card', [['last4', jv.string('1234')]])])]])],
      [jv.string('note'), jv.string('not a POJO')],
    ]);
    expect(toJson(ungeneralize(answer))).toEqual({
      ada: { $class: 'org.acme.Account', owner: 'Ada', cards: [{ $class: 'org.acme.Card', last4: '1234' }] },
      note: 'not a POJO',
    });
  });

  it('Dubbo business exception', async () => {
    expect(await answer('fail', dubboFrame('fail-response'))).toEqual({ status: 500, json: { exception: 'com.example.EchoException', message: 'fail: boom' } });
  });

  it('SOFARPC (legacy dialect): the exception, the long and the POJO', async () => {
    const bolt = { protocol: 'bolt' };
    expect(await answer('fail', boltFrame('v1-exception-response'), bolt)).toEqual({ status: 500, json: { exception: 'com.example.EchoException', message: 'boom' } });
    expect(await answer('addLong', boltFrame('v1-addlong-response'), bolt)).toEqual({ status: 200, json: { $type: 'long', $value: '9007199254740994' } });
    expect((await answer('greet', boltFrame('v1-pojo-response'), bolt)).json).toMatchObject({ name: 'Ada' });
  });
});

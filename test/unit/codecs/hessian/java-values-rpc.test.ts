/**
 * Whole RPC bodies from JSON converted as the bridge filter converts it (typed-call.ts): the frame builders (Dubbo buildRequest /
 * buildResponse, SOFARPC encodeSofaRequest / encodeSofaResponse) filled with arguments
 * and values written by our Hessian writer, continuing each body's stream
 * (bolt/sofa-streams.ts, dubbo/body-streams.ts), equal the frames real Java peers sent, byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltCodec, frameContent } from '../../../../src/codecs/bolt/index.js';
import { buildRequest, buildResponse, type DubboFrame } from '../../../../src/codecs/dubbo/index.js';
import { parseRequestBody } from '../../../../src/codecs/dubbo/body.js';
import type { HessianValue } from '../../../../src/codecs/hessian/index.js';
import { decodeSofaRequestHead, decodeSofaResponse } from '../../../../src/codecs/bolt/sofa-body.js';
import { encodeSofaRequest, encodeSofaResponse, type PropValue } from '../../../../src/codecs/bolt/sofa-body-out.js';
import { encodeJavaValues, toJavaValue } from '../../../../src/codecs/hessian/java-values.js';
import { SOFA_RESPONSE_STATE, sofaArgumentsState } from '../../../../src/codecs/bolt/sofa-streams.js';
import { DUBBO_RESULT_STATE, dubboArgumentsState } from '../../../../src/codecs/dubbo/body-streams.js';
import { typedCall } from '../../../support/typed-call.js';
import { ClassPolicy } from '../../../../src/bridge/class-policy.js';
import { DEFAULT_LIMITS } from '../../../../src/core/limits.js';
import { TypeCatalog, type MethodSignature } from '../../../../src/bridge/schema.js';
import { decodeOne, golden as dubboGolden } from '../dubbo/helpers.js';

const BOLT = resolve(import.meta.dirname, '../../../golden/bolt');
const policy = new ClassPolicy({ allow: ['com.example.'] });

function props(value: Map<HessianValue, HessianValue>): Array<[string, PropValue]> {
  return [...value].map(([k, v]) => [String(k), v instanceof Map ? props(v) : String(v)]);
}

function boltContent(name: string): Buffer {
  const [frame] = boltCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(BOLT, `${name}.bin`)));
  return frameContent(frame!);
}

describe('SOFARPC: JSON call -> the SofaRequest Java SOFARPC 5.13 wrote', () => {
  const methods: MethodSignature[] = [
    { name: 'older', params: ['com.example.Person', 'int'], returns: 'com.example.Person' },
    { name: 'addLong', params: ['long', 'long'], returns: 'long' },
    { name: 'echo', params: ['String'], returns: 'String' },
  ];
  // sofa-hessian lists fields in declaration order.
  const catalog = new TypeCatalog([{ className: 'com.example.Person', fields: [
    { name: 'name', type: 'String' }, { name: 'age', type: 'int' }, { name: 'id', type: 'long' }, { name: 'tags', type: 'java.util.List<String>' },
  ] }]);
  const table: [string, string, unknown[]][] = [
    ['v1-pojo-request', 'older', [{ name: 'Ada', age: 36, id: '9007199254740993', tags: ['x', 'y'] }, 1]],
    ['v1-addlong-request', 'addLong', ['9007199254740993', 1]],
    ['v1-echo-request', 'echo', ['hi']],
  ];
  it.each(table)('%s', (name, method, json) => {
    const content = boltContent(name);
    const head = decodeSofaRequestHead(content);
    const call = typedCall(methods, method, json, { policy, catalog });
    expect(call.typeNames).toEqual(head.methodArgSigs);
    const requestProps = head.requestProps === null ? null : props(head.requestProps);
    const body = encodeSofaRequest({
      targetAppName: head.targetAppName,
      methodName: method,
      targetServiceUniqueName: head.targetServiceUniqueName,
      requestProps,
      methodArgSigs: call.typeNames,
      args: encodeJavaValues(call.values, { dialect: 'legacy', continueFrom: sofaArgumentsState(requestProps) }),
    });
    expect(body.toString('hex')).toBe(content.toString('hex'));
  });

  it.each(['v1-pojo-response', 'v1-addlong-response', 'v1-echo-response'])('%s: a Java value rewritten as the SofaResponse Java wrote', (name) => {
    const content = boltContent(name);
    const response = decodeSofaResponse(content);
    const value = toJavaValue(response.appResponse, undefined, catalog);
    const props2 = response.responseProps === null ? null : props(response.responseProps);
    const body = encodeSofaResponse(encodeJavaValues([value], { dialect: 'legacy', continueFrom: SOFA_RESPONSE_STATE }), props2);
    expect(body.toString('hex')).toBe(content.toString('hex'));
  });
});

describe('Dubbo: JSON call -> the request Java Dubbo 3.3.6 wrote', () => {
  const bytesOf = (frame: DubboFrame): Buffer => Buffer.concat([frame.header, frame.body]);
  const methods: MethodSignature[] = [
    { name: 'mixed', params: ['boolean', 'double', 'byte[]', 'java.util.Date', 'java.util.List<String>', 'java.util.Map<String,Integer>'], returns: 'String' },
    { name: 'greet', params: ['com.example.Person'], returns: 'com.example.Person' },
  ];
  const catalog = new TypeCatalog([{ className: 'com.example.Person', fields: [
    { name: 'tags', type: 'java.util.List<String>' }, { name: 'id', type: 'long' }, { name: 'age', type: 'int' }, { name: 'name', type: 'String' },
  ] }]);
  const table: [string, string, unknown[]][] = [
    ['mixed', 'mixed', [true, 1.5, 'AQID/w==', '2023-11-14T22:13:20Z', ['x', 'y'], { $type: 'java.util.LinkedHashMap<String,Integer>', $entries: [['a', 1], ['b', 70000]] }]],
    ['greet', 'greet', [{ name: 'Ada', age: 36, id: 2 ** 40, tags: ['math', 'engines'] }]],
  ];
  it.each(table)('%s', (name, method, json) => {
    const original = decodeOne(dubboGolden(`${name}-request`));
    const head = parseRequestBody(original.body, 64);
    const call = typedCall(methods, method, json, { policy, catalog });
    const state = dubboArgumentsState(head.path, head.version, method, call.descriptor);
    const attachments: [string, string][] = [...head.attachments];
    const frame = buildRequest({
      id: original.header.readBigInt64BE(4),
      path: head.path,
      version: head.version,
      method,
      descriptor: call.descriptor,
      args: encodeJavaValues(call.values, { continueFrom: state }),
      attachments,
    });
    expect(bytesOf(frame).toString('hex')).toBe(dubboGolden(`${name}-request`).toString('hex'));
  });

  it('greet response: the Person written back as the provider wrote it', () => {
    const original = decodeOne(dubboGolden('greet-response'));
    const person = toJavaValue(
      { $class: 'com.example.Person', $: Object.assign(Object.create(null) as Record<string, HessianValue>, {
        tags: ['math', 'engines', 'greeted'], id: 2n ** 40n, age: 37, name: 'Hello Ada' }) },
      'com.example.Person', catalog);
    const frame = buildResponse(original.header.readBigInt64BE(4), { kind: 'value', value: encodeJavaValues([person], { continueFrom: DUBBO_RESULT_STATE }) }, [['dubbo', '2.0.2']]);
    expect(bytesOf(frame).toString('hex')).toBe(dubboGolden('greet-response').toString('hex'));
  });
});

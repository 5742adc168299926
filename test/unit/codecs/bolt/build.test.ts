/**
 * The bridge's Bolt frame builders against whole frames captured from Java SOFARPC
 * 5.13.2: each golden is taken apart (service, method, signatures, argument bytes,
 * headers, props) and rebuilt; the bytes must be the captured ones.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltCodec, buildRequest, buildResponse, frameContent, type BoltFrame } from '../../../../src/codecs/bolt/index.js';
import type { HessianValue } from '../../../../src/codecs/hessian/index.js';
import { decodeSofaRequestHead } from '../../../../src/codecs/bolt/sofa-body.js';
import { encodeSofaRequest, type PropValue } from '../../../../src/codecs/bolt/sofa-body-out.js';
import { DEFAULT_LIMITS } from '../../../../src/core/index.js';

const GOLDEN = join(import.meta.dirname, '../../../golden/bolt');
const read = (name: string): Buffer => readFileSync(join(GOLDEN, `${name}.bin`));
const decode = (bytes: Buffer): BoltFrame => boltCodec.newDecoder(DEFAULT_LIMITS).push(bytes)[0]!;
const encode = (frame: BoltFrame): Buffer => Buffer.concat(boltCodec.encode(frame));

function props(value: Map<HessianValue, HessianValue>): Array<[string, PropValue]> {
  return [...value].map(([k, v]) => [String(k), v instanceof Map ? props(v) : String(v)]);
}

describe('buildRequest rebuilds Java requests byte for byte', () => {
  it.each(['v1-echo-request', 'v1-add-request', 'v1-addlong-request', 'v1-pojo-request', 'v1-exception-request'])('%s', (name) => {
    const original = decode(read(name));
    const content = frameContent(original);
    const head = decodeSofaRequestHead(content);
    const requestProps = head.requestProps === null ? [] : props(head.requestProps);
    const prefix = encodeSofaRequest({ ...head, requestProps, args: Buffer.alloc(0) });
    const rebuilt = buildRequest({
      requestId: original.requestId,
      service: head.targetServiceUniqueName,
      method: head.methodName,
      argSigs: head.methodArgSigs,
      args: content.subarray(prefix.length),
      timeoutMs: original.timeout,
      targetAppName: head.targetAppName,
      headers: [...original.headers],
      requestProps,
    });
    expect(encode(rebuilt).toString('hex')).toBe(read(name).toString('hex'));
  });

  it('by default writes the headers a Java SOFARPC server routes on', () => {
    const frame = decode(encode(buildRequest({ requestId: 9, service: 'com.example.EchoService:1.0', method: 'echo', argSigs: ['java.lang.String'], args: Buffer.from([0x02, 0x68, 0x69]), timeoutMs: 3000 })));
    const invocation = boltCodec.toInvocation(frame);
    expect(invocation).toMatchObject({ service: { interface: 'com.example.EchoService', version: '1.0' }, method: 'echo', oneway: false });
    expect(frame.timeout).toBe(3000);
  });
});

describe('buildResponse rebuilds Java responses byte for byte', () => {
  it.each([
    ['v1-echo-response', 'value'],
    ['v1-addlong-response', 'value'],
    ['v1-pojo-response', 'value'],
    ['v1-exception-response', 'exception'],
  ] as const)('%s', (name, kind) => {
    const original = decode(read(name));
    const content = frameContent(original);
    // isError (F) and errorMsg (N) follow the definition; then the value; then responseProps:
    // N, or for an exception M{sofa_head_response_error: "true"}z.
    const valueStart = content.indexOf(Buffer.of(0x6f, 0x90, 0x46, 0x4e)) + 4;
    expect(valueStart).toBeGreaterThan(3);
    const propsLength = kind === 'exception' ? 1 + 25 + 5 + 1 : 1;
    const value = content.subarray(valueStart, content.length - propsLength);
    const rebuilt = buildResponse(original.requestId, kind === 'value' ? { kind, value } : { kind, exception: value });
    expect(encode(rebuilt).toString('hex')).toBe(read(name).toString('hex'));
  });
});

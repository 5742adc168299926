/**
 * The reverse bridge at the codec level (Java caller -> an app speaking JSON): a
 * request captured from a real Java client is read as typed values, and the reply the
 * sidecar writes for the same value must be the bytes the real Java server wrote.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltCodec, type BoltFrame } from '../../../src/codecs/bolt/index.js';
import { dubboCodec, type DubboFrame } from '../../../src/codecs/dubbo/index.js';
import { DEFAULT_LIMITS } from '../../../src/core/index.js';
import { EMPTY_CATALOG, jv, type JavaValue } from '../../../src/bridge/index.js';

const GOLDEN = join(import.meta.dirname, '../../golden');
const dubbo = (name: string): DubboFrame => dubboCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'dubbo', `${name}.bin`)))[0]!;
const bolt = (name: string): BoltFrame => boltCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, 'bolt', `${name}.bin`)))[0]!;
const hex = (buffers: Buffer[]): string => Buffer.concat(buffers).toString('hex');

describe('Dubbo (Java 3.3.6 consumer and provider)', () => {
  const bridge = dubboCodec.bridge!;

  it('reads a request as typed values', () => {
    const call = bridge.readRequest(dubbo('echo-request'), EMPTY_CATALOG);
    expect(call).toMatchObject({ service: { interface: 'com.example.EchoService', version: '1.0.0' }, method: 'echo', args: [jv.string('hello')] });
    expect(call.paramTypes).toEqual([{ sort: 'class', name: 'java.lang.String', args: [] }]);
    expect(bridge.readRequest(dubbo('addlong-request'), EMPTY_CATALOG).args).toEqual([jv.long(2n ** 53n), jv.long(1n)]);
  });

  it('unwraps a generic $invoke into the call it stands for', () => {
    const call = bridge.readRequest(dubbo('generic-request'), EMPTY_CATALOG);
    expect(call.method).toBe('echo');
    expect(call.args).toEqual([jv.string('generic hi')]);
  });

  it.each<[string, string, JavaValue]>([
    ['echo-request', 'echo-response', jv.string('hello')],
    ['addlong-request', 'addlong-response', jv.long(2n ** 53n + 1n)],
    ['nothing-request', 'nothing-response', null],
  ])('answers %s with the bytes of %s', (request, response, value) => {
    expect(hex(dubboCodec.encode(bridge.reply(dubbo(request), { kind: 'value', value })))).toBe(hex(dubboCodec.encode(dubbo(response))));
  });

  it('an app failure reaches the Java caller as a RuntimeException with the message', () => {
    const reply = bridge.reply(dubbo('echo-request'), { kind: 'exception', message: 'python said no' });
    const result = bridge.result(reply, undefined, EMPTY_CATALOG);
    expect(result).toMatchObject({ kind: 'exception', className: 'java.lang.RuntimeException', message: 'python said no' });
  });
});

describe('SOFARPC (Java 5.13.2 client and server)', () => {
  const bridge = boltCodec.bridge!;

  it('reads a request as typed values', () => {
    const call = bridge.readRequest(bolt('v1-addlong-request'), EMPTY_CATALOG);
    expect(call).toMatchObject({ service: { interface: 'com.example.EchoService', version: '1.0' }, method: 'addLong' });
    expect(call.args).toEqual([jv.long(9007199254740993n), jv.long(1n)]);
  });

  it.each<[string, string, JavaValue]>([
    ['v1-echo-request', 'v1-echo-response', jv.string('hi')],
    ['v1-addlong-request', 'v1-addlong-response', jv.long(9007199254740994n)],
  ])('answers %s with the bytes of %s', (request, response, value) => {
    expect(hex(boltCodec.encode(bridge.reply(bolt(request), { kind: 'value', value })))).toBe(hex(boltCodec.encode(bolt(response))));
  });

  it('an app failure reaches the Java caller as a RuntimeException with the message', () => {
    const reply = bridge.reply(bolt('v1-echo-request'), { kind: 'exception', message: 'python said no' });
    expect(bridge.result(reply, undefined, EMPTY_CATALOG)).toMatchObject({ kind: 'exception', className: 'java.lang.RuntimeException', message: 'python said no' });
  });
});

/**
 * What the tap shows of pass-through calls, decoded from frames real Java peers wrote
 * (test/golden: Java SOFARPC 5.13.2 over Bolt, Dubbo 3.3.6): typed JSON with the Java types kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAnswer, decodeRequest } from '../../src/tap-decode.js';
import { getCodec, setupProtocols } from '../../src/codecs/index.js';
import { DEFAULT_LIMITS, type Invocation, type Result } from '../../src/core/index.js';
import { REPO_ROOT } from '../support/maven.js';

setupProtocols();
const codecFor = (name: string) => getCodec(name);

/** A request and its reply as the listener and the upstream pool hand them on: the frame kept. */
function call(protocol: string, name: string): { invocation: Invocation; result: Result } {
  const codec = getCodec(protocol)!;
  const frame = (file: string): unknown => codec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(REPO_ROOT, 'test/golden', protocol, file)))[0];
  const request = frame(`${name}-request.bin`);
  const reply = frame(`${name}-response.bin`);
  return { invocation: { ...codec.toInvocation(request), frame: request }, result: { ...codec.toResult(reply), frame: reply } };
}

describe('tap decoding of frames from real Java peers', () => {
  it('SOFARPC over Bolt: a POJO with its class and a long beyond 2^53, both ways', () => {
    const { invocation, result } = call('bolt', 'v1-pojo');
    expect(decodeRequest([invocation], codecFor, 65_536)).toEqual({
      types: ['com.example.Person', 'int'],
      args: [{ $class: 'com.example.Person', name: 'Ada', age: 36, id: { $type: 'long', $value: '9007199254740993' }, tags: ['x', 'y'] }, 1],
    });
    expect(decodeAnswer(result, 'bolt', codecFor, 65_536)).toMatchObject({ value: { $class: 'com.example.Person', age: 37 } });
  });

  it('Dubbo: the arguments and the long answer, and an exception with its class', () => {
    const add = call('dubbo', 'addlong');
    expect(decodeRequest([add.invocation], codecFor, 65_536)).toMatchObject({ types: ['long', 'long'] });
    expect(JSON.stringify(decodeAnswer(add.result, 'dubbo', codecFor, 65_536))).toContain('"$type":"long"');
    const fail = call('dubbo', 'fail');
    expect(decodeAnswer(fail.result, 'dubbo', codecFor, 65_536)).toMatchObject({ exception: expect.stringMatching(/Exception$/) });
  });

  it('shows a frame past maxBodyBytes by its size only, and a body no codec can read by its kind', () => {
    const { invocation } = call('bolt', 'v1-pojo');
    expect(decodeRequest([invocation], codecFor, 16)).toEqual({ note: expect.stringMatching(/^\d+ bytes, larger than tap.maxBodyBytes \(16\): not decoded$/) });
    const http: Invocation = { ...invocation, protocol: 'http1', frame: undefined, body: { kind: 'stream', stream: undefined as never, length: 42 } };
    expect(decodeRequest([undefined, http], codecFor, 65_536)).toEqual({ note: 'streamed body of 42 bytes, not captured' });
  });
});

/**
 * Header entries looked up in a frame's bytes (findHeaders, HeaderKeys), as
 * tracing reads them: on every golden frame from real SOFARPC/SOFABolt peers they give
 * what the whole map gives, for every key it has and for keys it lacks, whether or not
 * the map was built; keys of equal length are told apart by their bytes.
 */
import { describe, expect, it } from 'vitest';
import { boltCodec, type BoltFrame } from '../../../../src/codecs/bolt/index.js';
import { buildFrame } from '../../../../src/codecs/bolt/encoder.js';
import { findHeaders } from '../../../../src/codecs/bolt/frame.js';
import { FoundHeaders, HeaderKeys } from '../../../../src/codecs/bolt/headers.js';
import { withLimits } from '../../../../src/core/index.js';
import { fnv1aUtf8 } from '../../../../src/core/hash.js';
import { golden, goldenNames } from './goldens.js';

const fresh = (name: string): BoltFrame[] => boltCodec.newDecoder(withLimits({})).push(golden(name));

/** The lookup of `names` in `frame`, as a record of the entries found. */
function found(frame: BoltFrame, names: readonly string[]): Record<string, string | undefined> {
  const entries = findHeaders(frame, new HeaderKeys(names));
  return Object.fromEntries(names.map((name, i) => [name, entries.value(i)]));
}

describe('Bolt header entries found without the map', () => {
  it('every golden: each key equals the map entry; absent keys are undefined; built map or not', () => {
    let keys = 0;
    for (const name of goldenNames()) {
      for (const [i, frame] of fresh(name).entries()) {
        const map = fresh(name)[i]!.headers;
        // Absent keys, one as long as a present one (`sofa_head_method_name` and `new_rpc_trace_context` are both 21 bytes).
        const names = [...new Set([...map.keys(), 'no.such.header', 'new_rpc_trace_context', 'rpc_trace_context.sofaTraceId'])];
        const expected = Object.fromEntries(names.map((key) => [key, map.get(key)]));
        expect(found(frame, names), name).toEqual(expected);
        keys += map.size;
        void frame.headers;
        expect(found(frame, names), `${name}, map built`).toEqual(expected);
      }
    }
    expect(keys).toBeGreaterThan(50);
  });

  it('a frame the sidecar built answers from the bytes it encoded', () => {
    const headers = new Map([['sofa_head_method_name', 'echo'], ['rpc_trace_context.sofaTraceId', '7f0000011700000000000100142424'], ['k', 'vé']]);
    const frame = buildFrame({ proto: 1, type: 1, cmdCode: 1, requestId: 7, codec: 1, timeout: 3000, className: 'com.alipay.sofa.rpc.core.request.SofaRequest', headers });
    expect(found(frame, ['rpc_trace_context.sofaTraceId', 'new_rpc_trace_context', 'k'])).toEqual({
      'rpc_trace_context.sofaTraceId': '7f0000011700000000000100142424',
      'new_rpc_trace_context': undefined,
      k: 'vé',
    });
  });

  it('finds keys past the 31st (which share one bit of the lookup mask) as well as the first ones', () => {
    const names = Array.from({ length: 40 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    const present = [0, 5, 30, 31, 35, 39];
    const headers = new Map(present.map((i) => [names[i]!, `value ${i}`]));
    const frame = buildFrame({ proto: 1, type: 1, cmdCode: 1, requestId: 7, codec: 1, timeout: 3000, className: 'c', headers });
    expect(found(frame, names)).toEqual(Object.fromEntries(names.map((name, i) => [name, present.includes(i) ? `value ${i}` : undefined])));
  });

  it('a key whose value is null (length -1) is absent, an empty value is the empty string, and entries around them are found', () => {
    const entry = (key: string, value: string | null): Buffer => {
      const head = Buffer.alloc(4);
      head.writeInt32BE(key.length);
      const length = Buffer.alloc(4);
      length.writeInt32BE(value === null ? -1 : value.length);
      return Buffer.concat([head, Buffer.from(key), length, Buffer.from(value ?? '')]);
    };
    const block = Buffer.concat([Buffer.from('pad'), entry('aa', null), entry('bb', ''), entry('cc', 'x'), entry('ab', 'y')]);
    const entries = new FoundHeaders(block, 3, block.length, new HeaderKeys(['aa', 'bb', 'cc', 'ab', 'dd', 'abc']));
    expect([0, 1, 2, 3, 4, 5].map((index) => entries.value(index))).toEqual([undefined, '', 'x', 'y', undefined, undefined]);
    expect(entries.valueHash(1)).toBeUndefined();
    expect(entries.valueHash(2)).toBe(fnv1aUtf8('x'));
  });

  it('refuses a lookup key that is not ASCII (equal bytes would not mean equal text)', () => {
    expect(() => new HeaderKeys(['clé'])).toThrow(/not ASCII/);
  });
});

describe('Bolt service and method names decoded once per distinct value', () => {
  const request = (service: string, method: string): BoltFrame => {
    const built = buildFrame({
      proto: 1, type: 1, cmdCode: 1, requestId: 7, codec: 1, timeout: 3000, className: 'com.alipay.sofa.rpc.core.request.SofaRequest',
      headers: new Map([['sofa_head_target_service', service], ['sofa_head_method_name', method]]),
      content: Buffer.from([0x4e]),
    });
    const [frame] = boltCodec.newDecoder(withLimits({})).push(Buffer.concat([built.head, built.rest]));
    return frame!;
  };

  it('values of one length that differ in one byte stay apart, and a repeated value is the same text', () => {
    // 300 values of one length: more than the table's slots, so slots are shared and replaced.
    const names = Array.from({ length: 300 }, (_, i) => `com.example.Svc${String(i).padStart(3, '0')}:1.0`);
    for (let round = 0; round < 2; round++) {
      for (const name of names) {
        const invocation = boltCodec.toInvocation(request(name, `m${name.slice(-7, -4)}`));
        expect(invocation.service.interface).toBe(name.slice(0, -4));
        expect(invocation.method).toBe(`m${name.slice(-7, -4)}`);
      }
    }
    const long = `com.example.${'x'.repeat(300)}:1.0`; // past the longest value kept
    expect(boltCodec.toInvocation(request(long, 'echo')).service.interface).toBe(long.slice(0, -4));
  });
});

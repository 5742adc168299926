/**
 * One header entry read from a received frame's bytes (ReceivedFrame.header, headerOf):
 * on every golden frame from real SOFARPC/SOFABolt peers it gives what the whole map
 * gives, for every key it has and for keys it lacks, whether or not the map was built.
 */
import { describe, expect, it } from 'vitest';
import { boltCodec, type BoltFrame } from '../../../../src/codecs/bolt/index.js';
import { headerOf } from '../../../../src/codecs/bolt/frame.js';
import { withLimits } from '../../../../src/core/index.js';
import { golden, goldenNames } from './goldens.js';

const fresh = (name: string): BoltFrame[] => boltCodec.newDecoder(withLimits({})).push(golden(name));

describe('one Bolt header entry without the map', () => {
  it('every golden: each key read alone equals the map entry; absent keys are undefined', () => {
    let keys = 0;
    for (const name of goldenNames()) {
      for (const [i, frame] of fresh(name).entries()) {
        const map = fresh(name)[i]!.headers;
        for (const [key, value] of map) {
          expect(headerOf(frame, key), `${name} ${key}`).toBe(value);
          keys += 1;
        }
        expect(headerOf(frame, 'no.such.header')).toBeUndefined();
        expect(headerOf(frame, 'rpc_trace_context.sofaTraceId')).toBe(map.get('rpc_trace_context.sofaTraceId'));
        // Once the map is built, it answers.
        void frame.headers;
        for (const [key, value] of map) expect(headerOf(frame, key)).toBe(value);
      }
    }
    expect(keys).toBeGreaterThan(50);
  });

  it('a frame the sidecar built (no bytes read) answers from its map', () => {
    const [received] = fresh('v1-echo-request');
    const copy = { ...received!, headers: new Map(received!.headers), className: received!.className } as BoltFrame;
    expect(headerOf(copy, 'rpc_trace_context.sofaTraceId')).toBe('7f0000011700000000000100142424');
  });
});

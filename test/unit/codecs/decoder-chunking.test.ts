/**
 * The Bolt and Dubbo decoders cut frames out of whatever reads the socket hands them: several
 * frames in one read (they keep an offset into it), a frame over several reads (copied once
 * when cut), a byte at a time. However a stream of real peers' frames is split, the frames
 * that come out are those bytes, in order, and the views read from them are the same.
 */
import { describe, expect, it } from 'vitest';
import { boltCodec } from '../../../src/codecs/bolt/index.js';
import { dubboCodec } from '../../../src/codecs/dubbo/index.js';
import type { ProtocolCodec } from '../../../src/core/codec.js';
import { DEFAULT_LIMITS } from '../../../src/core/limits.js';
import { golden as boltGolden } from './bolt/goldens.js';
import { golden as dubboGolden } from './dubbo/helpers.js';

function decodeSplit<F>(codec: ProtocolCodec<F, unknown>, stream: Buffer, cuts: readonly number[]): string[] {
  const decoder = codec.newDecoder(DEFAULT_LIMITS);
  const frames: F[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    frames.push(...decoder.push(stream.subarray(from, cut)));
    from = cut;
  }
  expect(decoder.buffered).toBe(0);
  // Compared as hex: a deep equality of Buffers goes element by element.
  return frames.map((frame) => Buffer.concat(codec.encode(frame)).toString('hex'));
}

function checkSplits<F>(codec: ProtocolCodec<F, unknown>, frames: readonly Buffer[]): void {
  const stream = Buffer.concat(frames);
  const expected = frames.map((frame) => frame.toString('hex'));
  it(`${codec.name}: split at every byte in two`, () => {
    for (let cut = 0; cut <= stream.length; cut++) expect(decodeSplit(codec, stream, [cut])).toEqual(expected);
  });
  it(`${codec.name}: split in three at a spread of places`, () => {
    const step = Math.ceil(stream.length / 24);
    for (let a = 1; a < stream.length; a += step) {
      for (let b = a + 1; b < stream.length; b += step + 5) expect(decodeSplit(codec, stream, [a, b])).toEqual(expected);
    }
  });
  it(`${codec.name}: a byte at a time`, () => {
    const cuts = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(decodeSplit(codec, stream, cuts)).toEqual(expected);
  });
  it(`${codec.name}: the views of frames cut from one read match those of frames read alone`, () => {
    const [request, response] = frames;
    const together = codec.newDecoder(DEFAULT_LIMITS).push(stream);
    const alone = (bytes: Buffer): F => codec.newDecoder(DEFAULT_LIMITS).push(bytes)[0]!;
    const view = (invocation: { service: unknown; method: string; attachments: unknown; body: unknown; oneway: boolean }) => ({
      service: invocation.service,
      method: invocation.method,
      attachments: invocation.attachments,
      body: invocation.body,
      oneway: invocation.oneway,
    });
    expect(view(codec.toInvocation(together[0]!, 0))).toEqual(view(codec.toInvocation(alone(request!), 0)));
    const result = (frame: F) => {
      const { status, protocolStatus, attachments, body } = codec.toResult(frame);
      return { status, protocolStatus, attachments, body };
    };
    expect(result(together[1]!)).toEqual(result(alone(response!)));
  });
}

describe('decoders under any split of the byte stream (golden frames from Java SOFARPC and Java Dubbo)', () => {
  checkSplits(boltCodec, [boltGolden('v1-echo-request'), boltGolden('v1-echo-response'), boltGolden('v1-heartbeat-request'), boltGolden('v1-add-request')]);
  checkSplits(dubboCodec, [dubboGolden('echo-request'), dubboGolden('echo-response'), dubboGolden('heartbeat-request'), dubboGolden('add-request')]);
});

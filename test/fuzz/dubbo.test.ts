/**
 * Split-chunk and garbage properties for the Dubbo decoder (STYLE.md principle 13,
 * RELIABILITY.md rows B1/B2), seeded with the golden frames from real Dubbo peers.
 * Bounded: 200 runs each.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MeshError, withLimits } from '../../src/core/index.js';
import { dubboCodec, type DubboFrame } from '../../src/codecs/dubbo/index.js';
import { golden, goldenNames } from '../unit/codecs/dubbo/helpers.js';

const GOLDENS = goldenNames().map((name) => golden(name));
const SMALL = GOLDENS.filter((bytes) => bytes.length < 4096);
const RUNS = { numRuns: 200 };

const encoded = (frames: DubboFrame[]): Buffer[] => frames.map((frame) => Buffer.concat(dubboCodec.encode(frame)));

/** Splits `bytes` at the given cut points (any order, duplicates allowed). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Runs every mapping a listener might call; anything thrown must be a MeshError. */
function exercise(frame: DubboFrame): void {
  const kind = dubboCodec.kind(frame);
  dubboCodec.requestId(frame);
  Buffer.concat(dubboCodec.encode(dubboCodec.withRequestId(frame, 99)));
  for (const step of [
    () => (kind === 'request' || kind === 'oneway' ? dubboCodec.toInvocation(frame) : undefined),
    () => (kind === 'request' ? dubboCodec.withTimeout(frame, 10) : undefined),
    () => (kind === 'response' ? dubboCodec.toResult(frame) : undefined),
    () => (kind === 'request' ? dubboCodec.localReply(frame, new MeshError('PMESH_NO_ROUTE', 'x')) : undefined),
  ]) {
    try {
      step();
    } catch (error) {
      if (!MeshError.is(error)) throw error;
    }
  }
}

/** Feeds chunks; returns frames, or the MeshError that stopped decoding. Rethrows anything else. */
function feed(chunks: Buffer[]): { frames: DubboFrame[]; error?: MeshError } {
  const decoder = dubboCodec.newDecoder(withLimits({ maxFrameBytes: 64 * 1024 }));
  const frames: DubboFrame[] = [];
  try {
    for (const chunk of chunks) frames.push(...decoder.push(chunk));
  } catch (error) {
    if (!MeshError.is(error)) throw error;
    return { frames, error };
  }
  expect(decoder.buffered).toBeLessThanOrEqual(16 + 64 * 1024);
  return { frames };
}

describe('dubbo decoder: split chunks', () => {
  it('every golden fed one byte at a time decodes to itself', () => {
    for (const bytes of GOLDENS) {
      const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
      const frames: DubboFrame[] = [];
      for (let i = 0; i < bytes.length; i++) frames.push(...decoder.push(bytes.subarray(i, i + 1)));
      expect(encoded(frames)).toEqual([bytes]);
      expect(decoder.buffered).toBe(0);
    }
  });

  it('goldens back to back, split at random points, decode to the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: SMALL.length - 1 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (picks, cuts) => {
          const frames = picks.map((i) => SMALL[i] as Buffer);
          const stream = Buffer.concat(frames);
          const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
          const out: DubboFrame[] = [];
          for (const chunk of split(stream, cuts)) out.push(...decoder.push(chunk));
          expect(encoded(out)).toEqual(frames);
          expect(decoder.buffered).toBe(0);
        },
      ),
      RUNS,
    );
  });
});

describe('dubbo decoder: garbage', () => {
  it('random bytes give frames, need-more or a MeshError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
        const { frames } = feed(split(Buffer.from(bytes), cuts));
        frames.forEach(exercise);
      }),
      RUNS,
    );
  });

  it('random bytes behind a valid header give frames, need-more or a MeshError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0xc2, 0x82, 0xe2, 0xa2, 0x02, 0x22),
        fc.constantFrom(0, 20, 40, 70),
        fc.uint8Array({ maxLength: 200 }),
        (flag, status, body) => {
          const header = Buffer.alloc(16);
          header.writeUInt16BE(0xdabb, 0);
          header[2] = flag;
          header[3] = status;
          header.writeUInt32BE(body.length, 12);
          const { frames } = feed([header, Buffer.from(body)]);
          frames.forEach(exercise);
        },
      ),
      RUNS,
    );
  });

  it('mutated goldens give frames, need-more or a MeshError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SMALL.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (pick, edits, cut) => {
          const bytes = Buffer.from(SMALL[pick] as Buffer);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const truncated = bytes.subarray(0, bytes.length - (cut % 4 === 0 ? cut % bytes.length : 0));
          const { frames } = feed([truncated]);
          frames.forEach(exercise);
        },
      ),
      RUNS,
    );
  });
});

/**
 * Bolt decoder properties (STYLE.md principle 13, RELIABILITY.md §3c B1/B2), bounded
 * so they run in `npm test`: golden frames decode identically however the stream is
 * cut, and random or mutated input yields frames, need-more or a MeshError, nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boltCodec, type BoltFrame } from '../../src/codecs/bolt/index.js';
import { HessianReader } from '../../src/codecs/hessian/index.js';
import { MeshError } from '../../src/core/errors.js';
import { withLimits } from '../../src/core/limits.js';
import { golden, goldenNames } from '../unit/codecs/bolt/goldens.js';

const GOLDENS = goldenNames().map((name) => golden(name));
const RUNS = 200;

const bytesOf = (frames: BoltFrame[]): Buffer[] => frames.map((f) => Buffer.concat(boltCodec.encode(f)));

function decodeChunks(chunks: Buffer[]): BoltFrame[] {
  const decoder = boltCodec.newDecoder();
  const out: BoltFrame[] = [];
  for (const chunk of chunks) out.push(...decoder.push(chunk));
  expect(decoder.buffered).toBe(0);
  return out;
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

/** Runs `fn`; anything thrown must be a MeshError. */
function onlyMeshErrors(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!MeshError.is(error)) throw error;
  }
}

describe('bolt split-chunk properties', () => {
  it('every golden fed one byte at a time decodes to the same frame', () => {
    for (const bytes of GOLDENS) {
      const chunks = [...bytes].map((b) => Buffer.of(b));
      expect(bytesOf(decodeChunks(chunks))).toEqual([bytes]);
    }
  });

  it('goldens back to back, split at random points, decode to the same frames in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: GOLDENS.length - 1 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (picks, cuts) => {
          const frames = picks.map((i) => GOLDENS[i] as Buffer);
          const stream = Buffer.concat(frames);
          expect(bytesOf(decodeChunks(split(stream, cuts)))).toEqual(frames);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('withRequestId on any golden round-trips through the decoder', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: GOLDENS.length - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (i, id) => {
        const [frame] = boltCodec.newDecoder().push(GOLDENS[i] as Buffer);
        const moved = boltCodec.withRequestId(frame as BoltFrame, id);
        const [again] = boltCodec.newDecoder().push(Buffer.concat(boltCodec.encode(moved)));
        expect(again?.requestId).toBe(id);
        expect(Buffer.concat(boltCodec.encode(boltCodec.withRequestId(again as BoltFrame, (frame as BoltFrame).requestId)))).toEqual(GOLDENS[i]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('bolt garbage properties', () => {
  const limits = withLimits({ maxFrameBytes: 64 * 1024 });

  it('random bytes: frames, need-more or a MeshError; never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.nat(), { maxLength: 8 }), (data, cuts) => {
        const decoder = boltCodec.newDecoder(limits);
        onlyMeshErrors(() => {
          for (const chunk of split(Buffer.from(data), cuts)) decoder.push(chunk);
        });
        expect(decoder.buffered).toBeLessThanOrEqual(data.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes after a valid Bolt v1 prefix still only produce frames or MeshErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 400 }), (data) => {
        const bytes = Buffer.from(data);
        bytes[0] = 1;
        bytes[1] = (bytes[1] as number) % 3;
        onlyMeshErrors(() => {
          for (const frame of boltCodec.newDecoder(limits).push(bytes)) {
            if (boltCodec.kind(frame) === 'request') onlyMeshErrors(() => boltCodec.toInvocation(frame));
            if (boltCodec.kind(frame) === 'response') boltCodec.toResult(frame);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated goldens: the frame, its mapping and its lazy body decode only fail with MeshErrors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: GOLDENS.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (i, edits) => {
          const bytes = Buffer.from(GOLDENS[i] as Buffer);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          onlyMeshErrors(() => {
            for (const frame of boltCodec.newDecoder(limits).push(bytes)) {
              const kind = boltCodec.kind(frame);
              if (kind === 'request' || kind === 'oneway') {
                onlyMeshErrors(() => boltCodec.toInvocation(frame));
                onlyMeshErrors(() => boltCodec.decodeRequestBody(frame));
                onlyMeshErrors(() => boltCodec.localReply(frame, new MeshError('PMESH_NO_ROUTE', 'x')));
              } else if (kind === 'response') {
                boltCodec.toResult(frame);
                onlyMeshErrors(() => boltCodec.decodeResponseBody(frame));
              }
            }
          });
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('random Hessian bodies in both dialects: a value or a MeshError, fast', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (data, legacy) => {
        const started = performance.now();
        onlyMeshErrors(() => {
          const reader = new HessianReader(Buffer.from(data), legacy ? 'legacy' : 'final');
          while (!reader.atEnd) reader.read();
        });
        expect(performance.now() - started).toBeLessThan(50);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { MessageBoundaries } from '../../../../src/codecs/grpc/index.js';

function message(length: number): Buffer {
  const out = Buffer.alloc(5 + length, 7);
  out[0] = 0;
  out.writeUInt32BE(length, 1);
  return out;
}

describe('gRPC message boundaries', () => {
  it('follows messages split at every byte without gathering them', () => {
    const stream = Buffer.concat([message(0), message(3), message(300)]);
    const boundaries = new MessageBoundaries(4 * 1024 * 1024, 'request');
    const ends: number[] = [];
    for (let at = 0; at < stream.length; at++) {
      expect(boundaries.check(stream.subarray(at, at + 1))).toBeUndefined();
      if (boundaries.atBoundary) ends.push(at + 1);
    }
    expect(ends).toEqual([5, 13, stream.length]);
  });

  it('refuses a message over the limit from its prefix alone, even when the prefix is split', () => {
    const boundaries = new MessageBoundaries(1024, 'response');
    expect(boundaries.check(message(1024))).toBeUndefined();
    const prefix = message(1025).subarray(0, 5);
    expect(boundaries.check(prefix.subarray(0, 3))).toBeUndefined();
    const error = boundaries.check(prefix.subarray(3));
    expect(error?.reason).toBe('PMESH_BODY_TOO_LARGE');
    expect(error?.message).toBe('response message of 1025 bytes exceeds the limit of 1024 bytes');
  });

  it('knows a message cut in the middle is not at a boundary', () => {
    const boundaries = new MessageBoundaries(1024, 'response');
    boundaries.check(message(100).subarray(0, 50));
    expect(boundaries.atBoundary).toBe(false);
  });
});

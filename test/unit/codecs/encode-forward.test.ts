/**
 * codec.encodeForward, the pass-through path's one rewrite per hop, writes exactly the
 * bytes of encode(withTimeout(withRequestId(frame))) for every frame real peers wrote
 * (Java SOFARPC, sofa-rpc-node, Java Dubbo), and leaves the frame it was given as it is:
 * the listener answers with that frame's id, and a retry or a mirror sends it again.
 */
import { describe, expect, it } from 'vitest';
import { boltCodec } from '../../../src/codecs/bolt/index.js';
import { dubboCodec } from '../../../src/codecs/dubbo/index.js';
import type { ProtocolCodec } from '../../../src/core/codec.js';
import { DEFAULT_LIMITS } from '../../../src/core/limits.js';
import { golden as boltGolden, goldenNames as boltNames } from './bolt/goldens.js';
import { golden as dubboGolden, goldenNames as dubboNames } from './dubbo/helpers.js';

function checkAll<F>(codec: ProtocolCodec<F, unknown>, names: string[], load: (name: string) => Buffer): void {
  for (const name of names) {
    it(`${codec.name} ${name}`, () => {
      const bytes = load(name);
      const [frame] = codec.newDecoder(DEFAULT_LIMITS).push(bytes);
      expect(frame).toBeDefined();
      const original = Buffer.concat(codec.encode(frame!));
      for (const [id, remainingMs] of [[7, undefined], [0x7ffffffe, 1234], [3, 1]] as const) {
        let slow: Buffer[];
        try {
          slow = codec.encode(codec.withRequestId(remainingMs === undefined ? frame! : codec.withTimeout(frame!, remainingMs), id));
        } catch (error) {
          // A body the deadline rewrite cannot read (Java's own bad-request golden): the same error both ways.
          expect(() => codec.encodeForward!(frame!, id, remainingMs)).toThrow((error as Error).message);
          continue;
        }
        expect(Buffer.concat(codec.encodeForward!(frame!, id, remainingMs))).toEqual(Buffer.concat(slow));
      }
      expect(Buffer.concat(codec.encode(frame!))).toEqual(original);
      expect(original).toEqual(bytes);
    });
  }
}

describe('encodeForward matches encode(withTimeout(withRequestId(frame)))', () => {
  checkAll(boltCodec, boltNames(), boltGolden);
  checkAll(dubboCodec, dubboNames(), dubboGolden);
});

/** Every captured reply answered under its request's id (moved, so the copy shows) writes what encode(withRequestId(...)) writes. */
function checkReplies<F>(codec: ProtocolCodec<F, unknown>, names: string[], load: (name: string) => Buffer): void {
  for (const name of names.filter((each) => each.endsWith('-response'))) {
    const requestName = name.replace(/-response$/, '-request');
    if (!names.includes(requestName)) continue;
    it(`${codec.name} ${name}`, () => {
      const [reply] = codec.newDecoder(DEFAULT_LIMITS).push(load(name));
      const [captured] = codec.newDecoder(DEFAULT_LIMITS).push(load(requestName));
      const request = codec.withRequestId(captured!, 0x1234567);
      const slow = codec.encode(codec.withRequestId(reply!, codec.requestId(request)));
      expect(Buffer.concat(codec.encodeReply!(reply!, request))).toEqual(Buffer.concat(slow));
      expect(Buffer.concat(codec.encode(reply!))).toEqual(load(name));
    });
  }
}

describe('encodeReply matches encode(withRequestId(reply, requestId(request)))', () => {
  checkReplies(boltCodec, boltNames(), boltGolden);
  checkReplies(dubboCodec, dubboNames(), dubboGolden);
});

/**
 * A frame that fits Node's buffer pool is forwarded as one copy (core/joined-writes.ts); one
 * larger is forwarded from the read's own bytes. Either way the bytes are right; the copy also
 * stays right when the read's buffer is reused for later bytes before the write goes out.
 */
describe('forwarded bytes of a small frame are a copy', () => {
  for (const [codec, names, load] of [
    [boltCodec, boltNames(), boltGolden],
    [dubboCodec, dubboNames(), dubboGolden],
  ] as const) {
    for (const name of names.filter((each) => each.endsWith('-request'))) {
      it(`${codec.name} ${name}`, () => {
        const read = Buffer.from(load(name));
        const [frame] = (codec as ProtocolCodec<unknown, unknown>).newDecoder(DEFAULT_LIMITS).push(read);
        let forwarded: Buffer[];
        try {
          forwarded = (codec as ProtocolCodec<unknown, unknown>).encodeForward!(frame!, 9, 500);
        } catch {
          return; // the bad-request golden: covered above
        }
        const expected = Buffer.from(Buffer.concat(forwarded));
        read.fill(0xee);
        const small = read.length < Buffer.poolSize >>> 1;
        expect(forwarded.length === 1).toBe(small);
        if (small) expect(Buffer.concat(forwarded)).toEqual(expected);
        else expect(Buffer.concat(forwarded)).not.toEqual(expected);
      });
    }
  }
});

/**
 * Frames read together share their read (a Bolt frame keeps the read and its offset, frame.ts):
 * each is forwarded as its own bytes, whatever its place in the read or whether it was split
 * across reads (then the decoder joins its pieces into one buffer).
 */
describe('frames that share a read, or were split across reads, forward their own bytes', () => {
  for (const [codec, names, load] of [
    [boltCodec, boltNames(), boltGolden],
    [dubboCodec, dubboNames(), dubboGolden],
  ] as const) {
    it(`${codec.name}`, () => {
      const any = codec as ProtocolCodec<unknown, unknown>;
      const requests = names.filter((name) => name.endsWith('-request') && !name.includes('bad'));
      const alone = requests.map((name) => Buffer.concat(any.encodeForward!(any.newDecoder(DEFAULT_LIMITS).push(load(name))[0]!, 5, 700)));
      const all = Buffer.concat(requests.map((name) => load(name)));
      // One read holding them all, then the same bytes in reads of 7 bytes.
      const together = any.newDecoder(DEFAULT_LIMITS).push(Buffer.from(all));
      const decoder = any.newDecoder(DEFAULT_LIMITS);
      const split: unknown[] = [];
      for (let at = 0; at < all.length; at += 7) split.push(...decoder.push(Buffer.from(all.subarray(at, at + 7))));
      for (const frames of [together, split]) {
        expect(frames.length).toBe(requests.length);
        frames.forEach((frame, i) => expect(Buffer.concat(any.encodeForward!(frame, 5, 700))).toEqual(alone[i]));
      }
    });
  }
});

/**
 * The HPACK decoder on header blocks real gRPC peers sent (test/golden/hpack, captured by
 * scripts/golden/hpack-capture.ts; manifest.json names the peer versions): a grpc-go
 * client's and a Python grpcio client's request heads, two calls on one connection each,
 * and a grpc-go server's reply heads and trailers, three calls on one connection. Each
 * peer's blocks are decoded in order by one decoder, as a connection would: the later
 * blocks are mostly references into the dynamic table the earlier ones filled, and
 * grpc-go writes most strings Huffman-coded. The representations each golden holds are
 * checked too (by a walker of the block's layout written here), so the goldens are known
 * to exercise what they are kept for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, Http2ProtocolError } from '../../../../src/proxy/h2-frames/frames.js';
import { ENTRY_OVERHEAD, HpackDecoder } from '../../../../src/proxy/h2-frames/hpack.js';
import { STATIC_TABLE } from '../../../../src/proxy/h2-frames/hpack-static.js';
import { REPO_ROOT } from '../../../support/maven.js';

const DIR = join(REPO_ROOT, 'test/golden/hpack');
const golden = (name: string): Buffer => readFileSync(join(DIR, `${name}.bin`));

const AUTHORITY = expect.stringMatching(/^127\.0\.0\.1:\d+$/);
const BIN = 'AAEC/v8'; // base64 of 00 01 02 fe ff, the peers' binary metadata
const GO_REQUEST = [
  ':method', 'POST',
  ':scheme', 'http',
  ':path', '/helloworld.Greeter/SayHello',
  ':authority', AUTHORITY,
  'content-type', 'application/grpc',
  'user-agent', 'grpc-go/1.75.1',
  'te', 'trailers',
  'grpc-timeout', expect.stringMatching(/^\d{1,8}[HMSmun]$/),
  'x-echo', 'v1',
  'x-echo-bin', BIN,
];
const GRPCIO_REQUEST = [
  ':path', '/helloworld.Greeter/SayHello',
  ':authority', AUTHORITY,
  ':method', 'POST',
  ':scheme', 'http',
  'content-type', 'application/grpc',
  'te', 'trailers',
  'grpc-accept-encoding', 'identity, deflate, gzip',
  'user-agent', 'grpc-python/1.85.3 grpc-c/58.0.0 (linux; chttp2)',
  'x-echo', 'v1',
  'x-echo-bin', BIN,
];
const REPLY_HEAD = [':status', '200', 'content-type', 'application/grpc', 'x-echo', 'v1', 'x-echo-bin', BIN];

/** How a block is laid out (RFC 7541 section 6), independent of the decoder under test. */
interface Representation {
  readonly kind: 'indexed' | 'incremental' | 'without' | 'never' | 'size-update';
  readonly index: number;
  /** Huffman flags of the literal name (when not indexed) and value. */
  readonly huffman: readonly boolean[];
}

function layout(block: Buffer): Representation[] {
  const out: Representation[] = [];
  let at = 0;
  const integer = (prefixBits: number): number => {
    const mask = (1 << prefixBits) - 1;
    let value = block[at++]! & mask;
    if (value < mask) return value;
    for (let shift = 0; ; shift += 7) {
      const byte = block[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  const string = (): boolean => {
    const huffman = (block[at]! & 0x80) !== 0;
    const length = integer(7);
    at += length;
    return huffman;
  };
  while (at < block.length) {
    const byte = block[at]!;
    if (byte & 0x80) out.push({ kind: 'indexed', index: integer(7), huffman: [] });
    else if ((byte & 0xe0) === 0x20) out.push({ kind: 'size-update', index: integer(5), huffman: [] });
    else {
      const kind = (byte & 0xc0) === 0x40 ? 'incremental' : byte & 0x10 ? 'never' : 'without';
      const index = integer(kind === 'incremental' ? 6 : 4);
      const huffman = index === 0 ? [string(), string()] : [string()];
      out.push({ kind, index, huffman });
    }
  }
  expect(at).toBe(block.length);
  return out;
}

const dynamicRefs = (block: Buffer): number => layout(block).filter((r) => r.kind !== 'size-update' && r.index > STATIC_TABLE.length).length;
const huffmanStrings = (block: Buffer): number => layout(block).reduce((n, r) => n + r.huffman.filter(Boolean).length, 0);

/** Decodes `names` in order with one decoder; checks each returned header list size against the list. */
function decodeInOrder(names: readonly string[]): (readonly string[])[] {
  const decoder = new HpackDecoder();
  return names.map((name) => {
    const out = decoder.decode(golden(name));
    const size = decoder.listBytes;
    let expected = 0;
    for (let i = 0; i < out.length; i += 2) expected += out[i]!.length + out[i + 1]!.length + ENTRY_OVERHEAD;
    expect(size).toBe(expected);
    return out;
  });
}

function compressionErrorOf(block: Buffer): number | undefined {
  try {
    new HpackDecoder().decode(block);
  } catch (error) {
    return error instanceof Http2ProtocolError ? error.code : -1;
  }
  return undefined;
}

describe('HPACK golden: grpc-go client (two calls on one connection)', () => {
  const names = ['grpc-go-client-request-1', 'grpc-go-client-request-2'];

  it('decodes both request heads to the header list grpc-go sent', () => {
    const [first, second] = decodeInOrder(names);
    expect(first).toEqual(GO_REQUEST);
    expect(second).toEqual(GO_REQUEST);
  });

  it('the first is mostly Huffman-coded literals that fill the table; the second refers to them', () => {
    const first = golden(names[0]!);
    const second = golden(names[1]!);
    expect(huffmanStrings(first)).toBeGreaterThanOrEqual(8);
    expect(layout(first).filter((r) => r.kind === 'incremental').length).toBeGreaterThanOrEqual(5);
    expect(dynamicRefs(second)).toBeGreaterThanOrEqual(5);
    expect(second.length).toBeLessThan(first.length / 3);
    // Without the first block's entries the second cannot be read: a connection error, not a crash.
    expect(compressionErrorOf(second)).toBe(ErrorCode.COMPRESSION_ERROR);
  });
});

describe('HPACK golden: grpcio client (two calls on one connection)', () => {
  const names = ['grpcio-client-request-1', 'grpcio-client-request-2'];

  it('decodes both request heads to the header list grpcio sent', () => {
    const [first, second] = decodeInOrder(names);
    expect(first).toEqual(GRPCIO_REQUEST);
    expect(second).toEqual(GRPCIO_REQUEST);
  });

  it('plain literals with incremental indexing, a Huffman-coded binary value, then dynamic references', () => {
    const first = layout(golden(names[0]!));
    expect(first.filter((r) => r.kind === 'incremental' && r.index === 0).length).toBeGreaterThanOrEqual(5);
    expect(huffmanStrings(golden(names[0]!))).toBeGreaterThanOrEqual(1);
    expect(dynamicRefs(golden(names[1]!))).toBeGreaterThanOrEqual(6);
    expect(compressionErrorOf(golden(names[1]!))).toBe(ErrorCode.COMPRESSION_ERROR);
  });
});

describe('HPACK golden: grpc-go server (three calls on one connection)', () => {
  const names = [
    'grpc-go-server-reply-1-head', 'grpc-go-server-reply-1-trailers',
    'grpc-go-server-reply-2-head', 'grpc-go-server-reply-2-trailers',
    'grpc-go-server-reply-3-head', 'grpc-go-server-reply-3-trailers',
  ];

  it('decodes heads and trailers: the status, percent-encoded grpc-message and binary metadata as sent', () => {
    const [head1, trailers1, head2, trailers2, head3, trailers3] = decodeInOrder(names);
    expect(head1).toEqual(REPLY_HEAD);
    expect(trailers1).toEqual(['grpc-status', '0', 'grpc-message', '', 'x-echo', 'v1', 'x-echo-bin', BIN]);
    expect(head2).toEqual(REPLY_HEAD);
    expect(trailers2).toEqual([
      'grpc-status', '9',
      'grpc-message', 'not today: %C3%BCn%C3%AFcode, 100%25 sure%0Asecond line',
      'x-echo-bin', BIN,
      'x-echo', 'v1',
      'x-detail-bin', BIN,
    ]);
    expect(head3).toEqual(REPLY_HEAD);
    expect(trailers3).toEqual(['grpc-status', '0', 'grpc-message', '', 'x-echo-bin', BIN, 'x-echo', 'v1']);
  });

  it('later blocks are dynamic references, and a literal may name a dynamic entry', () => {
    for (const name of ['grpc-go-server-reply-2-head', 'grpc-go-server-reply-3-head', 'grpc-go-server-reply-3-trailers']) {
      expect(dynamicRefs(golden(name)), name).toBeGreaterThanOrEqual(3);
    }
    const named = layout(golden('grpc-go-server-reply-2-trailers')).filter((r) => r.kind !== 'indexed' && r.index > STATIC_TABLE.length);
    expect(named.length).toBeGreaterThanOrEqual(1);
  });
});

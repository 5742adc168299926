/**
 * The Bolt bad-weather table (STYLE.md principle 13, RELIABILITY.md §3c B4): each
 * malformed input and the exact error it must raise, checked at the header before
 * any body is buffered.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { boltCodec, createBoltCodec } from '../../../../src/codecs/bolt/index.js';
import { MeshError } from '../../../../src/core/errors.js';
import { withLimits } from '../../../../src/core/limits.js';
import { golden } from './goldens.js';

/** A v1 request fixed part with the given fields (defaults: a valid RPC request). */
function v1Request(fields: Partial<{ type: number; cmd: number; codec: number; classLen: number; headerLen: number; contentLen: number }> = {}): Buffer {
  const head = Buffer.alloc(22);
  head[0] = 0x01;
  head[1] = fields.type ?? 0x01;
  head.writeUInt16BE(fields.cmd ?? 1, 2);
  head[4] = 0x01;
  head.writeInt32BE(7, 5);
  head[9] = fields.codec ?? 1;
  head.writeInt32BE(3000, 10);
  head.writeUInt16BE(fields.classLen ?? 0, 14);
  head.writeUInt16BE(fields.headerLen ?? 0, 16);
  head.writeUInt32BE(fields.contentLen ?? 0, 18);
  return head;
}

function v1Response(status: number): Buffer {
  const head = Buffer.alloc(20);
  head[0] = 0x01;
  head[1] = 0x00;
  head.writeUInt16BE(2, 2);
  head[4] = 1;
  head[9] = 1;
  head.writeUInt16BE(status, 10);
  return head;
}

function withHeader(block: Buffer): Buffer {
  return Buffer.concat([v1Request({ headerLen: block.length }), block]);
}

const pair = (key: string, value: string): Buffer => {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  const out = Buffer.alloc(8 + k.length + v.length);
  out.writeInt32BE(k.length, 0);
  k.copy(out, 4);
  out.writeInt32BE(v.length, 4 + k.length);
  v.copy(out, 8 + k.length);
  return out;
};

function crcBroken(): Buffer {
  const bytes = Buffer.from(golden('v2-ver2-echo-request'));
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
  return bytes;
}

const ROWS: Array<{ name: string; input: () => Buffer; reason: string; message: string | RegExp }> = [
  { name: 'bad proto code', input: () => Buffer.of(0x07), reason: 'PMESH_CODEC_ERROR', message: 'bolt: unknown protocol code 0x07' },
  { name: 'HTTP on a Bolt port', input: () => Buffer.from('GET / HTTP/1.1\r\n'), reason: 'PMESH_CODEC_ERROR', message: 'bolt: unknown protocol code 0x47' },
  { name: 'unknown v2 version', input: () => Buffer.of(0x02, 0x05), reason: 'PMESH_CODEC_ERROR', message: 'bolt: unknown v2 protocol version 0x05' },
  { name: 'unknown command type', input: () => Buffer.of(0x01, 0x09), reason: 'PMESH_CODEC_ERROR', message: 'bolt: unknown command type 0x09' },
  { name: 'unknown command code', input: () => v1Request({ cmd: 7 }), reason: 'PMESH_CODEC_ERROR', message: 'bolt: unknown command code 7 for a request' },
  { name: 'response cmdcode on a request', input: () => v1Request({ cmd: 2 }), reason: 'PMESH_CODEC_ERROR', message: 'bolt: unknown command code 2 for a request' },
  { name: 'unknown response status', input: () => v1Response(0x13), reason: 'PMESH_CODEC_ERROR', message: 'bolt: unknown response status 0x0013' },
  { name: 'serializer not allow-listed (java)', input: () => v1Request({ codec: 2 }), reason: 'PMESH_SERIALIZATION_NOT_ALLOWED', message: 'bolt: serializer 2 is not allowed (allowed: 1)' },
  { name: 'serializer not allow-listed (protobuf)', input: () => v1Request({ codec: 11 }), reason: 'PMESH_SERIALIZATION_NOT_ALLOWED', message: 'bolt: serializer 11 is not allowed (allowed: 1)' },
  { name: 'contentLen 0xFFFFFFFF', input: () => v1Request({ contentLen: 0xffffffff }), reason: 'PMESH_CODEC_ERROR', message: 'bolt: content length -1 is negative' },
  { name: 'oversize content length', input: () => v1Request({ contentLen: 0x7fffffff }), reason: 'PMESH_FRAME_TOO_LARGE', message: 'bolt: frame of 2147483669 bytes exceeds the limit of 8388608' },
  { name: '8 MiB + 1 frame', input: () => v1Request({ contentLen: 8 * 1024 * 1024 + 1 - 22 }), reason: 'PMESH_FRAME_TOO_LARGE', message: 'bolt: frame of 8388609 bytes exceeds the limit of 8388608' },
  { name: 'classLen >= 0x8000 (negative short)', input: () => v1Request({ classLen: 0x8000 }), reason: 'PMESH_CODEC_ERROR', message: 'bolt: class length -32768 is negative' },
  { name: 'classLen beyond the limit', input: () => v1Request({ classLen: 1025 }), reason: 'PMESH_FRAME_TOO_LARGE', message: 'bolt: class name of 1025 bytes exceeds the limit of 1024' },
  { name: 'headerLen beyond the limit', input: () => v1Request({ headerLen: 16385 }), reason: 'PMESH_HEADERS_TOO_LARGE', message: 'bolt: header map of 16385 bytes exceeds the limit of 16384' },
  { name: 'header value overruns the map', input: () => withHeader(Buffer.of(0, 0, 0, 1, 0x61, 0, 0, 0, 9, 0x62)), reason: 'PMESH_CODEC_ERROR', message: 'bolt: header value of 9 bytes overruns the header map at byte 9 of 10' },
  { name: 'header map with a dangling length', input: () => withHeader(Buffer.concat([pair('a', 'b'), Buffer.of(0, 0)])), reason: 'PMESH_CODEC_ERROR', message: 'bolt: header map truncated in a key length at byte 10 of 12' },
  { name: 'header key length -2', input: () => withHeader(Buffer.of(0xff, 0xff, 0xff, 0xfe)), reason: 'PMESH_CODEC_ERROR', message: 'bolt: header key length -2 is invalid' },
  { name: 'duplicate header keys', input: () => withHeader(Buffer.concat([pair('service', 'a:1.0'), pair('service', 'b:1.0')])), reason: 'PMESH_CODEC_ERROR', message: 'bolt: duplicate header key "service"' },
  { name: 'v2 CRC mismatch', input: crcBroken, reason: 'PMESH_CODEC_ERROR', message: /^bolt: CRC32 mismatch \(frame 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/ },
];

describe('bolt bad weather', () => {
  for (const row of ROWS) {
    it(`${row.name}: ${String(row.message)}`, () => {
      let thrown: unknown;
      try {
        boltCodec.newDecoder().push(row.input());
      } catch (error) {
        thrown = error;
      }
      expect(MeshError.is(thrown)).toBe(true);
      const error = thrown as MeshError;
      expect(error.reason).toBe(row.reason);
      if (typeof row.message === 'string') expect(error.message).toBe(row.message);
      else expect(error.message).toMatch(row.message);
    });
  }

  it('truncated header: need-more while open, an exact error at end of stream', () => {
    const decoder = boltCodec.newDecoder();
    expect(decoder.push(golden('v1-echo-request').subarray(0, 10))).toEqual([]);
    expect(decoder.buffered).toBe(10);
    expect(() => decoder.finish()).toThrow('bolt: connection ended inside a frame (10 of 22 bytes)');
  });

  it('truncated body: the error names the declared frame size', () => {
    const bytes = golden('v1-echo-request');
    const decoder = boltCodec.newDecoder();
    expect(decoder.push(bytes.subarray(0, 100))).toEqual([]);
    expect(() => decoder.finish()).toThrow(`bolt: connection ended inside a frame (100 of ${bytes.length} bytes)`);
  });

  it('refuses an oversize frame from its 22 header bytes alone, buffering nothing more', () => {
    const decoder = boltCodec.newDecoder(withLimits({ maxFrameBytes: 1024 }));
    expect(() => decoder.push(v1Request({ contentLen: 1003 }))).toThrow('bolt: frame of 1025 bytes exceeds the limit of 1024');
  });

  it('the allow list is configurable: protobuf (11) accepted when listed', () => {
    const codec = createBoltCodec({ allowedSerializers: [1, 11] });
    const frames = codec.newDecoder().push(v1Request({ codec: 11 }));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.codec).toBe(11);
  });

  it('heartbeats are exempt from the serializer allow list (they carry no body)', () => {
    expect(boltCodec.newDecoder().push(v1Request({ cmd: 0, codec: 0 }))).toHaveLength(1);
  });

  it('a header value of length -1 (null) is dropped, as Java does', () => {
    const block = Buffer.concat([pair('a', 'b'), Buffer.of(0, 0, 0, 1, 0x63, 0xff, 0xff, 0xff, 0xff)]);
    const [frame] = boltCodec.newDecoder().push(withHeader(block));
    expect([...(frame?.headers ?? [])]).toEqual([['a', 'b']]);
  });

  it('v2 CRC is computed over proto..content, as java.util.zip.CRC32', () => {
    const bytes = golden('v2-ver2-echo-request');
    expect(bytes.readUInt32BE(bytes.length - 4)).toBe(crc32(bytes.subarray(0, -4)));
  });
});

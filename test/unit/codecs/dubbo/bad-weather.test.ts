/**
 * Bad weather (RELIABILITY.md row B5): every malformed input answers an exact
 * MeshError, decided at the header before any body byte is buffered.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MeshError, withLimits, type Limits, type Reason } from '../../../../src/core/index.js';
import { createDubboCodec, dubboCodec } from '../../../../src/codecs/dubbo/index.js';
import { frameBytes, golden, hessianBytes } from './helpers.js';

interface Row {
  name: string;
  chunks: Buffer[];
  reason: Reason;
  message: string;
  limits?: Limits;
}

const header = (flag: number, length: number, status = 0): Buffer => frameBytes(flag, Buffer.alloc(0), status, length);

const DECODER_ROWS: Row[] = [
  { name: 'bad magic', chunks: [Buffer.from('1234567890abcdefgh', 'hex')], reason: 'PMESH_CODEC_ERROR', message: 'dubbo: bad magic 0x1234' },
  { name: 'bad magic after two bytes (telnet text)', chunks: [Buffer.from('ls')], reason: 'PMESH_CODEC_ERROR', message: 'dubbo: bad magic 0x6c73' },
  { name: 'bad magic after a good frame', chunks: [golden('echo-request'), Buffer.from([0xda, 0xbc])], reason: 'PMESH_CODEC_ERROR', message: 'dubbo: bad magic 0xdabc' },
  { name: 'length > 8 MiB, header only', chunks: [header(0xc2, 8 * 1024 * 1024 + 1)], reason: 'PMESH_FRAME_TOO_LARGE', message: 'dubbo: body of 8388609 bytes exceeds the limit of 8388608' },
  { name: 'length 0xffffffff', chunks: [header(0x02, 0xffffffff, 20)], reason: 'PMESH_FRAME_TOO_LARGE', message: 'dubbo: body of 4294967295 bytes exceeds the limit of 8388608' },
  { name: 'configured limit', chunks: [golden('echo-request')], limits: withLimits({ maxFrameBytes: 100 }), reason: 'PMESH_FRAME_TOO_LARGE', message: 'dubbo: body of 196 bytes exceeds the limit of 100' },
  ...[3, 7, 8, 9, 10, 0, 31].map((id): Row => ({
    name: `serialization id ${id}`,
    chunks: [header(0xc0 | id, 10).subarray(0, 3)],
    reason: 'PMESH_SERIALIZATION_NOT_ALLOWED',
    message: `dubbo: serialization id ${id} is not allowed (allowed: 2)`,
  })),
  { name: 'event flag with a large body', chunks: [header(0xe2, 100)], reason: 'PMESH_CODEC_ERROR', message: 'dubbo: event frame with a body of 100 bytes (at most 64)' },
  { name: 'event flag with a map body', chunks: [frameBytes(0xe2, Buffer.from([0x48, 0x5a]))], reason: 'PMESH_CODEC_ERROR', message: 'dubbo: event frame with an unexpected body (first byte 0x48, 2 bytes)' },
  { name: 'event reply with a bad string body', chunks: [frameBytes(0x22, Buffer.from([0x05, 0x41]), 20)], reason: 'PMESH_CODEC_ERROR', message: 'dubbo: event frame with an unexpected body (first byte 0x05, 2 bytes)' },
];

describe('dubbo decoder bad weather', () => {
  it.each(DECODER_ROWS)('$name', ({ chunks, reason, message, limits }) => {
    const decoder = dubboCodec.newDecoder(limits ?? DEFAULT_LIMITS);
    let error: unknown;
    try {
      for (const chunk of chunks) decoder.push(chunk);
    } catch (e) {
      error = e;
    }
    expect(MeshError.is(error)).toBe(true);
    expect((error as MeshError).reason).toBe(reason);
    expect((error as MeshError).message).toBe(message);
  });

  it('truncated header and truncated body are "need more", not errors', () => {
    const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
    const bytes = golden('echo-request');
    expect(decoder.push(bytes.subarray(0, 10))).toEqual([]);
    expect(decoder.buffered).toBe(10);
    expect(decoder.push(bytes.subarray(10, 40))).toEqual([]);
    expect(decoder.buffered).toBe(40);
    expect(decoder.push(bytes.subarray(40))).toHaveLength(1);
    expect(decoder.buffered).toBe(0);
  });

  it('a body exactly at the limit is accepted', () => {
    const decoder = dubboCodec.newDecoder(withLimits({ maxFrameBytes: 196 }));
    expect(decoder.push(golden('echo-request'))).toHaveLength(1);
  });

  it('other serialization ids only when configured', () => {
    const codec = createDubboCodec({ allowedSerializations: [2, 8] });
    const kryo = Buffer.from(golden('echo-request'));
    kryo[2] = 0xc8;
    expect(codec.newDecoder(DEFAULT_LIMITS).push(kryo)).toHaveLength(1);
    expect(() => codec.newDecoder(DEFAULT_LIMITS).push(header(0xc3, 1))).toThrow('dubbo: serialization id 3 is not allowed (allowed: 2, 8)');
  });
});

/** Request bodies that frame fine but cannot be routed: toInvocation throws an exact error. */
const request = (body: Buffer): Buffer => frameBytes(0xc2, body);
const HEAD = ['2.0.2', 'com.example.EchoService', '1.0.0'];
const nest = (depth: number): unknown => (depth === 0 ? 1 : [nest(depth - 1)]);

const BODY_ROWS: Array<{ name: string; bytes: Buffer; message: string }> = [
  { name: 'empty body', bytes: request(Buffer.alloc(0)), message: 'dubbo: request body: expected the protocol version string at offset 0' },
  { name: 'method name missing', bytes: request(hessianBytes(...HEAD, 42)), message: 'dubbo: request body: expected the method name string at offset 36' },
  { name: 'bad descriptor', bytes: request(hessianBytes(...HEAD, 'echo', 'Ljava/lang/String', 'x')), message: 'dubbo: bad parameter descriptor "Ljava/lang/String"' },
  { name: 'void parameter', bytes: request(hessianBytes(...HEAD, 'echo', '[V', 'x')), message: 'dubbo: bad parameter descriptor "[V"' },
  { name: 'fewer arguments than declared', bytes: request(hessianBytes(...HEAD, 'add', 'II', 1)), message: 'hessian: unexpected end of data' },
  { name: 'bytes after the attachments', bytes: request(Buffer.concat([hessianBytes(...HEAD, 'echo', 'Ljava/lang/String;', 'x', new Map([['a', 'b']])), Buffer.from([0x4e])])), message: 'dubbo: request body has 1 bytes after the attachments' },
  { name: 'argument nested 100 deep', bytes: request(hessianBytes(...HEAD, 'echo', 'Ljava/lang/Object;', nest(100))), message: 'hessian: nesting deeper than 64' },
  { name: 'string longer than the body', bytes: request(Buffer.concat([hessianBytes(...HEAD, 'echo', 'Ljava/lang/String;'), Buffer.from([0x53, 0x7f, 0xff, 0x41])])), message: 'hessian: string declares 32767 bytes but only 1 remain' },
  { name: 'list count 2^31-1', bytes: request(Buffer.concat([hessianBytes(...HEAD, 'echo', 'Ljava/util/List;'), Buffer.from([0x58, 0x49, 0x7f, 0xff, 0xff, 0xff, 0x4e])])), message: 'hessian: list declares 2147483647 bytes but only 1 remain' },
  { name: 'class definition with 2^31-1 fields', bytes: request(Buffer.concat([hessianBytes(...HEAD, 'echo', 'Ljava/lang/Object;'), Buffer.from([0x43, 0x01, 0x41, 0x49, 0x7f, 0xff, 0xff, 0xff])])), message: 'hessian: class definition declares 2147483647 bytes but only 0 remain' },
  { name: 'object of an undefined class', bytes: request(Buffer.concat([hessianBytes(...HEAD, 'echo', 'Ljava/lang/Object;'), Buffer.from([0x61])])), message: 'hessian: object refers to undefined class definition 1' },
  { name: '4-byte utf-8 in a string', bytes: request(Buffer.concat([hessianBytes(...HEAD, 'echo', 'Ljava/lang/String;'), Buffer.from([0x01, 0xf0, 0x9f, 0x98, 0x80])])), message: 'hessian: bad utf-8 lead byte 0xf0 in a string' },
  { name: 'reserved byte code', bytes: request(Buffer.concat([hessianBytes(...HEAD, 'echo', 'Ljava/lang/Object;'), Buffer.from([0x45])])), message: 'hessian: unexpected byte code 0x45' },
];

describe('dubbo request bodies that cannot be routed', () => {
  it.each(BODY_ROWS)('$name', ({ bytes, message }) => {
    const frame = dubboCodec.newDecoder(DEFAULT_LIMITS).push(bytes)[0];
    if (!frame) throw new Error('no frame');
    expect(() => dubboCodec.toInvocation(frame)).toThrow(message);
    try {
      dubboCodec.toInvocation(frame);
    } catch (e) {
      expect(MeshError.is(e) && e.reason).toBe('PMESH_CODEC_ERROR');
    }
  });

  it('unknown result flag in a response', () => {
    const frame = dubboCodec.newDecoder(DEFAULT_LIMITS).push(frameBytes(0x02, Buffer.from([0x99]), 20))[0];
    if (!frame) throw new Error('no frame');
    expect(() => dubboCodec.toResult(frame)).toThrow('dubbo: unknown result flag 9');
  });
});

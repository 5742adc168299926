/**
 * Lazy SOFARPC body decoding from golden frames in both Hessian dialects, and the
 * RELIABILITY.md §0.3 / B6 guards (depth, lengths, refs, trailing bytes).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { boltCodec, type BoltFrame } from '../../../../src/codecs/bolt/index.js';
import { HessianReader, asList, isJavaObject, type HessianValue } from '../../../../src/codecs/hessian/index.js';
import { decodeSofaRequest, decodeSofaResponse } from '../../../../src/codecs/bolt/sofa-body.js';
import { MeshError } from '../../../../src/core/errors.js';
import { golden } from './goldens.js';

function frame(name: string): BoltFrame {
  const [f] = boltCodec.newDecoder().push(golden(name));
  if (!f) throw new Error('no frame');
  return f;
}

const BIG = 9007199254740993n; // 2^53 + 1: not representable as a JS number

describe('SofaRequest / SofaResponse from goldens', () => {
  const sources = [
    { prefix: 'v1', dialect: 'legacy', peer: 'Java SOFARPC' },
    { prefix: 'node-legacy', dialect: 'legacy', peer: 'sofa-rpc-node default' },
    { prefix: 'node-final', dialect: 'final', peer: 'sofa-rpc-node hessian 4.0' },
  ] as const;

  for (const { prefix, dialect, peer } of sources) {
    it(`${peer}: echo request and response`, () => {
      const request = boltCodec.decodeRequestBody(frame(`${prefix}-echo-request`));
      expect(request.dialect).toBe(dialect);
      expect(request.targetServiceUniqueName).toBe('com.example.EchoService:1.0');
      expect(request.methodName).toBe('echo');
      expect(request.methodArgSigs).toEqual(['java.lang.String']);
      expect(request.args).toEqual(['hi']);
      const response = boltCodec.decodeResponseBody(frame(`${prefix}-echo-response`));
      expect(response).toMatchObject({ dialect, isError: false, errorMsg: null, appResponse: 'hi' });
    });

    it(`${peer}: longs beyond 2^53 stay exact bigints`, () => {
      const request = boltCodec.decodeRequestBody(frame(`${prefix}-addlong-request`));
      expect(request.methodArgSigs).toEqual(['long', 'long']);
      expect(request.args).toEqual([BIG, 1n]);
      expect(boltCodec.decodeResponseBody(frame(`${prefix}-addlong-response`)).appResponse).toBe(BIG + 1n);
    });

    it(`${peer}: POJO argument`, () => {
      const request = boltCodec.decodeRequestBody(frame(`${prefix}-pojo-request`));
      expect(request.methodArgSigs[0]).toBe('com.example.Person');
      const person = request.args[0] as HessianValue;
      expect(isJavaObject(person)).toBe(true);
      if (!isJavaObject(person)) return;
      expect(person.$class).toBe('com.example.Person');
      expect(person.$['name']).toBe('Ada');
      expect(person.$['age']).toBe(36);
      expect(person.$['id']).toBe(BIG);
      expect(asList(person.$['tags'])).toEqual(['x', 'y']);
    });
  }

  it('Java: requestProps keep the nested rpc_trace_context map', () => {
    const request = boltCodec.decodeRequestBody(frame('v1-echo-request'));
    expect(request.requestProps?.get('protocol')).toBe('bolt');
    const trace = request.requestProps?.get('rpc_trace_context');
    expect(trace instanceof Map && trace.get('sofaRpcId')).toBe('0');
  });

  it('Java: business exception object with its stack trace', () => {
    const response = boltCodec.decodeResponseBody(frame('v1-exception-response'));
    expect(response.isError).toBe(false);
    const exception = response.appResponse;
    expect(isJavaObject(exception) && exception.$class).toBe('com.example.EchoException');
    if (!isJavaObject(exception)) return;
    expect(exception.$['detailMessage']).toBe('boom');
    const trace = asList(exception.$['stackTrace']) ?? [];
    expect(trace.length).toBeGreaterThan(3);
  });

  it('Java: SOFARPC isError response', () => {
    const response = boltCodec.decodeResponseBody(frame('v1-noservice-response'));
    expect(response).toMatchObject({ isError: true, errorMsg: 'RPC-020100010: RPC cannot find service: [com.example.EchoService:9.9] ' });
  });

  it('agrees with hessian.js 2.11 on the final-dialect goldens', () => {
    const hessian = createRequire(import.meta.url)('hessian.js') as { DecoderV2: new (buf: Buffer) => { read(): unknown } };
    const f = frame('node-final-pojo-request');
    const content = f.rest.subarray(f.classLen + f.headerLen);
    const reference = new hessian.DecoderV2(content);
    const head = reference.read() as Record<string, unknown>;
    const person = reference.read() as Record<string, unknown>;
    const ours = decodeSofaRequest(content);
    expect(ours.methodName).toBe(head['methodName']);
    expect(ours.methodArgSigs).toEqual(head['methodArgSigs']);
    const mine = ours.args[0];
    expect(isJavaObject(mine) && mine.$['name']).toBe(person['name']);
    // hessian.js gives a string for longs beyond 2^53; ours is the exact bigint.
    expect(isJavaObject(mine) && String(mine.$['id'])).toBe(String(person['id']));
  });
});

/** Helpers building hostile final-dialect bodies. */
const nestedLists = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth, 0x79), Buffer.of(0x4e)]);

function readerError(body: Buffer, dialect: 'final' | 'legacy' = 'final'): MeshError {
  try {
    const reader = new HessianReader(body, dialect);
    reader.read();
    if (!reader.atEnd) throw new MeshError('PMESH_CODEC_ERROR', 'trailing');
  } catch (error) {
    if (MeshError.is(error)) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('Hessian guards (RELIABILITY.md B6)', () => {
  it('depth 65 and 100,000 are refused with a typed error, not a RangeError', () => {
    expect(readerError(nestedLists(65)).message).toBe('hessian: nesting deeper than 64 at offset 65');
    const started = performance.now();
    expect(readerError(nestedLists(100_000)).message).toBe('hessian: nesting deeper than 64 at offset 65');
    expect(performance.now() - started).toBeLessThan(50);
    expect(() => new HessianReader(nestedLists(64), 'final').read()).not.toThrow();
  });

  it('declared lengths beyond the bytes left are refused before allocating', () => {
    expect(readerError(Buffer.of(0x42, 0xff, 0xff, 1, 2, 3)).message).toBe('hessian: binary needs 65535 bytes, 3 left at offset 3');
    expect(readerError(Buffer.of(0x53, 0x10, 0x00, 0x61)).message).toBe('hessian: string needs 4096 bytes, 1 left at offset 3');
    expect(readerError(Buffer.of(0x58, 0x49, 0x7f, 0xff, 0xff, 0xff, 0x4e)).message).toBe('hessian: list declares 2147483647 entries, 1 bytes left at offset 6');
    expect(readerError(Buffer.of(0x43, 0x01, 0x41, 0x49, 0x7f, 0xff, 0xff, 0xff)).message).toBe('hessian: class definition declares 2147483647 entries, 0 bytes left at offset 8');
  });

  it('dangling references and class/type indexes are refused', () => {
    expect(readerError(Buffer.of(0x51, 0x90)).message).toBe('hessian: reference 0 out of range (0 defined) at offset 2');
    expect(readerError(Buffer.of(0x60)).message).toBe('hessian: class definition 0 out of range (0 defined) at offset 1');
    expect(readerError(Buffer.of(0x71, 0x95, 0x4e)).message).toBe('hessian: type reference 5 out of range (0 defined) at offset 2');
    expect(readerError(Buffer.of(0x52, 0, 0, 0, 3), 'legacy').message).toBe('hessian: reference 3 out of range (0 defined) at offset 5');
  });

  it('a self-reference resolves to the same object (Throwable.cause)', () => {
    // C "E" 1 field "cause"; instance whose cause is ref 0 (itself).
    const body = Buffer.of(0x43, 0x01, 0x45, 0x91, 0x05, 0x63, 0x61, 0x75, 0x73, 0x65, 0x60, 0x51, 0x90);
    const value = new HessianReader(body, 'final').read();
    expect(isJavaObject(value) && value.$['cause']).toBe(value);
  });

  it('truncated chunks, bad UTF-8 and unknown codes are refused', () => {
    expect(readerError(Buffer.of(0x52, 0x00, 0x01, 0x61)).message).toBe('hessian: value needs 1 bytes, 0 left at offset 4');
    expect(readerError(Buffer.of(0x01, 0xf0)).message).toBe('hessian: bad UTF-8 lead byte 0xf0 at offset 1');
    expect(readerError(Buffer.of(0x40)).message).toBe('hessian: unknown code 0x40 at offset 0');
  });

  it('trailing bytes after the last argument are refused', () => {
    const f = frame('node-final-echo-request');
    const content = Buffer.concat([f.rest.subarray(f.classLen + f.headerLen), Buffer.of(0x4e)]);
    expect(() => decodeSofaRequest(content)).toThrow('hessian: 1 bytes after the last argument');
    expect(() => decodeSofaResponse(Buffer.of(0x4e))).toThrow('hessian: not a SOFARPC object (first byte 0x4e)');
  });
});

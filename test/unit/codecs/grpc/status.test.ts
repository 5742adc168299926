import { constants } from 'node:http2';
import { describe, expect, it } from 'vitest';
import { decodeGrpcMessage, encodeGrpcMessage, grpcMessageOf, grpcStatusOf, parseGrpcPath, resetCodeOf } from '../../../../src/codecs/grpc/index.js';
import { MeshError } from '../../../../src/core/index.js';

describe('gRPC status of mesh errors', () => {
  it('no route is UNIMPLEMENTED, no provider UNAVAILABLE, the rest their own code', () => {
    expect(grpcStatusOf(new MeshError('PMESH_NO_ROUTE', 'x'))).toBe(12);
    expect(grpcStatusOf(new MeshError('PMESH_NO_HEALTHY_ENDPOINT', 'x'))).toBe(14);
    expect(grpcStatusOf(new MeshError('PMESH_DEADLINE_EXCEEDED', 'x'))).toBe(4);
    expect(grpcStatusOf(new MeshError('PMESH_BODY_TOO_LARGE', 'x'))).toBe(8);
    expect(grpcMessageOf(new MeshError('PMESH_NO_ROUTE', 'no route for x'))).toBe('PMESH_NO_ROUTE: no route for x');
  });

  it('grpc-message is percent-encoded as the spec says and decodes back', () => {
    const text = 'ünïcode, 100% sure\nline';
    const encoded = encodeGrpcMessage(text);
    expect(encoded).toBe('%C3%BCn%C3%AFcode, 100%25 sure%0Aline');
    expect(decodeGrpcMessage(encoded)).toBe(text);
  });

  it('a stream that cannot end with trailers is reset with the code clients read as its status', () => {
    expect(resetCodeOf(14)).toBe(constants.NGHTTP2_REFUSED_STREAM);
    expect(resetCodeOf(1)).toBe(constants.NGHTTP2_CANCEL);
    expect(resetCodeOf(8)).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect(resetCodeOf(13)).toBe(constants.NGHTTP2_INTERNAL_ERROR);
  });

  it('reads /package.Service/Method and nothing else', () => {
    expect(parseGrpcPath('/helloworld.Greeter/SayHello')).toEqual({ service: 'helloworld.Greeter', method: 'SayHello' });
    for (const path of ['/', '/a', '/a/', '//m', '/a/b/c', 'a/b', undefined]) expect(parseGrpcPath(path)).toBeUndefined();
  });
});

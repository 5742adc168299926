/**
 * Triple's reading of a stream head (service key and deadline from Dubbo's headers, as a
 * Dubbo 3.3.6 consumer sends them: test/interop/triple.test.ts sees them on the wire), the
 * deadline headers it writes, and the JSON call the bridge makes.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectProtocol, getProtocol, registrySchemeOf, setupProtocols } from '../../../../src/codecs/index.js';
import type { StreamClientCodec, StreamServerCodec } from '../../../../src/core/index.js';

setupProtocols();
const triple = getProtocol('triple')!;
const server = (triple.server as { streams: StreamServerCodec }).streams;
const client = (triple.client as { streams: StreamClientCodec }).streams;
const body = (): Readable => Readable.from([]);

describe('Triple stream head -> Invocation', () => {
  it('service, method, version and group, grpc-timeout as the deadline', () => {
    const inv = server.toInvocation(
      [':path', '/com.example.triple.Greeter/greet', 'content-type', 'application/grpc+proto', 'grpc-timeout', '3000000u', 'tri-service-version', '1.0.0', 'tri-service-group', 'blue'],
      body(),
      1_000,
    );
    expect(inv).toMatchObject({ protocol: 'triple', service: { interface: 'com.example.triple.Greeter', version: '1.0.0', group: 'blue' }, method: 'greet', deadline: 4_000 });
    // The head as attachments, made when read.
    expect(inv.attachments['tri-service-group']).toBe('blue');
    expect(JSON.parse(JSON.stringify(inv)).attachments['content-type']).toBe('application/grpc+proto');
  });

  it('tri-service-timeout is the deadline when there is no grpc-timeout; junk is no deadline', () => {
    expect(server.toInvocation([':path', '/a.B/c', 'tri-service-timeout', '250'], body(), 10).deadline).toBe(260);
    expect(server.toInvocation([':path', '/a.B/c', 'tri-service-timeout', '-5'], body(), 10).deadline).toBeUndefined();
    expect(server.toInvocation([':path', '/a.B/c', 'tri-service-timeout', '1e3'], body(), 10).deadline).toBeUndefined();
    expect(server.toInvocation([':path', '/a.B/c'], body(), 10).service).toEqual({ interface: 'a.B', version: undefined, group: undefined });
  });

  it('forwards the budget left as grpc-timeout, the caller\'s deadline headers not as they came; registered as tri://', () => {
    expect(client.deadlineHeader(1234.2)).toEqual(['grpc-timeout', '1234200u']);
    expect(client.requestHeaders({ ':path': '/a.B/c', 'grpc-timeout': '5S', 'tri-service-timeout': '5000', 'tri-service-version': '1.0.0', 'x-custom': 'y' })).toEqual({
      'tri-service-version': '1.0.0',
      'x-custom': 'y',
    });
    // The relay's flat head: the same choice, repeated metadata kept as separate fields.
    const out = [':method', 'POST'];
    client.forwardRequest([':path', '/a.B/c', 'grpc-timeout', '5S', 'tri-service-timeout', '5000', 'connection', 'close', 'x-tag', 'a', 'x-tag', 'b', 'trace-bin', 'AAE='], out);
    expect(out).toEqual([':method', 'POST', 'x-tag', 'a', 'x-tag', 'b', 'trace-bin', 'AAE=']);
    const grpcOut: string[] = [];
    (getProtocol('grpc')!.client as { streams: StreamClientCodec }).streams.forwardRequest(['grpc-timeout', '1S', 'tri-service-timeout', '5000', 'te', 'trailers'], grpcOut);
    expect(grpcOut).toEqual(['tri-service-timeout', '5000', 'te', 'trailers']);
    expect(registrySchemeOf('triple')).toBe('tri');
    expect(registrySchemeOf('grpc')).toBe('grpc');
  });

  it('matches the HTTP/2 preface, decided by its first 8 bytes; a sniffer asking every protocol picks gRPC, one asking Triple first picks Triple', () => {
    const head = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect((detectProtocol(head) as { name: string }).name).toBe('grpc');
    expect((detectProtocol(head, ['bolt', 'triple', 'grpc']) as { name: string }).name).toBe('triple');
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(triple.match(preface)).toBe('yes');
    expect(triple.match(preface.subarray(0, 5))).toBe('need-more');
    expect(triple.match(preface.subarray(0, 8))).toBe('yes');
    expect(triple.match(Buffer.from('POST / HTTP/1.1\r\n'))).toBe('no');
  });
});

describe("Triple's JSON call (the bridge's target)", () => {
  const json = triple.bridge.jsonCall!;
  const service = { interface: 'com.example.triple.Greeter', version: '2.0.0', group: 'green' };

  it('the request head: path, JSON, version, group, caller attachments (the budget is the upstream\'s grpc-timeout)', () => {
    expect(json.requestHead(service, 'greet', { Tenant: 'a' })).toEqual({
      ':method': 'POST',
      ':path': '/com.example.triple.Greeter/greet',
      'content-type': 'application/json',
      'tri-service-version': '2.0.0',
      'tri-service-group': 'green',
      tenant: 'a',
    });
  });

  it("refuses a caller's attachment in Triple's or gRPC's own header space", () => {
    expect(() => json.requestHead(service, 'greet', { 'tri-service-group': 'red' })).toThrow(/set by the mesh/);
    expect(() => json.requestHead(service, 'greet', { 'grpc-timeout': '1S' })).toThrow(/set by the mesh/);
  });

  it("reads the provider's answers (as Dubbo 3.3.6 writes them)", () => {
    expect(json.reply(200, '"hi"', service, 'greet')).toEqual({ kind: 'value', json: '"hi"' });
    expect(json.reply(200, '', service, 'nothing')).toEqual({ kind: 'value', json: 'null' });
    expect(json.reply(500, '{"message":"fail: x","status":"500"}', service, 'fail')).toMatchObject({ kind: 'exception', message: 'fail: x' });
    const cases: Array<[number, string]> = [[404, 'PMESH_UNKNOWN_SERVICE'], [408, 'PMESH_UPSTREAM_TIMEOUT'], [400, 'PMESH_BAD_REQUEST'], [503, 'PMESH_UPSTREAM_BAD_RESPONSE']];
    for (const [status, reason] of cases) {
      const reply = json.reply(status, '{"message":"Invoker not found","status":"404"}', service, 'nope');
      expect(reply.kind === 'error' && reply.error.reason).toBe(reason);
    }
  });
});

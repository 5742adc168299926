/**
 * gRPC's server codec on a request head as the frame relay decodes it (a flat list:
 * name, value, ...): which heads are refused, and the Invocation made from the others,
 * whose header object (attachments, the frame's headers) is made only when read.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { getProtocol, setupProtocols } from '../../../../src/codecs/index.js';
import { grpcProtocol } from '../../../../src/codecs/grpc/plugin.js';
import type { StreamRequestFrame, StreamServerCodec } from '../../../../src/core/index.js';

setupProtocols();
const server = (getProtocol('grpc')!.server as { streams: StreamServerCodec }).streams;
const body = (): Readable => Readable.from([]);
const head = (...more: string[]): string[] => [':method', 'POST', ':scheme', 'http', ':path', '/helloworld.Greeter/SayHello', ':authority', 'h:1', 'content-type', 'application/grpc', ...more];

describe('gRPC request head (flat list) -> refusal, Invocation', () => {
  it('refuses what is not a gRPC call, saying what came', () => {
    expect(server.refusal(head())).toBeUndefined();
    expect(server.refusal([':method', 'POST', ':path', '/helloworld.Greeter/SayHello', 'content-type', 'application/grpc+proto'])).toBeUndefined();
    expect(server.refusal([':method', 'GET', ':path', '/helloworld.Greeter/SayHello', 'content-type', 'application/grpc'])).toBe('not a gRPC call: GET /helloworld.Greeter/SayHello (application/grpc)');
    expect(server.refusal([':method', 'POST', ':path', '/nope', 'content-type', 'application/grpc'])).toMatch(/not a gRPC call: POST \/nope/);
    expect(server.refusal([':method', 'POST', ':path', '/a.B/c', 'content-type', 'application/grpcx'])).toMatch(/not a gRPC call/);
  });

  it('service, method and deadline from the list; the head as attachments and frame headers, repeats joined', () => {
    const fields = head('grpc-timeout', '250m', 'x-tag', 'a', 'x-tag', 'b');
    const inv = server.toInvocation(fields, body(), 1_000);
    expect(inv).toMatchObject({ protocol: 'grpc', service: { interface: 'helloworld.Greeter' }, method: 'SayHello', deadline: 1_250 });
    expect(inv.attachments['x-tag']).toBe('a, b');
    expect(inv.attachments[':authority']).toBe('h:1');
    expect((inv.frame as StreamRequestFrame).headers).toBe(inv.attachments);
    // Written out whole (the tap), and carried by tracing's copy with the trace fields added.
    expect(JSON.parse(JSON.stringify(inv)).attachments['grpc-timeout']).toBe('250m');
    const traced = grpcProtocol.telemetry!.withTrace(inv, [['traceparent', '00-abc']]);
    expect(traced.attachments).toMatchObject({ 'x-tag': 'a, b', traceparent: '00-abc' });
    expect((traced.frame as StreamRequestFrame).headers).toMatchObject({ ':path': '/helloworld.Greeter/SayHello', traceparent: '00-abc' });
    expect(fields).toEqual(head('grpc-timeout', '250m', 'x-tag', 'a', 'x-tag', 'b'));
  });

  it('tracing\'s entries replace the caller\'s fields of the same name in the list a relayed call forwards', () => {
    const fields = head('traceparent', '00-caller', 'x-tag', 'a', 'b3', 'caller');
    const inv = server.toInvocation(fields, body(), 1_000);
    const relay = {};
    (inv.frame as { relay?: object }).relay = relay;
    const traced = grpcProtocol.telemetry!.withTrace(inv, [['traceparent', '00-sidecar'], ['b3', 'sidecar']]);
    const frame = traced.frame as StreamRequestFrame & { relay?: object };
    expect(frame.fields).toEqual(head('x-tag', 'a', 'traceparent', '00-sidecar', 'b3', 'sidecar'));
    expect(frame.headers).toMatchObject({ traceparent: '00-sidecar', b3: 'sidecar', 'x-tag': 'a' });
    // The relay call rides on; the caller's list (the forwarded-head memo's key) is left as it came.
    expect(frame.relay).toBe(relay);
    expect((inv.frame as StreamRequestFrame).fields).toBe(fields);
    expect(fields).toEqual(head('traceparent', '00-caller', 'x-tag', 'a', 'b3', 'caller'));
  });

  it('no grpc-timeout, or a malformed one: no deadline', () => {
    expect(server.toInvocation(head(), body(), 5).deadline).toBeUndefined();
    expect(server.toInvocation(head('grpc-timeout', '12x'), body(), 5).deadline).toBeUndefined();
  });
});

describe('gRPC request head read once per list', () => {
  it('a repeated list (the decoder hands out the same one) gives the reading made for it; another list is read anew', () => {
    const fields = head();
    const first = server.toInvocation(fields, body(), 1);
    const again = server.toInvocation(fields, body(), 2);
    expect(again.service).toBe(first.service);
    expect(again.frame).not.toBe(first.frame);
    expect((again.frame as StreamRequestFrame).fields).toBe(fields);
    expect(server.refusal(fields)).toBeUndefined();
    // Same service, another method, on a list of its own: nothing of the first list's reading leaks into it.
    const other = [':method', 'POST', ':path', '/helloworld.Greeter/SayBye', 'content-type', 'application/grpc'];
    expect(server.toInvocation(other, body(), 1)).toMatchObject({ service: { interface: 'helloworld.Greeter' }, method: 'SayBye' });
    const refused = [':method', 'GET', ':path', '/helloworld.Greeter/SayHello', 'content-type', 'application/grpc'];
    expect(server.refusal(refused)).toMatch(/not a gRPC call: GET/);
    expect(server.refusal(refused)).toMatch(/not a gRPC call: GET/);
    expect(server.refusal(fields)).toBeUndefined();
  });

  it('a head with a deadline: each call\'s deadline is counted from its own start', () => {
    const fields = head('grpc-timeout', '100m');
    expect(server.toInvocation(fields, body(), 1_000).deadline).toBe(1_100);
    expect(server.toInvocation(fields, body(), 2_000).deadline).toBe(2_100);
  });
});

describe('gRPC Invocation body', () => {
  it('calls on the same body stream share one body object; another stream gets its own', () => {
    const stream = body();
    const a = server.toInvocation(head(), stream, 1);
    const b = server.toInvocation(head('x-other', '1'), stream, 1);
    expect(b.body).toBe(a.body);
    expect(a.body).toEqual({ kind: 'stream', stream });
    const other = body();
    const c = server.toInvocation(head(), other, 1);
    expect(c.body).toEqual({ kind: 'stream', stream: other });
    expect(server.toInvocation(head(), stream, 1).body).toEqual({ kind: 'stream', stream });
  });
});

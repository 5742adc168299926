/**
 * The gRPC upstream's HTTP/2 sessions: calls to one endpoint share one session,
 * sessions with open streams are PINGed, and a refused connection is a connect
 * failure (safe to retry elsewhere). The peer is a node:http2 server so PINGs can be
 * counted (grpc-go's server would answer a fast keepalive with GOAWAY, as it should).
 */
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcInvocation } from '../../../src/codecs/grpc/invocation.js';
import { grpcProtocol } from '../../../src/codecs/grpc/plugin.js';
import { Cancel, createRootLogger, makeEndpoint, MeshError, type Result, type StreamClientCodec, type StreamResponseFrame } from '../../../src/core/index.js';
import type { CallContext } from '../../../src/proxy/index.js';
import { Http2Upstream } from '../../../src/proxy/upstream/http2.js';
import { freePort } from '../../support/ports.js';

const CODEC = (grpcProtocol.client as { readonly streams: StreamClientCodec }).streams;

let server: Http2Server;
let port: number;
let pings = 0;
let sessions = 0;

beforeAll(async () => {
  server = createServer();
  server.on('session', (session) => {
    sessions += 1;
    session.on('ping', () => (pings += 1));
  });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-done': 'yes' }));
    stream.resume();
    setTimeout(() => stream.end(), 600);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function call(upstream: Http2Upstream, address: string): Promise<Result> {
  const invocation = grpcInvocation({ ':method': 'POST', ':path': '/a.B/C', 'content-type': 'application/grpc' }, Readable.from([]), performance.now());
  const ctx: CallContext = { listener: 't', startedAt: performance.now(), log: createRootLogger('silent'), cancel: new Cancel() };
  return upstream.call(makeEndpoint(address), invocation, ctx);
}

describe('gRPC upstream sessions', () => {
  it('multiplexes calls on one session and PINGs it while streams are open', async () => {
    const upstream = new Http2Upstream({ protocol: 'grpc', codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 4, maxPendingStreamsPerEndpoint: 1_024, retryBufferBytes: 65_536, keepaliveMs: 100, keepaliveTimeoutMs: 1_000 });
    const address = `127.0.0.1:${port}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => call(upstream, address)));
    expect(upstream.connections()).toEqual({ [address]: 1 });
    expect(sessions).toBe(1);
    const trailers = await Promise.all(results.map((r) => (r.body.kind === 'stream' && r.body.stream.resume(), (r.frame as StreamResponseFrame).trailers)));
    expect(trailers.every((t) => t['grpc-status'] === '0' && t['x-done'] === 'yes')).toBe(true);
    expect(pings).toBeGreaterThanOrEqual(2);
    await upstream.close();
  });

  it('a refused connection is PMESH_UPSTREAM_CONNECT_FAILED naming the endpoint', async () => {
    const upstream = new Http2Upstream({ protocol: 'grpc', codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 4, maxPendingStreamsPerEndpoint: 1_024, retryBufferBytes: 65_536, keepaliveMs: 100, keepaliveTimeoutMs: 1_000 });
    const address = `127.0.0.1:${await freePort()}`;
    await expect(call(upstream, address)).rejects.toMatchObject({ reason: 'PMESH_UPSTREAM_CONNECT_FAILED', message: `cluster "c": cannot connect to ${address}: ECONNREFUSED` });
    await upstream.close();
  });

  it("a cancel resets the upstream stream (CANCEL) without ending its request first: the server never reads a cut request as whole", async () => {
    // node:http2's close(code) ends the writable side before the reset (DATA with
    // END_STREAM, then RST_STREAM): a server could take a half-close for the caller's
    // last message (Dubbo calls a StreamObserver's onCompleted) before the cancel lands.
    const seen: string[] = [];
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    const peer = createServer();
    peer.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.on('data', () => seen.push('data'));
      stream.once('end', () => seen.push('end'));
      stream.once('aborted', () => seen.push('aborted'));
      stream.once('close', () => {
        seen.push(`close ${stream.rstCode}`);
        closed();
      });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const upstream = new Http2Upstream({ protocol: 'grpc', codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 4, maxPendingStreamsPerEndpoint: 1_024, retryBufferBytes: 65_536, keepaliveMs: 60_000, keepaliveTimeoutMs: 1_000 });
    try {
      const request = new PassThrough();
      request.write(Buffer.from([0, 0, 0, 0, 1, 0x2a]));
      const invocation = grpcInvocation({ ':method': 'POST', ':path': '/a.B/Stream', 'content-type': 'application/grpc' }, request, performance.now());
      const ctx: CallContext = { listener: 't', startedAt: performance.now(), log: createRootLogger('silent'), cancel: new Cancel() };
      const reply = await upstream.call(makeEndpoint(`127.0.0.1:${(peer.address() as AddressInfo).port}`), invocation, ctx);
      if (reply.body.kind === 'stream') reply.body.stream.resume();
      while (!seen.includes('data')) await new Promise((resolve) => setTimeout(resolve, 10));
      ctx.cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller cancelled the call'));
      await done;
      expect(seen.filter((event) => event !== 'data').slice(0, 1)).toEqual(['aborted']);
      expect(seen.at(-1)).toBe('close 8');
    } finally {
      await upstream.close();
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    }
  });
});

/**
 * Calls the mesh makes itself on the gRPC/Triple upstream (the bridge's JSON call to
 * Triple): they share the frame relay's pool, so calls to one endpoint share one
 * connection, connections with open streams are PINGed, a refused connection is a
 * connect failure (safe to retry elsewhere), a cancel resets the stream, a lost
 * connection fails the call, and the reply is read at the reader's pace. The peer is a
 * node:http2 server so PINGs can be counted (grpc-go's server would answer a fast
 * keepalive with GOAWAY, as it should).
 */
import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcProtocol } from '../../../src/codecs/grpc/plugin.js';
import { Cancel, createRootLogger, makeEndpoint, MeshError, type Invocation, type Result, type StreamClientCodec, type StreamResponseFrame } from '../../../src/core/index.js';
import type { CallContext } from '../../../src/proxy/index.js';
import { Http2Upstream } from '../../../src/proxy/upstream/http2.js';
import { freePort } from '../../support/ports.js';

const CODEC = (grpcProtocol.client as { readonly streams: StreamClientCodec }).streams;
const OPTIONS = { protocol: 'grpc', codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 4, maxPendingStreamsPerEndpoint: 1_024, retryBufferBytes: 65_536, keepaliveMs: 100, keepaliveTimeoutMs: 1_000 };

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

function context(): CallContext {
  return { listener: 't', startedAt: performance.now(), log: createRootLogger('silent'), cancel: new Cancel() };
}

/** A call as the bridge makes one: a head it built and a whole body. */
function bridged(path: string, body = Buffer.from('["bob"]')): Invocation {
  return {
    protocol: 'grpc',
    service: { interface: 'a.B' },
    method: 'C',
    attachments: {},
    oneway: false,
    frame: { headers: { ':method': 'POST', ':path': path, 'content-type': 'application/json', 'x-seen': 'by-the-server' } },
    body: { kind: 'raw', serialization: 0, bytes: body },
  };
}

function call(upstream: Http2Upstream, address: string, ctx = context(), path = '/a.B/C'): Promise<Result> {
  return upstream.call(makeEndpoint(address), bridged(path), ctx);
}

async function listen(onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void): Promise<{ peer: Http2Server; address: string }> {
  const peer = createServer();
  peer.on('stream', onStream);
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  return { peer, address: `127.0.0.1:${(peer.address() as AddressInfo).port}` };
}

describe('calls the mesh makes on the gRPC/Triple upstream', () => {
  it('multiplexes calls on one connection and PINGs it while streams are open', async () => {
    const upstream = new Http2Upstream(OPTIONS);
    const address = `127.0.0.1:${port}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => call(upstream, address)));
    expect(upstream.connections()).toEqual({ [address]: 1 });
    expect(sessions).toBe(1);
    const trailers = await Promise.all(results.map((r) => (r.body.kind === 'stream' && r.body.stream.resume(), (r.frame as StreamResponseFrame).trailers)));
    expect(trailers.every((t) => t['grpc-status'] === '0' && t['x-done'] === 'yes')).toBe(true);
    expect(pings).toBeGreaterThanOrEqual(2);
    await upstream.close();
  });

  it('sends the head and the whole body, and gives the reply body back at the pace it is read (past the 64 KiB stream window)', async () => {
    const replyBytes = 2 * 1024 * 1024;
    let received: { headers: IncomingHttpHeaders; body: string } | undefined;
    const { peer, address } = await listen((stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('end', () => {
        received = { headers, body: Buffer.concat(chunks).toString() };
        stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.alloc(replyBytes, 0x61));
      });
    });
    const upstream = new Http2Upstream(OPTIONS);
    try {
      const result = await call(upstream, address);
      expect(result.protocolStatus).toBe(200);
      let read = 0;
      if (result.body.kind === 'stream') for await (const chunk of result.body.stream) read += (chunk as Buffer).length;
      expect(read).toBe(replyBytes);
      expect((await (result.frame as StreamResponseFrame).trailers)['grpc-status']).toBe('0');
      expect(received?.body).toBe('["bob"]');
      expect(received?.headers).toMatchObject({ ':path': '/a.B/C', 'content-type': 'application/json', 'x-seen': 'by-the-server' });
    } finally {
      await upstream.close();
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    }
  });

  it('a refused connection is PMESH_UPSTREAM_CONNECT_FAILED naming the endpoint', async () => {
    const upstream = new Http2Upstream(OPTIONS);
    const address = `127.0.0.1:${await freePort()}`;
    await expect(call(upstream, address)).rejects.toMatchObject({ reason: 'PMESH_UPSTREAM_CONNECT_FAILED', message: `cluster "c": cannot connect to ${address}: ECONNREFUSED` });
    await upstream.close();
  });

  it('a connection lost before the reply head fails the call PMESH_UPSTREAM_CONNECTION_LOST', async () => {
    const { peer, address } = await listen((stream) => stream.session?.destroy());
    const upstream = new Http2Upstream(OPTIONS);
    try {
      await expect(call(upstream, address)).rejects.toMatchObject({ reason: 'PMESH_UPSTREAM_CONNECTION_LOST' });
    } finally {
      await upstream.close();
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    }
  });

  it('a cancel resets the upstream stream with CANCEL, and the reply body and trailers say so', async () => {
    let closed!: (code: number) => void;
    const done = new Promise<number>((resolve) => (closed = resolve));
    const { peer, address } = await listen((stream) => {
      stream.on('error', () => {});
      stream.once('close', () => closed(stream.rstCode));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.write(Buffer.from([0, 0, 0, 0, 1, 0x2a]));
    });
    const upstream = new Http2Upstream({ ...OPTIONS, keepaliveMs: 60_000 });
    try {
      const ctx = context();
      const reply = await call(upstream, address, ctx, '/a.B/Stream');
      const body = reply.body.kind === 'stream' ? reply.body.stream : undefined;
      const bodyError = new Promise<unknown>((resolve) => body?.once('error', resolve));
      body?.resume();
      ctx.cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller cancelled the call'));
      expect(await done).toBe(8);
      expect(await bodyError).toMatchObject({ reason: 'PMESH_DOWNSTREAM_CLOSED' });
      expect((await (reply.frame as StreamResponseFrame).trailers)['grpc-status']).toBe('1');
    } finally {
      await upstream.close();
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    }
  });

  it('a streamed body without a relay call is refused with a clear error', async () => {
    const upstream = new Http2Upstream(OPTIONS);
    const { Readable } = await import('node:stream');
    const invocation: Invocation = { ...bridged('/a.B/C'), body: { kind: 'stream', stream: Readable.from([]) } };
    await expect(upstream.call(makeEndpoint(`127.0.0.1:${port}`), invocation, context())).rejects.toMatchObject({ reason: 'PMESH_BAD_REQUEST' });
    await upstream.close();
  });
});

/**
 * The HTTP/1 upstream's keep-alive pool against Node's own HTTP server (framing we did not
 * write): one connection carries call after call, also after a reply that ended while its
 * reader was behind (the socket was paused at the reply's very end), and a cancelled
 * call waiting for a connection leaves the pool usable. A reload's new
 * maxConnectionsPerEndpoint applies to the pool already open.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { http1Protocol } from '../../../src/codecs/http1/plugin.js';
import { Cancel, createRootLogger, makeEndpoint, MeshError, type HttpClientCodec, type Result } from '../../../src/core/index.js';
import type { CallContext } from '../../../src/proxy/index.js';
import { Http1Upstream } from '../../../src/proxy/upstream/http1.js';

const CODEC = (http1Protocol.client as { readonly http: HttpClientCodec }).http;
let server: Server;
let address: string;
let connections = 0;
/** Replies to `/block`, held until a test ends them. */
const blocked: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.url === '/late') {
      res.writeHead(200, { 'content-length': 40_001 });
      res.write('x');
      setTimeout(() => res.end(Buffer.alloc(40_000, 'y')), 100);
    } else if (req.url === '/block') {
      blocked.push(res);
    } else if (req.url === '/hold') {
      setTimeout(() => res.end('held'), 300);
    } else {
      res.end('ok');
    }
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // A test that failed may have left replies held: they end so the server can close.
  for (const res of blocked.splice(0)) res.end();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function call(upstream: Http1Upstream, path: string, cancel = new Cancel()): Promise<Result> {
  const ctx: CallContext = { listener: 't', startedAt: performance.now(), log: createRootLogger('silent'), cancel };
  const invocation = { protocol: 'http1', service: { interface: 'x' }, method: 'GET', attachments: { ':method': 'GET', ':path': path, host: 'x' }, oneway: false, body: { kind: 'empty' as const } };
  return upstream.call(makeEndpoint(address), invocation, ctx);
}

async function text(result: Result): Promise<string> {
  if (result.body.kind === 'raw') return result.body.bytes.toString('latin1');
  if (result.body.kind !== 'stream') return '';
  let out = '';
  for await (const chunk of result.body.stream) out += (chunk as Buffer).toString('latin1');
  return out;
}

describe('HTTP/1 upstream pool', () => {
  it('reuses its one connection, also after a reply that ended while nobody read it', async () => {
    const upstream = new Http1Upstream({ codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 1 });
    const before = connections;
    const late = await call(upstream, '/late');
    expect(late.body.kind).toBe('stream');
    const stream = (late.body as { stream: NodeJS.ReadableStream & { readableLength: number } }).stream;
    // Unread, the whole body piles up in the stream past its mark: the socket is paused when the reply ends.
    for (let i = 0; i < 500 && stream.readableLength < 40_001; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stream.readableLength).toBe(40_001);
    expect((await text(late)).length).toBe(40_001);
    const next = await Promise.race([call(upstream, '/ok'), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the next call was never answered')), 10_000))]);
    expect(await text(next)).toBe('ok');
    expect(connections - before).toBe(1);
    expect(upstream.connections()).toEqual({ [address]: 1 });
    await upstream.close();
  });

  it('a call cancelled while waiting for the busy connection fails with its reason; the next one is served', async () => {
    const upstream = new Http1Upstream({ codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 1 });
    const held = call(upstream, '/hold');
    const cancel = new Cancel();
    const waiting = call(upstream, '/ok', cancel);
    cancel.abort(new MeshError('PMESH_DEADLINE_EXCEEDED', 'gave up'));
    await expect(waiting).rejects.toMatchObject({ reason: 'PMESH_DEADLINE_EXCEEDED' });
    expect(await text(await held)).toBe('held');
    expect(await text(await call(upstream, '/ok'))).toBe('ok');
    await upstream.close();
  });

  it('a raised maxConnectionsPerEndpoint (a reload) gives the call waiting for the busy connection a new one at once', async () => {
    const upstream = new Http1Upstream({ codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 1 });
    const held = call(upstream, '/block');
    const end = Date.now() + 10_000;
    while (blocked.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
    const waiting = call(upstream, '/ok');
    upstream.setLimits({ maxConnectionsPerEndpoint: 2, maxPendingStreamsPerEndpoint: 1 });
    // Served while the first connection is still held: only a second connection can carry it.
    expect(await text(await waiting)).toBe('ok');
    blocked.splice(0).forEach((res) => res.end('released'));
    expect(await text(await held)).toBe('released');
    await upstream.close();
  });

  it('closes an idle connection at the second idle sweep after its last call (3 to 6 s), not at the first', async () => {
    const realSetTimeout = globalThis.setTimeout;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const upstream = new Http1Upstream({ codec: CODEC, cluster: 'c', connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 1 });
      expect(await text(await call(upstream, '/ok'))).toBe('ok');
      expect(upstream.connections()).toEqual({ [address]: 1 });
      vi.advanceTimersByTime(3_000);
      // Long enough for a close to be seen had the first sweep closed it.
      await new Promise((resolve) => realSetTimeout(resolve, 300));
      expect(upstream.connections()).toEqual({ [address]: 1 });
      vi.advanceTimersByTime(3_000);
      await vi.waitUntil(() => upstream.connections()[address] === 0, { timeout: 10_000, interval: 10 });
      await upstream.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

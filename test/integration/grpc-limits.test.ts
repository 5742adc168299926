/**
 * The gRPC listener's limits and HTTP/2 protections, each hit on purpose: the caller
 * gets a status that says why (or GOAWAY ENHANCE_YOUR_CALM for a flood), the limit is
 * counted in pmesh_limit_exceeded_total, and other connections carry on. Also drain:
 * GOAWAY, and the stream in flight finishes. The upstream is the grpc-go peer.
 */
import { constants, type ClientHttp2Session, type ClientSessionOptions } from 'node:http2';
import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { startGrpcServer } from '../support/grpc-peers.js';
import { rawCall, rawSession, rawUnary, stringMessage } from '../support/grpc-raw.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

let sidecar: Running;
let server: { peer: Peer; port: number };
let graceful: { peer: Peer; port: number };
let grpcPort: number;
let adminPort: number;
const HELLO = '/helloworld.Greeter/SayHello';

beforeAll(async () => {
  [server, graceful] = await Promise.all([startGrpcServer('go'), startGrpcServer('go')]);
  [grpcPort, adminPort] = [await freePort(), await freePort()];
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
grpc: { maxMessageBytes: 1024, maxConcurrentStreams: 4, maxHeaderListBytes: 2048, maxPingsPer10s: 5, maxSettingsPer10s: 5, maxResetsPer10s: 20 }
listeners:
  - name: grpc
    protocol: grpc
    address: 127.0.0.1:${grpcPort}
    routes:
      - { match: { headers: { x-route: graceful } }, cluster: graceful }
      - { match: { headers: { x-route: drain } }, cluster: drain }
      - { match: { service: helloworld.Greeter }, cluster: go }
      - { match: { service: examples.streaming.Streamer }, cluster: go }
clusters:
  - { name: go, protocol: grpc, endpoints: [127.0.0.1:${server.port}] }
  - { name: graceful, protocol: grpc, endpoints: [127.0.0.1:${graceful.port}] }
  - { name: drain, protocol: grpc, endpoints: [127.0.0.1:${server.port}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(200);
  await stopAllPeers();
});

async function limitCount(limit: string): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  const line = text.split('\n').find((l) => l.startsWith(`pmesh_limit_exceeded_total{limit="${limit}"}`));
  return Number(line?.split(' ')[1] ?? 0);
}

/** Waits (bounded) until the sidecar holds a session to the cluster's endpoint, i.e. the call has gone out. */
async function upstreamSessionOpen(cluster: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const body = (await (await request(`http://127.0.0.1:${adminPort}/clusters`)).body.json()) as { clusters: { name: string; endpoints: { connections: number }[] }[] };
    if ((body.clusters.find((c) => c.name === cluster)?.endpoints[0]?.connections ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no session to cluster ${cluster} after 5 s`);
}

function goaway(session: ClientHttp2Session): Promise<{ code: number; data: string }> {
  return new Promise((resolve) => session.once('goaway', (code, _last, data?: Buffer) => resolve({ code, data: data?.toString() ?? '' })));
}

async function stillServes(): Promise<void> {
  const reply = await rawUnary(grpcPort, HELLO, stringMessage('after'));
  expect(reply.messages).toEqual(['Hello after']);
}

/** A Streamer.Download request for `bytes` bytes (UInt64Value). */
function sizeMessage(bytes: number): Buffer {
  const body = Buffer.from([0x08, ...varint(bytes)]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

function varint(value: number): number[] {
  const out: number[] = [];
  do {
    out.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value = Math.floor(value / 128);
  } while (value > 0);
  return out;
}

describe('gRPC limits', () => {
  it('a request message over maxMessageBytes: RESOURCE_EXHAUSTED before the message is forwarded, counted', async () => {
    const before = await limitCount('grpc_max_message_bytes');
    const reply = await rawUnary(grpcPort, HELLO, stringMessage('x'.repeat(2000)));
    expect(reply.status).toBe(8);
    expect(reply.message).toBe('PMESH_BODY_TOO_LARGE: request message of 2003 bytes exceeds the limit of 1024 bytes');
    expect(await limitCount('grpc_max_message_bytes')).toBe(before + 1);
    await stillServes();
  });

  it('a reply message over maxMessageBytes: RESOURCE_EXHAUSTED in the trailers, counted', async () => {
    const before = await limitCount('grpc_max_message_bytes');
    const reply = await rawUnary(grpcPort, '/examples.streaming.Streamer/Download', sizeMessage(64 * 1024));
    expect(reply.status).toBe(8);
    expect(reply.message).toMatch(/^PMESH_BODY_TOO_LARGE: response message of \d+ bytes exceeds the limit of 1024 bytes$/);
    expect(await limitCount('grpc_max_message_bytes')).toBe(before + 1);
  });

  it('a header list over maxHeaderListBytes: RESOURCE_EXHAUSTED naming the size, counted', async () => {
    const reply = await rawUnary(grpcPort, HELLO, stringMessage('a'), { 'x-big': 'v'.repeat(2500) });
    expect(reply.status).toBe(8);
    expect(reply.message).toMatch(/^PMESH_HEADERS_TOO_LARGE: header list of \d+ bytes exceeds the limit of 2048 bytes$/);
    expect(await limitCount('http2_max_header_list_bytes')).toBe(1);
  });

  it('maxConcurrentStreams is advertised, a connection that reaches it is counted, and its calls queue and finish', async () => {
    const session = rawSession(grpcPort);
    // A client sends within the limit once it has the server's SETTINGS (before them,
    // nghttp2 refuses streams beyond the limit with REFUSED_STREAM).
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    const calls = Array.from({ length: 10 }, (_, i) => rawCall(session, HELLO, stringMessage(`sleep:${50 + i}`)));
    const replies = await Promise.all(calls);
    expect(session.remoteSettings.maxConcurrentStreams).toBe(4);
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(0));
    expect(await limitCount('http2_max_concurrent_streams')).toBeGreaterThan(0);
    session.close();
  });
});

describe('HTTP/2 flood protections', () => {
  it('a PING flood on an idle connection gets GOAWAY ENHANCE_YOUR_CALM, counted; others unharmed', async () => {
    const session = rawSession(grpcPort);
    const away = goaway(session);
    await new Promise((resolve) => session.once('connect', resolve));
    for (let i = 0; i < 20 && !session.destroyed; i++) session.ping(() => {});
    expect(await away).toMatchObject({ code: constants.NGHTTP2_ENHANCE_YOUR_CALM, data: 'http2_ping_flood: more than 5 in 10 s' });
    expect(await limitCount('http2_ping_flood')).toBe(1);
    await stillServes();
  });

  it("a working client's PINGs between calls are forgiven by each reply, as grpc-go's server forgives them", async () => {
    // A busy grpc-go client PINGs for its bandwidth estimate after each reply it reads, often
    // when its last stream has just closed: 5 idle PINGs after each of 4 calls is 20 in all.
    const floodsBefore = await limitCount('http2_ping_flood');
    const session = rawSession(grpcPort);
    for (let round = 0; round < 4; round++) {
      expect((await rawCall(session, HELLO, stringMessage(`round ${round}`))).messages).toEqual([`Hello round ${round}`]);
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
    }
    expect(session.destroyed).toBe(false);
    expect(await limitCount('http2_ping_flood')).toBe(floodsBefore);
    session.close();
  });

  it('a SETTINGS flood gets GOAWAY ENHANCE_YOUR_CALM, counted', async () => {
    // Node's client stops at 10 unacknowledged SETTINGS unless told (the option is missing from @types/node).
    const session = rawSession(grpcPort, { maxOutstandingSettings: 100 } as ClientSessionOptions);
    const away = goaway(session);
    await new Promise((resolve) => session.once('connect', resolve));
    for (let i = 0; i < 20 && !session.destroyed; i++) session.settings({ enablePush: false });
    expect((await away).code).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect(await limitCount('http2_settings_flood')).toBe(1);
    await stillServes();
  });

  it('rapid reset (streams opened and cancelled at once) gets GOAWAY ENHANCE_YOUR_CALM, counted', async () => {
    const session = rawSession(grpcPort);
    const away = goaway(session);
    await new Promise((resolve) => session.once('connect', resolve));
    for (let i = 0; i < 60 && !session.destroyed && !session.closed; i++) {
      const stream = session.request({ ':method': 'POST', ':path': HELLO, 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => {});
      stream.end(stringMessage('sleep:5000'));
      await new Promise((resolve) => setImmediate(resolve));
      stream.close(constants.NGHTTP2_CANCEL);
    }
    expect(await away).toMatchObject({ code: constants.NGHTTP2_ENHANCE_YOUR_CALM, data: 'http2_rapid_reset: more than 20 in 10 s' });
    expect(await limitCount('http2_rapid_reset')).toBe(1);
    await stillServes();
  });

  it('the limits are in /config', async () => {
    const config = (await (await request(`http://127.0.0.1:${adminPort}/config`)).body.json()) as { grpc: Record<string, number> };
    expect(config.grpc).toMatchObject({ maxMessageBytes: 1024, maxConcurrentStreams: 4, maxHeaderListBytes: 2048, maxResetsPer10s: 20, keepaliveMs: 300_000 });
  });
});

describe('bad input', () => {
  it('an HTTP/2 request that is not gRPC gets INVALID_ARGUMENT saying what came', async () => {
    const session = rawSession(grpcPort);
    const reply = await new Promise<{ status: string; message: string }>((resolve) => {
      const stream = session.request({ ':method': 'GET', ':path': '/index.html' });
      stream.on('response', (head) => resolve({ status: String(head['grpc-status']), message: decodeURIComponent(String(head['grpc-message'])) }));
      stream.resume();
    });
    session.close();
    expect(reply).toEqual({ status: '3', message: 'PMESH_BAD_REQUEST: not a gRPC call: GET /index.html (undefined)' });
  });

  it('HTTP/1.1 or garbage on the gRPC port closes that connection only', async () => {
    for (const bytes of ['GET / HTTP/1.1\r\nhost: x\r\n\r\n', '\x00\x01garbage'.repeat(20)]) {
      const socket = connect(grpcPort, '127.0.0.1');
      socket.on('error', () => {});
      socket.resume(); // read (and drop) the server's SETTINGS and GOAWAY, so 'close' can come
      socket.end(bytes);
      await new Promise((resolve) => socket.once('close', resolve));
    }
    await stillServes();
  });
});

describe('upstream GOAWAY', () => {
  it('a server that stops gracefully finishes the call in flight; the next call is UNAVAILABLE naming the endpoint', async () => {
    const call = rawUnary(grpcPort, HELLO, stringMessage('sleep:1500'), { 'x-route': 'graceful' });
    await upstreamSessionOpen('graceful');
    const stopped = graceful.peer.stop(10_000);
    await graceful.peer.waitFor(/^STOPPING$/m, 10_000);
    expect(await call).toMatchObject({ status: 0, messages: ['Hello sleep:1500'] });
    expect(await stopped).toBe(0);
    const after = await rawUnary(grpcPort, HELLO, stringMessage('x'), { 'x-route': 'graceful' });
    expect(after.status).toBe(14);
    expect(after.message).toContain(`cannot connect to 127.0.0.1:${graceful.port}`);
  });
});

describe('drain', () => {
  it('on shutdown callers get GOAWAY and the stream in flight finishes', async () => {
    const session = rawSession(grpcPort);
    const away = goaway(session);
    const inFlight = rawCall(session, HELLO, stringMessage('sleep:500'), { 'x-route': 'drain' });
    await upstreamSessionOpen('drain');
    const stopping = sidecar.stop(10_000);
    expect((await away).code).toBe(constants.NGHTTP2_NO_ERROR);
    expect(await inFlight).toMatchObject({ status: 0, messages: ['Hello sleep:500'] });
    await stopping;
  });
});

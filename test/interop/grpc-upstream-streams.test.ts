/**
 * The relay's upstream connections against servers that limit or refuse streams: a
 * grpc-go server with a low SETTINGS_MAX_CONCURRENT_STREAMS (grpc.MaxConcurrentStreams),
 * node:http2 servers that refuse a stream (RST_STREAM REFUSED_STREAM) or send GOAWAY before
 * processing it, and a grpc-go server gracefully stopped (GOAWAY) while calls keep
 * starting. Calls come from grpc-go's client and, where the exact status matters, a bare
 * HTTP/2 caller.
 */
import { constants, createServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoPeer, runGrpcClient, startGrpcClient, startGrpcServer, clientLines } from '../support/grpc-peers.js';
import { rawUnary, stringMessage } from '../support/grpc-raw.js';
import { freePort, refusedPort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

type Running = Awaited<ReturnType<typeof startInProcess>>;
type Snapshot = { name: string; endpoints: { inFlight: number }[] };

let sidecar: Running;
let limited: { peer: Peer; port: number };
let stopping: { peer: Peer; port: number };
let staying: { peer: Peer; port: number };
const servers: Http2Server[] = [];
const sessions = new Set<ServerHttp2Session>();
const ports = { limited: 0, tight: 0, refusing: 0, goaway: 0, pair: 0, mixed: 0, admin: 0 };

/** Answers SayHello("x") with "Hello x" as grpc-go does (StringValue names under 128 bytes). */
function answer(stream: ServerHttp2Stream): void {
  const parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => parts.push(chunk));
  stream.once('end', () => {
    const name = Buffer.concat(parts).subarray(7).toString('utf8');
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(stringMessage(`Hello ${name}`));
  });
}

/** A node:http2 gRPC server that treats the first stream of a session with `first`, and answers the others; `onFirstSession` gets its first session. */
async function serveH2(first: (stream: ServerHttp2Stream) => void, onFirstSession?: (session: ServerHttp2Session) => void): Promise<number> {
  const server = createServer();
  server.on('session', (session) => sessions.add(session));
  server.once('session', (session) => onFirstSession?.(session));
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    if (stream.id === 1) first(stream);
    else answer(stream);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function metrics(): Promise<string> {
  return (await request(`http://127.0.0.1:${ports.admin}/metrics`)).body.text();
}

function counter(text: string, pattern: RegExp): number {
  return Number(pattern.exec(text)?.[1] ?? 0);
}

beforeAll(async () => {
  buildGoPeer();
  [limited, stopping, staying] = await Promise.all([startGrpcServer('go', ['max-streams=2']), startGrpcServer('go'), startGrpcServer('go')]);
  // The first stream of every session is refused unprocessed.
  const refusingPort = await serveH2((stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM));
  // The first session is sent GOAWAY naming no stream processed as soon as it opens (nghttp2 will not
  // name a stream id below one it received), so the stream sent on it is not processed.
  const goawayPort = await serveH2(answer, (session) => session.goaway(constants.NGHTTP2_NO_ERROR, 0));
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const nobody = await refusedPort();
  const listener = (name: keyof typeof ports, cluster: string): string =>
    `  - { name: ${name}, protocol: grpc, address: 127.0.0.1:${ports[name]}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: ${cluster} }] }`;
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${ports.admin} }
listeners:
${listener('limited', 'limited')}
${listener('tight', 'tight')}
${listener('refusing', 'refusing')}
${listener('goaway', 'goaway')}
${listener('pair', 'pair')}
${listener('mixed', 'mixed')}
clusters:
  - { name: limited, protocol: grpc, endpoints: [127.0.0.1:${limited.port}], maxConnectionsPerEndpoint: 2 }
  - { name: tight, protocol: grpc, endpoints: [127.0.0.1:${limited.port}], maxConnectionsPerEndpoint: 1, maxPendingStreamsPerEndpoint: 3 }
  - { name: refusing, protocol: grpc, endpoints: [127.0.0.1:${refusingPort}] }
  - { name: goaway, protocol: grpc, endpoints: [127.0.0.1:${goawayPort}] }
  - { name: pair, protocol: grpc, endpoints: [127.0.0.1:${stopping.port}, 127.0.0.1:${staying.port}] }
  - { name: mixed, protocol: grpc, endpoints: [127.0.0.1:${nobody}, 127.0.0.1:${staying.port}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(0);
  await stopAllPeers();
  // node:http2 keeps a session whose client half-closed after a GOAWAY: closed here.
  for (const session of sessions) session.destroy();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
}, 30_000);

describe("the server's stream limit", () => {
  it('200 calls at once to a server taking 2 streams a connection, over at most 2 connections: every call succeeds', async () => {
    expect(await runGrpcClient('go', `127.0.0.1:${ports.limited}`, ['burst:200:sleep:20'])).toEqual(['ok burst:200:sleep:20']);
  }, 120_000);

  it('calls beyond maxPendingStreamsPerEndpoint are answered RESOURCE_EXHAUSTED, with a readable message, and counted', async () => {
    // One call first, so the connection is ready (its SETTINGS read) before the 20 come.
    const client = startGrpcClient('go', `127.0.0.1:${ports.tight}`, ['burst:1:warm', 'burst:20:sleep:3000']);
    await client.waitFor(/^DONE$/m, 120_000);
    const codes = [...client.output().matchAll(/^CODES (.*)$/gm)].at(-1)?.[1] ?? '';
    const ok = Number(/OK=(\d+)/.exec(codes)?.[1] ?? 0);
    const exhausted = Number(/ResourceExhausted=(\d+)/.exec(codes)?.[1] ?? 0);
    // 2 streams open and 3 waiting: those 5 succeed, the others are refused at once.
    expect({ ok, exhausted }).toEqual({ ok: 5, exhausted: 15 });
    expect(client.output()).toMatch(/^MESSAGE ResourceExhausted: PMESH_OVERLOADED: cluster "tight": 127\.0\.0\.1:\d+: 3 calls already wait for a stream \(maxPendingStreamsPerEndpoint\); 1 connections open, each at the server's limit of 2 concurrent streams$/m);
    expect(counter(await metrics(), /^pmesh_limit_exceeded_total\{limit="http2_upstream_pending_streams"\} (\d+)/m)).toBe(15);
  }, 120_000);

  it("a call whose deadline passes while it waits for a stream is answered RESOURCE_EXHAUSTED, and counted", async () => {
    const sleepers = [rawUnary(ports.tight, '/helloworld.Greeter/SayHello', stringMessage('sleep:4000')), rawUnary(ports.tight, '/helloworld.Greeter/SayHello', stringMessage('sleep:4000'))];
    // Both are in flight on the cluster's one connection (2 streams) before the third call comes.
    for (let tries = 0; tries < 300; tries++) {
      const body = (await (await request(`http://127.0.0.1:${ports.admin}/clusters`)).body.json()) as Snapshot[] | { clusters: Snapshot[] };
      const clusters = Array.isArray(body) ? body : body.clusters;
      if ((clusters.find((c) => c.name === 'tight')?.endpoints[0]?.inFlight ?? 0) >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const waited = await rawUnary(ports.tight, '/helloworld.Greeter/SayHello', stringMessage('late'), { 'grpc-timeout': '300m' });
    expect(waited.status).toBe(8);
    expect(waited.message).toMatch(/^PMESH_OVERLOADED: cluster "tight": 127\.0\.0\.1:\d+: no stream was free within the call's deadline; 1 connections open/);
    expect(counter(await metrics(), /^pmesh_limit_exceeded_total\{limit="http2_upstream_stream_wait"\} (\d+)/m)).toBe(1);
    expect((await Promise.all(sleepers)).map((reply) => reply.status)).toEqual([0, 0]);
  }, 60_000);
});

describe('streams the server did not process are sent again', () => {
  it('RST_STREAM REFUSED_STREAM: the call is sent again on a new stream and succeeds, counted as a transparent retry', async () => {
    expect(await runGrpcClient('go', `127.0.0.1:${ports.refusing}`, ['burst:1:refused', 'burst:10:refused'])).toEqual(['ok burst:1:refused', 'ok burst:10:refused']);
    expect(counter(await metrics(), /^pmesh_traffic_events_total\{event="transparent_retry",route="[^"]*",cluster="refusing"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('GOAWAY with a last stream id below the stream: the call is sent again on a new connection and succeeds', async () => {
    expect(await runGrpcClient('go', `127.0.0.1:${ports.goaway}`, ['burst:1:away', 'burst:10:away'])).toEqual(['ok burst:1:away', 'ok burst:10:away']);
  }, 60_000);

  it('a call whose first endpoint refuses the connection is sent to the other with its request whole', async () => {
    // The retry after a failed connect once sent the head alone (the request DATA had gone to the
    // dead connection): grpc-go read an empty request (status UNKNOWN "EOF").
    const client = startGrpcClient('go', `127.0.0.1:${ports.mixed}`, ['burst:20:mixed']);
    await client.waitFor(/^DONE$/m, 60_000);
    await client.stop();
    // On failure, the client's codes and first message per code say why.
    expect(clientLines(client), client.output()).toEqual(['ok burst:20:mixed']);
  }, 60_000);

  it('a grpc-go server gracefully stopped (GOAWAY) while calls keep starting: no call fails', async () => {
    const client = startGrpcClient('go', `127.0.0.1:${ports.pair}`, ['steady:1500:16']);
    await client.waitFor(/^STARTED$/m, 60_000);
    expect(await stopping.peer.stop(30_000)).toBe(0);
    await client.waitFor(/^DONE$/m, 120_000);
    expect(clientLines(client)).toEqual(['ok steady:1500:16']);
  }, 180_000);
});

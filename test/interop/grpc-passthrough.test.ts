/**
 * gRPC pass-through with peers we did not write: grpc-go and Python grpcio clients and
 * servers (test/support/grpc-peers.ts) calling helloworld.Greeter and
 * examples.streaming.Streamer (proto/examples) through the sidecar, run as a user runs
 * it (the CLI in a child process, so its memory can be read from /proc).
 */
import { createServer as createH2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientLines, preparePythonPeer, buildGoPeer, runGrpcClient, startGrpcClient, startGrpcServer } from '../support/grpc-peers.js';
import { rawUnary, stringMessage } from '../support/grpc-raw.js';
import { freePort } from '../support/ports.js';
import { rssBytes, stopAllPeers, type Peer } from '../support/process.js';
import { startChild } from '../support/sidecar.js';

const CASES = ['unary', 'status', 'server-stream', 'client-stream', 'bidi', 'deadline', 'cancel', 'too-large', 'no-route'];
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

let sidecar: Peer;
let goServer: { peer: Peer; port: number };
let pyServer: { peer: Peer; port: number };
let doomed: { peer: Peer; port: number };
/** An HTTP/2 server that takes every stream and never answers nor enforces a deadline: only the sidecar can end such a call. */
let silent: Http2Server;
const silentSessions = new Set<ServerHttp2Session>();
const ports = { toGo: 0, toPython: 0, toDoomed: 0, toSilent: 0, toSilentRoute: 0, egress: 0, ingress: 0, http: 0, admin: 0 };

beforeAll(async () => {
  buildGoPeer();
  preparePythonPeer();
  [goServer, pyServer, doomed] = await Promise.all([startGrpcServer('go'), startGrpcServer('python'), startGrpcServer('go')]);
  silent = createH2Server();
  silent.on('session', (session) => {
    silentSessions.add(session);
    session.on('close', () => silentSessions.delete(session));
  });
  silent.on('stream', () => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const services = (cluster: string): string =>
    `[{ match: { service: helloworld.Greeter }, cluster: ${cluster} }, { match: { service: examples.streaming.Streamer }, cluster: ${cluster} }]`;
  ({ peer: sidecar } = await startChild(
    `
admin: { address: 127.0.0.1:${ports.admin} }
logging: { accessLog: false }
listeners:
  - { name: to-go, protocol: grpc, address: 127.0.0.1:${ports.toGo}, routeByRegistry: false, routes: ${services('go')} }
  - { name: to-python, protocol: grpc, address: 127.0.0.1:${ports.toPython}, routeByRegistry: false, routes: ${services('python')} }
  - { name: to-doomed, protocol: grpc, address: 127.0.0.1:${ports.toDoomed}, routes: ${services('doomed')} }
  - { name: to-silent, protocol: grpc, address: 127.0.0.1:${ports.toSilent}, routeByRegistry: false, routes: ${services('silent')} }
  - { name: to-silent-route, protocol: grpc, address: 127.0.0.1:${ports.toSilentRoute}, routeByRegistry: false, routes: [{ match: { service: helloworld.Greeter }, cluster: silent, timeoutMs: 300 }] }
  - { name: egress, protocol: grpc, address: 127.0.0.1:${ports.egress} }
  - { name: ingress, protocol: grpc, address: 127.0.0.1:${ports.ingress}, ingress: true }
  - { name: http, protocol: http1, address: 127.0.0.1:${ports.http} }
clusters:
  - { name: go, protocol: grpc, endpoints: [127.0.0.1:${goServer.port}] }
  - { name: python, protocol: grpc, endpoints: [127.0.0.1:${pyServer.port}] }
  - { name: doomed, protocol: grpc, endpoints: [127.0.0.1:${doomed.port}] }
  - { name: silent, protocol: grpc, endpoints: [127.0.0.1:${(silent.address() as AddressInfo).port}] }
`,
    ports.admin,
  ));
}, 900_000);

afterAll(async () => {
  for (const session of silentSessions) session.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await stopAllPeers();
});

describe('gRPC pass-through between grpc-go and grpcio', () => {
  it('Go client -> sidecar -> Python server: every call kind, status and binary trailers, deadline, cancel, limits', async () => {
    expect(await runGrpcClient('go', `127.0.0.1:${ports.toPython}`, CASES)).toEqual(CASES.map((c) => `ok ${c}`));
    // The caller's cancel reached the server as a cancel.
    await pyServer.peer.waitFor(/^CANCELLED Download$/m, 10_000);
  }, 240_000);

  it('Python client -> sidecar -> Go server: every call kind, status and binary trailers, deadline, cancel, limits', async () => {
    expect(await runGrpcClient('python', `127.0.0.1:${ports.toGo}`, CASES)).toEqual(CASES.map((c) => `ok ${c}`));
    await goServer.peer.waitFor(/^CANCELLED Download$/m, 10_000);
  }, 240_000);

  it('1,000 concurrent streams from one grpc-go connection all complete, held to the stream limit (100)', async () => {
    expect(await runGrpcClient('go', `127.0.0.1:${ports.toGo}`, ['concurrent'])).toEqual(['ok concurrent']);
    const metrics = await (await request(`http://127.0.0.1:${ports.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/^pmesh_limit_exceeded_total\{limit="http2_max_concurrent_streams"\} [1-9]/m);
  }, 240_000);

  it('1 GiB streamed to a reader that pauses: the sidecar holds memory flat (HTTP/2 flow control end to end)', async () => {
    const pid = sidecar.child.pid!;
    const before = rssBytes(pid);
    let peak = before;
    const client = startGrpcClient('go', `127.0.0.1:${ports.toGo}`, [`slow:${GiB}`]);
    const done = client.waitFor(/^DONE$/m, 300_000);
    let finished = false;
    void done.then(() => (finished = true), () => (finished = true));
    while (!finished) {
      peak = Math.max(peak, rssBytes(pid));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await done;
    expect(clientLines(client)).toEqual([`ok slow:${GiB}`]);
    // 1 GiB passed; the sidecar grew by a small fraction of it.
    expect(peak - before).toBeLessThan(96 * MiB);
  }, 320_000);

  it('a server killed with streams open: every stream gets UNAVAILABLE', async () => {
    const client = startGrpcClient('go', `127.0.0.1:${ports.toDoomed}`, ['unavailable']);
    await client.waitFor(/^STREAMING$/m, 60_000);
    await doomed.peer.kill();
    await client.waitFor(/^DONE$/m, 60_000);
    expect(clientLines(client)).toEqual(['ok unavailable']);
  }, 120_000);
});

describe('deadlines and mesh errors as gRPC statuses', () => {
  it('grpc-timeout is forwarded as the budget left', async () => {
    const reply = await rawUnary(ports.toGo, '/helloworld.Greeter/SayHello', stringMessage('deadline'), { 'grpc-timeout': '5S' });
    expect(reply.status).toBe(0);
    const left = Number(reply.messages[0]?.split(' ')[1]);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5_000);
  });

  it('a spent grpc-timeout is answered DEADLINE_EXCEEDED by the sidecar when neither the client nor the server enforces it', async () => {
    const reply = await rawUnary(ports.toSilent, '/helloworld.Greeter/SayHello', stringMessage('never answered'), { 'grpc-timeout': '300m' });
    expect(reply.status).toBe(4);
    expect(reply.message).toMatch(/^PMESH_DEADLINE_EXCEEDED: deadline of 300 ms exceeded/);
  });

  it("a route's own timeout, with no grpc-timeout from the caller, is answered DEADLINE_EXCEEDED by the sidecar", async () => {
    // The route's deadline aborts the call's cancel: the relayed call's promise must answer it (nothing races it).
    const reply = await rawUnary(ports.toSilentRoute, '/helloworld.Greeter/SayHello', stringMessage('never answered'));
    expect(reply.status).toBe(4);
    expect(reply.message).toMatch(/^PMESH_DEADLINE_EXCEEDED: deadline of 300 ms exceeded/);
  });

  it('a spent grpc-timeout to a server that enforces the forwarded budget too is DEADLINE_EXCEEDED, whichever of the two answers first', async () => {
    // grpc-go's server gets what is left of the 300 ms and gives up on its own as it runs
    // out (a trailer, or a reset the sidecar must not report as UNAVAILABLE).
    const reply = await rawUnary(ports.toGo, '/helloworld.Greeter/SayHello', stringMessage('sleep:10000'), { 'grpc-timeout': '300m' });
    expect(reply.status).toBe(4);
    expect(reply.message).toMatch(/^PMESH_DEADLINE_EXCEEDED: deadline of 300 ms exceeded|context deadline exceeded/);
  });

  it('no route is UNIMPLEMENTED, and a service with no provider in the registry is UNAVAILABLE, with a readable message', async () => {
    const noRoute = await rawUnary(ports.toGo, '/unknown.Service/Call', stringMessage(''));
    expect(noRoute).toMatchObject({ status: 12, message: `PMESH_NO_ROUTE: no route for host "127.0.0.1:${ports.toGo}" path "/unknown.Service/Call"` });
    const noProvider = await rawUnary(ports.egress, '/unknown.Service/Call', stringMessage(''));
    expect(noProvider.status).toBe(14);
    expect(noProvider.message).toContain('no provider of service "unknown.Service" is registered');
  }, 30_000);
});

describe('gRPC services published through the app API', () => {
  it('an egress call no route matches goes to the provider the registry names (app -> ingress -> app)', async () => {
    const published = await request(`http://127.0.0.1:${ports.http}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'helloworld.Greeter', protocol: 'grpc', port: goServer.port }),
    });
    expect(published.statusCode).toBe(201);
    expect(await published.body.json()).toMatchObject({ address: `127.0.0.1:${ports.ingress}` });
    expect(await runGrpcClient('go', `127.0.0.1:${ports.egress}`, ['unary', 'status'])).toEqual(['ok unary', 'ok status']);
    const metrics = await (await request(`http://127.0.0.1:${ports.admin}/metrics`)).body.text();
    expect(metrics).toMatch(/cluster="service:grpc:helloworld.Greeter"/);
  }, 120_000);
});

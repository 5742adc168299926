/**
 * A drain that ends with calls still running: every caller gets the protocol's error
 * reply (Bolt error response, Dubbo error status, HTTP 503, gRPC UNAVAILABLE on the
 * Invoke API) naming the shutdown, before its connection closes; none gets a reset.
 * Upstreams here take every call and never answer.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { getCodec, type AnyCodec } from '../../src/codecs/index.js';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { setup } from '../../src/main.js';
import { INVOKE_PROTO } from '../../src/proxy/listeners/built-in-api.js';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const CALLERS = 8;
const DRAIN_MS = 500;

/** A Bolt or Dubbo upstream that answers heartbeats and nothing else. */
async function silentUpstream(codec: AnyCodec): Promise<{ server: Server; port: number; received: () => number }> {
  let received = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const decoder = codec.newDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (codec.kind(frame) === 'heartbeat') socket.write(Buffer.concat(codec.encode(codec.heartbeatReply(frame))));
        else received += 1;
      }
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received: () => received };
}

/** What one binary caller saw: its reply frame, and whether the connection was reset. */
function binaryCall(port: number, codec: AnyCodec, bytes: Buffer): Promise<{ frame?: unknown; reset: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const decoder = codec.newDecoder(DEFAULT_LIMITS);
    let frame: unknown;
    let reset = false;
    socket.on('data', (chunk) => {
      // Dubbo callers are first told READONLY (a control frame); the reply is what counts.
      frame ??= decoder.push(chunk).find((f) => codec.kind(f) === 'response');
    });
    socket.on('error', () => (reset = true));
    socket.on('close', () => resolve({ frame, reset }));
    socket.once('connect', () => socket.write(bytes));
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(50);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

type BinarySeen = { frame?: unknown; reset: boolean };

describe('a drain that ends with calls still running', () => {
  let bolt: Awaited<ReturnType<typeof silentUpstream>>;
  let dubbo: Awaited<ReturnType<typeof silentUpstream>>;
  let http: TestUpstream;
  let httpArrived = 0;
  const ports = { bolt: 0, dubbo: 0, http: 0, grpc: 0 };
  /** What each caller got, once the sidecar has stopped. */
  const seen = {
    bolt: [] as BinarySeen[],
    dubbo: [] as BinarySeen[],
    http: [] as { status: number; body: string }[],
    grpc: [] as (ServiceError | undefined)[],
  };

  beforeAll(async () => {
    setup();
    bolt = await silentUpstream(getCodec('bolt')!);
    dubbo = await silentUpstream(getCodec('dubbo')!);
    http = await startUpstream(() => void (httpArrived += 1));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
defaults: { routeTimeoutMs: 60000 }
listeners:
  - { name: bolt-in, protocol: bolt, address: 127.0.0.1:${ports.bolt}, routes: [{ match: { service: com.example.EchoService:1.0 }, cluster: bolt-slow }] }
  - { name: dubbo-in, protocol: dubbo, address: 127.0.0.1:${ports.dubbo}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo-slow }] }
  - { name: http-in, protocol: http1, address: 127.0.0.1:${ports.http}, routes: [{ match: { host: slow.local }, cluster: http-slow }] }
  - { name: grpc-in, protocol: grpc, address: 127.0.0.1:${ports.grpc}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo-slow }] }
clusters:
  - { name: bolt-slow, protocol: bolt, endpoints: [127.0.0.1:${bolt.port}] }
  - { name: dubbo-slow, protocol: dubbo, endpoints: [127.0.0.1:${dubbo.port}] }
  - { name: http-slow, protocol: http1, endpoints: [${http.address}] }
`);
    const binary = (protocol: 'bolt' | 'dubbo', golden: string): Promise<BinarySeen>[] => {
      const codec = getCodec(protocol)!;
      const frame = codec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(REPO_ROOT, golden)))[0];
      // The caller's own deadline is far beyond the drain, so only the drain can end these calls.
      const bytes = Buffer.concat(codec.encode(codec.withTimeout(frame, 60_000)));
      return Array.from({ length: CALLERS }, () => binaryCall(ports[protocol], codec, bytes));
    };
    const boltCalls = binary('bolt', 'test/golden/bolt/v1-echo-request.bin');
    const dubboCalls = binary('dubbo', 'test/golden/dubbo/echo-request.bin');
    const httpCalls = Array.from({ length: CALLERS }, (_, i) =>
      request(`http://127.0.0.1:${ports.http}/slow/${i}`, { headers: { host: 'slow.local' } }).then(
        async (r) => ({ status: r.statusCode, body: await r.body.text() }),
        (error: Error) => ({ status: 0, body: `reset: ${error.message}` }),
      ),
    );
    const definition = loadSync(INVOKE_PROTO, { keepCase: false, longs: String, defaults: true });
    const Invoker = ((loadPackageDefinition(definition).pmesh as GrpcObject).v1 as GrpcObject).Invoker as ServiceClientConstructor;
    const client = new Invoker(`127.0.0.1:${ports.grpc}`, credentials.createInsecure()) as InstanceType<ServiceClientConstructor> & {
      Invoke(request: object, callback: (error: ServiceError | null) => void): void;
    };
    const grpcCalls = Array.from(
      { length: CALLERS },
      () =>
        new Promise<ServiceError | undefined>((resolve) => {
          client.Invoke(
            { service: 'com.example.EchoService', version: '1.0.0', method: 'echo', argumentsJson: '["hi"]', paramTypes: ['java.lang.String'] },
            (error: ServiceError | null) => resolve(error ?? undefined),
          );
        }),
    );
    // gRPC Invoke calls reach the Dubbo upstream too, bridged.
    await until(() => bolt.received() === CALLERS && dubbo.received() === 2 * CALLERS && httpArrived === CALLERS, 'every call to reach its upstream');
    await sidecar.stop(DRAIN_MS);
    seen.bolt = await Promise.all(boltCalls);
    seen.dubbo = await Promise.all(dubboCalls);
    seen.http = await Promise.all(httpCalls);
    seen.grpc = await Promise.all(grpcCalls);
    client.close();
  });

  afterAll(async () => {
    await http?.close();
    for (const upstream of [bolt, dubbo]) await new Promise<void>((resolve) => upstream?.server.close(() => resolve()));
  });

  it.each(['bolt', 'dubbo'] as const)('every %s caller gets an error response naming the shutdown before its connection closes, none a reset', (protocol) => {
    const codec = getCodec(protocol)!;
    expect(seen[protocol]).toHaveLength(CALLERS);
    for (const { frame, reset } of seen[protocol]) {
      expect(reset).toBe(false);
      expect(frame).toBeDefined();
      const result = codec.toResult(frame);
      expect(result.status).toBe('error');
      expect(result.message ?? '').toContain(`shutting down and the call did not finish within its drain of ${DRAIN_MS} ms`);
    }
  });

  it('every HTTP/1 caller gets 503 PMESH_DRAINING, none a reset', () => {
    expect(seen.http).toHaveLength(CALLERS);
    for (const answer of seen.http) {
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'PMESH_DRAINING' });
    }
  });

  it('every gRPC Invoke caller gets UNAVAILABLE naming the shutdown', () => {
    expect(seen.grpc).toHaveLength(CALLERS);
    for (const error of seen.grpc) {
      expect(error?.code).toBe(14); // UNAVAILABLE
      expect(error?.details).toContain('PMESH_DRAINING: the sidecar is shutting down');
    }
  });
});

/**
 * The transport layer under listeners and upstreams (src/proxy/transport): the first-byte
 * sniff, strict and permissive modes and their counts, the client-certificate checks
 * (another CA, expired, another trust domain), the peer identity read from the certificate,
 * and a certificate replaced while a connection stays open. Real sockets on 127.0.0.1.
 */
import { createServer as createHttp2Server, connect as http2Connect } from 'node:http2';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOOP_METRICS, rootLogger, type MeshMetrics, type TlsOutcome } from '../../../src/core/index.js';
import { dial, peerOf, secureConnections, type TlsMaterial } from '../../../src/proxy/transport/index.js';
import { fixedMaterial, makeTestCa, type TestCa } from '../../support/mesh-ca.js';

let ca: TestCa;
let other: TestCa;
const servers: Server[] = [];
/** Every socket a server accepted, cut after each test so closing the server does not wait on them. */
const accepted = new Set<Socket>();

beforeAll(async () => {
  ca = await makeTestCa('mesh.test');
  other = await makeTestCa('mesh.test');
});

afterEach(async () => {
  for (const socket of accepted) socket.destroy();
  accepted.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function counting(): MeshMetrics & { seen: Record<string, number> } {
  const seen: Record<string, number> = {};
  return { ...NOOP_METRICS, seen, tlsConnection: (_listener: string, outcome: TlsOutcome) => void (seen[outcome] = (seen[outcome] ?? 0) + 1) };
}

const log = rootLogger().child({ test: 'transport' });

/** An echo server that prefixes each reply with the caller's app (or "plain"). */
async function echoServer(mode: 'strict' | 'permissive', material: TlsMaterial, metrics: MeshMetrics) {
  const server = createServer((socket: Socket) => socket.on('data', (chunk) => socket.write(`${peerOf(socket)?.app ?? 'plain'}:${chunk.toString()}`)));
  const source = fixedMaterial(material);
  const stop = secureConnections(server, { mode, material: source, handshakeTimeoutMs: 5_000 }, { listener: 'test', metrics, log });
  await listen(server);
  return { port: (server.address() as { port: number }).port, source, stop };
}

async function listen(server: Server): Promise<void> {
  // Registered before secureConnections moved the handlers: it sees every raw connection.
  server.prependListener('connection', (socket: Socket) => {
    accepted.add(socket);
    socket.once('close', () => accepted.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
}

const meshEndpoint = (port: number) => ({ host: '127.0.0.1', port, metadata: { 'pmesh.tls': 'strict' } });

/** Sends `text` and resolves with the first reply, or with the error/close that came instead. */
function roundTrip(socket: Socket, readyEvent: string | undefined, text: string): Promise<string> {
  return new Promise((resolve) => {
    if (readyEvent) socket.once(readyEvent, () => socket.write(text));
    else socket.write(text);
    socket.once('data', (chunk) => {
      resolve(chunk.toString());
      socket.destroy();
    });
    socket.once('error', (error) => resolve(`error: ${error.message}`));
    socket.once('close', () => resolve('closed'));
  });
}

describe('ingress mTLS over a plain net server', () => {
  it('strict: a workload of the trust domain is served and named; plaintext and foreign certificates are refused and counted', async () => {
    const metrics = counting();
    const server = await echoServer('strict', await ca.material('provider'), metrics);
    const egress = { mtls: 'auto' as const, material: fixedMaterial(await ca.material('orders')) };
    const ok = dial(meshEndpoint(server.port), egress);
    expect(await roundTrip(ok.socket, ok.readyEvent, 'hi')).toBe('orders:hi');

    const plain = connect({ host: '127.0.0.1', port: server.port });
    expect(await roundTrip(plain, 'connect', 'hi')).toBe('closed');

    const foreign = dial(meshEndpoint(server.port), { mtls: 'on', material: fixedMaterial({ ...(await other.material('intruder')), ca: (await ca.material('x')).ca }) });
    expect(await roundTrip(foreign.socket, foreign.readyEvent, 'hi')).toMatch(/^(closed|error)/);

    const expired = dial(meshEndpoint(server.port), {
      mtls: 'on',
      material: fixedMaterial(await ca.material('late', { notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() - 60_000) })),
    });
    expect(await roundTrip(expired.socket, expired.readyEvent, 'hi')).toMatch(/^(closed|error)/);

    await expect.poll(() => metrics.seen, { timeout: 5_000 }).toEqual({ mtls: 1, refused_plaintext: 1, refused_handshake: 2 });
  });

  it('permissive: mTLS and plaintext on one port, each counted', async () => {
    const metrics = counting();
    const server = await echoServer('permissive', await ca.material('provider'), metrics);
    const tls = dial(meshEndpoint(server.port), { mtls: 'auto', material: fixedMaterial(await ca.material('orders')) });
    expect(await roundTrip(tls.socket, tls.readyEvent, 'a')).toBe('orders:a');
    const plain = connect({ host: '127.0.0.1', port: server.port });
    expect(await roundTrip(plain, 'connect', 'b')).toBe('plain:b');
    expect(metrics.seen).toEqual({ mtls: 1, plaintext: 1 });
  });

  it('the client refuses a server whose certificate is of another trust domain', async () => {
    const foreignDomain = await makeTestCa('elsewhere.test');
    const serverMaterial = { ...(await foreignDomain.material('provider')), ca: (await ca.material('x')).ca + (await foreignDomain.material('y')).ca };
    const server = await echoServer('strict', { ...serverMaterial, trustDomain: 'elsewhere.test' }, counting());
    const client = dial(meshEndpoint(server.port), { mtls: 'auto', material: fixedMaterial({ ...(await ca.material('orders')), ca: serverMaterial.ca }) });
    expect(await roundTrip(client.socket, client.readyEvent, 'hi')).toMatch(/error: .*spiffe:\/\/elsewhere\.test\/app\/provider, not one of spiffe:\/\/mesh\.test/);
  });

  it('a replaced certificate serves new handshakes while a connection made before stays open', async () => {
    const server = await echoServer('strict', await ca.material('provider-v1'), counting());
    const egress = { mtls: 'auto' as const, material: fixedMaterial(await ca.material('orders')) };
    const first = dial(meshEndpoint(server.port), egress);
    await new Promise((resolve) => first.socket.once('secureConnect', resolve));
    server.source.set(await ca.material('provider-v2'));
    const second = dial(meshEndpoint(server.port), egress);
    await new Promise((resolve) => second.socket.once('secureConnect', resolve));
    const seen = (socket: Socket) => (socket as unknown as { getPeerCertificate(): { subjectaltname: string } }).getPeerCertificate().subjectaltname;
    expect(seen(first.socket)).toBe('URI:spiffe://mesh.test/app/provider-v1');
    expect(seen(second.socket)).toBe('URI:spiffe://mesh.test/app/provider-v2');
    expect(await roundTrip(first.socket, undefined, 'still here')).toBe('orders:still here');
  });

  it('closing the listener cuts connections it has not been handed yet (silent, or mid-handshake)', async () => {
    const server = await echoServer('permissive', await ca.material('provider'), counting());
    const silent = connect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve) => silent.once('connect', resolve));
    const closed = new Promise((resolve) => silent.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100)); // accepted on the server side
    server.stop();
    await closed;
  });
});

describe('ingress mTLS under node:http and node:http2 servers', () => {
  it('HTTP/1: a request over mTLS reaches the handler with the caller named; plaintext in permissive mode too', async () => {
    const server = createHttpServer((req, res) => res.end(peerOf(req.socket)?.spiffeId ?? 'plain'));
    const metrics = counting();
    secureConnections(server, { mode: 'permissive', material: fixedMaterial(await ca.material('provider')), handshakeTimeoutMs: 5_000 }, { listener: 'h1', metrics, log });
    await listen(server);
    const port = (server.address() as { port: number }).port;
    const get = (createConnection?: () => Socket) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/', ...(createConnection ? { createConnection } : { agent: false }) }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end();
      });
    const material = fixedMaterial(await ca.material('web'));
    expect(await get(() => dial(meshEndpoint(port), { mtls: 'auto', material }).socket)).toBe('spiffe://mesh.test/app/web');
    expect(await get()).toBe('plain');
    expect(metrics.seen).toEqual({ mtls: 1, plaintext: 1 });
  });

  it('HTTP/2: a stream over mTLS (ALPN h2) reaches the handler with the caller named', async () => {
    const server = createHttp2Server();
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      stream.end(peerOf(stream.session!.socket)?.app ?? 'plain');
    });
    secureConnections(server, { mode: 'strict', material: fixedMaterial(await ca.material('provider')), handshakeTimeoutMs: 5_000 }, { listener: 'h2', metrics: counting(), log, alpn: ['h2'] });
    await listen(server);
    const port = (server.address() as { port: number }).port;
    const material = fixedMaterial(await ca.material('grpc-client'));
    const session = http2Connect(`http://127.0.0.1:${port}`, { createConnection: () => dial(meshEndpoint(port), { mtls: 'auto', material }, ['h2']).socket });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/' });
        let text = '';
        stream.on('data', (chunk) => (text += chunk));
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
        stream.end();
      });
      expect(body).toBe('grpc-client');
    } finally {
      session.close();
    }
  });
});

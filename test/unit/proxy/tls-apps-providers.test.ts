/**
 * TLS with apps and providers (src/proxy/transport, src/security/tls-files.ts): a listener
 * serving apps TLS with its own certificate files (TLS only or TLS or plaintext, client
 * certificates when it names a CA bundle, files replaced without dropping a connection),
 * and dial() to a provider serving TLS itself (verified against a CA bundle and a name,
 * a refusal named as a TLS failure and counted). Certificates from openssl; real sockets
 * on 127.0.0.1, node:tls as the other end.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, renameSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupProtocols } from '../../../src/codecs/index.js';
import { NOOP_METRICS, makeEndpoint, rootLogger, type MeshMetrics, type TlsOutcome } from '../../../src/core/index.js';
import { probeFor } from '../../../src/proxy/health/probes.js';
import { describeConnectError, dial, secureConnections, type EgressTls, type TlsMode } from '../../../src/proxy/transport/index.js';
import { WatchedTlsFiles, readTlsFiles } from '../../../src/security/tls-files.js';
import { makeTestPki, type CertPair, type TestPki } from '../../support/tls-pki.js';

let pki: TestPki;
let other: TestPki;
let server: CertPair;
let client: CertPair;
const servers: Server[] = [];
const sockets = new Set<Socket>();
const watched: WatchedTlsFiles[] = [];
const log = rootLogger().child({ test: 'tls-apps' });

beforeAll(() => {
  pki = makeTestPki('apps');
  other = makeTestPki('other');
  server = pki.issue('server', 'server');
  client = pki.issue('client', 'client');
});

afterEach(async () => {
  for (const files of watched.splice(0)) files.close();
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function counting(): MeshMetrics & { seen: Record<string, number> } {
  const seen: Record<string, number> = {};
  return { ...NOOP_METRICS, seen, tlsConnection: (_listener: string, outcome: TlsOutcome) => void (seen[outcome] = (seen[outcome] ?? 0) + 1) };
}

async function listen(s: Server): Promise<number> {
  s.prependListener('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

/** An echo server serving apps TLS from `files`; replies say whether the caller came in TLS. */
async function appServer(mode: TlsMode, files: { certFile: string; keyFile: string; caFile?: string }, metrics: MeshMetrics) {
  const source = new WatchedTlsFiles(files, 50, log);
  watched.push(source);
  const s = createServer((socket: Socket) => socket.on('data', (chunk) => socket.write(`${'encrypted' in socket ? 'tls' : 'plain'}:${chunk.toString()}`)));
  secureConnections(s, { peers: 'apps', mode, material: source, handshakeTimeoutMs: 5_000 }, { listener: 'apps', metrics, log });
  return listen(s);
}

/** Writes `text` once `readyEvent` fired and resolves with the first reply, or how the connection ended instead. */
function roundTrip(socket: Socket, readyEvent: string | undefined, text: string): Promise<string> {
  return new Promise((resolve) => {
    if (readyEvent) socket.once(readyEvent, () => socket.write(text));
    else socket.write(text);
    socket.once('data', (chunk) => resolve(chunk.toString()));
    socket.once('error', (error) => resolve(`error: ${describeConnectError(error)}`));
    socket.once('close', () => resolve('closed'));
  });
}

const appClient = (port: number, extra: Record<string, unknown> = {}) => tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(pki.caFile), servername: 'localhost', ...extra });

describe('a listener serving apps TLS with its own certificate', () => {
  it('strict: a TLS client verifying the listener against its CA is served; plaintext is refused; each counted', async () => {
    const metrics = counting();
    const port = await appServer('strict', server, metrics);
    const tls = appClient(port);
    expect(await roundTrip(tls, 'secureConnect', 'hi')).toBe('tls:hi');
    tls.destroy();
    expect(await roundTrip(connect({ host: '127.0.0.1', port }), 'connect', 'hi')).toBe('closed');
    await expect.poll(() => metrics.seen, { timeout: 5_000 }).toEqual({ tls: 1, refused_plaintext: 1 });
  });

  it('permissive: TLS and plaintext on one port, each counted', async () => {
    const metrics = counting();
    const port = await appServer('permissive', server, metrics);
    const tls = appClient(port);
    expect(await roundTrip(tls, 'secureConnect', 'a')).toBe('tls:a');
    tls.destroy();
    const plain = connect({ host: '127.0.0.1', port });
    expect(await roundTrip(plain, 'connect', 'b')).toBe('plain:b');
    plain.destroy();
    expect(metrics.seen).toEqual({ tls: 1, plaintext: 1 });
  });

  it('with caFile: a client certificate chained to it is required; none, or one of another CA, is refused and counted', async () => {
    const metrics = counting();
    const port = await appServer('strict', { ...server, caFile: pki.caFile }, metrics);
    const withCert = appClient(port, { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) });
    expect(await roundTrip(withCert, 'secureConnect', 'hi')).toBe('tls:hi');
    withCert.destroy();
    expect(await roundTrip(appClient(port), 'secureConnect', 'hi')).toMatch(/^(closed|error)/);
    const foreign = other.issue('intruder', 'client');
    expect(await roundTrip(appClient(port, { cert: readFileSync(foreign.certFile), key: readFileSync(foreign.keyFile) }), 'secureConnect', 'hi')).toMatch(/^(closed|error)/);
    await expect.poll(() => metrics.seen, { timeout: 5_000 }).toEqual({ tls: 1, refused_handshake: 2 });
  });

  it('replaced certificate files serve new handshakes while a connection made before stays open', async () => {
    const live = { certFile: `${pki.dir}/live.crt`, keyFile: `${pki.dir}/live.key` };
    copyFileSync(server.certFile, live.certFile);
    copyFileSync(server.keyFile, live.keyFile);
    const port = await appServer('strict', live, counting());
    const first = appClient(port);
    await new Promise((resolve) => first.once('secureConnect', resolve));
    const next = pki.issue('server-v2', 'server');
    // Key first, then the certificate, each renamed into place: the pair never mismatches for long.
    copyFileSync(next.keyFile, `${live.keyFile}.tmp`);
    renameSync(`${live.keyFile}.tmp`, live.keyFile);
    copyFileSync(next.certFile, `${live.certFile}.tmp`);
    renameSync(`${live.certFile}.tmp`, live.certFile);
    const serial = (socket: TLSSocket) => socket.getPeerCertificate().serialNumber;
    const newSerial = new X509Certificate(readFileSync(next.certFile)).serialNumber;
    await expect
      .poll(
        async () => {
          const probe = appClient(port);
          await new Promise((resolve) => probe.once('secureConnect', resolve));
          const seen = serial(probe);
          probe.destroy();
          return seen;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(newSerial);
    expect(serial(first)).not.toBe(newSerial);
    expect(await roundTrip(first, undefined, 'still here')).toBe('tls:still here');
    first.destroy();
  });

  it('unusable files get an error naming them', () => {
    expect(() => readTlsFiles({ certFile: server.certFile, keyFile: client.keyFile })).toThrow(`${client.keyFile} is not the key of ${server.certFile}`);
    expect(() => readTlsFiles({ certFile: `${pki.dir}/missing.crt`, keyFile: server.keyFile })).toThrow(`cannot read ${pki.dir}/missing.crt: ENOENT`);
  });
});

describe('dialling a provider that serves TLS itself', () => {
  /** A node:tls echo server with the provider's certificate, optionally requiring client certificates from `clientCa`. */
  async function provider(clientCa?: string): Promise<number> {
    const s = createTlsServer(
      { cert: readFileSync(server.certFile), key: readFileSync(server.keyFile), ...(clientCa ? { ca: readFileSync(clientCa), requestCert: true, rejectUnauthorized: true } : {}) },
      (socket) => socket.on('data', (chunk) => socket.write(`provider:${chunk.toString()}`)),
    );
    return listen(s);
  }

  const endpoint = (port: number) => ({ host: '127.0.0.1', port, metadata: {} });
  function egress(files: { caFile: string; certFile?: string; keyFile?: string }, serverName?: string): EgressTls & { outcomes: boolean[] } {
    const outcomes: boolean[] = [];
    const source = new WatchedTlsFiles(files, 1_000, log);
    watched.push(source);
    return { mtls: 'auto', provider: { files: source, ...(serverName ? { serverName } : {}) }, onHandshake: (ok) => outcomes.push(ok), outcomes };
  }

  it('verifies the provider against the CA bundle and the endpoint\'s IP SAN, and counts the handshake', async () => {
    const port = await provider();
    const tls = egress({ caFile: pki.caFile });
    const dialed = dial(endpoint(port), tls);
    expect(dialed.readyEvent).toBe('secureConnect');
    expect(await roundTrip(dialed.socket, dialed.readyEvent, 'hi')).toBe('provider:hi');
    dialed.socket.destroy();
    expect(tls.outcomes).toEqual([true]);
  });

  it('presents the client certificate a provider asks for', async () => {
    const port = await provider(pki.caFile);
    const dialed = dial(endpoint(port), egress({ caFile: pki.caFile, ...client }));
    expect(await roundTrip(dialed.socket, dialed.readyEvent, 'hi')).toBe('provider:hi');
    dialed.socket.destroy();
  });

  it('a provider whose certificate another CA signed is refused with the cause named, and counted', async () => {
    const port = await provider();
    const tls = egress({ caFile: other.caFile });
    const dialed = dial(endpoint(port), tls);
    expect(await roundTrip(dialed.socket, dialed.readyEvent, 'hi')).toMatch(/^error: TLS handshake failed: .+ \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/);
    expect(tls.outcomes).toEqual([false]);
  });

  it('serverName: the provider\'s certificate must carry that name', async () => {
    const port = await provider();
    const named = dial(endpoint(port), egress({ caFile: pki.caFile }, 'localhost'));
    expect(await roundTrip(named.socket, named.readyEvent, 'hi')).toBe('provider:hi');
    named.socket.destroy();
    const wrong = dial(endpoint(port), egress({ caFile: pki.caFile }, 'orders.internal'));
    expect(await roundTrip(wrong.socket, wrong.readyEvent, 'hi')).toMatch(/^error: TLS handshake failed: .*orders\.internal.* \(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
  });

  it('without an identity, an endpoint the registry marks as a sidecar taking mTLS gets the provider TLS too', () => {
    const tls = egress({ caFile: pki.caFile });
    const dialed = dial({ host: '127.0.0.1', port: 1, metadata: { 'pmesh.tls': 'strict' } }, tls);
    dialed.socket.on('error', () => {});
    expect(dialed.readyEvent).toBe('secureConnect');
    dialed.socket.destroy();
  });

  it('health probes connect as calls do: an HTTP probe of an HTTPS provider passes with the cluster\'s TLS, fails without', async () => {
    setupProtocols();
    const https = createHttpsServer({ cert: readFileSync(server.certFile), key: readFileSync(server.keyFile) }, (_req, res) => res.end('ok'));
    const at = makeEndpoint(`127.0.0.1:${await listen(https)}`, { source: 'static' });
    await expect(probeFor('http1', { path: '/health', tls: egress({ caFile: pki.caFile }) })!(at, 5_000)).resolves.toBeUndefined();
    await expect(probeFor('http1', { path: '/health' })!(at, 5_000)).rejects.toThrow();
  });
});

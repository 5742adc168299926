/**
 * mTLS between two sidecars with real Java peers (Dubbo 3.3.6 consumer and provider,
 * SOFARPC 5.13 client and server): Java consumer -> egress sidecar -> (mTLS) -> ingress
 * sidecar -> Java provider. The ingress listeners are strict unless said otherwise. What
 * goes over the wire between the sidecars is captured by a TCP relay and checked to be TLS
 * records only; plaintext, another CA and an expired certificate are refused and counted;
 * authorization answers the Java consumer with its protocol's error; certificates of both
 * sidecars are rotated during 30 s of load, each rotation renewing the egress connection
 * mid-load with handshakes that show the new certificates, without losing a call.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { runDubboConsumer, runJavaCli, startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { dubbo2js } from '../support/dubbo2js.js';
import { makeTestCa, type TestCa } from '../support/mesh-ca.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

let ca: TestCa;
let servers: JavaEchoServers;
let ingress: Running;
let egress: Running;
const others: Running[] = [];
const relays: TcpProxy[] = [];
const wire = { dubbo: [] as Buffer[], bolt: [] as Buffer[] };
const files: Record<string, { certFile: string; keyFile: string }> = {};
const port: Record<string, number> = {};
const IN = ['dubboIn', 'boltIn', 'dubboAuthz', 'boltAuthz', 'dubboMixed', 'ingressAdmin'] as const;
const OUT = ['dubboOut', 'boltOut', 'dubboAuthzOut', 'boltAuthzOut', 'dubboMixedOut', 'egressAdmin'] as const;

const identity = (name: string) => `identity: { certFile: ${files[name]!.certFile}, keyFile: ${files[name]!.keyFile}, caFile: ${ca.caFile}, watchIntervalMs: 200 }`;

/** An egress sidecar whose Dubbo listener on `listenPort` goes over mTLS to the strict Dubbo ingress. */
function egressTo(listenPort: number, adminPort: number, who: string, caFile = ca.caFile): string {
  return `
admin: { address: 127.0.0.1:${adminPort} }
identity: { certFile: ${files[who]!.certFile}, keyFile: ${files[who]!.keyFile}, caFile: ${caFile} }
listeners:
  - { name: dubbo-out, protocol: dubbo, address: 127.0.0.1:${listenPort}, routeByRegistry: false, routes: [{ match: { service: com.example.EchoService }, cluster: in }] }
clusters:
  - { name: in, protocol: dubbo, mtls: on, endpoints: [127.0.0.1:${port.dubboIn}] }
`;
}

async function metric(adminPort: number, pattern: RegExp): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}
const tlsCount = (listener: string, outcome: string) => new RegExp(`^pmesh_tls_connections_total\\{listener="${listener}",outcome="${outcome}"\\} (\\d+)`, 'm');

beforeAll(async () => {
  ca = await makeTestCa('mesh.test');
  files.consumer = await ca.issue('consumer');
  files.provider = await ca.issue('provider');
  servers = await startJavaEchoServers();
  for (const name of [...IN, ...OUT]) port[name] = await freePort();
  const authz = `[{ service: com.example.EchoService, methods: [echo], from: [consumer], action: allow }, { service: com.example.EchoService, methods: [add], from: [consumer], action: deny }]`;
  ingress = await startInProcess(`
admin: { address: 127.0.0.1:${port.ingressAdmin} }
${identity('provider')}
listeners:
  - { name: dubbo-in, protocol: dubbo, address: 127.0.0.1:${port.dubboIn}, tls: { mode: strict }, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo-app }] }
  - { name: bolt-in, protocol: bolt, address: 127.0.0.1:${port.boltIn}, tls: { mode: strict }, routes: [{ match: { service: com.example.EchoService }, cluster: bolt-app }] }
  - { name: dubbo-authz, protocol: dubbo, address: 127.0.0.1:${port.dubboAuthz}, tls: { mode: strict }, authorization: ${authz}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo-app }] }
  - { name: bolt-authz, protocol: bolt, address: 127.0.0.1:${port.boltAuthz}, tls: { mode: strict }, authorization: ${authz}, routes: [{ match: { service: com.example.EchoService }, cluster: bolt-app }] }
  - { name: dubbo-mixed, protocol: dubbo, address: 127.0.0.1:${port.dubboMixed}, tls: { mode: permissive }, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo-app }] }
clusters:
  - { name: dubbo-app, protocol: dubbo, endpoints: [127.0.0.1:${servers.dubboPort}] }
  - { name: bolt-app, protocol: bolt, endpoints: [127.0.0.1:${servers.sofaPort}] }
`);
  const dubboRelay = await startTcpProxy(port.dubboIn!, (chunk) => wire.dubbo.push(chunk));
  const boltRelay = await startTcpProxy(port.boltIn!, (chunk) => wire.bolt.push(chunk));
  relays.push(dubboRelay, boltRelay);
  const route = (name: string, protocol: string, listenPort: number, cluster: string) =>
    `  - { name: ${name}, protocol: ${protocol}, address: 127.0.0.1:${listenPort}, routeByRegistry: false, routes: [{ match: { service: com.example.EchoService }, cluster: ${cluster} }] }`;
  egress = await startInProcess(`
admin: { address: 127.0.0.1:${port.egressAdmin} }
${identity('consumer')}
listeners:
${route('dubbo-out', 'dubbo', port.dubboOut!, 'dubbo-in')}
${route('bolt-out', 'bolt', port.boltOut!, 'bolt-in')}
${route('dubbo-authz-out', 'dubbo', port.dubboAuthzOut!, 'dubbo-authz')}
${route('bolt-authz-out', 'bolt', port.boltAuthzOut!, 'bolt-authz')}
${route('dubbo-mixed-out', 'dubbo', port.dubboMixedOut!, 'dubbo-mixed')}
clusters:
  - { name: dubbo-in, protocol: dubbo, mtls: on, endpoints: [${dubboRelay.address}] }
  - { name: bolt-in, protocol: bolt, mtls: on, endpoints: [${boltRelay.address}] }
  - { name: dubbo-authz, protocol: dubbo, mtls: on, endpoints: [127.0.0.1:${port.dubboAuthz}] }
  - { name: bolt-authz, protocol: bolt, mtls: on, endpoints: [127.0.0.1:${port.boltAuthz}] }
  - { name: dubbo-mixed, protocol: dubbo, mtls: on, endpoints: [127.0.0.1:${port.dubboMixed}] }
`);
}, 900_000);

afterAll(async () => {
  for (const running of [egress, ...others, ingress]) await running?.stop(500);
  for (const relay of relays) await relay.close();
  await servers?.stop();
});

describe('two sidecars in strict mTLS, real Java peers', () => {
  it('Dubbo: every kind of call from the Java consumer reaches the Java provider', async () => {
    const { output } = await runDubboConsumer([`127.0.0.1:${port.dubboOut}`, 'suite']);
    expect(output).toContain('DONE ok=10 failed=0');
  }, 300_000);

  it('SOFARPC: calls and 200 concurrent ones from the Java client reach the Java server', async () => {
    const run = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://127.0.0.1:${port.boltOut}`, '--timeout', '15000', 'echo', 'over mtls', '--', 'add', '2', '40', '--', 'concurrent', '200']);
    expect(run.results.find((r) => r.command === 'echo')?.fields, run.output).toEqual(['ok', 'over mtls']);
    expect(run.results.find((r) => r.command === 'add')?.fields).toEqual(['ok', '42']);
    expect(run.output).toMatch(/CONCURRENT\tok=200\tmismatch=0\terror=0/);
  }, 300_000);

  it('the bytes between the sidecars are TLS records, never a Dubbo or Bolt frame', () => {
    for (const [protocol, chunks] of Object.entries(wire)) {
      const bytes = Buffer.concat(chunks);
      expect(bytes.length, protocol).toBeGreaterThan(1000);
      expect(bytes.includes(Buffer.from('com.example.EchoService')), protocol).toBe(false);
      expect(bytes.includes(Buffer.from([0xda, 0xbb])) && bytes.indexOf(Buffer.from([0xda, 0xbb])) === 0, protocol).toBe(false);
    }
    // Each direction of each connection is a run of records: type 20-23, version 3.1 or 3.3, length.
    for (const chunk of [wire.dubbo[0]!, wire.bolt[0]!]) {
      expect(chunk[0]).toBe(0x16); // the ClientHello
      expect(chunk[1]).toBe(0x03);
    }
    expect(recordsOnly(wire.dubbo)).toBe(true);
    expect(recordsOnly(wire.bolt)).toBe(true);
  });
});

/** True when the first connection's upstream bytes parse as TLS records end to end. */
function recordsOnly(chunks: Buffer[]): boolean {
  const bytes = Buffer.concat(chunks.slice(0, 1));
  let at = 0;
  while (at + 5 <= bytes.length) {
    const type = bytes[at]!;
    if (type < 20 || type > 23 || bytes[at + 1] !== 3) return false;
    at += 5 + bytes.readUInt16BE(at + 3);
  }
  return true;
}

describe('callers the strict ingress refuses, each counted', () => {
  it('a plaintext Java Dubbo consumer and a plaintext SOFARPC client calling the ingress directly', async () => {
    const dubbo = await runDubboConsumer(['--timeout', '3000', `127.0.0.1:${port.dubboIn}`, 'echo', 'plain']);
    expect(dubbo.results[0]?.outcome, dubbo.output).not.toBe('ok');
    const sofa = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://127.0.0.1:${port.boltIn}`, '--timeout', '3000', 'echo', 'plain']);
    expect(sofa.results.find((r) => r.command === 'echo')?.fields[0], sofa.output).not.toBe('ok');
    expect(await metric(port.ingressAdmin!, tlsCount('dubbo-in', 'refused_plaintext'))).toBeGreaterThan(0);
    expect(await metric(port.ingressAdmin!, tlsCount('bolt-in', 'refused_plaintext'))).toBeGreaterThan(0);
  }, 300_000);

  it('a sidecar whose certificate comes from another CA, and one whose certificate expired a minute ago', async () => {
    const foreign = await makeTestCa('mesh.test');
    files.intruder = await foreign.issue('consumer', { name: 'intruder' });
    files.late = await ca.issue('consumer', { name: 'late', notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() - 60_000) });
    const before = await metric(port.ingressAdmin!, tlsCount('dubbo-in', 'refused_handshake'));
    for (const who of ['intruder', 'late']) {
      const [listenPort, adminPort] = [await freePort(), await freePort()];
      // The intruder trusts our CA (it could learn it); its own certificate is what fails.
      others.push(await startInProcess(egressTo(listenPort, adminPort, who)));
      const run = await runDubboConsumer(['--timeout', '3000', `127.0.0.1:${listenPort}`, 'echo', who]);
      expect(run.results[0]?.outcome, run.output).toBe('error');
    }
    expect(await metric(port.ingressAdmin!, tlsCount('dubbo-in', 'refused_handshake'))).toBeGreaterThanOrEqual(before + 2);
    expect(await metric(port.ingressAdmin!, tlsCount('dubbo-in', 'mtls'))).toBeGreaterThan(0);
  }, 300_000);
});

describe('authorization at the ingress', () => {
  it('allows EchoService.echo and refuses EchoService.add to the consumer: the Java consumers see their protocol\'s error', async () => {
    const dubbo = await runDubboConsumer([`127.0.0.1:${port.dubboAuthzOut}`, 'echo', 'allowed']);
    expect(dubbo.results[0], dubbo.output).toMatchObject({ call: 'echo', outcome: 'ok', value: 'allowed' });
    const denied = await runDubboConsumer([`127.0.0.1:${port.dubboAuthzOut}`, 'add', '1', '2']);
    expect(denied.results[0], denied.output).toMatchObject({ call: 'add', outcome: 'error' });
    expect(denied.results[0]?.message).toContain('permission denied: spiffe://mesh.test/app/consumer may not call com.example.EchoService:1.0.0#add');

    const sofa = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://127.0.0.1:${port.boltAuthzOut}`, '--timeout', '15000', 'echo', 'allowed', '--', 'add', '1', '2']);
    expect(sofa.results.find((r) => r.command === 'echo')?.fields, sofa.output).toEqual(['ok', 'allowed']);
    const add = sofa.results.find((r) => r.command === 'add')?.fields ?? [];
    expect(add[0], sofa.output).toBe('error');
    expect(add.join(' ')).toContain('permission denied: spiffe://mesh.test/app/consumer');
    const denials = /^pmesh_authz_decisions_total\{listener="(dubbo|bolt)-authz",decision="deny"\} (\d+)/gm;
    const text = await (await request(`http://127.0.0.1:${port.ingressAdmin}/metrics`)).body.text();
    expect([...text.matchAll(denials)].map((m) => `${m[1]} ${m[2]}`).sort()).toEqual(['bolt 1', 'dubbo 1']);
  }, 300_000);
});

describe('permissive mode', () => {
  it('serves the egress sidecar over mTLS and a plain Java consumer on the same port, each counted', async () => {
    const viaMesh = await runDubboConsumer([`127.0.0.1:${port.dubboMixedOut}`, 'echo', 'mtls']);
    expect(viaMesh.results[0], viaMesh.output).toMatchObject({ outcome: 'ok', value: 'mtls' });
    const direct = await runDubboConsumer([`127.0.0.1:${port.dubboMixed}`, 'echo', 'plain']);
    expect(direct.results[0], direct.output).toMatchObject({ outcome: 'ok', value: 'plain' });
    expect(await metric(port.ingressAdmin!, tlsCount('dubbo-mixed', 'mtls'))).toBeGreaterThan(0);
    expect(await metric(port.ingressAdmin!, tlsCount('dubbo-mixed', 'plaintext'))).toBeGreaterThan(0);
  }, 300_000);
});

describe('certificate rotation', () => {
  /**
   * 30 s of load from a Dubbo client (8 at a time) through both sidecars; both get new
   * certificates three times. Each new certificate starts its validity a whole second after
   * the previous one (X.509 times are whole seconds), so the peers' gauges tell them apart.
   * The provider's is written first and taken by the ingress (a probe sees it served); the
   * consumer's then makes the egress renew its connections mid-load: the new connection's
   * handshake must present the new consumer certificate to the ingress and be shown the new
   * provider certificate. Every call must succeed.
   */
  it('both sidecars get new certificates three times during 30 s of load: the egress renews its connection after each, the handshakes show the new certificates to both peers, no call is lost', async () => {
    const LOAD_MS = 30_000;
    const load = startLoad(port.dubboOut!, 8);
    const startedAt = Date.now();
    const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const peerSeen = (side: 'ingress' | 'egress', admin: number) => () => metric(admin, new RegExp(`^pmesh_tls_peer_certificate_not_before_seconds\\{side="${side}",name="dubbo-in"\\} (\\d+)`, 'm'));
    const renewed = () => metric(port.egressAdmin!, /^pmesh_tls_renewed_endpoints_total\{cluster="dubbo-in"\} (\d+)/m);
    const relayConnections = () => relays[0]!.connections;
    let outcome: { calls: number; failures: unknown[] };
    try {
      for (let rotation = 1; rotation <= 3; rotation++) {
        // Spread the rotations over the load window; the calls keep running meanwhile.
        await sleep(Math.max(0, startedAt + (rotation * LOAD_MS) / 4 - Date.now()));
        const notBefore = new Date(base + rotation * 1000);
        const provider = await ca.issue('provider', { notBefore });
        await expect.poll(() => servedSerial(port.dubboIn!), { timeout: 15_000, interval: 200 }).toBe(serialOf(provider.certFile));
        const [renewedBefore, connectionsBefore] = [await renewed(), relayConnections()];
        await ca.issue('consumer', { notBefore });
        await expect.poll(peerSeen('ingress', port.ingressAdmin!), { timeout: 15_000, interval: 200 }).toBe(notBefore.getTime() / 1000);
        await expect.poll(peerSeen('egress', port.egressAdmin!), { timeout: 15_000, interval: 200 }).toBe(notBefore.getTime() / 1000);
        expect(await renewed()).toBeGreaterThan(renewedBefore);
        expect(relayConnections()).toBeGreaterThan(connectionsBefore);
        expect(load.calls(), `calls run during rotation ${rotation}`).toBeGreaterThan(0);
      }
      await sleep(Math.max(0, startedAt + LOAD_MS - Date.now()));
    } finally {
      outcome = await load.stop();
    }
    expect(outcome.failures).toEqual([]);
    expect(outcome.calls).toBeGreaterThan(300);
    // And calls from the egress still get through afterwards, on new connections too.
    const after = await runDubboConsumer([`127.0.0.1:${port.dubboAuthzOut}`, 'echo', 'after rotation']);
    expect(after.results[0], after.output).toMatchObject({ outcome: 'ok', value: 'after rotation' });
  }, 600_000);
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const serialOf = (certFile: string): string => new X509Certificate(readFileSync(certFile)).serialNumber;

/** Echo calls, `concurrency` at a time, until stopped (at most 200,000, so it always ends). */
function startLoad(listenPort: number, concurrency: number): { calls(): number; stop(): Promise<{ calls: number; failures: unknown[] }> } {
  const client = dubbo2js(listenPort, 20_000);
  let running = true;
  let calls = 0;
  const failures: unknown[] = [];
  const workers = Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = 0; running && calls < 200_000; i++) {
      const text = `rotation-${worker}-${i}`;
      const { res, err } = await client.echo.echo(text);
      if (err || res !== text) failures.push(err ?? res);
      calls += 1;
    }
  });
  return {
    calls: () => calls,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      client.close();
      return { calls, failures };
    },
  };
}

/** The serial number of the certificate the ingress presents to a new mTLS client. */
async function servedSerial(ingressPort: number): Promise<string> {
  const material = await ca.material('probe');
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: ingressPort, cert: material.cert, key: material.key, ca: material.ca, checkServerIdentity: () => undefined }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

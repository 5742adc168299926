/**
 * Java SOFARPC (com.alipay.sofa:sofa-rpc-all from Maven Central) through the
 * sidecar: a real Java client direct-connected to the sidecar's Bolt listener, a
 * real Java server behind it, and the same through two sidecars in a row.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { runJavaCli, startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import type { Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { expectHeartbeatsAnswered } from '../support/heartbeat-check.js';

const SERVICE = 'com.example.EchoService:1.0';
let server: Peer;
let serverPort: number;
let egress: Running;
let ingress: Running;
let egressPort: number;
let egressAdminPort: number;
let ingressPort: number;
let twoHopPort: number;

beforeAll(async () => {
  serverPort = await freePort();
  server = startJava('sofarpc', 'com.example.Server', [String(serverPort)], 'sofarpc server');
  await server.waitFor(/READY \d+/, 120_000);
  [egressPort, ingressPort, twoHopPort] = [await freePort(), await freePort(), await freePort()];
  ingress = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: bolt-ingress
    protocol: bolt
    address: 127.0.0.1:${ingressPort}
    routes: [{ match: { service: ${SERVICE} }, cluster: echo-local }]
clusters:
  - { name: echo-local, protocol: bolt, endpoints: [127.0.0.1:${serverPort}] }
`);
  egressAdminPort = await freePort();
  egress = await startInProcess(`
admin: { address: 127.0.0.1:${egressAdminPort} }
listeners:
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:${egressPort}
    routes: [{ match: { service: ${SERVICE} }, cluster: echo }]
  - name: bolt-egress-via-ingress
    protocol: bolt
    address: 127.0.0.1:${twoHopPort}
    routes: [{ match: { service: ${SERVICE} }, cluster: echo-remote }]
  - name: bolt-nowhere
    protocol: bolt
    address: 127.0.0.1:${await freePort()}
    routes: []
    routeByRegistry: false
clusters:
  - { name: echo, protocol: bolt, endpoints: [127.0.0.1:${serverPort}], heartbeatIntervalMs: 200 }
  - { name: echo-remote, protocol: bolt, endpoints: [127.0.0.1:${ingressPort}] }
`);
}, 600_000);

afterAll(async () => {
  await egress?.stop(500);
  await ingress?.stop(500);
  await server?.stop();
});

function field(result: { fields: string[] } | undefined, index: number): string | undefined {
  return result?.fields[index];
}

describe('Java SOFARPC client -> sidecar -> Java SOFARPC server', () => {
  it('calls several methods with several argument types, and sees a thrown exception as such', async () => {
    const run = await runJavaCli('sofarpc', 'com.example.Client', [
      `bolt://127.0.0.1:${egressPort}`,
      'echo', 'hello mesh', '--',
      'add', '2', '40', '--',
      'addLong', '9007199254740993', '1', '--',
      'older', 'Ada', '36', '1700000000000', '5', '--',
      'fail', 'boom from test',
    ]);
    const byCommand = Object.fromEntries(run.results.map((r) => [r.command, r]));
    expect(byCommand.echo?.fields, run.output).toEqual(['ok', 'hello mesh']);
    expect(byCommand.add?.fields).toEqual(['ok', '42']);
    expect(byCommand.addLong?.fields).toEqual(['ok', '9007199254740994']);
    expect(field(byCommand.older, 0)).toBe('ok');
    expect(field(byCommand.older, 1)).toContain('Ada');
    expect(field(byCommand.older, 1)).toContain('41');
    expect(field(byCommand.fail, 0)).toBe('exception');
    expect(field(byCommand.fail, 1)).toBe('com.example.EchoException');
    expect(field(byCommand.fail, 2)).toContain('boom from test');
  });

  it('answers a timeout when the frame deadline is spent, and 1,000 concurrent calls each get their own answer', async () => {
    const run = await runJavaCli('sofarpc', 'com.example.Client', [
      `bolt://127.0.0.1:${egressPort}`, '--timeout', '800',
      'sleep', '3000', '--',
      'concurrent', '1000',
    ]);
    const sleep = run.results.find((r) => r.command === 'sleep');
    expect(field(sleep, 0), run.output).toBe('error');
    expect(`${field(sleep, 2)} ${field(sleep, 3)}`).toMatch(/timeout/i);
    expect(run.output).toMatch(/CONCURRENT\tok=1000\tmismatch=0\terror=0/);
  });

  it('reaches the server through two sidecars in a row (egress -> ingress -> server)', async () => {
    const run = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://127.0.0.1:${twoHopPort}`, 'echo', 'two hops', '--', 'concurrent', '200']);
    expect(run.results.find((r) => r.command === 'echo')?.fields, run.output).toEqual(['ok', 'two hops']);
    expect(run.output).toMatch(/CONCURRENT\tok=200\tmismatch=0\terror=0/);
  });
});

describe('npm sofa-rpc-node client -> sidecar, both Hessian dialects', () => {
  const quiet = { info() {}, warn() {}, debug() {}, error() {} };
  const require = createRequire(import.meta.url);
  const bolt = require('sofa-bolt-node') as { setOptions(options: { hessianVersion: string }): void };
  const { RpcClient } = (require('sofa-rpc-node') as { client: { RpcClient: SofaClientClass } }).client;
  const { RpcServer } = (require('sofa-rpc-node') as { server: { RpcServer: SofaServerClass } }).server;

  async function callThrough(port: number, dialect: string): Promise<void> {
    bolt.setOptions({ hessianVersion: dialect });
    const client = new RpcClient({ logger: quiet });
    try {
      const consumer = client.createConsumer({ interfaceName: 'com.example.EchoService', version: '1.0', serverHost: `127.0.0.1:${port}` });
      await consumer.ready();
      expect(await consumer.invoke('echo', [{ $class: 'java.lang.String', $: `node ${dialect}` }], { responseTimeout: 5000 })).toBe(`node ${dialect}`);
      expect(await consumer.invoke('add', [{ $class: 'int', $: 20 }, { $class: 'int', $: 22 }], { responseTimeout: 5000 })).toBe(42);
      const failure = await consumer
        .invoke('fail', [{ $class: 'java.lang.String', $: 'node boom' }], { responseTimeout: 5000 })
        .catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toContain('node boom');
    } finally {
      client.close();
      bolt.setOptions({ hessianVersion: '3.0' });
    }
  }

  // sofa-bolt-node writes the older Hessian dialect by default ('3.0'), which is also
  // what Java SOFARPC's sofa-hessian 3.5 speaks.
  it('hessianVersion 3.0 (the default) reaches the Java server', () => callThrough(egressPort, '3.0'));

  // Hessian 2.0 final ('4.0') is refused by the Java server itself, with no sidecar in
  // between ("readObject: unknown code 0x43 C": sofa-hessian 3.5 predates the final
  // spec's class definitions), so this dialect is carried to a sofa-rpc-node server.
  it('hessianVersion 4.0 is carried through the sidecar to a sofa-rpc-node server', async () => {
    const server = new RpcServer({ logger: quiet, port: 0 });
    server.addService({ interfaceName: 'com.example.EchoService', version: '1.0' }, {
      async echo(text: string) { return text; },
      async add(a: number, b: number) { return { $class: 'int', $: a + b }; },
      async fail(message: string) { throw new Error(message); },
    });
    await server.start();
    const listenPort = await freePort();
    const sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:${listenPort}
    routes: [{ match: { service: ${SERVICE} }, cluster: node }]
clusters:
  - { name: node, protocol: bolt, endpoints: [127.0.0.1:${server.publishPort}] }
`);
    try {
      await callThrough(listenPort, '4.0');
      await callThrough(listenPort, '3.0');
    } finally {
      await sidecar.stop(500);
      await server.close();
    }
  });
});

describe('errors the Java client shows', () => {
  it('no route: the Java client gets an error naming the service', async () => {
    const nowhere = egress.sidecar.config.listeners.find((l) => l.name === 'bolt-nowhere')!.address;
    const run = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://${nowhere}`, 'echo', 'lost']);
    const echo = run.results.find((r) => r.command === 'echo');
    expect(field(echo, 0), run.output).toBe('error');
    expect(field(echo, 3)).toContain('no route for service "com.example.EchoService:1.0" method "echo"');
  });
});

describe('faults', () => {
  it('a server killed with calls in flight: each call gets an error, the other endpoint keeps serving', async () => {
    const victimPort = await freePort();
    const victim = startJava('sofarpc', 'com.example.Server', [String(victimPort)], 'victim server');
    await victim.waitFor(/READY \d+/, 120_000);
    const listenPort = await freePort();
    const pair = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:${listenPort}
    routes: [{ match: { service: ${SERVICE} }, cluster: pair }]
clusters:
  - { name: pair, protocol: bolt, endpoints: [127.0.0.1:${victimPort}, 127.0.0.1:${serverPort}] }
`);
    try {
      // 20 slow calls in flight at once, spread over both servers; the victim dies while they run.
      const require = createRequire(import.meta.url);
      const { RpcClient } = (require('sofa-rpc-node') as { client: { RpcClient: SofaClientClass } }).client;
      const client = new RpcClient({ logger: { info() {}, warn() {}, debug() {}, error() {} } });
      const consumer = client.createConsumer({ interfaceName: 'com.example.EchoService', version: '1.0', serverHost: `127.0.0.1:${listenPort}` });
      await consumer.ready();
      const calls = Array.from({ length: 20 }, () =>
        consumer.invoke('sleep', [{ $class: 'int', $: 1500 }], { responseTimeout: 10_000 }).then(
          (value) => ({ ok: true, text: String(value) }),
          (error: Error) => ({ ok: false, text: error.message }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await victim.kill();
      const results = await Promise.all(calls);
      client.close();
      const failed = results.filter((r) => !r.ok);
      // Some calls were on the victim; each got an error naming the lost connection (not a timeout).
      expect(failed.length).toBeGreaterThan(0);
      expect(results.length - failed.length).toBeGreaterThan(0);
      for (const r of failed) expect(r.text).toMatch(/connection to 127\.0\.0\.1:\d+ lost/);
      const after = await runJavaCli('sofarpc', 'com.example.Client', [`bolt://127.0.0.1:${listenPort}`, 'concurrent', '100']);
      expect(after.output).toMatch(/CONCURRENT\tok=100\tmismatch=0\terror=0/);
    } finally {
      await pair.stop(500);
      await victim.stop();
    }
  });
});

interface SofaConsumer {
  ready(): Promise<void>;
  invoke(method: string, args: unknown[], options: { responseTimeout: number }): Promise<unknown>;
}
type SofaServerClass = new (options: { logger: object; port: number }) => {
  addService(info: { interfaceName: string; version: string }, impl: Record<string, (...args: never[]) => Promise<unknown>>): void;
  start(): Promise<void>;
  close(): Promise<void>;
  readonly publishPort: number;
};
type SofaClientClass = new (options: { logger: object }) => {
  createConsumer(options: { interfaceName: string; version: string; serverHost: string }): SofaConsumer;
  close(): void;
};

describe('heartbeats', () => {
  it('the Java peer answers the sidecar\'s heartbeats on an idle upstream connection', async () => {
    await expectHeartbeatsAnswered(egressAdminPort, 'echo');
  });
});

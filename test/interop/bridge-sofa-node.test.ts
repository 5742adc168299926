/**
 * The HTTP/JSON bridge calling Ant's own Node SOFARPC server (npm sofa-rpc-node 2.10),
 * in both of its Hessian dialects (sofa-bolt-node `hessianVersion` 3.0, the default,
 * and 4.0), with every type the Node server can express; and bridged calls interleaved
 * with sofa-rpc-node clients' passed-through calls on the one shared upstream connection.
 *
 * Why it failed before: the bridge wrote only the legacy dialect, which a 4.0 server
 * cannot read (it closed the connection: 502 PMESH_UPSTREAM_CONNECTION_LOST); and its
 * five-field SofaRequest definition, in Java's field order, collided with sofa-rpc-node's
 * per-connection class-definition cache, so calls after it on the connection were misread
 * ("Can not find method ...#java.lang.String()").
 */
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const require = createRequire(import.meta.url);
const bolt = require('sofa-bolt-node') as { setOptions(options: { hessianVersion: string }): void };
const { RpcServer } = (require('sofa-rpc-node') as { server: { RpcServer: SofaServerClass } }).server;
const { RpcClient } = (require('sofa-rpc-node') as { client: { RpcClient: SofaClientClass } }).client;
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

type Java = { $class: string; $: unknown };
const java = ($class: string, $: unknown): Java => ({ $class, $ });

/** What the Node service answers, each in the Java type the Node server can name. */
const service = {
  async echo(text: string) { return text; },
  async add(a: number, b: number) { return java('int', a + b); },
  async addLong(a: number, b: number) { return java('long', a + b); },
  async not(flag: boolean) { return java('boolean', !flag); },
  async half(value: number) { return java('double', value / 2); },
  async reversed(items: string[]) { return java('java.util.ArrayList', [...items].reverse()); },
  // A plain object is a Map to the Node server (its 4.0 writer garbles a map typed java.util.HashMap).
  async counted(counts: Record<string, number>) {
    return Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, java('int', n + 1)]));
  },
  async older(person: { name: string; age: number }, years: number) {
    return java('com.example.Person', { name: java('java.lang.String', person.name), age: java('int', person.age + years) });
  },
  async nothing() { return null; },
  async nonce(token: string) { return `nonce:${token}`; },
};

/** A sofa-rpc-node server bound to 127.0.0.1 only (it binds every interface unless told). */
async function startNodeServer(port: number): Promise<InstanceType<SofaServerClass>> {
  class LoopbackServer extends RpcServer {
    _startServer(listenPort: number): Server {
      const server = createServer((socket) => this._handleSocket(socket));
      server.listen(listenPort, '127.0.0.1');
      return server;
    }
  }
  const server = new LoopbackServer({ logger: quiet, port });
  server.addService({ interfaceName: 'com.example.EchoService', version: '1.0' }, service);
  await server.start();
  return server;
}

describe.each([
  { dialect: '3.0', sofaHessian: 'legacy' },
  { dialect: '4.0', sofaHessian: 'final' },
])('HTTP/JSON bridge -> sofa-rpc-node server, hessianVersion $dialect', ({ dialect, sofaHessian }) => {
  let server: InstanceType<SofaServerClass>;
  let sidecar: Running;
  let httpPort: number;
  let boltPort: number;

  beforeAll(async () => {
    bolt.setOptions({ hessianVersion: dialect });
    server = await startNodeServer(await freePort());
    [httpPort, boltPort] = [await freePort(), await freePort()];
    sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
bridge: { allowClasses: [com.example.] }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort}, routes: [{ match: { service: com.example.EchoService }, cluster: node }] }
  - { name: bolt, protocol: bolt, address: 127.0.0.1:${boltPort}, routes: [{ match: { service: "com.example.EchoService:1.0" }, cluster: node }] }
clusters:
  - { name: node, protocol: bolt, endpoints: [127.0.0.1:${server.publishPort}], sofaHessian: ${sofaHessian} }
`);
  });

  afterAll(async () => {
    await sidecar?.stop(500);
    await server?.close();
    bolt.setOptions({ hessianVersion: '3.0' });
  });

  async function bridge(method: string, types: string[], args: unknown[]): Promise<{ status: number; json: unknown }> {
    const response = await request(`http://127.0.0.1:${httpPort}/com.example.EchoService/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pmesh-version': '1.0', 'x-pmesh-param-types': JSON.stringify(types) },
      body: JSON.stringify(args),
    });
    const text = await response.body.text();
    return { status: response.statusCode, json: text === '' ? undefined : JSON.parse(text) };
  }

  it('answers the issue\'s call: echo("b") with a declared String', async () => {
    expect(await bridge('echo', ['java.lang.String'], ['b'])).toEqual({ status: 200, json: 'b' });
  });

  it('every type the Node server can express: int, long, boolean, double, list, map, a POJO, null', async () => {
    expect(await bridge('add', ['int', 'int'], [20, 22])).toEqual({ status: 200, json: 42 });
    expect(await bridge('addLong', ['long', 'long'], [2 ** 40, 1])).toEqual({ status: 200, json: 2 ** 40 + 1 });
    expect(await bridge('not', ['boolean'], [false])).toEqual({ status: 200, json: true });
    expect(await bridge('half', ['double'], [3])).toEqual({ status: 200, json: 1.5 });
    expect(await bridge('reversed', ['java.util.List'], [['a', 'b', 'c']])).toEqual({ status: 200, json: ['c', 'b', 'a'] });
    expect(await bridge('counted', ['java.util.Map'], [{ a: 1, b: 70000 }])).toEqual({ status: 200, json: { a: 2, b: 70001 } });
    expect(await bridge('older', ['com.example.Person', 'int'], [{ $class: 'com.example.Person', name: 'Ada', age: 36 }, 2])).toEqual({
      status: 200,
      json: { $class: 'com.example.Person', name: 'Ada', age: 38 },
    });
    expect(await bridge('nothing', [], [])).toEqual({ status: 200, json: null });
  });

  it('bridged and passed-through calls interleaved on the one upstream connection are all answered right', async () => {
    const client = new RpcClient({ logger: quiet });
    try {
      const consumer = client.createConsumer({ interfaceName: 'com.example.EchoService', version: '1.0', serverHost: `127.0.0.1:${boltPort}` });
      await consumer.ready();
      const calls: Promise<[string, unknown]>[] = [];
      for (let i = 0; i < 30; i++) {
        const token = `t${i}`;
        // Pass-through first, then bridged, alternating, all in flight together.
        calls.push(consumer.invoke('nonce', [java('java.lang.String', `pass-${token}`)], { responseTimeout: 10_000 }).then((value) => [`pass-${token}`, value]));
        calls.push(bridge('nonce', ['java.lang.String'], [`bridge-${token}`]).then((answer) => [`bridge-${token}`, answer.json]));
      }
      const answers = await Promise.all(calls);
      expect(answers.filter(([token, value]) => value !== `nonce:${token}`)).toEqual([]);
      // The connection is still sound for both kinds afterwards.
      expect(await consumer.invoke('echo', [java('java.lang.String', 'after')], { responseTimeout: 10_000 })).toBe('after');
      expect(await bridge('echo', ['java.lang.String'], ['after'])).toEqual({ status: 200, json: 'after' });
      // One shared upstream connection carried it all.
      const admin = await request(`http://${sidecar.sidecar.config.admin.address}/clusters`);
      const { clusters } = (await admin.body.json()) as { clusters: Array<{ name: string; endpoints: Array<{ connections: number }> }> };
      expect(clusters.find((c) => c.name === 'node')?.endpoints.map((e) => e.connections)).toEqual([1]);
    } finally {
      client.close();
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
  _handleSocket(socket: Socket): void;
  readonly publishPort: number;
};
type SofaClientClass = new (options: { logger: object }) => {
  createConsumer(options: { interfaceName: string; version: string; serverHost: string }): SofaConsumer;
  close(): void;
};

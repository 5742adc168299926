/**
 * `workers: 2` end to end, against the real Java Dubbo 3.3 provider and SOFARPC 5.13 server:
 * Bolt and Dubbo pass-through and the HTTP/JSON bridge served by both workers; an app's
 * publish and unpublish landing on different workers; a reload reaching both; a killed worker
 * restarted and counted; metrics merged across workers; a drain that waits for every worker.
 * Connections reach the workers in turn (node:cluster round-robin), so a few fresh connections
 * are served by both.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { callBridge } from '../support/bridge-entry.js';
import { dubbo2js } from '../support/dubbo2js.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const ECHO = 'com.example.EchoService';
let servers: JavaEchoServers;
let sidecar: Running & { configPath: string };
const port = { admin: 0, bolt: 0, dubbo: 0, http: 0, ingress: 0, nowhere: 0 };

function yaml(dubboCluster = 'dubbo'): string {
  return `workers: 2
admin: { address: 127.0.0.1:${port.admin} }
listeners:
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:${port.bolt}
    routes: [{ match: { service: '${ECHO}:1.0' }, cluster: sofa }]
  - name: dubbo-egress
    protocol: dubbo
    address: 127.0.0.1:${port.dubbo}
    routeByRegistry: false
    routes: [{ match: { service: ${ECHO} }, cluster: ${dubboCluster} }]
  - name: http
    protocol: http1
    address: 127.0.0.1:${port.http}
    routes: [{ match: { service: ${ECHO} }, cluster: dubbo }]
  - name: dubbo-ingress
    protocol: dubbo
    address: 127.0.0.1:${port.ingress}
    ingress: true
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${servers.dubboPort}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${servers.sofaPort}] }
  - { name: nowhere, protocol: dubbo, endpoints: [127.0.0.1:${port.nowhere}] }
`;
}

beforeAll(async () => {
  servers = await startJavaEchoServers();
  for (const name of ['admin', 'bolt', 'dubbo', 'http', 'ingress', 'nowhere'] as const) (port as Record<string, number>)[name] = await freePort();
  sidecar = await startInProcess(yaml());
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await servers?.stop();
});

async function admin(path: string): Promise<{ status: number; text: string }> {
  const response = await request(`http://127.0.0.1:${port.admin}${path}`);
  return { status: response.statusCode, text: await response.body.text() };
}

async function metric(pattern: RegExp): Promise<number> {
  const { text } = await admin('/metrics');
  return [...text.matchAll(new RegExp(pattern, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function workerPids(): Promise<number[]> {
  const view = JSON.parse((await admin('/clusters')).text) as { workers: Array<{ pid: number; ready: boolean }> };
  return view.workers.filter((w) => w.ready).map((w) => w.pid);
}

async function until(check: () => Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `connections` dubbo2.js clients in turn, each making `calls` echo calls; the answers. */
async function dubboCalls(listenPort: number, connections: number, calls: number): Promise<Array<{ res: unknown; err: unknown }>> {
  const answers: Array<{ res: unknown; err: unknown }> = [];
  for (let c = 0; c < connections; c++) {
    const client = dubbo2js(listenPort);
    for (let i = 0; i < calls; i++) answers.push(await client.echo.echo(`c${c}-${i}`));
    client.close();
  }
  return answers;
}

interface SofaConsumer {
  ready(): Promise<void>;
  invoke(method: string, args: unknown[], options: { responseTimeout: number }): Promise<unknown>;
}
type SofaClientClass = new (options: { logger: object }) => {
  createConsumer(options: { interfaceName: string; version: string; serverHost: string }): SofaConsumer;
  close(): void;
};

describe('workers: 2', () => {
  it('two worker processes serve; the primary is ready once both are', async () => {
    expect((await admin('/ready')).status).toBe(200);
    const pids = await workerPids();
    expect(pids).toHaveLength(2);
    expect(pids).not.toContain(process.pid);
  });

  it('Dubbo pass-through from dubbo2.js to the Java provider, served by both workers (one upstream connection each), counted once per call', async () => {
    const before = await metric(/^pmesh_requests_total\{listener="dubbo-egress".*outcome="ok"\} (\d+)$/);
    const answers = await dubboCalls(port.dubbo, 4, 5);
    expect(answers.map((a) => a.err)).toEqual(Array(20).fill(null));
    expect(answers.map((a) => a.res)).toEqual(Array.from({ length: 20 }, (_, i) => `c${Math.floor(i / 5)}-${i % 5}`));
    expect(await metric(/^pmesh_requests_total\{listener="dubbo-egress".*outcome="ok"\} (\d+)$/)).toBe(before + 20);
    // Each worker keeps its own pool: two connections to the provider means both workers called it.
    expect(await metric(/^pmesh_upstream_connections\{cluster="dubbo",endpoint="[^"]+"\} (\d+)$/)).toBe(2);
  });

  it('Bolt pass-through from sofa-rpc-node to the Java SOFARPC server, over connections to both workers', async () => {
    const require = createRequire(import.meta.url);
    const { RpcClient } = (require('sofa-rpc-node') as { client: { RpcClient: SofaClientClass } }).client;
    const quiet = { info() {}, warn() {}, debug() {}, error() {} };
    for (let c = 0; c < 4; c++) {
      const client = new RpcClient({ logger: quiet });
      const consumer = client.createConsumer({ interfaceName: ECHO, version: '1.0', serverHost: `127.0.0.1:${port.bolt}` });
      await consumer.ready();
      expect(await consumer.invoke('echo', [{ $class: 'java.lang.String', $: `bolt-${c}` }], { responseTimeout: 10_000 })).toBe(`bolt-${c}`);
      client.close();
    }
    expect(await metric(/^pmesh_upstream_connections\{cluster="sofa",endpoint="[^"]+"\} (\d+)$/)).toBe(2);
  });

  it('HTTP/JSON bridge to the Java Dubbo provider from both workers', async () => {
    for (let c = 0; c < 4; c++) {
      const answer = await callBridge(port.http, `/${ECHO}/echo`, `["json-${c}"]`, { 'x-pmesh-version': '1.0.0', connection: 'close' });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text).toBe(`"json-${c}"`);
    }
  });

  it('an app publishes on one worker and unpublishes on the other: one set of publications, its lease held across them', async () => {
    const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      // A fresh connection per request: each goes to the next worker.
      const response = await request(`http://127.0.0.1:${port.http}${path}`, { reset: true, method: method as 'GET', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
    };
    const published = await api('POST', '/v1/services', { service: ECHO, version: '1.0.0', protocol: 'dubbo', port: servers.dubboPort, methods: ['echo'] });
    expect(published.status, JSON.stringify(published.json)).toBe(201);
    const token = published.json.token as string;
    expect(sidecar.sidecar.registry.state().publications).toBe(1);
    // Both workers route the ingress to the app.
    const viaIngress = await dubboCalls(port.ingress, 4, 1);
    expect(viaIngress.map((a) => a.res)).toEqual(['c0-0', 'c1-0', 'c2-0', 'c3-0']);
    // Whichever worker each lands on, the lease is the primary's.
    expect((await api('DELETE', `/v1/services/${ECHO}`)).status).toBe(403);
    expect((await api('DELETE', `/v1/services/${ECHO}`)).status).toBe(403);
    expect(await api('DELETE', `/v1/services/${ECHO}?token=${token}`)).toMatchObject({ status: 200, json: { unpublished: 1 } });
    expect(sidecar.sidecar.registry.state().publications).toBe(0);
    expect(await metric(/^pmesh_control_refusals_total\{api="app_api",reason="not_owner"\} (\d+)$/)).toBe(2);
    const gone = await dubboCalls(port.ingress, 2, 1);
    expect(gone.every((a) => a.err !== null)).toBe(true);
  });

  it('a changed config is parsed once and reaches both workers', async () => {
    writeFileSync(sidecar.configPath, readFileSync(sidecar.configPath, 'utf8').replace(`cluster: dubbo }]\n  - name: http`, `cluster: nowhere }]\n  - name: http`));
    // Every fresh connection fails once both workers route to the closed port.
    await until(async () => (await dubboCalls(port.dubbo, 2, 1)).every((a) => a.err !== null), 'both workers to reload');
    writeFileSync(sidecar.configPath, readFileSync(sidecar.configPath, 'utf8').replace(`cluster: nowhere }]\n  - name: http`, `cluster: dubbo }]\n  - name: http`));
    await until(async () => (await dubboCalls(port.dubbo, 2, 1)).every((a) => a.err === null), 'both workers to reload back');
  });

  it('a killed worker is logged, counted and started again; calls go on', async () => {
    const [victim, survivor] = await workerPids();
    process.kill(victim!, 'SIGKILL');
    await until(async () => {
      const pids = await workerPids();
      return pids.length === 2 && !pids.includes(victim!) && pids.includes(survivor!);
    }, 'a new worker');
    expect((await admin('/ready')).status).toBe(200);
    expect(await metric(/^pmesh_worker_restarts_total (\d+)$/)).toBe(1);
    const answers = await dubboCalls(port.dubbo, 2, 2);
    expect(answers.map((a) => a.err)).toEqual([null, null, null, null]);
    // A new worker starts as the first ones did: on a busy host, under tsx, that is many seconds.
  }, 180_000);

  it('drains every worker: a call in flight on each finishes, then both processes are gone', async () => {
    const pids = await workerPids();
    const clients = [dubbo2js(port.dubbo), dubbo2js(port.dubbo)];
    const slow = clients.map((client) => client.echo.sleep(1_500));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await sidecar.stop(10_000);
    const answers = await Promise.all(slow);
    clients.forEach((client) => client.close());
    expect(answers.map((a) => a.err)).toEqual([null, null]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

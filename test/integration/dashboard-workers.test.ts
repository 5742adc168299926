/**
 * The /ui dashboard of a sidecar with `workers: 2`, served by the primary (docs/workers.md):
 * the page, the topology with the clusters of both workers merged, the registry view, the
 * recent errors of both, and one live tap stream carrying the calls both workers served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { FAKE_PLUGIN_YAML, type FakeFrame } from '../support/fake-codec.js';
import { FakeClient, startFakeServer, type FakeServer } from '../support/fake-rpc.js';
import { freePort, refusedPort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let sidecar: Running;
let upstream: FakeServer;
let port: number;
let adminPort: number;
let deadPort: number;

const req = (id: bigint, service: string, method: string): FakeFrame => ({ kind: 'REQ', id, service, method, headers: {}, payload: 'x' });

beforeAll(async () => {
  upstream = await startFakeServer();
  [port, adminPort, deadPort] = [await freePort(), await freePort(), await refusedPort()];
  sidecar = await startInProcess(`
${FAKE_PLUGIN_YAML}
workers: 2
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: in
    protocol: fake
    address: 127.0.0.1:${port}
    routeByRegistry: false
    routes:
      - { match: { service: echo.Svc }, cluster: up }
      - { match: { service: dead.Svc }, cluster: dead }
clusters:
  - { name: up, protocol: fake, endpoints: [${upstream.address}] }
  - { name: dead, protocol: fake, endpoints: [127.0.0.1:${deadPort}] }
`);
}, 60_000);

afterAll(async () => {
  await sidecar?.stop(200);
  await upstream?.close();
});

async function json<T>(path: string): Promise<T> {
  const answer = await request(`http://127.0.0.1:${adminPort}${path}`);
  expect(answer.statusCode).toBe(200);
  return (await answer.body.json()) as T;
}

/** Opens `count` callers one after the other: the primary's round robin gives each worker its share. */
async function callers(count: number): Promise<FakeClient[]> {
  const clients: FakeClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await FakeClient.connect(port));
  return clients;
}

describe('/ui with workers: 2', () => {
  it('serves the page', async () => {
    const page = await request(`http://127.0.0.1:${adminPort}/ui`);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<html');
  });

  it('the tap streams the calls of both workers; topology, registry and errors read them all', async () => {
    const tap = await request(`http://127.0.0.1:${adminPort}/ui/api/tap?service=echo.Svc`);
    expect(tap.statusCode).toBe(200);
    const methods = new Set<string>();
    let text = '';
    tap.body.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (const match of text.matchAll(/"method":"(m\d)"/g)) methods.add(match[1]!);
    });
    const clients = await callers(4);
    // The stream reaches the workers over IPC: calls are made until each caller's shows (bounded).
    for (let round = 0; round < 100 && methods.size < clients.length; round++) {
      await Promise.all(clients.map((client, i) => client.call(req(BigInt(round * 10 + i + 1), 'echo.Svc', `m${i}`))));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...methods].sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
    // Both workers carried calls: each has its own connection to the upstream.
    expect(upstream.connections).toBe(2);
    tap.body.destroy();

    const topology = await json<{ listeners: Array<{ name: string }>; clusters: Array<{ name: string; endpoints: Array<{ connections: number }> }>; red: unknown }>('/ui/api/topology');
    expect(topology.listeners.map((listener) => listener.name)).toEqual(['in']);
    expect(topology.clusters.find((cluster) => cluster.name === 'up')?.endpoints[0]?.connections).toBe(2);
    expect(topology.red).toBeDefined();
    const registry = await json<{ state: unknown; subscriptions: unknown[]; publications: unknown[] }>('/ui/api/registry');
    expect(registry.state).toBeDefined();
    expect(registry.publications).toEqual([]);

    await Promise.all(clients.map((client, i) => client.call(req(BigInt(1000 + i), 'dead.Svc', `d${i}`))));
    const { errors } = await json<{ errors: Array<{ method: string; cluster: string }> }>('/ui/api/errors');
    expect(errors.filter((error) => error.cluster === 'dead').map((error) => error.method).sort()).toEqual(['d0', 'd1', 'd2', 'd3']);
    for (const client of clients) client.close();
  });
});

/**
 * Issue 5, item 5: unmodified SOFARPC 5.13.2 apps whose registry is `mesh` (the registry-mesh
 * client inside sofa-rpc-all, from Maven Central) join the mesh through the sidecar's SOFARPC
 * mesh API. Two sidecars on one real ZooKeeper: A fronts the provider app (mesh API, Bolt
 * ingress, appPort = the app's Bolt port), B fronts the consumer app (mesh API, Bolt egress on
 * 127.0.0.1:12220, the port SOFARPC's mesh client always calls). The consumer's call goes
 * consumer -> B egress -> (registry: A's ingress) -> A ingress -> provider app.
 *
 * Needs 127.0.0.1:12220 free: it is a constant in SOFARPC's client, so it cannot be a free port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { setup, type Running } from '../../src/main.js';
import { runJavaCli, startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { listChildren, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

const PEERS = 'sofa-mesh-peers';
const SERVICE = 'com.example.EchoService';
const MESH_BOLT_PORT = 12220;

interface Side {
  sidecar: Running;
  meshPort: number;
  httpPort: number;
  adminPort: number;
  dir: string;
}

let zk: ZooKeeperServer;
let a: Side;
let b: Side;
let ingressPort: number;
let appPort: number;
let provider: Peer;

async function side(name: string, listeners: string, extra: string): Promise<Side> {
  const [meshPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), `pmesh-sofamesh-${name}-`));
  const sidecar = await startInProcess(`
registry: { type: zookeeper, address: ${zk.address}, dataDir: ${JSON.stringify(join(dir, 'data'))}, sessionTimeoutMs: 4000, retryMs: 300, spinDelayMs: 200, emptyConfirmMs: 300 }
admin: { address: 127.0.0.1:${adminPort} }
# Health checks far apart: a withdrawal seen here comes from the app's own unpublish.
defaults: { appHealthCheckMs: 600000 }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort} }
${listeners}
sofaMeshApi: { address: 127.0.0.1:${meshPort}${extra} }
`);
  return { sidecar, meshPort, httpPort, adminPort, dir };
}

async function endpoints(s: Side): Promise<string[]> {
  const response = await request(`http://127.0.0.1:${s.httpPort}/v1/services/${SERVICE}?version=1.0&protocol=bolt`);
  const body = (await response.body.json()) as { endpoints: Array<{ address: string }> };
  return body.endpoints.map((e) => e.address);
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  setup();
  zk = await startZooKeeper();
  [ingressPort, appPort] = [await freePort(), await freePort()];
  a = await side('a', `  - { name: bolt-ingress, protocol: bolt, address: 127.0.0.1:${ingressPort}, ingress: true }`, `, appPort: ${appPort}`);
  b = await side('b', `  - { name: bolt-egress, protocol: bolt, address: 127.0.0.1:${MESH_BOLT_PORT} }`, '');
});

afterAll(async () => {
  await stopAllPeers();
  await a?.sidecar.stop(200);
  await b?.sidecar.stop(200);
  await zk?.destroy();
  for (const s of [a, b]) if (s) rmSync(s.dir, { recursive: true, force: true });
});

describe('SOFARPC apps with registry=mesh, through two sidecars on ZooKeeper', () => {
  it('the provider app publishes through its sidecar: the registry lists that sidecar\'s ingress', async () => {
    provider = startJava(PEERS, 'com.example.meshpeers.MeshProvider', [`127.0.0.1:${a.meshPort}`, String(appPort), 'mesh-provider'], 'mesh provider');
    await provider.waitFor(/READY/, 90_000);
    const ingress = `127.0.0.1:${ingressPort}`;
    expect(await until(() => endpoints(a), (list) => list.includes(ingress), 'publication through the mesh API')).toEqual([ingress]);
    // The other sidecar sees it through ZooKeeper; never the app's own port.
    expect(await until(() => endpoints(b), (list) => list.length > 0, 'the publication in ZooKeeper')).toEqual([ingress]);
  }, 120_000);

  it('the consumer app subscribes through its sidecar and calls the provider app through both sidecars', async () => {
    const cli = await runJavaCli(PEERS, 'com.example.meshpeers.MeshConsumer', [`127.0.0.1:${b.meshPort}`, '--wait', '30000', 'hello', 'world']);
    expect(cli.results, cli.output.slice(-3000)).toEqual([
      { command: 'ok', fields: ['mesh-provider:hello'] },
      { command: 'ok', fields: ['mesh-provider:world'] },
    ]);
    // What SOFARPC's own client logged of B's answers: the egress as its one provider, and its unsubscribe at exit.
    expect(cli.output).toMatch(new RegExp(`/services/subscribe return result: \\{"serviceName":"${SERVICE}:1.0","datas":\\["127.0.0.1:${MESH_BOLT_PORT}\\?v=4.0&p=1"\\],"success":true\\}`));
    expect(cli.output).toMatch(/\/services\/unsubscribe return result: \{"success":true\}/);
    // B routed by the registry: its cluster for the service holds A's ingress.
    const clusters = await request(`http://127.0.0.1:${b.adminPort}/clusters`);
    const { clusters: list } = (await clusters.body.json()) as { clusters: Array<{ name: string; endpoints: Array<{ address: string }> }> };
    expect(list.find((c) => c.name === `service:bolt:${SERVICE}:1.0`)?.endpoints.map((e) => e.address)).toEqual([`127.0.0.1:${ingressPort}`]);
  }, 120_000);

  it('the provider app\'s own unpublish on shutdown withdraws the publication', async () => {
    // SIGTERM runs SOFARPC's shutdown hook: batchUnRegister -> POST /services/unpublish.
    await provider.stop(10_000);
    expect(provider.output()).toMatch(/\/services\/unpublish return result: \{"success":true,"unpublished":1\}/);
    // Read from ZooKeeper itself and from B, whose registry cluster keeps a live watch. (A's own
    // GET /v1/services answers a fresh subscription from the on-disk cache while the registry read is pending.)
    const providers = `/sofa-rpc/${SERVICE}/providers`;
    await until(() => listChildren(zk.address, providers), (nodes) => !nodes.some((n) => n.includes(`:${ingressPort}?`)), 'the ZooKeeper node removed', 15_000);
    await until(() => endpoints(b), (list) => list.length === 0, 'withdrawal seen through ZooKeeper', 15_000);
  }, 60_000);
});

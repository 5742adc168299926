/**
 * Clusters fed by the registry (embedded backend): a cluster that names a service
 * instead of endpoints, and a route with no cluster that goes to the cluster of the
 * service it names. /clusters says where the endpoints came from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { setup, type Running } from '../../src/main.js';
import type { Publication } from '../../src/registry/index.js';
import { FAKE_PLUGIN_YAML, type FakeFrame } from '../support/fake-codec.js';
import { FakeClient, startFakeServer, type FakeServer } from '../support/fake-rpc.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let sidecar: Running;
let provider: FakeServer;
let port: number;
let adminPort: number;

const call = (service: string, id: bigint): FakeFrame => ({ kind: 'REQ', id, service, method: 'm', headers: {}, payload: `p${id}` });

beforeAll(async () => {
  setup();
  provider = await startFakeServer();
  port = await freePort();
  adminPort = await freePort();
  sidecar = await startInProcess(`
${FAKE_PLUGIN_YAML}
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: in
    protocol: fake
    address: 127.0.0.1:${port}
    routes:
      - { match: { service: named.Svc }, cluster: named }
      - { match: { service: implicit.Svc } }
clusters:
  - { name: named, protocol: fake, service: named.Svc }
`);
});

afterAll(async () => {
  await sidecar?.stop(200);
  await provider?.close();
});

function publication(service: string): Publication {
  return { service, protocol: 'fake', host: '127.0.0.1', port: provider.port, methods: ['m'] };
}

interface ClustersDump {
  registry: { backend: string; status: string };
  clusters: { name: string; endpoints: { address: string; source: string }[]; registry?: { origin: string; backend: string } }[];
}

describe('registry-fed clusters', () => {
  it('a cluster naming a service gets its endpoints from what is published, and loses them when unpublished', async () => {
    const client = await FakeClient.connect(port);
    const before = await client.call(call('named.Svc', 1n));
    expect(before.headers.reason).toBe('PMESH_NO_HEALTHY_ENDPOINT');

    await sidecar.sidecar.registry.publish(publication('named.Svc'));
    const after = await client.call(call('named.Svc', 2n));
    expect(after.payload).toBe('echo:p2');

    const dump = (await (await request(`http://127.0.0.1:${adminPort}/clusters`)).body.json()) as ClustersDump;
    expect(dump.registry).toMatchObject({ backend: 'embedded' });
    const named = dump.clusters.find((c) => c.name === 'named');
    expect(named?.endpoints).toEqual([expect.objectContaining({ address: provider.address, source: 'registry' })]);
    expect(named?.registry).toMatchObject({ backend: 'embedded', origin: 'registry' });

    await sidecar.sidecar.registry.unpublish(publication('named.Svc'));
    expect((await client.call(call('named.Svc', 3n))).headers.reason).toBe('PMESH_NO_HEALTHY_ENDPOINT');
    client.close();
  });

  it('an egress call no route matches goes to the registry\'s providers of its service (made on first use)', async () => {
    const client = await FakeClient.connect(port);
    const unknown = await client.call(call('unrouted.Svc', 10n));
    expect(unknown.headers.reason).toBe('PMESH_NO_HEALTHY_ENDPOINT');
    expect(unknown.payload).toBe('no provider of service "unrouted.Svc" is registered');
    await sidecar.sidecar.registry.publish(publication('unrouted.Svc'));
    expect((await client.call(call('unrouted.Svc', 11n))).payload).toBe('echo:p11');
    client.close();
  });

  it('a route with no cluster goes to a cluster made for the service it names', async () => {
    await sidecar.sidecar.registry.publish(publication('implicit.Svc'));
    const client = await FakeClient.connect(port);
    expect((await client.call(call('implicit.Svc', 4n))).payload).toBe('echo:p4');
    const dump = (await (await request(`http://127.0.0.1:${adminPort}/clusters`)).body.json()) as ClustersDump;
    expect(dump.clusters.map((c) => c.name)).toContain('service:fake:implicit.Svc');
    client.close();
  });
});

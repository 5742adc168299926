/**
 * Egress calls no route matches go to a registry cluster made on demand (issue 9, item 2):
 * thousands of distinct unknown service names through the real Bolt egress (frames from our
 * builder) are answered "no provider" in Bolt's own error reply and make no cluster; clusters
 * of services that do have providers are bounded (least recently used evicted), the metric
 * labels are bounded (`other`), /metrics stays small, and a configured service keeps answering.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { buildRequest, buildResponse } from '../../src/codecs/bolt/build.js';
import { getCodec, type AnyCodec } from '../../src/codecs/index.js';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { setup, type Running } from '../../src/main.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const CONFIGURED = 'com.example.Configured:1.0';
const MAX_CLUSTERS = 20;
const UNKNOWN_NAMES = 3_000;

let sidecar: Running | undefined;
let codec: AnyCodec;
let provider: Server;
let providerPort: number;
let egressPort: number;
let adminPort: number;

/** A Bolt provider answering every request with null (our response builder). */
async function startProvider(): Promise<void> {
  provider = createServer((socket) => {
    const decoder = codec.newDecoder(DEFAULT_LIMITS);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (codec.kind(frame) === 'heartbeat') {
          socket.write(Buffer.concat(codec.encode(codec.heartbeatReply(frame))));
          continue;
        }
        socket.write(Buffer.concat(codec.encode(buildResponse(Number(codec.requestId(frame)), { kind: 'null' }))));
      }
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  providerPort = (provider.address() as AddressInfo).port;
}

/** One Bolt connection to the egress; `call` resolves with the reply's result. */
class BoltCaller {
  readonly #socket: Socket;
  readonly #waiting = new Map<number | bigint, (frame: unknown) => void>();
  #nextId = 1;

  private constructor(socket: Socket) {
    this.#socket = socket;
    const decoder = codec.newDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        const id = codec.requestId(frame);
        this.#waiting.get(id)?.(frame);
        this.#waiting.delete(id);
      }
    });
  }

  static async open(port: number): Promise<BoltCaller> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new BoltCaller(socket);
  }

  call(service: string): Promise<{ status: string; message?: string }> {
    const requestId = this.#nextId++;
    const frame = buildRequest({ requestId, service, method: 'echo', argSigs: [], args: Buffer.alloc(0), timeoutMs: 10_000 });
    return new Promise((resolve) => {
      this.#waiting.set(requestId, (reply) => resolve(codec.toResult(reply) as { status: string; message?: string }));
      this.#socket.write(Buffer.concat(codec.encode(frame)));
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

async function admin(path: string): Promise<string> {
  return (await request(`http://127.0.0.1:${adminPort}${path}`)).body.text();
}

async function clusterNames(): Promise<string[]> {
  return (JSON.parse(await admin('/clusters')) as { clusters: { name: string }[] }).clusters.map((c) => c.name);
}

function limitCount(metrics: string, limit: string): number {
  return Number(new RegExp(`pmesh_limit_exceeded_total\\{limit="${limit}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
}

/** A sidecar with a Bolt egress that routes the configured service and sends the rest to the registry. */
async function startSidecar(defaults: string): Promise<Running> {
  await sidecar?.stop(200);
  [egressPort, adminPort] = [await freePort(), await freePort()];
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
defaults: ${defaults}
listeners:
  - name: bolt-out
    protocol: bolt
    address: 127.0.0.1:${egressPort}
    routes: [{ match: { service: "${CONFIGURED}" }, cluster: configured }]
clusters:
  - { name: configured, protocol: bolt, endpoints: [127.0.0.1:${providerPort}] }
`);
  return sidecar;
}

beforeAll(async () => {
  setup();
  codec = getCodec('bolt')!;
  await startProvider();
});

afterAll(async () => {
  await sidecar?.stop(200);
  await new Promise<void>((resolve) => provider?.close(() => resolve()));
});

describe('on-demand registry clusters', () => {
  it(`${UNKNOWN_NAMES} distinct unknown services are each answered "no provider" and make no cluster, while a configured service answers`, async () => {
    await startSidecar('{}');
    const caller = await BoltCaller.open(egressPort);
    const before = (await clusterNames()).length;
    for (let batch = 0; batch < UNKNOWN_NAMES; batch += 100) {
      const calls = Array.from({ length: 100 }, (_, i) => caller.call(`com.unknown.Svc${batch + i}:1.0`));
      const configured = caller.call(CONFIGURED);
      for (const answer of await Promise.all(calls)) {
        expect(answer.status).toBe('error');
        expect(answer.message).toMatch(/no provider of service "com\.unknown\.Svc\d+:1\.0" is registered/);
      }
      expect(await configured).toMatchObject({ status: 'ok' });
    }
    expect((await clusterNames()).length).toBe(before);
    const metrics = await admin('/metrics');
    expect(metrics.length).toBeLessThan(100_000);
    expect(metrics).not.toContain('com.unknown.Svc');
    expect(metrics).toContain('pmesh_registry_empty_protected_total 0');
    caller.close();
  }, 120_000);

  it('services with providers get clusters up to maxOnDemandClusters, the least recently used evicted; metric labels past the cap count as other', async () => {
    const running = await startSidecar(`{ maxOnDemandClusters: ${MAX_CLUSTERS}, maxMetricLabelValues: 10 }`);
    const caller = await BoltCaller.open(egressPort);
    const services = Array.from({ length: MAX_CLUSTERS + 10 }, (_, i) => `com.known.Svc${i}`);
    for (const service of services) {
      await running.sidecar.registry.publish({ service, version: '1.0', protocol: 'bolt', host: '127.0.0.1', port: providerPort, methods: ['echo'] });
    }
    for (const service of services) expect(await caller.call(`${service}:1.0`), service).toMatchObject({ status: 'ok' });
    const onDemand = (await clusterNames()).filter((name) => name.startsWith('service:'));
    expect(onDemand).toHaveLength(MAX_CLUSTERS);
    // The last ones used stay; the first ones were evicted and are made again at their next call.
    expect(onDemand).toContain(`service:bolt:${services.at(-1)}:1.0`);
    expect(onDemand).not.toContain(`service:bolt:${services[0]}:1.0`);
    expect(await caller.call(`${services[0]}:1.0`)).toMatchObject({ status: 'ok' });
    expect(await caller.call(CONFIGURED)).toMatchObject({ status: 'ok' });

    const metrics = await admin('/metrics');
    expect(limitCount(metrics, 'max_on_demand_clusters')).toBeGreaterThan(0);
    expect(limitCount(metrics, 'max_metric_label_values')).toBeGreaterThan(0);
    expect(metrics).toMatch(/pmesh_requests_total\{listener="bolt-out",route="registry",service="other",method="echo",cluster="other",outcome="ok"\} \d+/);
    const config = JSON.parse(await admin('/config')) as { defaults: Record<string, number> };
    expect(config.defaults).toMatchObject({ maxOnDemandClusters: MAX_CLUSTERS, onDemandClusterIdleMs: 600_000, maxMetricLabelValues: 10, registryEmptyGraceMs: 10_000 });
    caller.close();
  }, 60_000);
});

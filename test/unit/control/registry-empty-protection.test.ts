/**
 * Empty protection (issue 9, item 16), with a fake registry backend and fake timers: an
 * empty provider list that arrives while the registry reconnects, or within
 * registryEmptyGraceMs of its session coming back, keeps the endpoints last known (calls
 * keep going) and is counted; it is applied once the registry has been connected and
 * stable that long and still says empty. An empty list from a registry connected all along
 * is applied at once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeEndpoint, type Endpoint } from '../../../src/core/index.js';
import { clusterSchema } from '../../../src/config/index.js';
import { Cluster, createBalancer, setupBalancers, type Upstream } from '../../../src/proxy/index.js';
import { RegistryClusters } from '../../../src/control/registry-clusters.js';
import type { Registry, RegistryListener, RegistryState, RegistryStatus, RegistryUpdate, Subscription } from '../../../src/registry/index.js';

const GRACE = 10_000;

/** A registry whose status and provider lists the test sets. */
class FakeRegistry implements Registry {
  readonly backend = 'fake';
  status: RegistryStatus = 'connected';
  since = Date.now();
  #listener: RegistryListener | undefined;
  #last: RegistryUpdate | undefined;

  async start(): Promise<void> {}
  async publish(): Promise<void> {}
  async unpublish(): Promise<void> {}
  async close(): Promise<void> {}
  unsubscribe(): void {}

  subscribe(query: Parameters<Registry['subscribe']>[0], listener: RegistryListener): Subscription {
    this.#listener = listener;
    return { id: 1, query, current: () => this.#last, unsubscribe: () => (this.#listener = undefined) };
  }

  setStatus(status: RegistryStatus): void {
    this.status = status;
    this.since = Date.now();
  }

  providers(endpoints: readonly Endpoint[], origin: RegistryUpdate['origin'] = 'registry'): void {
    this.#last = { query: { service: 'com.example.Svc' }, endpoints, origin, backend: 'fake', at: Date.now() };
    this.#listener?.(this.#last);
  }

  state(): RegistryState {
    return { backend: 'fake', status: this.status, since: this.since, publications: 0, subscriptions: 1, events: {} };
  }
}

const PROVIDER = [makeEndpoint('127.0.0.1:20880', { source: 'registry' })];
const config = clusterSchema.parse({ name: 'svc', protocol: 'dubbo', service: 'com.example.Svc' });
let registry: FakeRegistry;
let cluster: Cluster;
let feeds: RegistryClusters;
let protectedCount: number;

beforeEach(() => {
  setupBalancers();
  vi.useFakeTimers();
  registry = new FakeRegistry();
  protectedCount = 0;
  cluster = new Cluster('svc', 'dubbo', 'round_robin', createBalancer('round_robin'), { release() {} } as unknown as Upstream);
  feeds = new RegistryClusters(registry, { emptyGraceMs: GRACE, onEmptyProtected: () => (protectedCount += 1) });
  feeds.apply([config], (name) => (name === 'svc' ? cluster : undefined));
  registry.providers(PROVIDER);
});
afterEach(() => {
  feeds.close();
  vi.useRealTimers();
});

const addresses = (): string[] => cluster.endpoints.map((e) => e.address);

describe('registry empty protection', () => {
  it('a session expiry that lists no provider keeps the last known ones until the registry is stable for the grace period', async () => {
    await vi.advanceTimersByTimeAsync(60_000);
    registry.setStatus('disconnected');
    registry.providers([], 'last-known');
    expect(addresses()).toEqual(['127.0.0.1:20880']);

    await vi.advanceTimersByTimeAsync(3_000);
    registry.setStatus('connected'); // the new session
    registry.providers([]); // read before the providers re-created their nodes
    expect(addresses()).toEqual(['127.0.0.1:20880']);
    expect(protectedCount).toBe(2);

    await vi.advanceTimersByTimeAsync(GRACE - 1);
    expect(addresses()).toEqual(['127.0.0.1:20880']);
    await vi.advanceTimersByTimeAsync(1);
    // Connected and stable for the grace period, and still no provider: that is real.
    expect(addresses()).toEqual([]);
  });

  it('providers that come back within the grace period are taken at once, and nothing is emptied', async () => {
    await vi.advanceTimersByTimeAsync(60_000);
    registry.setStatus('connected');
    registry.providers([]);
    await vi.advanceTimersByTimeAsync(2_000);
    const back = [makeEndpoint('127.0.0.1:20881', { source: 'registry' })];
    registry.providers(back);
    expect(addresses()).toEqual(['127.0.0.1:20881']);
    await vi.advanceTimersByTimeAsync(GRACE * 2);
    expect(addresses()).toEqual(['127.0.0.1:20881']);
    expect(protectedCount).toBe(1);
  });

  it('a provider withdrawn while the registry has been connected all along is removed at once', async () => {
    await vi.advanceTimersByTimeAsync(1_000);
    registry.providers([]);
    expect(addresses()).toEqual([]);
    expect(protectedCount).toBe(0);
  });
});

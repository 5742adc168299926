/**
 * Keeps clusters that name a service fed from the registry: one subscription per
 * cluster, replaced when the cluster's service, version, group or protocol changes,
 * dropped when the cluster goes. Configured clusters come through `apply`; clusters
 * made on demand come and go one at a time through `add` and `remove` (O(1) each).
 *
 * Empty protection (Dubbo's `enable-empty-protection`): an empty provider list that
 * arrives while the registry is reconnecting, or before it has been connected and stable
 * for `emptyGraceMs` since the session came back, keeps the endpoints last known; it is
 * applied only if still empty when the grace period is over. A session expiry on a loaded
 * machine can list no providers for a moment while they re-create their nodes; calls then
 * must not fail. An empty list from a registry that has been stable that long is real.
 * Part of the control plane: it is where the registry meets the proxy.
 */
import type { ClusterConfig } from '../config/index.js';
import type { Cluster } from '../proxy/index.js';
import type { Registry, RegistryUpdate, Subscription } from '../registry/index.js';

interface Feed {
  readonly key: string;
  readonly subscription: Subscription;
  readonly source: 'config' | 'on-demand';
  /** Resolved with the first update that says something: providers, or none from the registry itself. */
  readonly firstAnswer: Promise<RegistryUpdate>;
  /** Date.now() when the cluster last went from no endpoints to some (0: never had any). */
  nonEmptySince: number;
  /** The re-check of a protected empty list, when one is pending. */
  recheck: NodeJS.Timeout | undefined;
}

export interface ClusterOrigin {
  readonly backend: string;
  readonly origin: RegistryUpdate['origin'];
  readonly at: number;
  readonly service: string;
}

export interface RegistryClustersOptions {
  /** How long the registry must have been connected before an empty list is believed. */
  readonly emptyGraceMs: number;
  /** Called each time an empty list is held back (for `/metrics`). */
  readonly onEmptyProtected?: () => void;
  /** The scheme the registry lists a protocol's providers under (Dubbo writes Triple's as tri://); the name itself when absent. */
  readonly registryScheme?: (protocol: string) => string;
}

type ClusterLookup = (name: string) => Cluster | undefined;

export class RegistryClusters {
  readonly #registry: Registry;
  readonly #feeds = new Map<string, Feed>();
  #options: RegistryClustersOptions;

  constructor(registry: Registry, options: RegistryClustersOptions) {
    this.#registry = registry;
    this.#options = options;
  }

  setOptions(options: RegistryClustersOptions): void {
    this.#options = options;
  }

  /** Subscribes each configured service-named cluster (and only those); leaves on-demand feeds alone. */
  apply(configs: readonly ClusterConfig[], clusters: ClusterLookup): void {
    const wanted = new Map(configs.filter((c) => c.service !== undefined).map((c) => [c.name, c]));
    for (const [name, feed] of this.#feeds) {
      if (feed.source !== 'config') continue;
      const config = wanted.get(name);
      if (!config || keyOf(config) !== feed.key) this.remove(name);
    }
    for (const [name, config] of wanted) if (!this.#feeds.has(name)) this.add(name, config, clusters, 'config');
  }

  /** Starts feeding one cluster; resolves with the registry's first answer (see Feed.firstAnswer). */
  add(name: string, config: ClusterConfig, clusters: ClusterLookup, source: Feed['source'] = 'on-demand'): Promise<RegistryUpdate> {
    let answer: (update: RegistryUpdate) => void = () => {};
    const firstAnswer = new Promise<RegistryUpdate>((resolve) => (answer = resolve));
    let feed: Feed | undefined;
    const onUpdate = (update: RegistryUpdate): void => {
      if (update.endpoints.length > 0 || update.origin === 'registry') answer(update);
      if (feed) this.#offer(name, feed, update, clusters);
    };
    const subscription = this.#registry.subscribe(
      // Providers are listed under their framework's scheme (Dubbo writes Triple's as tri://).
      { service: config.service!, version: config.version, group: config.group, protocol: this.#options.registryScheme?.(config.protocol) ?? config.protocol },
      onUpdate,
    );
    feed = { key: keyOf(config), subscription, source, firstAnswer, nonEmptySince: 0, recheck: undefined };
    this.#feeds.set(name, feed);
    const current = subscription.current();
    if (current) onUpdate(current);
    return firstAnswer;
  }

  remove(name: string): void {
    const feed = this.#feeds.get(name);
    if (!feed) return;
    clearTimeout(feed.recheck);
    feed.subscription.unsubscribe();
    this.#feeds.delete(name);
  }

  /** Where each registry-fed cluster's endpoints came from, for /clusters. */
  origins(): Record<string, ClusterOrigin> {
    const out: Record<string, ClusterOrigin> = {};
    for (const [name, feed] of this.#feeds) {
      const update = feed.subscription.current();
      if (update) out[name] = { backend: update.backend, origin: update.origin, at: update.at, service: feed.subscription.query.service };
    }
    return out;
  }

  close(): void {
    for (const name of [...this.#feeds.keys()]) this.remove(name);
  }

  #offer(name: string, feed: Feed, update: RegistryUpdate, clusters: ClusterLookup): void {
    const cluster = clusters(name);
    if (!cluster) return;
    clearTimeout(feed.recheck);
    feed.recheck = undefined;
    if (update.endpoints.length === 0 && cluster.endpoints.length > 0) {
      const waitMs = this.#unsettledFor(feed);
      if (waitMs > 0) {
        this.#options.onEmptyProtected?.();
        feed.recheck = setTimeout(() => {
          feed.recheck = undefined;
          const latest = feed.subscription.current();
          if (latest && this.#feeds.get(name) === feed) this.#offer(name, feed, latest, clusters);
        }, waitMs);
        feed.recheck.unref();
        return;
      }
    }
    if (update.endpoints.length > 0 && cluster.endpoints.length === 0) feed.nonEmptySince = Date.now();
    cluster.setEndpoints(update.endpoints);
  }

  /**
   * How much longer an empty list must wait: while the registry is not connected, the whole
   * grace period; after it came back (connected since the cluster last had providers), what is
   * left of the grace period. 0 when its connection predates the providers and nothing changed.
   */
  #unsettledFor(feed: Feed): number {
    const state = this.#registry.state();
    const grace = this.#options.emptyGraceMs;
    if (state.status !== 'connected') return grace;
    if (state.since <= feed.nonEmptySince) return 0;
    return Math.max(0, state.since + grace - Date.now());
  }
}

function keyOf(config: ClusterConfig): string {
  return JSON.stringify([config.service, config.version ?? '', config.group ?? '', config.protocol]);
}

/**
 * Keeps clusters that name a service fed from the registry: one subscription per
 * cluster, replaced when the cluster's service, version, group or protocol changes,
 * dropped when the cluster goes. The registry never empties a set because it lost
 * its connection; an empty set here means the service really has no provider.
 * Part of the composition root: it is where the registry meets the proxy.
 */
import type { ClusterConfig } from './config/index.js';
import type { Cluster } from './proxy/index.js';
import type { Registry, RegistryUpdate, Subscription } from './registry/index.js';

interface Feed {
  readonly key: string;
  readonly subscription: Subscription;
}

export interface ClusterOrigin {
  readonly backend: string;
  readonly origin: RegistryUpdate['origin'];
  readonly at: number;
  readonly service: string;
}

export class RegistryClusters {
  readonly #registry: Registry;
  readonly #feeds = new Map<string, Feed>();

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  /** Subscribes each service-named cluster (and only those); `clusters` looks them up by name. */
  apply(configs: readonly ClusterConfig[], clusters: (name: string) => Cluster | undefined): void {
    const wanted = new Map(configs.filter((c) => c.service !== undefined).map((c) => [c.name, c]));
    for (const [name, feed] of this.#feeds) {
      const config = wanted.get(name);
      if (!config || keyOf(config) !== feed.key) {
        feed.subscription.unsubscribe();
        this.#feeds.delete(name);
      }
    }
    for (const [name, config] of wanted) {
      if (this.#feeds.has(name)) continue;
      const subscription = this.#registry.subscribe(
        { service: config.service!, version: config.version, group: config.group, protocol: config.protocol },
        (update) => clusters(name)?.setEndpoints(update.endpoints),
      );
      this.#feeds.set(name, { key: keyOf(config), subscription });
      const current = subscription.current();
      if (current) clusters(name)?.setEndpoints(current.endpoints);
    }
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
    for (const feed of this.#feeds.values()) feed.subscription.unsubscribe();
    this.#feeds.clear();
  }
}

function keyOf(config: ClusterConfig): string {
  return JSON.stringify([config.service, config.version ?? '', config.group ?? '', config.protocol]);
}

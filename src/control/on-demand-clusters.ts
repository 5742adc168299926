/**
 * Registry clusters made on first use by egress calls no route matched (MOSN routes egress
 * by service name). Each name a caller sends could make one, so they are bounded:
 *
 * - a service with no provider gets no cluster: the first registry answer is awaited and an
 *   empty one is answered "no provider" (the protocol's own error reply), the lookup dropped;
 * - at most `maxClusters` exist; making one more evicts the least recently used;
 * - one unused for `idleMs` is dropped by a sweep;
 * - at most as many lookups wait for the registry at once; more are answered "overloaded".
 *
 * A known service costs one map lookup per call (moved to the back of the LRU order); making
 * or dropping one touches only that cluster, never the others.
 */
import { MeshError, serviceKeyString, type MeshMetrics, type ServiceKey } from '../core/index.js';
import { clusterSchema, type ClusterConfig } from '../config/index.js';
import type { RegistryUpdate } from '../registry/index.js';

export interface OnDemandLimits {
  readonly maxClusters: number;
  readonly idleMs: number;
  /** How long a lookup waits for the registry's first answer before saying "no provider". */
  readonly firstAnswerMs: number;
}

/** What the sidecar does to make and drop one cluster. */
export interface OnDemandHooks {
  /** Makes the cluster and its registry feed; resolves with the registry's first answer. */
  create(config: ClusterConfig): Promise<RegistryUpdate>;
  drop(name: string): void;
  readonly metrics: MeshMetrics;
}

interface Entry {
  readonly config: ClusterConfig;
  lastUsed: number;
}

export class OnDemandClusters {
  readonly #hooks: OnDemandHooks;
  #limits: OnDemandLimits;
  /** In least-recently-used order: a use moves an entry to the back. */
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<string>>();
  readonly #sweep: NodeJS.Timeout;

  constructor(hooks: OnDemandHooks, limits: OnDemandLimits) {
    this.#hooks = hooks;
    this.#limits = limits;
    this.#sweep = setInterval(() => this.#dropIdle(), Math.max(1_000, Math.min(limits.idleMs, 60_000) / 2));
    this.#sweep.unref();
  }

  setLimits(limits: OnDemandLimits): void {
    this.#limits = limits;
    while (this.#entries.size > limits.maxClusters) this.#evictOldest();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether the cluster is one of ours (made, or waiting for the registry's first answer). */
  has(name: string): boolean {
    return this.#entries.has(name) || this.#pending.has(name);
  }

  configs(): ClusterConfig[] {
    return [...this.#entries.values()].map((entry) => entry.config);
  }

  /** The cluster's name when it exists (marked used), else undefined: then `resolve` makes it. */
  existing(protocol: string, service: ServiceKey): string | undefined {
    const name = nameOf(protocol, service);
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    entry.lastUsed = Date.now();
    this.#entries.delete(name);
    this.#entries.set(name, entry);
    return name;
  }

  /** The cluster for the service, made if it has providers; rejects "no provider" otherwise. */
  resolve(protocol: string, service: ServiceKey): Promise<string> {
    const known = this.existing(protocol, service);
    if (known) return Promise.resolve(known);
    const name = nameOf(protocol, service);
    const waiting = this.#pending.get(name);
    if (waiting) return waiting;
    if (this.#pending.size >= this.#limits.maxClusters) {
      this.#hooks.metrics.limitExceeded('max_on_demand_clusters');
      return Promise.reject(
        new MeshError('PMESH_OVERLOADED', `too many services being looked up at once (maxOnDemandClusters ${this.#limits.maxClusters})`, {
          details: { limit: 'max_on_demand_clusters' },
        }),
      );
    }
    const made = this.#make(name, protocol, service).finally(() => this.#pending.delete(name));
    this.#pending.set(name, made);
    return made;
  }

  close(): void {
    clearInterval(this.#sweep);
  }

  async #make(name: string, protocol: string, service: ServiceKey): Promise<string> {
    const config = clusterSchema.parse({ name, protocol, service: service.interface, version: service.version, group: service.group });
    const first = await waitAtMost(this.#hooks.create(config), this.#limits.firstAnswerMs);
    if (first === undefined || first.endpoints.length === 0) {
      this.#hooks.drop(name);
      throw new MeshError('PMESH_NO_HEALTHY_ENDPOINT', `no provider of service "${serviceKeyString(service)}" is registered`, {
        details: { service: serviceKeyString(service) },
      });
    }
    // Counted only once it has providers: a flood of unknown names evicts nothing.
    if (this.#entries.size >= this.#limits.maxClusters) {
      this.#hooks.metrics.limitExceeded('max_on_demand_clusters');
      this.#evictOldest();
    }
    this.#entries.set(name, { config, lastUsed: Date.now() });
    return name;
  }

  #evictOldest(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done) return;
    this.#entries.delete(oldest.value);
    this.#hooks.drop(oldest.value);
  }

  #dropIdle(): void {
    const before = Date.now() - this.#limits.idleMs;
    for (const [name, entry] of this.#entries) {
      // LRU order: the first one used since `before` ends the sweep.
      if (entry.lastUsed > before) return;
      this.#entries.delete(name);
      this.#hooks.drop(name);
    }
  }
}

function nameOf(protocol: string, service: ServiceKey): string {
  return `service:${protocol}:${serviceKeyString(service)}`;
}

function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * The default backend: an in-process registry with no set-up. What apps publish is kept in a
 * snapshot file in the data directory (written atomically, see snapshot.ts) and loaded at
 * start, so publications survive a sidecar restart. Subscribers in the same process see
 * publications at once.
 */
import { join } from 'node:path';
import type { Logger } from '../core/index.js';
import { Counters, matches, publicationKey, publicationMetadata, StatusTracker, SubscriptionHub, toEndpoint, uniqueByAddress, type HubSubscription } from './common.js';
import { registerBackend, type Publication, type Registry, type RegistryContext, type RegistryListener, type RegistryState, type ServiceQuery, type SubscribeOptions, type Subscription } from './registry.js';
import { readJsonFile, SnapshotWriter } from './snapshot.js';
import { checkPublication, checkQuery } from './validate.js';

export interface EmbeddedConfig {
  /** Snapshot file; default `<dataDir>/registry-embedded.json`. */
  readonly snapshotFile?: string;
}

interface SnapshotFile {
  readonly format: 'pmesh-embedded-registry';
  readonly version: 1;
  readonly publications: Publication[];
}

export class EmbeddedRegistry implements Registry {
  readonly backend = 'embedded';
  readonly #publications = new Map<string, Publication>();
  readonly #hub: SubscriptionHub;
  readonly #status = new StatusTracker('connecting');
  readonly #events = new Counters();
  readonly #writer: SnapshotWriter;
  readonly #logger: Logger | undefined;

  constructor(config: EmbeddedConfig, context: RegistryContext) {
    this.#logger = context.logger;
    this.#hub = new SubscriptionHub(this.backend, context.logger);
    const file = config.snapshotFile ?? join(context.dataDir, 'registry-embedded.json');
    this.#writer = new SnapshotWriter(file, () => this.#snapshot(), {
      onError: (error) => {
        this.#status.error(error);
        this.#events.bump('snapshot_error');
        this.#logger?.error({ err: error, file }, 'embedded registry: snapshot write failed');
      },
    });
  }

  async start(): Promise<void> {
    const raw = readJsonFile(this.#writer.path) as Partial<SnapshotFile> | undefined;
    for (const publication of raw?.format === 'pmesh-embedded-registry' && Array.isArray(raw.publications) ? raw.publications : []) {
      try {
        checkPublication(publication);
        this.#publications.set(publicationKey(publication), publication);
      } catch (error) {
        this.#logger?.warn({ err: error }, 'embedded registry: skipped a bad publication in the snapshot');
      }
    }
    this.#events.bump('snapshot_loaded');
    this.#status.set('connected');
    this.#notifyAll();
  }

  async publish(publication: Publication): Promise<void> {
    checkPublication(publication);
    this.#publications.set(publicationKey(publication), Object.freeze({ ...publication }));
    this.#events.bump('publish');
    this.#writer.schedule();
    this.#notifyAll();
  }

  async unpublish(publication: Publication): Promise<void> {
    if (!this.#publications.delete(publicationKey(publication))) return;
    this.#events.bump('unpublish');
    this.#writer.schedule();
    this.#notifyAll();
  }

  subscribe(query: ServiceQuery, listener: RegistryListener, options: SubscribeOptions = {}): Subscription {
    checkQuery(query);
    const sub = this.#hub.add(query, listener, options, () => this.#events.bump('unsubscribe'));
    this.#events.bump('subscribe');
    // The first update is asynchronous, as the contract says, even though it is known now.
    setImmediate(() => this.#notify(sub));
    return sub;
  }

  unsubscribe(subscription: Subscription): void {
    subscription.unsubscribe();
  }

  async close(): Promise<void> {
    if (this.#status.status === 'closed') return;
    for (const sub of this.#hub.all()) sub.unsubscribe();
    await this.#writer.flush();
    this.#status.set('closed');
  }

  state(): RegistryState {
    return {
      backend: this.backend,
      status: this.#status.status,
      since: this.#status.since,
      ...(this.#status.lastError ? { lastError: this.#status.lastError } : {}),
      publications: this.#publications.size,
      subscriptions: this.#hub.size,
      events: this.#events.snapshot(),
    };
  }

  /** Every publication currently held (for admin views and tests). */
  publications(): Publication[] {
    return [...this.#publications.values()];
  }

  /** Writes the snapshot now (tests; close() does it too). */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #snapshot(): SnapshotFile {
    return { format: 'pmesh-embedded-registry', version: 1, publications: [...this.#publications.values()] };
  }

  #notifyAll(): void {
    for (const sub of this.#hub.all()) this.#notify(sub);
  }

  #notify(sub: HubSubscription): void {
    if (this.#status.status === 'connecting') return;
    const endpoints = [];
    for (const p of this.#publications.values()) {
      const metadata = publicationMetadata(p);
      if (matches(sub.query, metadata)) endpoints.push(toEndpoint(p.host, p.port, metadata, 'registry', p.weight));
    }
    if (this.#hub.deliver(sub, uniqueByAddress(endpoints), 'registry')) this.#events.bump('notify');
  }
}

export function parseEmbeddedConfig(raw: Readonly<Record<string, unknown>>): EmbeddedConfig {
  const file = raw.snapshotFile;
  if (file !== undefined && (typeof file !== 'string' || file === '')) throw new TypeError('registry.snapshotFile: expected a file path');
  return file === undefined ? {} : { snapshotFile: file };
}

/** Registers the `embedded` backend (docs/architecture.md). */
export function setup(): void {
  registerBackend<EmbeddedConfig>({
    name: 'embedded',
    parseConfig: parseEmbeddedConfig,
    create: (config, context) => new EmbeddedRegistry(config, context),
  });
}

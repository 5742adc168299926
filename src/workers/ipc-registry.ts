/**
 * One registry session for every worker: the primary holds the real backend (embedded or
 * ZooKeeper) and each worker a `WorkerRegistry` that forwards publish, unpublish, subscribe
 * and service definitions over its IPC channel. A worker's subscription becomes one on the
 * primary's registry, whose complete endpoint sets are sent back as they come, so a worker's
 * clusters see what a single process would, with one ZooKeeper session for all of them.
 */
import type { Logger } from '../core/index.js';
import type {
  Publication,
  Registry,
  RegistryListener,
  RegistryState,
  RegistryUpdate,
  ServiceQuery,
  SubscribeOptions,
  Subscription,
} from '../registry/index.js';
import type { Channel } from './channel.js';

interface SubscribeArgs {
  readonly id: number;
  readonly query: ServiceQuery;
  readonly options?: SubscribeOptions;
}

interface UpdateArgs {
  readonly id: number;
  readonly update: RegistryUpdate;
}

/** The primary's side: serves one worker's channel from `registry`; returns what ends its subscriptions. */
export function serveRegistry(channel: Channel, registry: Registry, log: Logger): () => void {
  const subscriptions = new Map<number, Subscription>();
  channel.handle<Publication>('registry.publish', (publication) => registry.publish(publication));
  channel.handle<Publication>('registry.unpublish', (publication) => registry.unpublish(publication));
  channel.handle<ServiceQuery>('registry.definition', (query) => registry.serviceDefinition?.(query));
  channel.on<SubscribeArgs>('registry.subscribe', ({ id, query, options }) => {
    const subscription = registry.subscribe(query, (update) => channel.emit('registry.update', { id, update } satisfies UpdateArgs), options);
    subscriptions.set(id, subscription);
    // The first update may already be there: a worker's subscription then starts as a local one would.
    const current = subscription.current();
    if (current) channel.emit('registry.update', { id, update: current } satisfies UpdateArgs);
  });
  channel.on<{ id: number }>('registry.unsubscribe', ({ id }) => {
    subscriptions.get(id)?.unsubscribe();
    subscriptions.delete(id);
  });
  return () => {
    if (subscriptions.size > 0) log.debug({ subscriptions: subscriptions.size }, 'worker gone; its registry subscriptions end');
    for (const subscription of subscriptions.values()) subscription.unsubscribe();
    subscriptions.clear();
  };
}

class ForwardedSubscription implements Subscription {
  latest: RegistryUpdate | undefined;

  constructor(
    readonly id: number,
    readonly query: ServiceQuery,
    readonly listener: RegistryListener,
    readonly owner: WorkerRegistry,
  ) {}

  current(): RegistryUpdate | undefined {
    return this.latest;
  }

  unsubscribe(): void {
    this.owner.unsubscribe(this);
  }
}

/** A worker's registry: the primary's, over IPC. */
export class WorkerRegistry implements Registry {
  readonly backend: string;
  readonly #channel: Channel;
  readonly #log: Logger;
  readonly #subscriptions = new Map<number, ForwardedSubscription>();
  readonly #since = Date.now();
  #nextId = 1;
  #closed = false;

  /** `backend`: the primary's backend name, for this worker's state(). */
  constructor(channel: Channel, backend: string, log: Logger) {
    this.backend = backend;
    this.#channel = channel;
    this.#log = log;
    channel.on<UpdateArgs>('registry.update', ({ id, update }) => this.#deliver(id, update));
  }

  /** The primary started the backend before forking. */
  async start(): Promise<void> {}

  publish(publication: Publication): Promise<void> {
    return this.#channel.call('registry.publish', publication);
  }

  unpublish(publication: Publication): Promise<void> {
    return this.#channel.call('registry.unpublish', publication);
  }

  subscribe(query: ServiceQuery, listener: RegistryListener, options?: SubscribeOptions): Subscription {
    const subscription = new ForwardedSubscription(this.#nextId++, query, listener, this);
    this.#subscriptions.set(subscription.id, subscription);
    this.#channel.emit('registry.subscribe', { id: subscription.id, query, options } satisfies SubscribeArgs);
    return subscription;
  }

  unsubscribe(subscription: Subscription): void {
    if (!this.#subscriptions.delete(subscription.id)) return;
    this.#channel.emit('registry.unsubscribe', { id: subscription.id });
  }

  serviceDefinition(query: ServiceQuery): Promise<string | undefined> {
    return this.#channel.call('registry.definition', query);
  }

  /** Only this worker's subscriptions: the session's state is the primary's (its /metrics, /clusters). */
  state(): RegistryState {
    return { backend: this.backend, status: this.#closed ? 'closed' : 'connected', since: this.#since, publications: 0, subscriptions: this.#subscriptions.size, events: {} };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const subscription of [...this.#subscriptions.values()]) this.unsubscribe(subscription);
  }

  #deliver(id: number, update: RegistryUpdate): void {
    const subscription = this.#subscriptions.get(id);
    if (!subscription) return;
    subscription.latest = update;
    try {
      subscription.listener(update);
    } catch (error) {
      this.#log.error({ err: String(error), service: update.query.service }, 'registry listener failed');
    }
  }
}

/**
 * Pieces every backend shares: query matching, publication identity, endpoint building and
 * the subscription hub (ids, last update, listener isolation, event counters).
 */
import { makeEndpoint, type Endpoint, type EndpointSource, type Logger } from '../core/index.js';
import type {
  Publication,
  RegistryListener,
  RegistryStatus,
  RegistryUpdate,
  ServiceQuery,
  SubscribeOptions,
  Subscription,
  UpdateOrigin,
} from './registry.js';

/** Identity of a publication: republishing the same key replaces it. */
export function publicationKey(p: Publication): string {
  return [p.service, p.version ?? '', p.group ?? '', p.protocol, p.host, String(p.port)].join('|');
}

function fits(wanted: string | undefined, actual: string | undefined): boolean {
  return wanted === undefined || wanted === '*' || wanted === (actual ?? '');
}

/** Whether an endpoint (by its registry metadata) answers a query. */
export function matches(query: ServiceQuery, metadata: Readonly<Record<string, string>>): boolean {
  if (metadata.service !== query.service) return false;
  if (query.protocol !== undefined && metadata.protocol !== query.protocol) return false;
  // SOFARPC's provider URL carries no service version (its `version=1.0` is the URL format):
  // SOFARPC clients match on uniqueId alone, and so do we.
  if (metadata.layout !== 'sofa-rpc' && !fits(query.version, metadata.version)) return false;
  // A group is part of the service's identity (Dubbo's group, SOFARPC's uniqueId): a query
  // with none sees only providers with none, as a Dubbo consumer does; "*" sees them all.
  return fits(query.group ?? '', metadata.group);
}

/** The metadata an endpoint carries for a publication (keys shared with the ZooKeeper decoder). */
export function publicationMetadata(p: Publication): Record<string, string> {
  const meta: Record<string, string> = { ...(p.parameters ?? {}), service: p.service, protocol: p.protocol };
  if (p.version) meta.version = p.version;
  if (p.group) meta.group = p.group;
  if (p.methods?.length) meta.methods = [...new Set(p.methods)].join(',');
  if (p.application) meta.application = p.application;
  if (p.serialization) meta.serialization = p.serialization;
  return meta;
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function toEndpoint(host: string, port: number, metadata: Record<string, string>, source: EndpointSource, weight?: number): Endpoint {
  return makeEndpoint(hostPort(host, port), { source, metadata, weight: weight ?? 1 });
}

/** Order-insensitive equality of two endpoint lists (address + metadata + weight). */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  const key = (e: Endpoint): string => `${e.address}|${e.weight}|${JSON.stringify(Object.entries(e.metadata).sort())}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((value, i) => value === right[i]);
}

/** One entry per address: a provider listed twice (two URLs, same host:port) is one endpoint. */
export function uniqueByAddress(endpoints: readonly Endpoint[]): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const endpoint of endpoints) if (!seen.has(endpoint.address)) seen.set(endpoint.address, endpoint);
  return [...seen.values()].sort((x, y) => x.address.localeCompare(y.address));
}

export interface HubSubscription extends Subscription {
  readonly listener: RegistryListener;
  readonly options: SubscribeOptions;
  closed: boolean;
  last: RegistryUpdate | undefined;
}

/** Monotonic counters by event name, for state() and `/metrics`. */
export class Counters {
  readonly #counts: Record<string, number> = {};

  bump(event: string): void {
    this.#counts[event] = (this.#counts[event] ?? 0) + 1;
  }

  snapshot(): Readonly<Record<string, number>> {
    return { ...this.#counts };
  }
}

/** Subscription bookkeeping shared by the backends. */
export class SubscriptionHub {
  readonly #backend: string;
  readonly #logger: Logger | undefined;
  readonly #subs = new Map<number, HubSubscription>();
  #nextId = 1;

  constructor(backend: string, logger?: Logger) {
    this.#backend = backend;
    this.#logger = logger;
  }

  add(query: ServiceQuery, listener: RegistryListener, options: SubscribeOptions, onRemove: (sub: HubSubscription) => void): HubSubscription {
    const hub = this;
    const sub: HubSubscription = {
      id: this.#nextId++,
      query: Object.freeze({ ...query }),
      listener,
      options,
      closed: false,
      last: undefined,
      current: () => sub.last,
      unsubscribe() {
        if (sub.closed) return;
        sub.closed = true;
        hub.#subs.delete(sub.id);
        onRemove(sub);
      },
    };
    this.#subs.set(sub.id, sub);
    return sub;
  }

  all(): HubSubscription[] {
    return [...this.#subs.values()];
  }

  get size(): number {
    return this.#subs.size;
  }

  /** Delivers a complete set unless it equals the last one delivered (same endpoints and origin). */
  deliver(sub: HubSubscription, endpoints: readonly Endpoint[], origin: UpdateOrigin): boolean {
    if (sub.closed) return false;
    const last = sub.last;
    if (last && last.origin === origin && sameEndpoints(last.endpoints, endpoints)) return false;
    const update: RegistryUpdate = Object.freeze({
      query: sub.query,
      endpoints: Object.freeze([...endpoints]),
      origin,
      backend: this.#backend,
      at: Date.now(),
    });
    sub.last = update;
    try {
      sub.listener(update);
    } catch (error) {
      this.#logger?.error({ err: error, service: sub.query.service }, 'registry listener threw');
    }
    return true;
  }
}

/** Status with the time it changed, for state(). */
export class StatusTracker {
  status: RegistryStatus;
  since = Date.now();
  lastError: { message: string; at: number } | undefined;

  constructor(initial: RegistryStatus) {
    this.status = initial;
  }

  set(status: RegistryStatus): boolean {
    if (status === this.status) return false;
    this.status = status;
    this.since = Date.now();
    return true;
  }

  error(error: unknown): void {
    this.lastError = { message: error instanceof Error ? error.message : String(error), at: Date.now() };
  }
}

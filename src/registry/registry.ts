/**
 * The Registry contract: what every backend (embedded, zookeeper, ...) offers the sidecar.
 *
 * A publication says "service S is served at host:port over protocol P". A subscription names
 * a service (optionally version, group, protocol) and receives complete endpoint sets, never
 * deltas, so a cluster can swap its picker on each update. Backends never empty a
 * subscription because they lost their connection: they keep the last-known set (and say
 * where it came from). Plugins follow docs/architecture.md: a name -> factory map with
 * `registerBackend`, `createRegistry` and `parseConfig`, filled by each backend's `setup()`.
 */
import type { Endpoint, EndpointSet, Logger } from '../core/index.js';

/** Protocols the registries know how to lay out; others are stored as given. */
export type RegistryProtocol = 'dubbo' | 'bolt' | 'tri' | 'grpc' | 'http' | (string & {});

/** What an app (through its sidecar) provides. */
export interface Publication {
  /** Java interface name (Dubbo `interface`, SOFARPC `interfaceId`), e.g. com.example.EchoService. */
  readonly service: string;
  readonly version?: string;
  /** Dubbo group; SOFARPC `uniqueId` in the sofa-rpc layout. */
  readonly group?: string;
  readonly protocol: RegistryProtocol;
  /** The address remote consumers connect to: the sidecar's ingress, not the app's port. */
  readonly host: string;
  readonly port: number;
  /** Method names (Dubbo `methods`); order kept, duplicates dropped by the backend. */
  readonly methods?: readonly string[];
  readonly application?: string;
  /** Serialization name (`hessian2` by default in Dubbo and SOFARPC). */
  readonly serialization?: string;
  readonly weight?: number;
  /** Extra URL parameters written as given (after the backend's own). */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** What a consumer asks for. Missing version/group means "any"; `*` means any too. */
export interface ServiceQuery {
  readonly service: string;
  readonly version?: string;
  readonly group?: string;
  /** Only endpoints of this protocol; missing means every protocol the backend sees. */
  readonly protocol?: RegistryProtocol;
}

/** Where an update's endpoints came from. */
export type UpdateOrigin =
  /** read from the registry just now */
  | 'registry'
  /** the registry is unreachable: the last-known set, kept in memory */
  | 'last-known'
  /** loaded from the on-disk cache at start, not yet confirmed by the registry */
  | 'cache';

/** A complete endpoint set for one subscription. Endpoint metadata carries the URL parameters. */
export interface RegistryUpdate extends EndpointSet {
  readonly query: ServiceQuery;
  readonly endpoints: readonly Endpoint[];
  readonly origin: UpdateOrigin;
  /** Backend name (`embedded`, `zookeeper`). */
  readonly backend: string;
  /** Date.now() when the set was produced. */
  readonly at: number;
}

export type RegistryListener = (update: RegistryUpdate) => void;

export interface Subscription {
  readonly id: number;
  readonly query: ServiceQuery;
  /** The latest update delivered (or undefined before the first one). */
  current(): RegistryUpdate | undefined;
  /** Same as `registry.unsubscribe(this)`. Idempotent. */
  unsubscribe(): void;
}

export interface SubscribeOptions {
  /**
   * Also register this consumer where the backend has a place for it (Dubbo and SOFARPC
   * `consumers/` nodes), so framework admin tools see it. The host is the consumer's address.
   */
  readonly consumer?: { readonly host: string; readonly application?: string };
}

export type RegistryStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** For `/clusters` and `/metrics`. */
export interface RegistryState {
  readonly backend: string;
  readonly status: RegistryStatus;
  /** Date.now() when the status last changed. */
  readonly since: number;
  readonly lastError?: { readonly message: string; readonly at: number };
  readonly publications: number;
  readonly subscriptions: number;
  /** Monotonic event counters (connected, disconnected, expired, notify, publish, error, ...). */
  readonly events: Readonly<Record<string, number>>;
}

export interface Registry {
  readonly backend: string;
  /**
   * Loads snapshots/caches and starts connecting. Resolves as soon as the registry can serve
   * (from disk if need be); it never waits for a remote registry to be reachable.
   */
  start(): Promise<void>;
  /**
   * Adds or replaces (same service, version, group, protocol, host, port) a publication.
   * Resolves once it is recorded locally; remote registration follows, and is redone after
   * every reconnection or new session, until unpublished.
   */
  publish(publication: Publication): Promise<void>;
  /** Withdraws a publication (matched on service, version, group, protocol, host, port). */
  unpublish(publication: Publication): Promise<void>;
  /**
   * Starts watching. The listener gets a complete set each time it changes; the first update
   * comes asynchronously (from memory, disk cache or the registry). Listener errors are logged
   * and never stop other listeners.
   */
  subscribe(query: ServiceQuery, listener: RegistryListener, options?: SubscribeOptions): Subscription;
  unsubscribe(subscription: Subscription): void;
  /**
   * Stops watching and flushes files. Remote registrations end with the session (ephemeral
   * nodes); the embedded snapshot is kept, so publications survive a restart. Idempotent.
   */
  close(): Promise<void>;
  state(): RegistryState;
  /**
   * The service definition a provider reported to the registry's metadata store (Dubbo's
   * FullServiceDefinition JSON: every method's parameter and return types, with field
   * definitions), or undefined when there is none. Backends without such a store omit it.
   */
  serviceDefinition?(query: ServiceQuery): Promise<string | undefined>;
}

/** What a backend factory receives besides its own config. */
export interface RegistryContext {
  /** Directory for snapshot and cache files (created if missing). */
  readonly dataDir: string;
  readonly logger?: Logger;
}

export interface RegistryBackend<C = unknown> {
  readonly name: string;
  /** Validates the backend's part of the config (`registry: {type, ...}`); throws TypeError with the path. */
  parseConfig(raw: Readonly<Record<string, unknown>>): C;
  create(config: C, context: RegistryContext): Registry;
}

const backends = new Map<string, RegistryBackend<unknown>>();

export function registerBackend<C>(backend: RegistryBackend<C>): void {
  backends.set(backend.name, backend as RegistryBackend<unknown>);
}

export function backendNames(): string[] {
  return [...backends.keys()].sort();
}

/** Parses `raw` with the named backend's parser; throws TypeError for an unknown type. */
export function parseRegistryConfig(type: string, raw: Readonly<Record<string, unknown>> = {}): unknown {
  return lookup(type).parseConfig(raw);
}

/** Creates a registry from `{type, ...options}`; call the backends' setup() first. */
export function createRegistry(raw: Readonly<Record<string, unknown>> & { type?: unknown }, context: RegistryContext): Registry {
  const type = typeof raw.type === 'string' ? raw.type : 'embedded';
  const backend = lookup(type);
  return backend.create(backend.parseConfig(raw), context);
}

function lookup(type: string): RegistryBackend<unknown> {
  const backend = backends.get(type);
  if (!backend) throw new TypeError(`registry.type: unknown backend ${JSON.stringify(type)} (known: ${backendNames().join(', ') || 'none; call setup()'})`);
  return backend;
}

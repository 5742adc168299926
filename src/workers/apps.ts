/**
 * One set of app publications for every worker. The primary keeps them (AppPublications:
 * lease tokens, health checks, the file they survive restarts in), so an app's unpublish is
 * judged against its publish whichever worker each request landed on. A worker's app API
 * forwards publish and unpublish to it; lookups and watches go through the worker's registry.
 * Each publication's route on the ingress is sent to every worker, and to a restarted one
 * when it starts.
 */
import type { MethodSignature } from '../bridge/index.js';
import type { ServiceKey } from '../core/index.js';
import type { ListenerConfig, MeshConfig } from '../config/index.js';
import { ingressFor, ownPortOf } from '../control/app-plane.js';
import { lookupEndpoints, signaturesIn, watchEndpoints, type AppEntryView, type AppPublicationStore, type Ingress } from '../control/app-publications.js';
import type { TlsMode } from '../proxy/index.js';
import type { AppPublication, AppRegistry, Registry, RegistryUpdate, ServiceQuery } from '../registry/index.js';
import type { Channel } from './channel.js';

/** An app's route on an ingress listener, as the primary sends it to the workers. */
export interface AppRoute {
  readonly listener: string;
  readonly key: string;
  readonly publication: AppPublication;
}

interface PublishArgs {
  readonly publication: AppPublication;
  readonly owner?: string;
}

interface UnpublishArgs {
  readonly query: ServiceQuery;
  readonly owner?: string;
}

/** The primary's ingress: answers from the config in force, and sends routes to the workers. */
export class PrimaryIngress implements Ingress {
  readonly #config: () => MeshConfig;
  readonly #broadcast: (op: string, args: unknown) => void;
  readonly #routes = new Map<string, AppRoute>();

  constructor(config: () => MeshConfig, broadcast: (op: string, args: unknown) => void) {
    this.#config = config;
    this.#broadcast = broadcast;
  }

  find(protocol: string): { listener: string; advertise: string; tlsMode: TlsMode } | undefined {
    const config = this.#config();
    return ingressFor(config, protocol, (tls) => tlsModeOf(config, tls));
  }

  ownPort(port: number): string | undefined {
    return ownPortOf(this.#config(), port);
  }

  routeToApp(listener: string, key: string, publication: AppPublication): void {
    const route: AppRoute = { listener, key, publication };
    this.#routes.set(key, route);
    this.#broadcast('apps.route', route);
  }

  dropAppRoute(listener: string, key: string): void {
    this.#routes.delete(key);
    this.#broadcast('apps.unroute', { listener, key });
  }

  /** Every route in force, for a worker that starts. */
  routes(): AppRoute[] {
    return [...this.#routes.values()];
  }
}

/** A worker's mTLS mode on an ingress, as MeshListeners.ingressTls decides it: on only with an identity and no app certificate. */
function tlsModeOf(config: MeshConfig, tls: ListenerConfig['tls']): TlsMode {
  return config.identity && tls.mode !== 'off' && tls.certFile === undefined ? tls.mode : 'off';
}

/** The primary's side: answers one worker's app API calls from the one set of publications. */
export function serveApps(channel: Channel, apps: AppRegistry): void {
  channel.handle<PublishArgs>('apps.publish', ({ publication, owner }) => apps.publish(publication, owner));
  channel.handle<UnpublishArgs>('apps.unpublish', ({ query, owner }) => apps.unpublish(query, owner));
}

/** A worker's publications: the primary's, over IPC; the routes it sends are applied here. */
export class RemoteAppPublications implements AppPublicationStore {
  readonly #channel: Channel;
  readonly #registry: Registry;
  readonly #ingress: Ingress;
  readonly #initial: readonly AppRoute[];
  readonly #routes = new Map<string, AppRoute>();

  constructor(channel: Channel, registry: Registry, ingress: Ingress, initial: readonly AppRoute[]) {
    this.#channel = channel;
    this.#registry = registry;
    this.#ingress = ingress;
    this.#initial = initial;
    channel.on<AppRoute>('apps.route', (route) => this.#route(route));
    channel.on<{ listener: string; key: string }>('apps.unroute', ({ listener, key }) => {
      this.#routes.delete(key);
      this.#ingress.dropAppRoute(listener, key);
    });
  }

  /** The routes in force when this worker started (the primary restored the publications themselves). */
  async restore(): Promise<void> {
    for (const route of this.#initial) if (!this.#routes.has(route.key)) this.#route(route);
  }

  publish(publication: AppPublication, owner?: string): Promise<{ address: string; token: string }> {
    return this.#channel.call('apps.publish', { publication, owner } satisfies PublishArgs);
  }

  unpublish(query: ServiceQuery, owner: string | undefined): Promise<number> {
    return this.#channel.call('apps.unpublish', { query, owner } satisfies UnpublishArgs);
  }

  lookup(query: ServiceQuery): Promise<RegistryUpdate | undefined> {
    return lookupEndpoints(this.#registry, query);
  }

  watch(query: ServiceQuery, listener: (update: RegistryUpdate) => void): () => void {
    return watchEndpoints(this.#registry, query, listener);
  }

  /** The dashboard's view is the primary's (a worker serves no admin API). */
  list(): AppEntryView[] {
    return [];
  }

  signaturesOf(service: ServiceKey): readonly MethodSignature[] | undefined {
    return signaturesIn([...this.#routes.values()].map((route) => route.publication), service);
  }


  close(): void {}

  #route(route: AppRoute): void {
    this.#routes.set(route.key, route);
    this.#ingress.routeToApp(route.listener, route.key, route.publication);
  }
}

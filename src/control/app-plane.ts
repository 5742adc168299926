/**
 * The app-facing control plane: apps publish and look up services through this sidecar
 * (the HTTP app API and the gRPC Registry service on the listeners, the SOFA Mesh API on
 * its own port), and what an app publishes becomes an ingress route on this sidecar to
 * 127.0.0.1:<its port>, plus signatures the bridge may use for its calls.
 *
 * A listener bound beyond loopback serves the app API only over TLS and, with
 * `appApi.tokenFile`, to holders of its bearer token (the config refuses a listener beyond
 * loopback without both); refusals, and calls refused for want of a publication's lease
 * token, are counted per API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiAccess, guardHttp, isLoopbackHost, parseHostPort, readApiGuard, serviceKeyString, type CountRefusal, type Logger, type ServiceKey } from '../core/index.js';
import type { MethodSignature } from '../bridge/index.js';
import type { ListenerConfig, MeshConfig } from '../config/index.js';
import { handleAppApi, isAppApiTarget, registryGrpcService, type AppPublication, type AppRegistry, type Registry } from '../registry/index.js';
import type { ListenerSpec, TlsMode } from '../proxy/index.js';
import { protocolForApp } from '../codecs/index.js';
import { AppPublications, type AppPublicationStore, type AppPublicationsOptions, type Ingress } from './app-publications.js';
import type { MeshClusters } from './clusters.js';
import type { ListenerRoutes } from './listener-routes.js';
import { countingOwnership } from './owned-calls.js';
import { SofaMeshServer } from './sofa-mesh-server.js';

/** What a listener serves beside routed calls. */
export type ListenerServices = Pick<ListenerSpec, 'local' | 'localTargets' | 'grpcServices' | 'appApi'>;

/**
 * Where a worker of `workers: N` keeps its publications: the primary's, over IPC. The primary
 * also serves the SOFA Mesh API, so a worker's app plane does not.
 */
export type AppStoreFactory = (registry: Registry, ingress: Ingress, options: AppPublicationsOptions) => AppPublicationStore;

export class AppPlane implements Ingress {
  readonly #config: () => MeshConfig;
  readonly #clusters: MeshClusters;
  readonly #routes: ListenerRoutes;
  readonly #log: Logger;
  readonly #apps: AppPublicationStore;
  readonly #servesSofaMesh: boolean;
  /** The publications as the HTTP and gRPC app API see them (ownership refusals counted). */
  readonly #appApi: AppRegistry;
  readonly #countRefusal: CountRefusal;
  #sofaMesh: SofaMeshServer | undefined;

  /** Made before the listeners: the HTTP and gRPC listeners serve the app API over it. */
  /** The TLS mode a listener serves with (publications made on it say so in the registry). */
  readonly #tlsModeOf: (tls: ListenerConfig['tls']) => TlsMode;

  constructor(
    config: () => MeshConfig,
    registry: Registry,
    clusters: MeshClusters,
    routes: ListenerRoutes,
    log: Logger,
    tlsModeOf: (tls: ListenerConfig['tls']) => TlsMode = () => 'off',
    countRefusal: CountRefusal = () => {},
    workerStore?: AppStoreFactory,
  ) {
    this.#config = config;
    this.#countRefusal = countRefusal;
    this.#tlsModeOf = tlsModeOf;
    this.#clusters = clusters;
    this.#routes = routes;
    this.#log = log;
    const defaults = config().defaults;
    const options: AppPublicationsOptions = {
      dataDir: config().registry.dataDir,
      healthIntervalMs: defaults.appHealthCheckMs,
      maxFailures: defaults.appHealthMaxFailures,
      log: log.child({ module: 'app-publications' }),
    };
    this.#apps = workerStore ? workerStore(registry, this, options) : new AppPublications(registry, this, options);
    this.#servesSofaMesh = workerStore === undefined;
    this.#appApi = countingOwnership(this.#apps, 'app_api', countRefusal, log.child({ module: 'app-api' }));
  }

  /** Once the listeners are up: the publications kept from the last run, then the SOFA Mesh API. */
  async start(): Promise<void> {
    await this.#apps.restore();
    if (!this.#servesSofaMesh) return;
    const log = this.#log.child({ module: 'sofa-mesh-api' });
    this.#sofaMesh = await SofaMeshServer.start(this.#config, countingOwnership(this.#apps, 'sofa_mesh_api', this.#countRefusal, log), log, this.#countRefusal);
  }

  /**
   * What `listener` serves beside routed calls: the HTTP app API and the gRPC Registry service,
   * guarded beyond loopback (its token file is read now, when the listener is made).
   */
  listenerServices(listener: ListenerConfig): ListenerServices {
    if (!listener.appApi.enabled) return { appApi: 'off' };
    const { token } = readApiGuard(`listeners[${listener.name}].appApi`, { tokenFile: listener.appApi.tokenFile });
    const host = parseHostPort(listener.address)?.host;
    const access = new ApiAccess('app API', {
      token,
      requireTls: host !== undefined && !isLoopbackHost(host),
      onRefused: (reason) => this.#countRefusal('app_api', reason),
    });
    return {
      local: guardHttp((req: IncomingMessage, res: ServerResponse) => handleAppApi(req, res, this.#appApi, access), this.#log),
      localTargets: isAppApiTarget,
      grpcServices: [registryGrpcService(this.#appApi)],
      appApi: access,
    };
  }

  /** What apps published through this sidecar (the dashboard's registry view). */
  list(): ReturnType<AppPublicationStore['list']> {
    return this.#apps.list();
  }

  /** The signatures an app published with `service`, for the bridge. */
  signaturesOf(service: ServiceKey): readonly MethodSignature[] | undefined {
    return this.#apps.signaturesOf(service);
  }

  async close(): Promise<void> {
    this.#apps.close();
    await this.#sofaMesh?.close();
  }

  // --- Ingress: routes to the apps that published through this sidecar ---

  find(protocol: string): { listener: string; advertise: string; tlsMode: TlsMode } | undefined {
    return ingressFor(this.#config(), protocol, this.#tlsModeOf);
  }

  ownPort(port: number): string | undefined {
    return ownPortOf(this.#config(), port);
  }

  routeToApp(listener: string, key: string, publication: AppPublication): void {
    const name = `app:${key}`;
    // An app that speaks HTTP/JSON is called through the reverse bridge.
    const protocol = (publication.appProtocol && protocolForApp(publication.appProtocol)?.name) ?? publication.protocol;
    this.#clusters.toApp(name, protocol, publication.port);
    const service = serviceKeyString({ interface: publication.service, version: publication.version, group: publication.group });
    this.#routes.setAppRoute(listener, key, { name, match: { service }, cluster: name });
  }

  dropAppRoute(listener: string, key: string): void {
    this.#routes.dropAppRoute(listener, key);
    this.#clusters.dropApp(`app:${key}`);
  }
}

/** The ingress listener of `config` for a protocol, the address it advertises and its TLS mode. */
export function ingressFor(config: MeshConfig, protocol: string, tlsModeOf: (tls: ListenerConfig['tls']) => TlsMode): { listener: string; advertise: string; tlsMode: TlsMode } | undefined {
  const listener = config.listeners.find((l) => l.ingress && l.protocol === protocol);
  if (!listener) return undefined;
  return { listener: listener.name, advertise: listener.advertise ?? listener.address, tlsMode: tlsModeOf(listener.tls) };
}

/** What of the sidecar `config` describes listens on `port` (admin, a listener...), or undefined. */
export function ownPortOf(config: MeshConfig, port: number): string | undefined {
  const own: Array<[string, string | undefined]> = [
    ['admin', config.admin.address],
    ['sofaMeshApi', config.sofaMeshApi?.address],
    ...config.listeners.map((l): [string, string] => [`listener ${l.name}`, l.address]),
  ];
  return own.find(([, address]) => address !== undefined && parseHostPort(address)?.port === port)?.[0];
}

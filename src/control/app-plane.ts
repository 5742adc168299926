/**
 * The app-facing control plane: apps publish and look up services through this sidecar
 * (the HTTP app API and the gRPC Registry service on the listeners, the SOFA Mesh API on
 * its own port), and what an app publishes becomes an ingress route on this sidecar to
 * 127.0.0.1:<its port>, plus signatures the bridge may use for its calls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { guardHttp, parseHostPort, serviceKeyString, type Logger, type ServiceKey } from '../core/index.js';
import type { MethodSignature } from '../bridge/index.js';
import type { MeshConfig } from '../config/index.js';
import { handleAppApi, registryGrpcService, type AppPublication, type Registry } from '../registry/index.js';
import type { ListenerSpec } from '../proxy/index.js';
import { protocolForApp } from '../codecs/index.js';
import { AppPublications, type Ingress } from './app-publications.js';
import type { MeshClusters } from './clusters.js';
import type { ListenerRoutes } from './listener-routes.js';
import { SofaMeshServer } from './sofa-mesh-server.js';

export class AppPlane implements Ingress {
  readonly #config: () => MeshConfig;
  readonly #clusters: MeshClusters;
  readonly #routes: ListenerRoutes;
  readonly #log: Logger;
  readonly #apps: AppPublications;
  #sofaMesh: SofaMeshServer | undefined;

  /** Made before the listeners: the HTTP and gRPC listeners serve the app API over it. */
  constructor(config: () => MeshConfig, registry: Registry, clusters: MeshClusters, routes: ListenerRoutes, log: Logger) {
    this.#config = config;
    this.#clusters = clusters;
    this.#routes = routes;
    this.#log = log;
    const defaults = config().defaults;
    this.#apps = new AppPublications(registry, this, {
      dataDir: config().registry.dataDir,
      healthIntervalMs: defaults.appHealthCheckMs,
      maxFailures: defaults.appHealthMaxFailures,
      log: log.child({ module: 'app-publications' }),
    });
  }

  /** Once the listeners are up: the publications kept from the last run, then the SOFA Mesh API. */
  async start(): Promise<void> {
    await this.#apps.restore();
    this.#sofaMesh = await SofaMeshServer.start(this.#config, this.#apps, this.#log.child({ module: 'sofa-mesh-api' }));
  }

  /** What a listener serves beside routed calls: the HTTP app API and the gRPC Registry service. */
  listenerServices(): Pick<ListenerSpec, 'local' | 'grpcServices'> {
    return {
      local: guardHttp((req: IncomingMessage, res: ServerResponse) => handleAppApi(req, res, this.#apps), this.#log),
      grpcServices: [registryGrpcService(this.#apps)],
    };
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

  find(protocol: string): { listener: string; advertise: string } | undefined {
    const listener = this.#config().listeners.find((l) => l.ingress && l.protocol === protocol);
    return listener ? { listener: listener.name, advertise: listener.advertise ?? listener.address } : undefined;
  }

  ownPort(port: number): string | undefined {
    const config = this.#config();
    const own: Array<[string, string | undefined]> = [
      ['admin', config.admin.address],
      ['sofaMeshApi', config.sofaMeshApi?.address],
      ...config.listeners.map((l): [string, string] => [`listener ${l.name}`, l.address]),
    ];
    return own.find(([, address]) => address !== undefined && parseHostPort(address)?.port === port)?.[0];
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

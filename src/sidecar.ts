/**
 * The running sidecar: config -> clusters -> listeners -> admin, and the same path
 * again on every reload. A reload changes only what changed: a listener whose
 * protocol and address stay keeps its socket and connections and gets the new
 * routes; a cluster that stays keeps its pools and the health of the endpoints that
 * stay. Calls in flight finish on the objects they started with.
 */
import { MeshError, makeEndpoint, serviceKeyString, type Logger, type ServiceKey } from './core/index.js';
import { AppPublications, type Ingress } from './app-publications.js';
import { AdminServer } from './admin/server.js';
import { PrometheusMetrics } from './admin/metrics.js';
import { bridgeOptions } from './bridge-config.js';
import { isCodecRegistered } from './codecs/index.js';
import { clusterSchema, type ClusterConfig, type ListenerConfig, type MeshConfig } from './config/index.js';
import { handleAppApi, registryGrpcService, type AppPublication, type Registry } from './registry/index.js';
import { RegistryClusters } from './registry-clusters.js';
import { SofaMeshServer } from './sofa-mesh-server.js';
import {
  Cluster,
  Router,
  buildStack,
  createListener,
  createUpstream,
  balancerName,
  createBalancer,
  type Handler,
  type Listener,
  type RouteSpec,
} from './proxy/index.js';

type State = 'starting' | 'ready' | 'draining' | 'closed';

export class Sidecar implements Ingress {
  readonly metrics = new PrometheusMetrics();
  readonly #log: Logger;
  #config: MeshConfig;
  #state: State = 'starting';
  readonly #clusters = new Map<string, Cluster>();
  readonly #routers = new Map<string, Router>();
  readonly #listeners = new Map<string, Listener>();
  #admin: AdminServer | undefined;
  readonly registry: Registry;
  readonly #registryClusters: RegistryClusters;
  /** Routes to apps behind this sidecar, per ingress listener, keyed by publication. */
  readonly #appRoutes = new Map<string, Map<string, RouteSpec>>();
  #apps: AppPublications | undefined;
  #sofaMesh: SofaMeshServer | undefined;
  /** Registry clusters made on first use by egress calls no route matched, kept across reloads. */
  readonly #onDemand = new Map<string, ClusterConfig>();

  private constructor(config: MeshConfig, log: Logger, registry: Registry) {
    this.#config = config;
    this.#log = log;
    this.registry = registry;
    this.#registryClusters = new RegistryClusters(registry);
    this.metrics.observeRegistry(() => registry.state());
    this.metrics.observeClusters(() => [...this.#clusters.values()].map((cluster) => cluster.snapshot()));
  }

  /** Starts on a registry that has been started; the sidecar does not close it. */
  static async start(config: MeshConfig, log: Logger, registry: Registry): Promise<Sidecar> {
    const sidecar = new Sidecar(config, log, registry);
    try {
      // Made before the listeners: the HTTP and gRPC listeners serve the app API over it.
      sidecar.#apps = new AppPublications(registry, sidecar, {
        dataDir: config.registry.dataDir,
        healthIntervalMs: config.defaults.appHealthCheckMs,
        maxFailures: config.defaults.appHealthMaxFailures,
        log: log.child({ module: 'app-publications' }),
      });
      await sidecar.#apply(config);
      await sidecar.#apps.restore();
      sidecar.#sofaMesh = await SofaMeshServer.start(() => sidecar.#config, sidecar.#apps, log.child({ module: 'sofa-mesh-api' }));
      sidecar.#state = 'ready';
    } catch (error) {
      await sidecar.shutdown(0);
      throw error;
    }
    log.info(
      {
        admin: config.admin.address,
        listeners: config.listeners.map((l) => ({ name: l.name, protocol: l.protocol, address: l.address })),
        clusters: config.clusters.map((c) => c.name),
      },
      'pmesh sidecar ready',
    );
    return sidecar;
  }

  get config(): MeshConfig {
    return this.#config;
  }

  /** Applies a new, already validated config; only what changed is touched. */
  async reload(config: MeshConfig): Promise<void> {
    if (this.#state !== 'ready') return;
    if (JSON.stringify([config.registry, config.sofaMeshApi?.address]) !== JSON.stringify([this.#config.registry, this.#config.sofaMeshApi?.address])) {
      this.#log.warn({ registry: config.registry, sofaMeshApi: config.sofaMeshApi }, 'the registry section or sofaMeshApi address changed: it takes effect at the next start');
    }
    this.#config = config;
    await this.#apply(config);
    this.#log.info({ listeners: config.listeners.map((l) => l.name), clusters: config.clusters.map((c) => c.name) }, 'config reloaded');
  }

  /** Stops accepting, lets calls in flight finish for at most `drainMs`, closes everything. */
  async shutdown(drainMs: number): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'draining') return;
    this.#state = 'draining';
    const inFlight = [...this.#listeners.values()].reduce((sum, l) => sum + l.inFlight, 0);
    this.#log.info({ drainMs, inFlight }, 'draining');
    await Promise.all([...this.#listeners.values()].map((listener) => listener.close(drainMs)));
    this.#apps?.close();
    await this.#sofaMesh?.close();
    this.#registryClusters.close();
    await Promise.all([...this.#clusters.values()].map((cluster) => cluster.close()));
    await this.#admin?.close();
    this.#state = 'closed';
  }

  async #apply(config: MeshConfig): Promise<void> {
    const clusters = [...config.clusters, ...this.#onDemand.values()];
    this.#applyClusters(clusters);
    this.#registryClusters.apply(clusters, (name) => this.#clusters.get(name));
    for (const listener of config.listeners) this.#rebuildRouter(listener.name, listener.routes);
    await this.#applyListeners(config);
    if (!this.#admin || this.#admin.address !== config.admin.address) {
      const old = this.#admin;
      this.#admin = new AdminServer(config.admin.address, {
        ready: () => this.#readiness(),
        config: () => this.#config,
        clusters: () => {
          const origins = this.#registryClusters.origins();
          return {
            registry: this.registry.state(),
            clusters: [...this.#clusters.values()].map((cluster) => ({ ...cluster.snapshot(), registry: origins[cluster.name] })),
          };
        },
        metrics: this.metrics,
      });
      await old?.close();
      await this.#admin.start();
    }
  }

  #applyClusters(configs: readonly ClusterConfig[]): void {
    const wanted = new Set(configs.map((c) => c.name));
    for (const [name, cluster] of this.#clusters) {
      if (!wanted.has(name) && !name.startsWith('app:')) {
        this.#clusters.delete(name);
        void cluster.close();
      }
    }
    for (const config of configs) {
      let balancer;
      try {
        balancer = createBalancer(config.balancer);
      } catch (error) {
        throw new MeshError('PMESH_CONFIG_INVALID', `cluster ${config.name}: ${(error as Error).message}`);
      }
      const policy = balancerName(config.balancer);
      let cluster = this.#clusters.get(config.name);
      if (cluster && cluster.protocol !== config.protocol) {
        void cluster.close();
        cluster = undefined;
      }
      if (!cluster) {
        const upstream = createUpstream(config.protocol, {
          cluster: config.name,
          connectTimeoutMs: config.connectTimeoutMs,
          maxConnectionsPerEndpoint: config.maxConnectionsPerEndpoint,
          connectionsPerEndpoint: config.connectionsPerEndpoint,
          heartbeatIntervalMs: config.heartbeatIntervalMs,
          maxMissedHeartbeats: config.maxMissedHeartbeats,
          metrics: this.metrics,
          maxFrameBytes: this.#config.defaults.maxFrameBytes,
        });
        cluster = new Cluster(config.name, config.protocol, policy, balancer, upstream);
        this.#clusters.set(config.name, cluster);
      } else {
        cluster.setBalancer(policy, balancer);
      }
      cluster.setCircuitBreaker(config.circuitBreaker);
      try {
        cluster.setHealth(config.outlierDetection, config.healthCheck, this.metrics);
      } catch (error) {
        throw MeshError.from(error, 'PMESH_CONFIG_INVALID');
      }
      cluster.sofaHessian = config.sofaHessian;
      if (config.service === undefined) {
        cluster.setEndpoints(config.endpoints.map((address) => makeEndpoint(address, { source: 'static' })));
      } else {
        cluster.service = serviceKeyString({ interface: config.service, version: config.version, group: config.group });
      }
    }
  }

  async #applyListeners(config: MeshConfig): Promise<void> {
    const wanted = new Map(config.listeners.map((l) => [l.name, l]));
    const stopping: Promise<void>[] = [];
    for (const [name, listener] of this.#listeners) {
      const next = wanted.get(name);
      if (!next || next.address !== listener.address || next.protocol !== listener.protocol) {
        this.#listeners.delete(name);
        stopping.push(listener.close(config.defaults.drainTimeoutMs));
        if (!next) this.#routers.delete(name);
      }
    }
    // Free the ports being given up before binding their replacements.
    await Promise.all(stopping);
    for (const spec of config.listeners) {
      const handler = this.#stackFor(spec, config);
      const existing = this.#listeners.get(spec.name);
      if (existing) {
        existing.setHandler(handler);
        continue;
      }
      const listener = createListener({
        name: spec.name,
        protocol: spec.protocol,
        address: spec.address,
        handler,
        metrics: this.metrics,
        log: this.#log.child({ listener: spec.name }),
        maxHeaderBytes: config.defaults.maxHeaderBytes,
        maxBodyBytes: config.defaults.maxBodyBytes,
        maxFrameBytes: config.defaults.maxFrameBytes,
        frameReadTimeoutMs: config.defaults.frameReadTimeoutMs,
        local: (req, res) => (this.#apps ? handleAppApi(req, res, this.#apps) : false),
        grpcServices: this.#apps ? [registryGrpcService(this.#apps)] : [],
      });
      await listener.start();
      this.#listeners.set(spec.name, listener);
    }
  }

  // --- Ingress: routes to the apps that published through this sidecar ---

  find(protocol: string): { listener: string; advertise: string } | undefined {
    const listener = this.#config.listeners.find((l) => l.ingress && l.protocol === protocol);
    return listener ? { listener: listener.name, advertise: listener.advertise ?? listener.address } : undefined;
  }

  routeToApp(listener: string, key: string, publication: AppPublication): void {
    const name = `app:${key}`;
    let cluster = this.#clusters.get(name);
    if (!cluster) {
      const defaults = this.#config.defaults;
      // An app that speaks HTTP/JSON is called through the reverse bridge.
      const protocol = publication.appProtocol === 'http' ? 'http1' : publication.protocol;
      const upstream = createUpstream(protocol, {
        cluster: name,
        connectTimeoutMs: 1_000,
        maxConnectionsPerEndpoint: 64,
        connectionsPerEndpoint: 1,
        heartbeatIntervalMs: 15_000,
        maxMissedHeartbeats: 3,
        metrics: this.metrics,
        maxFrameBytes: defaults.maxFrameBytes,
      });
      cluster = new Cluster(name, protocol, 'round_robin', createBalancer('round_robin'), upstream);
      this.#clusters.set(name, cluster);
    }
    cluster.setEndpoints([makeEndpoint(`127.0.0.1:${publication.port}`, { source: 'app' })]);
    const routes = this.#appRoutes.get(listener) ?? new Map<string, RouteSpec>();
    const service = serviceKeyString({ interface: publication.service, version: publication.version, group: publication.group });
    routes.set(key, { name, match: { service }, cluster: name });
    this.#appRoutes.set(listener, routes);
    this.#rebuildRouter(listener);
  }

  dropAppRoute(listener: string, key: string): void {
    this.#appRoutes.get(listener)?.delete(key);
    this.#rebuildRouter(listener);
    const name = `app:${key}`;
    const cluster = this.#clusters.get(name);
    this.#clusters.delete(name);
    void cluster?.close();
  }

  /** The registry cluster of a service for an egress call no route matched, made on first use. */
  #clusterForService(protocol: string, service: ServiceKey): string {
    const name = `service:${protocol}:${serviceKeyString(service)}`;
    if (this.#clusters.has(name)) return name;
    const config = clusterSchema.parse({ name, protocol, service: service.interface, version: service.version, group: service.group });
    this.#onDemand.set(name, config);
    const all = [...this.#config.clusters, ...this.#onDemand.values()];
    this.#applyClusters(all);
    this.#registryClusters.apply(all, (cluster) => this.#clusters.get(cluster));
    return name;
  }

  /** Config routes first, then the routes apps published; `routes` defaults to the config in force. */
  #rebuildRouter(listener: string, routes = this.#config.listeners.find((l) => l.name === listener)?.routes ?? []): void {
    this.#routers.set(listener, new Router([...routes, ...(this.#appRoutes.get(listener)?.values() ?? [])]));
  }

  #stackFor(spec: ListenerConfig, config: MeshConfig): Handler {
    const accessLog = spec.accessLog ?? config.logging.accessLog;
    // Only binary RPC protocols route by the registry: their calls name a service and a codec can forward them.
    const byRegistry = isCodecRegistered(spec.protocol) && (spec.routeByRegistry ?? !spec.ingress);
    return buildStack({
      router: () => this.#routers.get(spec.name) ?? new Router([]),
      fallback: byRegistry ? (invocation) => this.#clusterForService(spec.protocol, invocation.service) : undefined,
      bridge: bridgeOptions(config.bridge, config.defaults, (service) => this.#apps?.signaturesOf(service), this.registry),
      cluster: (name) => this.#clusters.get(name),
      metrics: this.metrics,
      accessLog: accessLog ? this.#log.child({ listener: spec.name }) : undefined,
      defaultTimeoutMs: config.defaults.routeTimeoutMs,
    });
  }

  #readiness(): { ready: boolean; listeners: Record<string, string> } {
    const listeners = Object.fromEntries([...this.#listeners.values()].map((l) => [l.name, l.address]));
    return { ready: this.#state === 'ready', listeners };
  }
}

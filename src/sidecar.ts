/**
 * The running sidecar: config -> clusters -> listeners -> admin, and the same path
 * again on every reload. A reload changes only what changed: a listener whose
 * protocol and address stay keeps its socket and connections and gets the new
 * routes; a cluster that stays keeps its pools and the health of the endpoints that
 * stay. Calls in flight finish on the objects they started with.
 */
import { ClassPolicy, MeshError, guardHttp, makeEndpoint, parseHostPort, serviceKeyString, type Logger } from './core/index.js';
import { AppPublications, type Ingress } from './app-publications.js';
import { AdminServer } from './admin/server.js';
import { PrometheusMetrics } from './admin/metrics.js';
import { bridgeOptions } from './bridge-config.js';
import { isCodecRegistered } from './codecs/index.js';
import type { ClusterConfig, ListenerConfig, MeshConfig } from './config/index.js';
import { handleAppApi, registryGrpcService, type AppPublication, type Registry } from './registry/index.js';
import { OnDemandClusters, type OnDemandLimits } from './on-demand-clusters.js';
import { RegistryClusters, type RegistryClustersOptions } from './registry-clusters.js';
import { SofaMeshServer } from './sofa-mesh-server.js';
import type { Tracing } from './tracing/index.js';
import {
  Cluster,
  PartialFrameBudget,
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
  readonly #onDemand: OnDemandClusters;
  /** Bytes held in partial binary frames, all listeners together (fixed at start). */
  readonly #partialFrames: PartialFrameBudget;
  /** Spans and their export; undefined when the config has no `tracing` (its SDK is then never loaded). */
  #tracing: Tracing | undefined;

  private constructor(config: MeshConfig, log: Logger, registry: Registry) {
    this.#config = config;
    this.#log = log;
    this.registry = registry;
    this.#partialFrames = new PartialFrameBudget(config.defaults.maxPartialFrameBytes);
    this.#registryClusters = new RegistryClusters(registry, this.#registryClusterOptions(config));
    this.#onDemand = new OnDemandClusters(
      {
        create: (cluster) => {
          this.#ensureCluster(cluster);
          return this.#registryClusters.add(cluster.name, cluster, (name) => this.#clusters.get(name));
        },
        drop: (name) => this.#dropCluster(name),
        metrics: this.metrics,
      },
      onDemandLimits(config),
    );
    this.metrics.observeRegistry(() => registry.state());
    this.metrics.observeClusters(() => [...this.#clusters.values()].map((cluster) => cluster.snapshot()));
  }

  /** Starts on a registry that has been started; the sidecar does not close it. */
  static async start(config: MeshConfig, log: Logger, registry: Registry): Promise<Sidecar> {
    const sidecar = new Sidecar(config, log, registry);
    try {
      if (config.tracing) sidecar.#tracing = (await import('./tracing/index.js')).startTracing(config.tracing, log.child({ module: 'tracing' }));
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
    if (JSON.stringify(config.tracing) !== JSON.stringify(this.#config.tracing)) this.#log.warn('the tracing section changed: it takes effect at the next start');
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
    this.#onDemand.close();
    await Promise.all([...this.#clusters.values()].map((cluster) => cluster.close()));
    await this.#admin?.close();
    await this.#tracing?.shutdown();
    this.#state = 'closed';
  }

  async #apply(config: MeshConfig): Promise<void> {
    this.metrics.setMaxLabelValues(config.defaults.maxMetricLabelValues);
    this.#registryClusters.setOptions(this.#registryClusterOptions(config));
    this.#onDemand.setLimits(onDemandLimits(config));
    this.#applyClusters(config.clusters);
    this.#registryClusters.apply(config.clusters, (name) => this.#clusters.get(name));
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

  /** The configured clusters: made or updated; those gone from the config closed (app and on-demand ones stay). */
  #applyClusters(configs: readonly ClusterConfig[]): void {
    const wanted = new Set(configs.map((c) => c.name));
    for (const [name, cluster] of this.#clusters) {
      if (!wanted.has(name) && !name.startsWith('app:') && !this.#onDemand.has(name)) {
        this.#clusters.delete(name);
        void cluster.close();
      }
    }
    for (const config of configs) this.#ensureCluster(config);
  }

  #ensureCluster(config: ClusterConfig): void {
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
        ...this.#grpcKeepalive(),
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

  #dropCluster(name: string): void {
    this.#registryClusters.remove(name);
    const cluster = this.#clusters.get(name);
    this.#clusters.delete(name);
    void cluster?.close();
  }

  #registryClusterOptions(config: MeshConfig): RegistryClustersOptions {
    return { emptyGraceMs: config.defaults.registryEmptyGraceMs, onEmptyProtected: () => this.metrics.registryEmptyProtected() };
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
        headersTimeoutMs: config.defaults.headersTimeoutMs,
        maxConnections: config.defaults.maxConnectionsPerListener,
        partialFrames: this.#partialFrames,
        classScan: (spec.scanClasses ?? spec.ingress) ? new ClassPolicy({ deny: config.bridge.denyClasses }) : undefined,
        local: guardHttp((req, res) => (this.#apps ? handleAppApi(req, res, this.#apps) : false), this.#log),
        grpcServices: this.#apps ? [registryGrpcService(this.#apps)] : [],
        grpc: config.grpc,
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

  ownPort(port: number): string | undefined {
    const config = this.#config;
    const own: Array<[string, string | undefined]> = [
      ['admin', config.admin.address],
      ['sofaMeshApi', config.sofaMeshApi?.address],
      ...config.listeners.map((l): [string, string] => [`listener ${l.name}`, l.address]),
    ];
    return own.find(([, address]) => address !== undefined && parseHostPort(address)?.port === port)?.[0];
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
        ...this.#grpcKeepalive(),
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

  /** Config routes first, then the routes apps published; `routes` defaults to the config in force. */
  #rebuildRouter(listener: string, routes = this.#config.listeners.find((l) => l.name === listener)?.routes ?? []): void {
    this.#routers.set(listener, new Router([...routes, ...(this.#appRoutes.get(listener)?.values() ?? [])]));
  }

  #stackFor(spec: ListenerConfig, config: MeshConfig): Handler {
    const accessLog = spec.accessLog ?? config.logging.accessLog;
    // Only RPC protocols route by the registry: their calls name a service and can be forwarded as they are.
    const byRegistry = (isCodecRegistered(spec.protocol) || spec.protocol === 'grpc') && (spec.routeByRegistry ?? !spec.ingress);
    return buildStack({
      router: () => this.#routers.get(spec.name) ?? new Router([]),
      // Only a call that carries its frame can be forwarded as it is; the gRPC Invoke API's calls
      // are bridged, and their target protocol is the route's to say.
      fallback: byRegistry
        ? (invocation) =>
            invocation.frame === undefined
              ? undefined
              : (this.#onDemand.existing(spec.protocol, invocation.service) ?? this.#onDemand.resolve(spec.protocol, invocation.service))
        : undefined,
      bridge: bridgeOptions(config.bridge, config.defaults, (service) => this.#apps?.signaturesOf(service), this.registry),
      cluster: (name) => this.#clusters.get(name),
      metrics: this.metrics,
      accessLog: accessLog ? this.#log.child({ listener: spec.name }) : undefined,
      accessLogQuery: config.logging.accessLogQuery,
      defaultTimeoutMs: config.defaults.routeTimeoutMs,
      tracer: this.#tracing?.tracer,
    });
  }

  #grpcKeepalive(): { keepaliveMs: number; keepaliveTimeoutMs: number } {
    return { keepaliveMs: this.#config.grpc.keepaliveMs, keepaliveTimeoutMs: this.#config.grpc.keepaliveTimeoutMs };
  }

  #readiness(): { ready: boolean; listeners: Record<string, string> } {
    const listeners = Object.fromEntries([...this.#listeners.values()].map((l) => [l.name, l.address]));
    return { ready: this.#state === 'ready', listeners };
  }
}

function onDemandLimits(config: MeshConfig): OnDemandLimits {
  return {
    maxClusters: config.defaults.maxOnDemandClusters,
    idleMs: config.defaults.onDemandClusterIdleMs,
    firstAnswerMs: FIRST_ANSWER_WAIT_MS,
  };
}

/** How long a call to a service not seen before waits for the registry to say who provides it. */
const FIRST_ANSWER_WAIT_MS = 3_000;

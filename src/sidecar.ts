/**
 * The running sidecar, composed: config -> clusters -> routes -> listeners -> admin, and
 * the same path again on every reload (each part changes only what changed; calls in
 * flight finish on the objects they started with). The parts live in src/control/:
 * clusters.ts (configured, registry, on-demand and app clusters), listener-routes.ts,
 * listeners.ts, and app-plane.ts (the app API, app publications, the SOFA Mesh API).
 */
import { readApiGuard, type Logger } from './core/index.js';
import { AdminServer } from './admin/server.js';
import { PrometheusMetrics } from './admin/metrics.js';
import { getCodec, getProtocol, registrySchemeOf } from './codecs/index.js';
import { TapHub } from './admin/ui/tap-hub.js';
import type { DashboardSources } from './admin/ui/routes.js';
import { dashboardSources } from './dashboard-sources.js';
import { tapDecoder } from './tap-decode.js';
import type { ListenerConfig, MeshConfig } from './config/index.js';
import type { Registry } from './registry/index.js';
import { AUTO_PROTOCOL, buildStack, Http1Poster, type Handler, type TlsFiles } from './proxy/index.js';
import { AppPlane, type AppStoreFactory } from './control/app-plane.js';
import { bridgeOptions } from './control/bridge-config.js';
import { MeshClusters } from './control/clusters.js';
import { ListenerRoutes } from './control/listener-routes.js';
import { MeshListeners } from './control/listeners.js';
import { TLS_FILES_WATCH_MS, WatchedTlsFiles } from './security/tls-files.js';
import { WorkloadIdentity } from './security/workload.js';
import type { Tracing } from './tracing/index.js';

type State = 'starting' | 'ready' | 'draining' | 'closed';

/**
 * What a worker of `workers: N` takes from its primary instead of serving it itself: the app
 * publications (over IPC); the primary also serves the admin API, the SOFA Mesh API and the
 * registry's metrics (docs/workers.md).
 */
export interface WorkerParts {
  readonly apps: AppStoreFactory;
}

export class Sidecar {
  readonly metrics = new PrometheusMetrics();
  /** The dashboard's tap and recent errors; decodes only while someone taps. */
  readonly tap: TapHub;
  /** What the /ui dashboard shows of this process; a worker's primary asks it for its views. */
  readonly dashboard: DashboardSources;
  readonly registry: Registry;
  readonly #log: Logger;
  #config: MeshConfig;
  #state: State = 'starting';
  readonly #clusters: MeshClusters;
  readonly #routes = new ListenerRoutes();
  readonly #listeners: MeshListeners;
  readonly #apps: AppPlane;
  #admin: AdminServer | undefined;
  /** Undefined in a worker: its primary serves the admin API. */
  readonly #worker: WorkerParts | undefined;
  /** The workload certificate for mTLS between sidecars (config `identity`; fixed at start, its files watched). */
  #identity: WorkloadIdentity | undefined;
  /** Spans and their export; undefined when the config has no `tracing` (its SDK is then never loaded). */
  #tracing: Tracing | undefined;
  /** Tracing a reload replaced, kept until the calls that started under it have ended. */
  readonly #retiredTracing = new Set<Tracing>();

  private constructor(config: MeshConfig, log: Logger, registry: Registry, worker: WorkerParts | undefined) {
    this.#config = config;
    this.#worker = worker;
    this.#log = log;
    this.registry = registry;
    this.tap = new TapHub(config.tap, tapDecoder(getCodec), (result) => this.metrics.tapEvent(result));
    const tlsFiles = (files: TlsFiles): WatchedTlsFiles => new WatchedTlsFiles(files, TLS_FILES_WATCH_MS, log.child({ module: 'tls-files' }));
    this.#clusters = new MeshClusters(config, registry, this.metrics, registrySchemeOf, () => this.#identity, tlsFiles);
    this.#listeners = new MeshListeners(config, this.metrics, log, () => this.#identity, tlsFiles);
    // Made before the listeners: the HTTP and gRPC listeners serve the app API over it.
    this.#apps = new AppPlane(
      () => this.#config,
      registry,
      this.#clusters,
      this.#routes,
      log,
      (tls) => this.#listeners.ingressTls(tls)?.mode ?? 'off',
      (api, reason) => this.metrics.controlRefusal(api, reason),
      worker?.apps,
    );
    this.dashboard = dashboardSources({
      config: () => this.#config,
      clusters: () => this.#clusters.all(),
      origins: () => this.#clusters.origins(),
      appRoutes: (listener) => this.#routes.appRoutes(listener),
      apps: () => this.#apps.list(),
      registry: this.registry,
      metrics: this.metrics,
      tap: this.tap,
    });
    if (!worker) this.metrics.observeRegistry(() => registry.state());
    this.metrics.observeClusters(() => this.#clusters.snapshots());
  }

  /** Starts on a registry that has been started; the sidecar does not close it. */
  static async start(config: MeshConfig, log: Logger, registry: Registry, worker?: WorkerParts): Promise<Sidecar> {
    const sidecar = new Sidecar(config, log, registry, worker);
    try {
      if (config.identity) sidecar.#identity = await WorkloadIdentity.start(config.identity, log.child({ module: 'identity' }));
      sidecar.#tracing = await sidecar.#startTracing(config);
      await sidecar.#apply(config);
      await sidecar.#apps.start();
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
      // With workers: N the primary says when the sidecar is ready, once every worker is.
      worker ? 'worker ready' : 'pmesh sidecar ready',
    );
    return sidecar;
  }

  get config(): MeshConfig {
    return this.#config;
  }

  /** What /ready says: ready once every listener is bound, not while draining. */
  readiness(): { ready: boolean; listeners: Record<string, string> } {
    return { ready: this.#state === 'ready', listeners: this.#listeners.addresses() };
  }

  /** What /clusters says: the registry's state and each cluster's endpoints and health. */
  clustersView(): { registry: ReturnType<Registry['state']>; clusters: ReturnType<MeshClusters['snapshotsWithOrigin']> } {
    return { registry: this.registry.state(), clusters: this.#clusters.snapshotsWithOrigin() };
  }

  /** Applies a new, already validated config; only what changed is touched. */
  async reload(config: MeshConfig): Promise<void> {
    if (this.#state !== 'ready') return;
    if (JSON.stringify([config.registry, config.sofaMeshApi?.address]) !== JSON.stringify([this.#config.registry, this.#config.sofaMeshApi?.address])) {
      this.#log.warn({ registry: config.registry, sofaMeshApi: config.sofaMeshApi }, 'the registry section or sofaMeshApi address changed: it takes effect at the next start');
    }
    const tracingChanged = JSON.stringify(config.tracing) !== JSON.stringify(this.#config.tracing);
    const retired = tracingChanged ? this.#tracing : undefined;
    if (tracingChanged) {
      this.#tracing = await this.#startTracing(config);
      if (!this.#tracing) this.#log.info('tracing off');
    }
    this.#config = config;
    // The stacks are built again here, with the new tracer, or with no tracing filter when the section is gone.
    await this.#apply(config);
    if (retired) this.#retire(retired, config.defaults.drainTimeoutMs);
    this.#log.info({ listeners: config.listeners.map((l) => l.name), clusters: config.clusters.map((c) => c.name) }, 'config reloaded');
  }

  /** Stops accepting, lets calls in flight finish for at most `drainMs`, closes everything. */
  async shutdown(drainMs: number): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'draining') return;
    this.#state = 'draining';
    this.#log.info({ drainMs, inFlight: this.#listeners.inFlight }, 'draining');
    await this.#listeners.close(drainMs);
    await this.#apps.close();
    await this.#clusters.close();
    this.#identity?.close();
    await this.#admin?.close();
    await Promise.all([this.#tracing, ...this.#retiredTracing].map((tracing) => tracing?.shutdown()));
    this.#state = 'closed';
  }

  async #apply(config: MeshConfig): Promise<void> {
    this.metrics.setMaxLabelValues(config.defaults.maxMetricLabelValues);
    this.tap.setOptions(config.tap);
    this.#clusters.apply(config);
    for (const listener of config.listeners) this.#routes.setConfigRoutes(listener.name, listener.routes);
    await this.#listeners.apply(config, {
      handlerFor: (spec) => this.#stackFor(spec, config),
      onRemoved: (name) => this.#routes.forget(name),
      servicesFor: (spec) => this.#apps.listenerServices(spec),
    });
    if (!this.#worker && (!this.#admin || this.#admin.address !== config.admin.address)) {
      const old = this.#admin;
      this.#admin = new AdminServer(config.admin.address, {
        ready: () => this.readiness(),
        config: () => this.#config,
        clusters: () => this.clustersView(),
        metrics: this.metrics,
        ui: this.dashboard,
      }, readApiGuard('admin', config.admin));
      await old?.close();
      await this.#admin.start();
    }
  }

  /** Tracing as `config` says, or undefined without a `tracing` section (its SDK is then never loaded). */
  async #startTracing(config: MeshConfig): Promise<Tracing | undefined> {
    if (!config.tracing) return undefined;
    const { startTracing } = await import('./tracing/index.js');
    const exportTimeoutMs = config.tracing.exportTimeoutMs;
    // An http:// collector is posted to on the upstream's HTTP/1 client (docs/tracing.md); https:// goes through the SDK's exporter.
    const postTo = (url: string, contentType: string): Http1Poster | undefined => (url.startsWith('http:') ? new Http1Poster(new URL(url), contentType, exportTimeoutMs) : undefined);
    return startTracing(config.tracing, this.#log.child({ module: 'tracing' }), (exporter, result, spans) => this.metrics.tracingSpans(exporter, result, spans), postTo);
  }

  /**
   * Tracing replaced by a reload: calls that started under it end their spans on it, so it
   * is shut down (sending what it holds) once they have had the drain time to finish.
   */
  #retire(tracing: Tracing, drainMs: number): void {
    this.#retiredTracing.add(tracing);
    setTimeout(() => {
      this.#retiredTracing.delete(tracing);
      void tracing.shutdown();
    }, drainMs).unref();
  }

  #stackFor(spec: ListenerConfig, config: MeshConfig): Handler {
    const accessLog = spec.accessLog ?? config.logging.accessLog;
    // Only RPC protocols route by the registry: their calls name a service and can be forwarded as they are.
    // An auto listener's calls are each of their own protocol: each is asked.
    const routable = (protocol: string): boolean => getProtocol(protocol)?.bridge.registryRoutable === true;
    const byRegistry = (routable(spec.protocol) || spec.protocol === AUTO_PROTOCOL) && (spec.routeByRegistry ?? !spec.ingress);
    return buildStack({
      router: () => this.#routes.router(spec.name),
      // Only a call that carries its frame can be forwarded as it is; the gRPC Invoke API's calls
      // are bridged, and their target protocol is the route's to say.
      fallback: byRegistry
        ? (invocation) => (invocation.frame === undefined || !routable(invocation.protocol) ? undefined : this.#clusters.onDemand(invocation.protocol, invocation.service))
        : undefined,
      bridge: bridgeOptions(config.bridge, config.defaults, (service) => this.#apps.signaturesOf(service), this.registry),
      cluster: (name) => this.#clusters.get(name),
      metrics: this.metrics,
      accessLog: accessLog ? this.#log.child({ listener: spec.name }) : undefined,
      accessLogQuery: config.logging.accessLogQuery,
      defaultTimeoutMs: config.defaults.routeTimeoutMs,
      tap: this.tap,
      authorization: spec.authorization,
      tracer: this.#tracing?.tracer,
    });
  }
}

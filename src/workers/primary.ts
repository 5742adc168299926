/**
 * The primary of `workers: N` (docs/workers.md): the process `pmesh start` runs when the config
 * asks for more than one worker. It holds what there must be one of: the registry session, the
 * app publications with their leases and health checks, the SOFA Mesh API, the admin API (its
 * /metrics, /clusters and /ui dashboard gathered from every process), and the config file's
 * watch. It serves no calls itself: its N workers (pool.ts) do, on the listeners they share.
 */
import type { Registry as MetricsRegistry } from 'prom-client';
import { AdminServer } from '../admin/server.js';
import { PrometheusMetrics } from '../admin/metrics.js';
import { mergeMetrics, type ProcessMetrics } from '../admin/metrics-merge.js';
import { readApiGuard, type Logger } from '../core/index.js';
import { watchConfig, type ConfigCheckers, type ConfigWatcher, type MeshConfig } from '../config/index.js';
import { AppPublications } from '../control/app-publications.js';
import { countingOwnership } from '../control/owned-calls.js';
import { SofaMeshServer } from '../control/sofa-mesh-server.js';
import { createRegistry, type Registry } from '../registry/index.js';
import type { Sidecar } from '../sidecar.js';
import { PrimaryIngress, serveApps } from './apps.js';
import { mergeClusterViews } from './clusters-view.js';
import { primaryDashboard } from './dashboard.js';
import { serveRegistry } from './ipc-registry.js';
import { WorkerPool } from './pool.js';
import { WorkersTap, serveTap } from './tap.js';

/** How long /metrics and /clusters wait for a worker's answer before leaving it out. */
const ASK_TIMEOUT_MS = 5_000;

export interface PrimaryStart {
  readonly path: string | undefined;
  readonly config: MeshConfig;
  readonly workers: number;
  /** The protocol plug-in modules the primary imported (docs/plugins.md): every worker imports them too. */
  readonly plugins: readonly string[];
  readonly checkers: ConfigCheckers;
  readonly log: Logger;
}

export interface RunningPrimary {
  readonly sidecar: { readonly config: MeshConfig; readonly registry: Registry };
  readonly log: Logger;
  stop(drainMs?: number): Promise<void>;
}

export async function startPrimary({ path, config: initial, workers, plugins, checkers, log }: PrimaryStart): Promise<RunningPrimary> {
  let config = initial;
  const { dataDir, ...registryConfig } = config.registry;
  const registry = createRegistry(registryConfig, { dataDir, logger: log.child({ module: 'registry' }) });
  await registry.start();
  const metrics = new PrometheusMetrics();
  metrics.observeRegistry(() => registry.state());
  const countRefusal = metrics.controlRefusal.bind(metrics);
  let pool: WorkerPool | undefined;
  const ingress = new PrimaryIngress(() => config, (op, args) => pool?.tell(op, args));
  const apps = new AppPublications(registry, ingress, {
    dataDir,
    healthIntervalMs: config.defaults.appHealthCheckMs,
    maxFailures: config.defaults.appHealthMaxFailures,
    log: log.child({ module: 'app-publications' }),
  });
  let sofaMesh: SofaMeshServer | undefined;
  let admin: AdminServer | undefined;
  let draining = false;
  const askAll = async <T>(op: string): Promise<T[]> => (await pool?.ask<T>(op, ASK_TIMEOUT_MS)) ?? [];
  const scrape = async (): Promise<MetricsRegistry> => mergeMetrics([await metrics.registry.getMetricsAsJSON(), ...(await askAll<ProcessMetrics>('worker.metrics'))]);
  const tap = new WorkersTap({
    tell: (op, args) => pool?.tell(op, args),
    ask: askAll,
    options: () => config.tap,
    count: (result) => metrics.tapEvent(result),
  });
  const ui = primaryDashboard({ config: () => config, registry, apps: () => apps.list(), ask: askAll, metrics: scrape, tap });

  const startAdmin = async (): Promise<void> => {
    const old = admin;
    admin = new AdminServer(
      config.admin.address,
      {
        ready: () => ({ ready: !draining && pool?.ready === true, listeners: Object.fromEntries(config.listeners.map((l) => [l.name, l.address])) }),
        config: () => config,
        clusters: async () => {
          const views = await askAll<ReturnType<Sidecar['clustersView']>>('worker.clusters');
          // Each worker keeps its own clusters and pools: one view of them all, with who runs.
          return { registry: registry.state(), clusters: mergeClusterViews(views.map((view) => view.clusters)), workers: pool?.members() ?? [] };
        },
        metrics,
        scrape,
        ui,
      },
      readApiGuard('admin', config.admin),
    );
    await old?.close();
    await admin.start();
  };

  const close = async (drainMs: number): Promise<void> => {
    draining = true;
    await pool?.stop(drainMs);
    apps.close();
    await sofaMesh?.close();
    await admin?.close();
    await registry.close();
  };

  try {
    // Restored before the workers start, so each starts with the routes to the apps already there.
    await apps.restore();
    pool = await WorkerPool.start(workers, {
      init: (index) => ({ index, config, plugins, backend: registry.backend, routes: ingress.routes() }),
      serve: (channel) => {
        serveApps(channel, apps);
        serveTap(channel, tap);
        return serveRegistry(channel, registry, log.child({ module: 'registry' }));
      },
      restarted: () => metrics.workerRestarted(),
      log,
    });
    const sofaLog = log.child({ module: 'sofa-mesh-api' });
    sofaMesh = await SofaMeshServer.start(() => config, countingOwnership(apps, 'sofa_mesh_api', countRefusal, sofaLog), sofaLog, countRefusal);
    await startAdmin();
  } catch (error) {
    await close(0);
    throw error;
  }
  log.info({ workers, admin: config.admin.address, listeners: config.listeners.map((l) => ({ name: l.name, protocol: l.protocol, address: l.address })) }, 'pmesh sidecar ready');

  let watcher: ConfigWatcher | undefined;
  if (path) {
    watcher = watchConfig(
      path,
      checkers,
      (next) => {
        if (next.workers !== config.workers) log.warn({ workers: next.workers }, 'the workers count changed: it takes effect at the next start');
        const adminMoved = next.admin.address !== config.admin.address;
        // Parsed once, here; every worker applies the same config.
        config = next;
        pool?.tell('worker.reload', next);
        if (adminMoved) startAdmin().catch((error: unknown) => log.error({ err: String(error) }, 'the admin API could not move; reload failed for it'));
        log.info({ listeners: next.listeners.map((l) => l.name), clusters: next.clusters.map((c) => c.name) }, 'config sent to every worker');
      },
      log,
    );
  }
  return {
    sidecar: {
      get config() {
        return config;
      },
      registry,
    },
    log,
    async stop(drainMs = config.defaults.drainTimeoutMs) {
      watcher?.close();
      await close(drainMs);
    },
  };
}

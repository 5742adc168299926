/**
 * The /ui dashboard of a sidecar with `workers: N`, served by the primary's admin server.
 * What there is one of comes from the primary: the config, the registry's state, the app
 * publications. What each worker holds is asked of them all: the listeners with their routes
 * (the same in every worker), the clusters (merged: clusters-view.ts) and registry
 * subscriptions (each worker makes its own, on-demand ones included: each shown once),
 * the RED numbers (every process's metrics merged), recent errors and the live tap (tap.ts).
 */
import type { Registry as MetricsRegistry } from 'prom-client';
import type { DashboardSources } from '../admin/ui/routes.js';
import type { MeshConfig } from '../config/index.js';
import { appViews } from '../dashboard-sources.js';
import type { Registry } from '../registry/index.js';
import { mergeClusterViews } from './clusters-view.js';
import type { WorkersTap } from './tap.js';

export interface PrimaryDashboardParts {
  config(): MeshConfig;
  readonly registry: Registry;
  apps(): Parameters<typeof appViews>[0];
  /** Asks every worker; those that do not answer in time are left out. */
  ask<T>(op: string): Promise<T[]>;
  /** Every process's metrics, merged. */
  metrics(): Promise<MetricsRegistry>;
  readonly tap: WorkersTap;
}

interface WorkerTopology {
  readonly listeners: unknown;
  readonly clusters: Parameters<typeof mergeClusterViews>[0][number];
}

interface WorkerRegistryView {
  readonly subscriptions: ReadonlyArray<{ readonly cluster: string }>;
}

export function primaryDashboard(parts: PrimaryDashboardParts): DashboardSources {
  return {
    tap: parts.tap,
    metrics: () => parts.metrics(),
    address: () => parts.config().admin.address,
    peers: () => parts.config().admin.peers,
    async topology() {
      const views = await parts.ask<WorkerTopology>('worker.ui.topology');
      return {
        listeners: views[0]?.listeners ?? [],
        clusters: mergeClusterViews(views.map((view) => view.clusters)),
        apps: appViews(parts.apps()),
      };
    },
    async registry() {
      const views = await parts.ask<WorkerRegistryView>('worker.ui.registry');
      return {
        state: parts.registry.state(),
        subscriptions: unionBy(views.map((view) => view.subscriptions), (subscription) => subscription.cluster),
        publications: appViews(parts.apps()),
      };
    },
  };
}

/** Each key once, from the first list that has it, in the order met. */
function unionBy<T>(lists: ReadonlyArray<readonly T[]>, key: (item: T) => string): T[] {
  const union = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!union.has(key(item))) union.set(key(item), item);
  return [...union.values()];
}

/**
 * What the /ui dashboard reads of a running sidecar, gathered into plain snapshots: its
 * listeners and their routes, clusters with endpoints, health and breakers, the apps that
 * publish through it, and the registry's view. Part of the composition root: it alone
 * may look at the sidecar's parts; the admin server gets only these functions.
 */
import type { DashboardSources } from './admin/ui/routes.js';
import type { TapHub } from './admin/ui/tap-hub.js';
import type { PrometheusMetrics } from './admin/metrics.js';
import type { MeshConfig } from './config/index.js';
import type { Cluster, RouteSpec } from './proxy/index.js';
import type { AppPublication, Publication, Registry } from './registry/index.js';

/** Where a registry cluster's endpoints came from (structural: this file imports no control-plane code). */
interface ClusterOrigin {
  readonly backend: string;
  readonly origin: string;
  readonly at: number;
  readonly service: string;
}

/** One app publication behind this sidecar, lease token left out. */
interface AppEntry {
  readonly publication: AppPublication;
  readonly registered: Publication;
  readonly listener: string;
  readonly failures: number;
}

export interface DashboardParts {
  readonly config: () => MeshConfig;
  readonly clusters: () => readonly Cluster[];
  readonly origins: () => Record<string, ClusterOrigin>;
  /** Routes apps published, per ingress listener. */
  readonly appRoutes: (listener: string) => readonly RouteSpec[];
  readonly apps: () => readonly AppEntry[];
  readonly registry: Registry;
  readonly metrics: PrometheusMetrics;
  readonly tap: TapHub;
}

function routeView(route: RouteSpec): { name?: string; service?: string; cluster: string; clusters?: readonly string[] } {
  return {
    name: route.name,
    service: route.match.service ?? route.match.host ?? route.match.pathPrefix,
    cluster: route.cluster,
    clusters: route.clusters?.map((weighted) => weighted.name),
  };
}

/** The dashboard's rows for the app publications behind this sidecar (the primary's, with workers: N). */
export function appViews(apps: readonly AppEntry[]): unknown[] {
  return apps.map(({ publication, registered, listener, failures }) => ({
    service: publication.service,
    version: publication.version,
    group: publication.group,
    protocol: publication.protocol,
    appProtocol: publication.appProtocol,
    application: publication.application,
    appAddress: `127.0.0.1:${publication.port}`,
    published: `${registered.host}:${registered.port}`,
    listener,
    failedChecks: failures,
  }));
}

export function dashboardSources(parts: DashboardParts): DashboardSources {
  const clusterViews = (): unknown[] => {
    const origins = parts.origins();
    return parts.clusters().map((cluster) => ({ ...cluster.snapshot(), service: cluster.service, registry: origins[cluster.name] }));
  };
  const apps = (): unknown[] => appViews(parts.apps());
  return {
    tap: parts.tap,
    metrics: () => parts.metrics.registry,
    address: () => parts.config().admin.address,
    peers: () => parts.config().admin.peers,
    topology: () => ({
      listeners: parts.config().listeners.map((listener) => ({
        name: listener.name,
        protocol: listener.protocol,
        address: listener.address,
        ingress: listener.ingress ?? false,
        routes: [...listener.routes, ...parts.appRoutes(listener.name)].map(routeView),
      })),
      clusters: clusterViews(),
      apps: apps(),
    }),
    registry: () => ({
      state: parts.registry.state(),
      subscriptions: Object.entries(parts.origins()).map(([cluster, origin]) => ({
        cluster,
        ...origin,
        providers: parts.clusters().find((c) => c.name === cluster)?.endpoints.map((e) => e.address) ?? [],
      })),
      publications: apps(),
    }),
  };
}

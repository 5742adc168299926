/**
 * Metrics read at scrape time from the running sidecar's snapshots, so the call path
 * pays nothing for them: upstream pools (connections, calls in flight per endpoint),
 * endpoint health, circuit breakers, the registry's state.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BoundedLabels } from './metric-labels.js';

/** What the metrics read of a registry (a structural view: admin imports no registry code). */
export interface RegistryStateView {
  readonly backend: string;
  readonly status: string;
  readonly publications?: number;
  readonly subscriptions?: number;
  readonly events: Readonly<Record<string, number>>;
}

/** What the metrics read of a cluster (structural: admin imports no proxy code). */
export interface ClusterStateView {
  readonly name: string;
  readonly healthy: number;
  readonly inFlight: number;
  readonly pending: number;
  readonly retries: number;
  readonly circuitBreaker: { readonly maxConnections: number; readonly maxPending: number; readonly maxRequests: number; readonly maxRetries: number };
  readonly endpoints: ReadonlyArray<{ readonly address: string; readonly health: string; readonly connections: number; readonly inFlight: number }>;
}

const HEALTH_STATES = ['healthy', 'ejected', 'unhealthy'] as const;

export function observeRegistry(registry: Registry, state: () => RegistryStateView): void {
  const seen = new Map<string, number>();
  new Counter({
    name: 'pmesh_registry_events_total',
    help: 'Registry events by backend and kind (connected, disconnected, expired, notify, publish, error...).',
    labelNames: ['backend', 'event'] as const,
    registers: [registry],
    collect() {
      const now = state();
      for (const [event, count] of Object.entries(now.events)) {
        const key = `${now.backend}\u0000${event}`;
        const delta = count - (seen.get(key) ?? 0);
        if (delta > 0) this.inc({ backend: now.backend, event }, delta);
        seen.set(key, count);
      }
    },
  });
  new Gauge({
    name: 'pmesh_registry_connected',
    help: '1 while the registry backend is connected (the embedded one always is), else 0.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      const now = state();
      this.set({ backend: now.backend }, now.status === 'connected' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pmesh_registry_publications',
    help: 'Services this sidecar publishes to the registry.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      const now = state();
      this.set({ backend: now.backend }, now.publications ?? 0);
    },
  });
  new Gauge({
    name: 'pmesh_registry_subscriptions',
    help: 'Services this sidecar watches in the registry.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      const now = state();
      this.set({ backend: now.backend }, now.subscriptions ?? 0);
    },
  });
}

/** One gauge whose values are all recomputed from the clusters at each scrape. */
function clusterGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  fill: (gauge: Gauge<string>, clusters: readonly ClusterStateView[]) => void,
  clusters: () => readonly ClusterStateView[],
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      fill(this, clusters());
    },
  });
}

export function observeClusters(registry: Registry, clusters: () => readonly ClusterStateView[], labels: BoundedLabels): void {
  const endpoint = (address: string): string => labels.bound('endpoint', address);
  const gauges: Array<[string, string, readonly string[], (gauge: Gauge<string>, all: readonly ClusterStateView[]) => void]> = [
    ['pmesh_cluster_healthy_endpoints', 'Endpoints neither ejected by outlier detection nor failing active health checks, per cluster.', ['cluster'],
      (g, all) => all.forEach((c) => g.set({ cluster: c.name }, c.healthy))],
    ['pmesh_cluster_requests_in_flight', 'Calls sent to the cluster and not yet answered.', ['cluster'],
      (g, all) => all.forEach((c) => g.set({ cluster: c.name }, c.inFlight))],
    ['pmesh_cluster_pending_requests', 'Calls waiting for a registry cluster\'s first endpoints.', ['cluster'],
      (g, all) => all.forEach((c) => g.set({ cluster: c.name }, c.pending))],
    ['pmesh_cluster_retries_in_flight', 'Retries in flight to the cluster (bounded by circuitBreaker.maxRetries).', ['cluster'],
      (g, all) => all.forEach((c) => g.set({ cluster: c.name }, c.retries))],
    ['pmesh_cluster_circuit_breaker_limit', 'The cluster\'s circuit breaker thresholds (maxConnections, maxPending, maxRequests, maxRetries).', ['cluster', 'threshold'],
      (g, all) => all.forEach((c) => Object.entries(c.circuitBreaker).forEach(([threshold, value]) => g.set({ cluster: c.name, threshold }, value)))],
    ['pmesh_cluster_circuit_breaker_open', '1 while a threshold is reached and new calls are refused with PMESH_OVERLOADED, else 0.', ['cluster', 'threshold'],
      (g, all) => all.forEach((c) => breakerState(c).forEach(([threshold, open]) => g.set({ cluster: c.name, threshold }, open ? 1 : 0)))],
    ['pmesh_upstream_connections', 'Open upstream connections per cluster and endpoint.', ['cluster', 'endpoint'],
      (g, all) => all.forEach((c) => c.endpoints.forEach((e) => g.set({ cluster: c.name, endpoint: endpoint(e.address) }, e.connections)))],
    ['pmesh_upstream_requests_in_flight', 'Calls sent to an endpoint and not yet answered: its open streams.', ['cluster', 'endpoint'],
      (g, all) => all.forEach((c) => c.endpoints.forEach((e) => g.set({ cluster: c.name, endpoint: endpoint(e.address) }, e.inFlight)))],
    ['pmesh_endpoint_health', '1 for the endpoint\'s current health state (healthy, ejected, unhealthy), 0 for the others.', ['cluster', 'endpoint', 'state'],
      (g, all) => all.forEach((c) => c.endpoints.forEach((e) => HEALTH_STATES.forEach((state) => g.set({ cluster: c.name, endpoint: endpoint(e.address), state }, e.health === state ? 1 : 0))))],
  ];
  for (const [name, help, labelNames, fill] of gauges) clusterGauge(registry, name, help, labelNames, fill, clusters);
}

/** Whether each breaker threshold is reached now. */
export function breakerState(cluster: ClusterStateView): Array<[string, boolean]> {
  const connections = cluster.endpoints.reduce((sum, e) => sum + e.connections, 0);
  const limits = cluster.circuitBreaker;
  return [
    ['maxConnections', connections >= limits.maxConnections],
    ['maxPending', cluster.pending >= limits.maxPending],
    ['maxRequests', cluster.inFlight >= limits.maxRequests],
    ['maxRetries', cluster.retries >= limits.maxRetries],
  ];
}

/**
 * /metrics of a sidecar with `workers: N`: one exposition for the primary and every worker.
 * Each process gives its registry's samples as JSON (prom-client's getMetricsAsJSON); they are
 * merged by prom-client's AggregatorRegistry, which sums each series by default, as counters,
 * histograms and counts of things held (connections, calls in flight) must be. A gauge that
 * says how each worker sees one shared thing (a cluster's healthy endpoints, a breaker's
 * threshold, an endpoint's health state) is not a sum: it takes the highest worker's value.
 */
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/** Gauges every worker sets to its own view of the same thing. */
const SAME_THING_IN_EACH = new Set([
  'pmesh_cluster_healthy_endpoints',
  'pmesh_cluster_circuit_breaker_limit',
  'pmesh_cluster_circuit_breaker_open',
  'pmesh_endpoint_health',
  'pmesh_tls_peer_certificate_not_before_seconds',
]);

export type ProcessMetrics = ReadonlyArray<MetricObjectWithValues<MetricValue<string>>>;

/** One registry with every process's samples merged; `perProcess` from the primary and each worker. */
export function mergeMetrics(perProcess: readonly ProcessMetrics[]): Registry {
  const tagged = perProcess.map((metrics) => metrics.map((metric) => (SAME_THING_IN_EACH.has(metric.name) ? { ...metric, aggregator: 'max' as const } : metric)));
  return AggregatorRegistry.aggregate(tagged as Parameters<typeof AggregatorRegistry.aggregate>[0]);
}

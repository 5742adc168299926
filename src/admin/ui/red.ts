/**
 * RED numbers per topology edge, read from the Prometheus registry when the page asks, so
 * the dashboard adds nothing to the call path: calls and their time per listener -> service
 * -> cluster, attempts per cluster -> endpoint. Totals since start; the page turns two
 * readings into rates.
 */
import type { Registry } from 'prom-client';

export interface EdgeStats {
  ok: number;
  failed: number;
  /** Sum of latencies, seconds, and how many were timed. */
  seconds: number;
  timed: number;
}

type Values = ReadonlyArray<{ readonly labels: Readonly<Record<string, string | number>>; readonly value: number; readonly metricName?: string }>;

async function valuesOf(registry: Registry, name: string): Promise<Values> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values as Values;
}

function add(edges: Map<string, EdgeStats & Record<string, string | number>>, key: Record<string, string>, change: (edge: EdgeStats) => void): void {
  const id = Object.values(key).join('\u0000');
  let edge = edges.get(id);
  if (!edge) edges.set(id, (edge = { ...key, ok: 0, failed: 0, seconds: 0, timed: 0 }));
  change(edge);
}

async function edgesOf(registry: Registry, counter: string, histogram: string, keyOf: (labels: Readonly<Record<string, string | number>>) => Record<string, string>): Promise<unknown[]> {
  const edges = new Map<string, EdgeStats & Record<string, string | number>>();
  for (const { labels, value } of await valuesOf(registry, counter)) {
    add(edges, keyOf(labels), (edge) => (labels.outcome === 'ok' ? (edge.ok += value) : (edge.failed += value)));
  }
  for (const { labels, value, metricName } of await valuesOf(registry, histogram)) {
    if (metricName === `${histogram}_sum`) add(edges, keyOf(labels), (edge) => (edge.seconds += value));
    else if (metricName === `${histogram}_count`) add(edges, keyOf(labels), (edge) => (edge.timed += value));
  }
  return [...edges.values()];
}

export async function redOf(registry: Registry): Promise<{ calls: unknown[]; attempts: unknown[]; connections: Record<string, number> }> {
  const calls = await edgesOf(registry, 'pmesh_requests_total', 'pmesh_request_duration_seconds', (l) => ({
    listener: String(l.listener ?? ''),
    service: String(l.service ?? ''),
    cluster: String(l.cluster ?? ''),
  }));
  const attempts = await edgesOf(registry, 'pmesh_upstream_requests_total', 'pmesh_upstream_request_duration_seconds', (l) => ({
    cluster: String(l.cluster ?? ''),
    endpoint: String(l.endpoint ?? ''),
  }));
  const connections: Record<string, number> = {};
  for (const { labels, value } of await valuesOf(registry, 'pmesh_downstream_connections_open')) connections[String(labels.listener)] = value;
  return { calls, attempts, connections };
}

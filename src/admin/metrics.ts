/**
 * The Prometheus side of MeshMetrics, on prom-client. One registry per sidecar
 * (not prom-client's global), so several sidecars in one test process do not mix.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallLabels, MeshMetrics } from '../core/index.js';

/** Sub-millisecond buckets first: the sidecar's own latency is what we watch. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class PrometheusMetrics implements MeshMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'pmesh_requests_total',
    help: 'Calls finished, by listener, route, cluster and outcome (ok, exception, or the error reason id).',
    labelNames: ['listener', 'route', 'cluster', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: 'pmesh_request_errors_total',
    help: 'Calls that failed with a mesh error, by reason id.',
    labelNames: ['listener', 'route', 'cluster', 'reason'] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: 'pmesh_request_duration_seconds',
    help: 'Time from a call arriving to its answer head, seconds.',
    labelNames: ['listener', 'route', 'cluster'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #connections = new Gauge({
    name: 'pmesh_downstream_connections_open',
    help: 'Open downstream connections per listener.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
  });
  readonly #codecErrors = new Counter({
    name: 'pmesh_codec_errors_total',
    help: 'Malformed frames or requests, by protocol, reason and side.',
    labelNames: ['protocol', 'reason', 'side'] as const,
    registers: [this.registry],
  });
  readonly #limits = new Counter({
    name: 'pmesh_limit_exceeded_total',
    help: 'Requests stopped by a configured limit, so a limit can be told from an outage.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pmesh_' });
  }

  callFinished(labels: CallLabels, seconds: number, outcome: string): void {
    this.#requests.inc({ ...labels, outcome });
    this.#latency.observe(labels, seconds);
    if (outcome.startsWith('PMESH_')) this.#errors.inc({ ...labels, reason: outcome });
  }

  connectionOpened(listener: string): void {
    this.#connections.inc({ listener });
  }

  connectionClosed(listener: string): void {
    this.#connections.dec({ listener });
  }

  codecError(protocol: string, reason: string, side: 'downstream' | 'upstream'): void {
    this.#codecErrors.inc({ protocol, reason, side });
  }

  limitExceeded(limit: string): void {
    this.#limits.inc({ limit });
  }
}

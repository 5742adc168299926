/**
 * The Prometheus side of MeshMetrics, on prom-client. One registry per sidecar
 * (not prom-client's global), so several sidecars in one test process do not mix.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallLabels, HealthEvent, MeshMetrics, TlsOutcome, TrafficEvent } from '../core/index.js';

/** What the metrics read of a registry (a structural view: admin imports no registry code). */
export interface RegistryStateView {
  readonly backend: string;
  readonly status: string;
  readonly events: Readonly<Record<string, number>>;
}

/** Sub-millisecond buckets first: the sidecar's own latency is what we watch. */
type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

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

  readonly #traffic = new Counter({
    name: 'pmesh_traffic_events_total',
    help: 'What traffic policies did: retry, retry_budget_exhausted, breaker_overflow, rate_limited, fault_delay, fault_abort, mirror, mirror_dropped, mirror_diff; by route and cluster.',
    labelNames: ['event', 'route', 'cluster'] as const,
    registers: [this.registry],
  });

  readonly #health = new Counter({
    name: 'pmesh_endpoint_health_events_total',
    help: 'Endpoint health changes by cluster: ejected_consecutive_failures, ejected_success_rate (outlier detection), unhealthy, healthy (active checks).',
    labelNames: ['cluster', 'event'] as const,
    registers: [this.registry],
  });
  readonly #mirrorDiffs = new Counter({
    name: 'pmesh_mirror_diffs_total',
    help: 'Fields of mirrored answers that differed from the primary answer, by route, method and field path (at most 100 pairs per route, then "other").',
    labelNames: ['route', 'method', 'field'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pmesh_' });
  }

  /**
   * Exports a registry backend's state at each scrape: whether it is connected, and its
   * monotonic event counters (connected, disconnected, expired, notify, publish, error...).
   */
  observeRegistry(state: () => RegistryStateView): void {
    const seen = new Map<string, number>();
    new Counter({
      name: 'pmesh_registry_events_total',
      help: 'Registry events by backend and kind (connected, disconnected, expired, notify, publish, error...).',
      labelNames: ['backend', 'event'] as const,
      registers: [this.registry],
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
      registers: [this.registry],
      collect() {
        const now = state();
        this.set({ backend: now.backend }, now.status === 'connected' ? 1 : 0);
      },
    });
  }

  /** Exports each cluster's endpoints the balancer may pick, at each scrape. */
  observeClusters(healthy: () => ReadonlyArray<{ readonly name: string; readonly healthy: number }>): void {
    new Gauge({
      name: 'pmesh_cluster_healthy_endpoints',
      help: 'Endpoints neither ejected by outlier detection nor failing active health checks, per cluster.',
      labelNames: ['cluster'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const cluster of healthy()) this.set({ cluster: cluster.name }, cluster.healthy);
      },
    });
  }

  /**
   * Bound children per label set: prom-client hashes a label object on every call,
   * which showed in the HTTP/1 bench profile; a map lookup on one string does not.
   */
  readonly #children = new Map<string, { requests: CounterChild; latency: HistogramChild; errors?: CounterChild }>();

  callFinished(raw: CallLabels, seconds: number, outcome: string): void {
    const labels = { listener: raw.listener, route: this.#bounded('route', raw.route), cluster: this.#bounded('cluster', raw.cluster) };
    const key = `${labels.listener}\u0000${labels.route}\u0000${labels.cluster}\u0000${outcome}`;
    let child = this.#children.get(key);
    if (!child) {
      child = {
        requests: this.#requests.labels({ ...labels, outcome }),
        latency: this.#latency.labels(labels),
        errors: outcome.startsWith('PMESH_') ? this.#errors.labels({ ...labels, reason: outcome }) : undefined,
      };
      this.#children.set(key, child);
    }
    child.requests.inc();
    child.latency.observe(seconds);
    child.errors?.inc();
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

  trafficEvent(event: TrafficEvent, route: string, cluster: string): void {
    this.#traffic.inc({ event, route: this.#bounded('route', route), cluster: this.#bounded('cluster', cluster) });
  }

  // --- Bounded label values (issue 9): a caller naming services must not grow /metrics ---

  #maxLabelValues = 1_000;
  readonly #labelValues = new Map<string, Set<string>>();

  /** Most distinct values each of the route and cluster labels takes; later ones are counted as `other`. */
  setMaxLabelValues(max: number): void {
    this.#maxLabelValues = max;
  }

  #bounded(label: string, value: string): string {
    let seen = this.#labelValues.get(label);
    if (!seen) this.#labelValues.set(label, (seen = new Set()));
    if (seen.has(value)) return value;
    if (seen.size < this.#maxLabelValues) {
      seen.add(value);
      return value;
    }
    this.limitExceeded('max_metric_label_values');
    return OTHER_LABEL_VALUE;
  }

  // --- Registry empty protection (issue 9) ---

  readonly #emptyProtected = new Counter({
    name: 'pmesh_registry_empty_protected_total',
    help: 'Empty provider lists held back while the registry was reconnecting or not yet stable (the last known endpoints were kept).',
    registers: [this.registry],
  });

  registryEmptyProtected(): void {
    this.#emptyProtected.inc();
  }

  endpointHealth(cluster: string, event: HealthEvent): void {
    this.#health.inc({ cluster, event });
  }

  mirrorDiff(route: string, method: string, field: string): void {
    this.#mirrorDiffs.inc({ route, method, field });
  }

  // --- Security (issue 13): mTLS between sidecars, authorization ---

  readonly #tlsConnections = new Counter({
    name: 'pmesh_tls_connections_total',
    help: 'Connections to listeners with tls on, by listener and outcome: mtls, plaintext (permissive), refused_plaintext, refused_handshake.',
    labelNames: ['listener', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #authorization = new Counter({
    name: 'pmesh_authz_decisions_total',
    help: 'Calls an ingress authorization policy allowed or denied, by listener.',
    labelNames: ['listener', 'decision'] as const,
    registers: [this.registry],
  });

  tlsConnection(listener: string, outcome: TlsOutcome): void {
    this.#tlsConnections.inc({ listener, outcome });
  }

  authorization(listener: string, decision: 'allow' | 'deny'): void {
    this.#authorization.inc({ listener, decision });
  }
}

/** The one label value that stands for every value past the cap. */
export const OTHER_LABEL_VALUE = 'other';

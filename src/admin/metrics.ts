/**
 * The Prometheus side of MeshMetrics, on prom-client. One registry per sidecar
 * (not prom-client's global), so several sidecars in one test process do not mix.
 * Every name and label here is documented in docs/metrics.md (a test checks it).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallRecord, HealthEvent, MeshMetrics, TrafficEvent } from '../core/index.js';
import { BoundedLabels } from './metric-labels.js';
import { observeClusters, observeRegistry, type ClusterStateView, type RegistryStateView } from './metrics-state.js';

export { OTHER_LABEL_VALUE } from './metric-labels.js';
export type { ClusterStateView, RegistryStateView } from './metrics-state.js';

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;
type GaugeChild = ReturnType<Gauge<string>['labels']>;

/** 0.1 ms to 10 s: the sidecar's own sub-millisecond cost and a slow service's seconds both resolve. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** 64 B to 16 MiB by fours. */
export const SIZE_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];

/**
 * Bound label children per label set are cached under one string key: prom-client hashes
 * a label object on every call, which showed in the HTTP/1 bench profile. The cache is
 * capped too, past which children are looked up the slow way.
 */
const MAX_CACHED_CHILDREN = 10_000;

interface CallChildren {
  readonly requests: CounterChild;
  readonly latency: HistogramChild;
  readonly requestSize: HistogramChild;
  readonly responseSize: HistogramChild;
  readonly errors?: CounterChild;
}

interface AttemptChildren {
  readonly requests: CounterChild;
  readonly latency: HistogramChild;
}

export class PrometheusMetrics implements MeshMetrics {
  readonly registry = new Registry();
  readonly #labels = new BoundedLabels(() => this.limitExceeded('max_metric_label_values'));

  readonly #requests = new Counter({
    name: 'pmesh_requests_total',
    help: 'Calls finished, by listener, route, service, method, cluster and outcome (ok, exception, error, or the mesh error reason id).',
    labelNames: ['listener', 'route', 'service', 'method', 'cluster', 'outcome'] as const,
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
    labelNames: ['listener', 'route', 'service', 'method', 'cluster'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #requestSize = new Histogram({
    name: 'pmesh_request_size_bytes',
    help: 'Request body bytes, where known without reading the body (frames, sized HTTP bodies).',
    labelNames: ['listener', 'service', 'method'] as const,
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });
  readonly #responseSize = new Histogram({
    name: 'pmesh_response_size_bytes',
    help: 'Response body bytes, where known without reading the body.',
    labelNames: ['listener', 'service', 'method'] as const,
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });
  readonly #inFlight = new Gauge({
    name: 'pmesh_requests_in_flight',
    help: 'Calls a listener has received and not yet answered.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
  });
  readonly #upstreamRequests = new Counter({
    name: 'pmesh_upstream_requests_total',
    help: 'Attempts sent to an endpoint (each retry is one), by cluster, endpoint and outcome.',
    labelNames: ['cluster', 'endpoint', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #upstreamLatency = new Histogram({
    name: 'pmesh_upstream_request_duration_seconds',
    help: 'Time from an attempt being handed to the endpoint\'s pool to its answer, seconds.',
    labelNames: ['cluster', 'endpoint'] as const,
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
  readonly #emptyProtected = new Counter({
    name: 'pmesh_registry_empty_protected_total',
    help: 'Empty provider lists held back while the registry was reconnecting or not yet stable (the last known endpoints were kept).',
    registers: [this.registry],
  });
  readonly #tapEvents = new Counter({
    name: 'pmesh_tap_events_total',
    help: 'Calls shown to dashboard tap subscribers (`sent`), or dropped because a subscriber read too slowly (`dropped`).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly #calls = new Map<string, CallChildren>();
  readonly #attempts = new Map<string, AttemptChildren>();
  readonly #listenersInFlight = new Map<string, GaugeChild>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pmesh_' });
  }

  /** Exports a registry backend's state at each scrape. */
  observeRegistry(state: () => RegistryStateView): void {
    observeRegistry(this.registry, state);
  }

  /** Exports each cluster's health, pools and breaker at each scrape. */
  observeClusters(clusters: () => readonly ClusterStateView[]): void {
    observeClusters(this.registry, clusters, this.#labels);
  }

  /** Most distinct values each of the route, cluster, service, method and endpoint labels takes. */
  setMaxLabelValues(max: number): void {
    this.#labels.setMax(max);
  }

  callStarted(listener: string): void {
    this.#listenerInFlight(listener).inc();
  }

  callFinished(call: CallRecord): void {
    const key = `${call.listener}\u0000${call.route}\u0000${call.service}\u0000${call.method}\u0000${call.cluster}\u0000${call.outcome}`;
    const children = this.#calls.get(key) ?? this.#callChildren(key, call);
    children.requests.inc();
    children.latency.observe(call.seconds);
    if (call.requestBytes >= 0) children.requestSize.observe(call.requestBytes);
    if (call.responseBytes >= 0) children.responseSize.observe(call.responseBytes);
    children.errors?.inc();
    this.#listenerInFlight(call.listener).dec();
  }

  upstreamCallFinished(cluster: string, endpoint: string, seconds: number, outcome: string): void {
    const key = `${cluster}\u0000${endpoint}\u0000${outcome}`;
    let children = this.#attempts.get(key);
    if (!children) {
      const labels = { cluster: this.#labels.bound('cluster', cluster), endpoint: this.#labels.bound('endpoint', endpoint) };
      children = { requests: this.#upstreamRequests.labels({ ...labels, outcome }), latency: this.#upstreamLatency.labels(labels) };
      if (this.#attempts.size < MAX_CACHED_CHILDREN) this.#attempts.set(key, children);
    }
    children.requests.inc();
    children.latency.observe(seconds);
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
    this.#traffic.inc({ event, route: this.#labels.bound('route', route), cluster: this.#labels.bound('cluster', cluster) });
  }

  registryEmptyProtected(): void {
    this.#emptyProtected.inc();
  }

  endpointHealth(cluster: string, event: HealthEvent): void {
    this.#health.inc({ cluster, event });
  }

  mirrorDiff(route: string, method: string, field: string): void {
    this.#mirrorDiffs.inc({ route, method, field });
  }

  /** A tapped call was sent to a dashboard subscriber, or dropped for a slow one. */
  tapEvent(result: 'sent' | 'dropped'): void {
    this.#tapEvents.inc({ result });
  }

  #callChildren(key: string, call: CallRecord): CallChildren {
    const bound = (label: string, value: string): string => this.#labels.bound(label, value);
    const sized = { listener: call.listener, service: bound('service', call.service), method: bound('method', call.method) };
    const labels = { listener: call.listener, route: bound('route', call.route), service: sized.service, method: sized.method, cluster: bound('cluster', call.cluster) };
    const children: CallChildren = {
      requests: this.#requests.labels({ ...labels, outcome: call.outcome }),
      latency: this.#latency.labels(labels),
      requestSize: this.#requestSize.labels(sized),
      responseSize: this.#responseSize.labels(sized),
      errors: call.outcome.startsWith('PMESH_') ? this.#errors.labels({ listener: labels.listener, route: labels.route, cluster: labels.cluster, reason: call.outcome }) : undefined,
    };
    if (this.#calls.size < MAX_CACHED_CHILDREN) this.#calls.set(key, children);
    return children;
  }

  #listenerInFlight(listener: string): GaugeChild {
    let child = this.#listenersInFlight.get(listener);
    if (!child) this.#listenersInFlight.set(listener, (child = this.#inFlight.labels({ listener })));
    return child;
  }
}

/**
 * The Prometheus side of MeshMetrics, on prom-client. One registry per sidecar
 * (not prom-client's global), so several sidecars in one test process do not mix.
 * Every name and label here is documented in docs/metrics.md (a test checks it).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiRefusal, CallRecord, ControlApi, HealthEvent, MeshMetrics, SpanResult, TlsOutcome, TrafficEvent } from '../core/index.js';
import { BoundedLabels } from './metric-labels.js';
import { HistogramFamily, ValueFamily, type HistogramCell, type ValueCell } from './metric-cells.js';
import { observeClusters, observeRegistry, type ClusterStateView, type RegistryStateView } from './metrics-state.js';

export { OTHER_LABEL_VALUE } from './metric-labels.js';
export type { ClusterStateView, RegistryStateView } from './metrics-state.js';


/** 0.1 ms to 10 s: the sidecar's own sub-millisecond cost and a slow service's seconds both resolve. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** 64 B to 16 MiB by fours. */
export const SIZE_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];

/**
 * The cells of one call's label set, cached by its raw label values in nested Maps, one level
 * per label: a call builds no key string (joining six values and hashing the result was an
 * allocation per call); each level hashes a value V8 has usually hashed already (listener,
 * route and cluster names are the config's own strings). Capped, past which cells are looked
 * up through their families.
 */
const MAX_CACHED_CHILDREN = 10_000;

/** Label value to the next level. */
type ByValue<V> = Map<string, V>;

/** The level under `value`, made empty if missing. */
function branch<V>(map: ByValue<ByValue<V>>, value: string): ByValue<V> {
  let next = map.get(value);
  if (!next) map.set(value, (next = new Map()));
  return next;
}

interface CallChildren {
  readonly requests: ValueCell;
  readonly latency: HistogramCell;
  readonly requestSize: HistogramCell;
  readonly responseSize: HistogramCell;
  readonly errors?: ValueCell;
}

interface AttemptChildren {
  readonly requests: ValueCell;
  readonly latency: HistogramCell;
}

export class PrometheusMetrics implements MeshMetrics {
  readonly registry = new Registry();
  readonly #labels = new BoundedLabels(() => this.limitExceeded('max_metric_label_values'));

  // The per-call families are cells bumped directly (metric-cells.ts); the rest are prom-client's.
  readonly #requests = new ValueFamily(this.registry, 'pmesh_requests_total', 'Calls finished, by listener, route, service, method, cluster and outcome (ok, exception, error, or the mesh error reason id).', 'counter');
  readonly #errors = new ValueFamily(this.registry, 'pmesh_request_errors_total', 'Calls that failed with a mesh error, by reason id.', 'counter');
  readonly #latency = new HistogramFamily(this.registry, 'pmesh_request_duration_seconds', 'Time from a call arriving to its answer head, seconds.', LATENCY_BUCKETS);
  readonly #requestSize = new HistogramFamily(this.registry, 'pmesh_request_size_bytes', 'Request body bytes, where known without reading the body (frames, sized HTTP bodies).', SIZE_BUCKETS);
  readonly #responseSize = new HistogramFamily(this.registry, 'pmesh_response_size_bytes', 'Response body bytes, where known without reading the body.', SIZE_BUCKETS);
  readonly #inFlight = new ValueFamily(this.registry, 'pmesh_requests_in_flight', 'Calls a listener has received and not yet answered.', 'gauge');
  readonly #upstreamRequests = new ValueFamily(this.registry, 'pmesh_upstream_requests_total', 'Attempts sent to an endpoint (each retry is one), by cluster, endpoint and outcome.', 'counter');
  readonly #upstreamLatency = new HistogramFamily(this.registry, 'pmesh_upstream_request_duration_seconds', "Time from an attempt being handed to the endpoint's pool to its answer, seconds.", LATENCY_BUCKETS);
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
    help: 'What traffic policies did: retry, transparent_retry (an HTTP/2 stream the upstream refused unprocessed, sent again), retry_budget_exhausted, breaker_overflow, rate_limited, fault_delay, fault_abort, mirror, mirror_dropped, mirror_diff; by route and cluster.',
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

  /** listener, route, service, method, cluster, outcome. */
  readonly #calls: ByValue<ByValue<ByValue<ByValue<ByValue<ByValue<CallChildren>>>>>> = new Map();
  #cachedCalls = 0;
  /** cluster, endpoint, outcome. */
  readonly #attempts: ByValue<ByValue<ByValue<AttemptChildren>>> = new Map();
  #cachedAttempts = 0;
  readonly #listenersInFlight = new Map<string, ValueCell>();

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
    this.#listenerInFlight(listener).value += 1;
  }

  callFinished(call: CallRecord): void {
    const children =
      this.#calls.get(call.listener)?.get(call.route)?.get(call.service)?.get(call.method)?.get(call.cluster)?.get(call.outcome) ?? this.#callChildren(call);
    children.requests.value += 1;
    this.#latency.observe(children.latency, call.seconds);
    if (call.requestBytes >= 0) this.#requestSize.observe(children.requestSize, call.requestBytes);
    if (call.responseBytes >= 0) this.#responseSize.observe(children.responseSize, call.responseBytes);
    if (children.errors) children.errors.value += 1;
    this.#listenerInFlight(call.listener).value -= 1;
  }

  upstreamCallFinished(cluster: string, endpoint: string, seconds: number, outcome: string): void {
    let children = this.#attempts.get(cluster)?.get(endpoint)?.get(outcome);
    if (!children) {
      const labels = { cluster: this.#labels.bound('cluster', cluster), endpoint: this.#labels.bound('endpoint', endpoint) };
      children = { requests: this.#upstreamRequests.cell({ ...labels, outcome }), latency: this.#upstreamLatency.cell(labels) };
      if (this.#cachedAttempts < MAX_CACHED_CHILDREN) {
        branch(branch(this.#attempts, cluster), endpoint).set(outcome, children);
        this.#cachedAttempts += 1;
      }
    }
    children.requests.value += 1;
    this.#upstreamLatency.observe(children.latency, seconds);
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

  // --- Security (issue 13): mTLS between sidecars, authorization ---

  readonly #tlsConnections = new Counter({
    name: 'pmesh_tls_connections_total',
    help: 'Connections to listeners with tls on, by listener and outcome: mtls, tls (an app), plaintext (permissive), refused_plaintext, refused_handshake.',
    labelNames: ['listener', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #upstreamTlsHandshakes = new Counter({
    name: 'pmesh_upstream_tls_handshakes_total',
    help: 'TLS handshakes with upstream endpoints (sidecars in mTLS, providers serving TLS), by cluster and outcome: ok or failed.',
    labelNames: ['cluster', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #authorization = new Counter({
    name: 'pmesh_authz_decisions_total',
    help: 'Calls an ingress authorization policy allowed or denied, by listener.',
    labelNames: ['listener', 'decision'] as const,
    registers: [this.registry],
  });

  readonly #controlRefusals = new Counter({
    name: 'pmesh_control_refusals_total',
    help: 'Requests the sidecar\'s own APIs refused, by api (admin, app_api, sofa_mesh_api) and reason: unauthorized (no or wrong bearer token), plaintext, tls_handshake, not_owner (a publish or unpublish without the publication\'s lease token).',
    labelNames: ['api', 'reason'] as const,
    registers: [this.registry],
  });

  /** One of the sidecar's own APIs refused a request (api-guard.ts, app publications' ownership). */
  controlRefusal(api: ControlApi, reason: ApiRefusal): void {
    this.#controlRefusals.inc({ api, reason });
  }

  tlsConnection(listener: string, outcome: TlsOutcome): void {
    this.#tlsConnections.inc({ listener, outcome });
  }

  upstreamTlsHandshake(cluster: string, outcome: 'ok' | 'failed'): void {
    this.#upstreamTlsHandshakes.inc({ cluster, outcome });
  }

  authorization(listener: string, decision: 'allow' | 'deny'): void {
    this.#authorization.inc({ listener, decision });
  }

  readonly #tlsPeerNotBefore = new Gauge({
    name: 'pmesh_tls_peer_certificate_not_before_seconds',
    help: 'Start of validity (Unix seconds) of the certificate the peer presented in the latest mTLS handshake: on a listener (side ingress) or to an endpoint of a cluster (side egress).',
    labelNames: ['side', 'name'] as const,
    registers: [this.registry],
  });
  readonly #tlsRenewed = new Counter({
    name: 'pmesh_tls_renewed_endpoints_total',
    help: 'Endpoints whose mTLS connections a cluster renewed because the workload certificate changed (calls in flight finish on the old connections).',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });

  tlsPeerCertificate(side: 'ingress' | 'egress', name: string, notBeforeMs: number): void {
    this.#tlsPeerNotBefore.set({ side, name }, Math.floor(notBeforeMs / 1000));
  }

  tlsConnectionsRenewed(cluster: string, endpoints: number): void {
    this.#tlsRenewed.inc({ cluster }, endpoints);
  }

  // --- Tracing: what became of finished spans (counted off the call path, by the exporters) ---

  readonly #spansExported = new Counter({
    name: 'pmesh_tracing_spans_exported_total',
    help: 'Finished spans the trace collector accepted, by exporter (otlp, zipkin).',
    labelNames: ['exporter'] as const,
    registers: [this.registry],
  });
  readonly #spansDropped = new Counter({
    name: 'pmesh_tracing_spans_dropped_total',
    help: 'Finished spans that never reached the collector, by exporter and reason: queue_full (tracing.queueSize spans already waiting), export_busy (the last batch still on its way), export_failed (refused, failed or timed out).',
    labelNames: ['exporter', 'reason'] as const,
    registers: [this.registry],
  });

  tracingSpans(exporter: string, result: SpanResult, spans: number): void {
    if (result === 'exported') this.#spansExported.inc({ exporter }, spans);
    else this.#spansDropped.inc({ exporter, reason: result }, spans);
  }

  // --- workers: N (the primary counts these) ---

  readonly #workerRestarts = new Counter({
    name: 'pmesh_worker_restarts_total',
    help: 'Workers (config workers: N) that exited without being asked to and were started again.',
    registers: [this.registry],
  });

  workerRestarted(): void {
    this.#workerRestarts.inc();
  }

  /** A tapped call was sent to a dashboard subscriber, or dropped for a slow one. */
  tapEvent(result: 'sent' | 'dropped'): void {
    this.#tapEvents.inc({ result });
  }

  #callChildren(call: CallRecord): CallChildren {
    const bound = (label: string, value: string): string => this.#labels.bound(label, value);
    const sized = { listener: call.listener, service: bound('service', call.service), method: bound('method', call.method) };
    const labels = { listener: call.listener, route: bound('route', call.route), service: sized.service, method: sized.method, cluster: bound('cluster', call.cluster) };
    const children: CallChildren = {
      requests: this.#requests.cell({ ...labels, outcome: call.outcome }),
      latency: this.#latency.cell(labels),
      requestSize: this.#requestSize.cell(sized),
      responseSize: this.#responseSize.cell(sized),
      errors: call.outcome.startsWith('PMESH_') ? this.#errors.cell({ listener: labels.listener, route: labels.route, cluster: labels.cluster, reason: call.outcome }) : undefined,
    };
    if (this.#cachedCalls < MAX_CACHED_CHILDREN) {
      branch(branch(branch(branch(branch(this.#calls, call.listener), call.route), call.service), call.method), call.cluster).set(call.outcome, children);
      this.#cachedCalls += 1;
    }
    return children;
  }

  #listenerInFlight(listener: string): ValueCell {
    let cell = this.#listenersInFlight.get(listener);
    if (!cell) this.#listenersInFlight.set(listener, (cell = this.#inFlight.cell({ listener })));
    return cell;
  }
}

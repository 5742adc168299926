/**
 * What the data plane reports. The proxy calls this interface; the admin server
 * implements it with Prometheus (prom-client), so the proxy never imports admin.
 */
export interface CallLabels {
  readonly listener: string;
  readonly route: string;
  readonly cluster: string;
  /** The called interface (`com.example.EchoService`), and its method. */
  readonly service: string;
  readonly method: string;
}

/** One finished call as the listener saw it (RED plus sizes). */
export interface CallRecord extends CallLabels {
  readonly seconds: number;
  /** 'ok', 'exception', 'error' (a protocol error status), or the MeshError reason id. */
  readonly outcome: string;
  /** Body bytes when known (raw frames, sized streams), else -1. */
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export interface MeshMetrics {
  /** A call arrived on a listener (the in-flight gauge); every call started also finishes. */
  callStarted(listener: string): void;
  /** One call finished. */
  callFinished(call: CallRecord): void;
  /** One attempt to one endpoint finished (retries are attempts of their own). */
  upstreamCallFinished(cluster: string, endpoint: string, seconds: number, outcome: string): void;
  connectionOpened(listener: string): void;
  connectionClosed(listener: string): void;
  /** A malformed frame or request from a peer (`side`: downstream or upstream). */
  codecError(protocol: string, reason: string, side: 'downstream' | 'upstream'): void;
  /** A configured limit stopped something (`max_header_bytes`, `max_body_bytes`...). */
  limitExceeded(limit: string): void;
  /** A traffic policy acted on a call (a retry, a breaker overflow, a rate limit, an injected fault...). */
  trafficEvent(event: TrafficEvent, route: string, cluster: string): void;
  /** An endpoint was ejected (outlier detection) or changed health (active checks). */
  endpointHealth(cluster: string, event: HealthEvent): void;
  /** A mirrored call answered unlike the primary: per route and method (bounded by the routes' methods). */
  mirrorDiff(route: string, method: string, field: string): void;
  /** How a connection to a listener with `tls` on came in: over mTLS or TLS, in plaintext, or refused (and why). */
  tlsConnection(listener: string, outcome: TlsOutcome): void;
  /** A TLS handshake with an upstream endpoint (a sidecar or a provider serving TLS) succeeded or failed. */
  upstreamTlsHandshake(cluster: string, outcome: 'ok' | 'failed'): void;
  /** An ingress authorization policy allowed or refused a call. */
  authorization(listener: string, decision: 'allow' | 'deny'): void;
  /** The latest mTLS handshake on a listener (`ingress`) or to one of a cluster's endpoints (`egress`): since when the peer's certificate is valid. */
  tlsPeerCertificate(side: 'ingress' | 'egress', name: string, notBeforeMs: number): void;
  /** The workload certificate changed: the cluster's mTLS connections to this many endpoints are being renewed. */
  tlsConnectionsRenewed(cluster: string, endpoints: number): void;
}

/**
 * `mtls` (a sidecar), `tls` (an app, on a listener with its own certificate) and `plaintext`
 * were accepted; the `refused_*` ones were closed before any frame was read.
 */
export type TlsOutcome = 'mtls' | 'tls' | 'plaintext' | 'refused_plaintext' | 'refused_handshake';

export type HealthEvent = 'ejected_consecutive_failures' | 'ejected_success_rate' | 'unhealthy' | 'healthy';

/** What a traffic policy did; one counter per kind, labelled by route and cluster. */
export type TrafficEvent =
  | 'retry'
  /** An HTTP/2 stream the upstream refused unprocessed, sent again by the upstream pool. */
  | 'transparent_retry'
  | 'retry_budget_exhausted'
  | 'breaker_overflow'
  | 'rate_limited'
  | 'fault_delay'
  | 'fault_abort'
  | 'mirror'
  | 'mirror_dropped'
  | 'mirror_diff';

export const NOOP_METRICS: MeshMetrics = {
  callStarted() {},
  callFinished() {},
  upstreamCallFinished() {},
  connectionOpened() {},
  connectionClosed() {},
  codecError() {},
  limitExceeded() {},
  trafficEvent() {},
  endpointHealth() {},
  mirrorDiff() {},
  tlsConnection() {},
  upstreamTlsHandshake() {},
  authorization() {},
  tlsPeerCertificate() {},
  tlsConnectionsRenewed() {},
};

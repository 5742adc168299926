/**
 * The concrete level (linkerd): one named cluster's endpoints, their health, and the
 * picker over the healthy ones. Health is passive (`outlierDetection`, health/outlier.ts)
 * and, when configured, active (`healthCheck`, health/active.ts). If every endpoint is
 * out the cluster uses them all anyway (Envoy's panic mode): a guess is better than a
 * certain failure.
 */
import { Code, MeshError, NOOP_METRICS, untilCancelled, type Endpoint, type HealthEvent, type Invocation, type MeshMetrics, type Result } from '../core/index.js';
import { LoadBook, type Balancer, type Picker } from './balancers/index.js';
import { endAttempt, type AttemptBook, type CallContext } from './filter.js';
import { ActiveHealthChecker, type HealthCheckSpec } from './health/active.js';
import { DEFAULT_OUTLIER, OutlierDetector, type OutlierSpec } from './health/outlier.js';
import { probeFor } from './health/probes.js';
import type { EgressTls } from './transport/index.js';
import type { Upstream } from './upstream/upstream.js';

/**
 * `cluster.circuitBreaker` (Envoy's thresholds, same defaults): beyond them a call is
 * answered at once with PMESH_OVERLOADED instead of joining a queue that only grows.
 */
export interface CircuitBreaker {
  /** Upstream connections across the cluster's endpoints. */
  readonly maxConnections: number;
  /** Calls waiting for the cluster's first endpoints. */
  readonly maxPending: number;
  /** Calls in flight to the cluster. */
  readonly maxRequests: number;
  /** Retries in flight to the cluster. */
  readonly maxRetries: number;
}

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreaker = Object.freeze({ maxConnections: 1024, maxPending: 1024, maxRequests: 1024, maxRetries: 3 });

/** How many times a retry re-asks the picker for an endpoint it has not tried. */
const AVOID_TRIED_PICKS = 3;

export interface EndpointSnapshot {
  readonly address: string;
  readonly source: string;
  readonly weight: number;
  /** `ejected` by outlier detection, `unhealthy` by active checks; `why` says what happened. */
  readonly health: 'healthy' | 'ejected' | 'unhealthy';
  readonly why?: string;
  readonly consecutiveFailures: number;
  readonly connections: number;
  /** Calls sent to the endpoint and not yet answered. */
  readonly inFlight: number;
  /** Calls sent to the endpoint that have ended, answered or failed. */
  readonly completed: number;
}

export interface ClusterSnapshot {
  readonly name: string;
  readonly protocol: string;
  readonly balancer: string;
  readonly endpoints: readonly EndpointSnapshot[];
  /** Endpoints the balancer may pick (all of them in panic mode, when none is healthy). */
  readonly healthy: number;
  /** Calls in flight, calls waiting for the first endpoints, retries in flight. */
  readonly inFlight: number;
  readonly pending: number;
  readonly retries: number;
  readonly circuitBreaker: CircuitBreaker;
}

export class Cluster implements AttemptBook {
  readonly name: string;
  readonly protocol: string;
  readonly upstream: Upstream;
  /** Set for clusters fed by the registry: an empty one then says which service has no provider. */
  service: string | undefined;
  /** Bolt: the Hessian dialect the bridge writes its requests in (config `sofaHessian`). */
  sofaHessian: 'legacy' | 'final' = 'legacy';
  #balancerName: string;
  #balancer: Balancer;
  #endpoints: readonly Endpoint[] = [];
  #metrics: MeshMetrics = NOOP_METRICS;
  readonly #outlier = new OutlierDetector(performance.now(), (_address, cause) => {
    this.#metrics.endpointHealth(this.name, cause === 'success_rate' ? 'ejected_success_rate' : 'ejected_consecutive_failures');
  });
  #checker: ActiveHealthChecker | undefined;
  #outlierTimer: NodeJS.Timeout | undefined;
  readonly #loads = new LoadBook();
  #picker: Picker | undefined;
  /** When the next ejection ends, so the picker is rebuilt when it does. */
  #pickerValidUntil = Infinity;
  /** Resolved by the first setEndpoints: a registry cluster's calls wait for it (bounded). */
  #firstSet: Promise<void>;
  #markFirstSet: () => void = () => {};
  #hasFirstSet = false;
  #breaker: CircuitBreaker = DEFAULT_CIRCUIT_BREAKER;
  #inFlight = 0;
  #pending = 0;
  #retries = 0;
  /** The retry filter's view of `maxRetries`. */
  readonly retrySlot = {
    acquire: (): boolean => {
      if (this.#retries >= this.#breaker.maxRetries) return false;
      this.#retries += 1;
      return true;
    },
    release: (): void => {
      this.#retries -= 1;
    },
  };

  constructor(name: string, protocol: string, balancerName: string, balancer: Balancer, upstream: Upstream) {
    this.name = name;
    this.protocol = protocol;
    this.#balancerName = balancerName;
    this.#balancer = balancer;
    this.upstream = upstream;
    this.#firstSet = new Promise((resolve) => (this.#markFirstSet = resolve));
  }

  /**
   * `outlierDetection` and `healthCheck` (undefined: none). A changed health check
   * restarts its probes; outlier state carries over a reload. Probes connect with `tls`, as calls do.
   */
  setHealth(outlier: OutlierSpec, healthCheck: HealthCheckSpec | undefined, metrics: MeshMetrics, tls?: EgressTls): void {
    this.setMetrics(metrics);
    this.#outlier.setSpec(outlier);
    if (this.#outlierTimer) clearInterval(this.#outlierTimer);
    // The success-rate sweep also runs on calls; the timer covers a quiet cluster.
    this.#outlierTimer = setInterval(() => this.#sweep(performance.now()), outlier.interval);
    this.#outlierTimer.unref();
    if (JSON.stringify(healthCheck) === JSON.stringify(this.#checker?.spec)) return;
    this.#checker?.close();
    this.#checker = undefined;
    if (!healthCheck) return;
    const probe = probeFor(this.protocol, { path: healthCheck.path, tls });
    if (!probe) throw new MeshError('PMESH_CONFIG_INVALID', `cluster ${this.name}: protocol ${this.protocol} has no health check probe`);
    this.#checker = new ActiveHealthChecker(healthCheck, probe, () => this.#endpoints, (_address, healthy) => {
      this.#metrics.endpointHealth(this.name, healthy ? 'healthy' : 'unhealthy');
      this.#picker = undefined;
    });
    this.#picker = undefined;
  }

  /** Where the cluster reports health changes and per-endpoint attempts. */
  setMetrics(metrics: MeshMetrics): void {
    this.#metrics = metrics;
  }

  /** Probes every endpoint now (tests; the checker's timer does it every intervalMs). */
  checkHealth(): Promise<void> {
    return this.#checker?.checkAll() ?? Promise.resolve();
  }

  /** Stops the health timers and closes the upstream's connections. */
  close(): Promise<void> {
    this.#checker?.close();
    if (this.#outlierTimer) clearInterval(this.#outlierTimer);
    return this.upstream.close();
  }

  setCircuitBreaker(breaker: CircuitBreaker): void {
    this.#breaker = breaker;
  }

  setBalancer(name: string, balancer: Balancer): void {
    this.#balancerName = name;
    this.#balancer = balancer;
    this.#picker = undefined;
  }

  /** Replaces the endpoint set; endpoints that stay keep their health and connections. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    const keep = new Set(endpoints.map((endpoint) => endpoint.address));
    for (const old of this.#endpoints) {
      if (!keep.has(old.address)) {
        this.#outlier.forget(old.address);
        this.#loads.delete(old.address);
        this.upstream.release(old.address);
      }
    }
    this.#endpoints = endpoints;
    this.#picker = undefined;
    this.#hasFirstSet = true;
    this.#markFirstSet();
  }

  /**
   * New connections to the endpoints `which` picks, from the next call on; calls in flight
   * finish on the old ones. After the workload certificate changed, so the next handshakes
   * present the new one. Returns how many endpoints it renewed.
   */
  renewConnections(which: (endpoint: Endpoint) => boolean): number {
    let renewed = 0;
    for (const endpoint of this.#endpoints) {
      if (!which(endpoint)) continue;
      this.upstream.release(endpoint.address);
      renewed += 1;
    }
    return renewed;
  }

  get endpoints(): readonly Endpoint[] {
    return this.#endpoints;
  }

  /** Calls an endpoint and keeps the attempt's books itself (a mirror's shadow call, tests). */
  call(invocation: Invocation, ctx: CallContext): Promise<Result> {
    return this.send(invocation, ctx).then(
      (result) => {
        endAttempt(ctx, result, undefined);
        return result;
      },
      (error: unknown) => {
        endAttempt(ctx, undefined, MeshError.from(error));
        throw error;
      },
    );
  }

  /**
   * Sends the call to an endpoint and hands up its upstream's promise as it is: no `then`,
   * no closure. The attempt's books (in-flight counts, balancer load, outlier detection) are
   * kept on the context (`attemptBook`, `attemptStartedAt`) until whoever sent it reports how
   * it ended with filter.ts's endAttempt: the retry step, for each attempt. Not an async
   * function; once the first endpoints are known nothing here waits.
   */
  send(invocation: Invocation, ctx: CallContext): Promise<Result> {
    if (!this.#hasFirstSet) return this.#callAfterFirstSet(invocation, ctx);
    try {
      return this.#callNow(invocation, ctx);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #callAfterFirstSet(invocation: Invocation, ctx: CallContext): Promise<Result> {
    if (this.#pending >= this.#breaker.maxPending) throw this.#overflow('maxPending', `${this.#pending} calls wait for its first endpoints`);
    this.#pending += 1;
    try {
      // The call's deadline may pass first: it is answered then (untilCancelled).
      await untilCancelled(waitAtMost(this.#firstSet, FIRST_ENDPOINTS_WAIT_MS), ctx.cancel);
    } finally {
      this.#pending -= 1;
    }
    return this.#callNow(invocation, ctx);
  }

  /** Throws (synchronously) when the breaker or the endpoints refuse the call. */
  #callNow(invocation: Invocation, ctx: CallContext): Promise<Result> {
    if (this.#inFlight >= this.#breaker.maxRequests) throw this.#overflow('maxRequests', `${this.#inFlight} calls are in flight`);
    // One clock read serves the picker's validity and the attempt's start (each read is a native call).
    const started = performance.now();
    const endpoint = this.#pick(invocation, ctx.tried, started);
    if (!endpoint) {
      const what = this.service === undefined ? `cluster "${this.name}" has no endpoint` : `no provider of service "${this.service}" is registered (cluster "${this.name}")`;
      throw new MeshError('PMESH_NO_HEALTHY_ENDPOINT', what, { details: { cluster: this.name } });
    }
    if (!(this.upstream.hasConnection?.(endpoint.address) ?? this.upstream.connections()[endpoint.address])) {
      // A call to an endpoint without a connection opens one: count them first.
      const open = Object.values(this.upstream.connections()).reduce((a, b) => a + b, 0);
      if (open >= this.#breaker.maxConnections) throw this.#overflow('maxConnections', `${open} connections are open`);
    }
    ctx.endpoint = endpoint.address;
    this.#inFlight += 1;
    this.#loads.get(endpoint.address).begin();
    ctx.attemptBook = this;
    ctx.attemptStartedAt = started;
    try {
      return this.upstream.call(endpoint, invocation, ctx);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The attempt this cluster sent (ctx.endpoint, at ctx.attemptStartedAt) ended: its books (filter.ts's endAttempt calls it). */
  attemptEnded(ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void {
    const address = ctx.endpoint ?? '';
    this.#inFlight -= 1;
    const now = performance.now();
    const ms = now - (ctx.attemptStartedAt ?? now);
    // An endpoint dropped while the attempt was out has no load to end any more.
    this.#loads.find(address)?.end(now, ms, result !== undefined && result.status !== 'error');
    this.#metrics.upstreamCallFinished(this.name, address, ms / 1000, result !== undefined ? result.status : error!.reason);
    if (result !== undefined ? isEndpointFailure(result) : isConnectionFailure(error!)) this.#recordFailure(address, now);
    else if (result !== undefined) this.#outlier.recordSuccess(address);
  }

  snapshot(): ClusterSnapshot {
    const now = performance.now();
    const connections = this.upstream.connections();
    const endpoints = this.#endpoints.map((endpoint): EndpointSnapshot => {
      const unhealthy = this.#checker?.unhealthy(endpoint.address);
      const ejected = this.#outlier.why(endpoint.address, now);
      return {
        address: endpoint.address,
        source: endpoint.source,
        weight: endpoint.weight,
        health: unhealthy !== undefined ? 'unhealthy' : ejected !== undefined ? 'ejected' : 'healthy',
        ...(unhealthy !== undefined || ejected !== undefined ? { why: unhealthy ?? ejected } : {}),
        consecutiveFailures: this.#outlier.consecutiveFailures(endpoint.address),
        connections: connections[endpoint.address] ?? 0,
        inFlight: this.#loads.get(endpoint.address).inFlight,
        completed: this.#loads.get(endpoint.address).completed,
      };
    });
    return {
      name: this.name,
      protocol: this.protocol,
      balancer: this.#balancerName,
      endpoints,
      healthy: endpoints.filter((endpoint) => endpoint.health === 'healthy').length,
      inFlight: this.#inFlight,
      pending: this.#pending,
      retries: this.#retries,
      circuitBreaker: this.#breaker,
    };
  }

  /** The picker's choice, avoiding endpoints this call already tried while others exist. */
  #pick(invocation: Invocation, tried: ReadonlySet<string> | undefined, now: number): Endpoint | undefined {
    const picker = this.#currentPicker(now);
    let endpoint = picker.pick(invocation);
    for (let i = 0; tried && endpoint && tried.has(endpoint.address) && i < AVOID_TRIED_PICKS; i++) endpoint = picker.pick(invocation);
    return endpoint;
  }

  #overflow(threshold: keyof CircuitBreaker, state: string): MeshError {
    return new MeshError(
      'PMESH_OVERLOADED',
      `cluster "${this.name}" is at its circuit breaker limit ${threshold} = ${this.#breaker[threshold]} (${state})`,
      { notSent: true, details: { cluster: this.name, breaker: threshold } },
    );
  }

  #currentPicker(now: number): Picker {
    if (this.#picker && now < this.#pickerValidUntil && now < (this.#picker.expiresAt ?? Infinity)) return this.#picker;
    let nextExpiry = Infinity;
    this.#sweep(now);
    const healthy = this.#endpoints.filter((endpoint) => {
      if (this.#checker?.unhealthy(endpoint.address) !== undefined) return false;
      const until = this.#outlier.ejectedUntil(endpoint.address);
      if (until > now) {
        nextExpiry = Math.min(nextExpiry, until);
        return false;
      }
      return true;
    });
    const usable = healthy.length > 0 ? healthy : this.#endpoints;
    this.#picker =
      usable.length > 0 ? this.#balancer.createPicker(usable, { loads: this.#loads, now, wallNow: Date.now() }) : { pick: () => undefined };
    this.#pickerValidUntil = nextExpiry;
    return this.#picker;
  }

  #recordFailure(address: string, now: number): void {
    if (this.#outlier.recordFailure(address, now, this.#endpoints.length)) this.#picker = undefined;
  }

  #sweep(now: number): void {
    if (this.#outlier.sweep(now, this.#endpoints.map((endpoint) => endpoint.address))) this.#picker = undefined;
  }
}

/** How long a call waits for a new registry cluster's first endpoints (Linkerd's fail-fast). */
const FIRST_ENDPOINTS_WAIT_MS = 3_000;

function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function isConnectionFailure(error: MeshError): boolean {
  return error.reason === 'PMESH_UPSTREAM_CONNECT_FAILED' || error.reason === 'PMESH_UPSTREAM_CONNECTION_LOST' || error.reason === 'PMESH_UPSTREAM_TIMEOUT';
}

/**
 * An answer that counts against the endpoint (Envoy's 5xx): the protocol's own failure
 * status saying the server could not serve (Dubbo 100 / Bolt threadpool busy, server
 * errors, HTTP 5xx), not a business exception the service threw.
 */
function isEndpointFailure(result: Result): boolean {
  if (result.status !== 'error') return false;
  return result.code === Code.UNAVAILABLE || result.code === Code.RESOURCE_EXHAUSTED || result.code === Code.INTERNAL || result.code === Code.UNKNOWN;
}

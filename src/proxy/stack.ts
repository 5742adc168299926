/**
 * The filter chain of a listener, in the one order that is written down here:
 *
 *   observers (tap, metrics, access log) -> server span -> authorization -> route (picks route and cluster)
 *     -> rate limit -> fault -> timeout -> bridge -> reverse bridge -> mirror -> tap capture -> retry
 *     -> attempt span -> cluster (circuit breaker, balancer)
 *
 * (the observers only watch the outcome: they note the call's arrival and are told its end
 * once, from one step, filter.ts's observeCalls; the spans are there only with tracing on: the server span covers the whole call, one
 * attempt span each try, so it writes the trace context into the frame that try sends;
 * the bridges act only when the two sides speak different protocols: JSON in and Dubbo or
 * Bolt out, or the reverse; retries sit below them so a retry re-sends the frame already built,
 * and below the timeout so the call's deadline bounds every attempt; the mirror copies the
 * frame the bridge built, once per call whatever the retries do)
 *
 * On the pass-through path only two steps chain a `then`: retry, which must see each attempt's
 * outcome and closes the cluster's books for it, and observeCalls at the top, which runs the
 * ends the steps registered (the timeout's disarm), tells the observers and answers the
 * caller; every other step hands the upstream's promise up as it is (filter.ts says how).
 *
 * The router and clusters are looked up through functions at call time, so a hot
 * reload swaps them without rebuilding connections; a call in flight keeps the
 * cluster object it started with.
 */
import { MeshError, NOOP_TAP, type CallTracer, type Invocation, type Logger, type MeshMetrics, type TapSink } from '../core/index.js';
import { telemetryOf } from '../codecs/index.js';
import { DEFAULT_BRIDGE, bridgeStep, type BridgeOptions } from './bridge.js';
import { reverseBridgeStep } from './bridge-reverse.js';
import type { Cluster } from './cluster.js';
import { compose, observeCalls, type Filter, type Handler } from './filter.js';
import { accessLogObserver } from './filters/access-log.js';
import { authorizationFilter, type AuthorizationPolicy } from './filters/authorization.js';
import { faultFilter } from './filters/fault.js';
import { metricsObserver } from './filters/metrics.js';
import { mirrorFilter } from './mirror/step.js';
import { rateLimitFilter } from './filters/rate-limit.js';
import { retryFilter } from './filters/retry.js';
import { tapCapture, tapObserver } from './filters/tap.js';
import { timeoutFilter } from './filters/timeout.js';
import { attemptSpanFilter, serverSpanFilter } from './filters/tracing.js';
import type { Router } from './router.js';

export interface StackOptions {
  readonly router: () => Router;
  /**
   * When no route matches: the cluster to use for this call's service (the registry's,
   * as MOSN routes egress by service name), a promise of it while the registry is asked
   * (rejected when nobody provides it), or undefined to answer NO_ROUTE.
   */
  readonly fallback?: (invocation: Invocation) => string | Promise<string> | undefined;
  readonly cluster: (name: string) => Cluster | undefined;
  readonly metrics: MeshMetrics;
  readonly accessLog?: Logger;
  /** Access log lines keep the query string (off: secrets travel in queries). */
  readonly accessLogQuery?: boolean;
  readonly defaultTimeoutMs: number;
  /** Types, schemas and the class allow list for bridged calls. */
  readonly bridge?: BridgeOptions;
  /** The dashboard's tap and recent errors (admin /ui); none by default. */
  readonly tap?: TapSink;
  /** Ingress authorization policies (none: every caller may call every service). */
  readonly authorization?: readonly AuthorizationPolicy[];
  /** Spans for calls and attempts; absent when tracing is off (no filter then). */
  readonly tracer?: CallTracer;
}

function routeStep(router: () => Router, fallback: StackOptions['fallback']): Filter {
  // Calls routed by the registry share one default policy (retries of unsent calls only).
  const registryPolicy = {};
  return (next) => (invocation, ctx) => {
    const route = router().find(invocation);
    if (route) {
      ctx.route = route.name;
      ctx.cluster = route.pickCluster();
      ctx.policy = route.policy;
    } else {
      const cluster = fallback?.(invocation);
      if (cluster === undefined) return Promise.reject(router().noRoute(invocation));
      ctx.route = 'registry';
      if (typeof cluster !== 'string') {
        return cluster.then((name) => {
          ctx.cluster = name;
          return next(invocation, ctx);
        });
      }
      ctx.cluster = cluster;
      ctx.policy = registryPolicy;
    }
    return next(invocation, ctx);
  };
}

function clusterStep(cluster: (name: string) => Cluster | undefined): Handler {
  return (invocation, ctx) => {
    const target = cluster(ctx.cluster ?? '');
    if (!target) {
      return Promise.reject(new MeshError('PMESH_NO_CLUSTER', `cluster "${ctx.cluster}" is not configured`));
    }
    // The upstream's promise as it is: the retry step above ends the attempt's books (filter.ts, endAttempt).
    return target.send(invocation, ctx);
  };
}

export function buildStack(options: StackOptions): Handler {
  const filters: Filter[] = [];
  // Told of the call's end innermost first, as when each was a filter of its own.
  const observers = [tapObserver(options.tap ?? NOOP_TAP), metricsObserver(options.metrics)];
  if (options.accessLog) observers.push(accessLogObserver(options.accessLog, { withQuery: options.accessLogQuery, telemetry: telemetryOf }));
  filters.push(observeCalls(observers));
  if (options.tracer) filters.push(serverSpanFilter({ tracer: options.tracer, telemetry: telemetryOf }));
  filters.push(authorizationFilter(options.authorization ?? [], options.metrics));
  filters.push(routeStep(options.router, options.fallback));
  filters.push(rateLimitFilter(options.metrics));
  filters.push(faultFilter(options.metrics));
  filters.push(
    timeoutFilter({ timeoutFor: (route) => options.router().timeoutOf(route) ?? options.defaultTimeoutMs }),
  );
  filters.push(bridgeStep(options.cluster, options.bridge, options.metrics));
  filters.push(reverseBridgeStep(options.cluster, options.bridge ?? DEFAULT_BRIDGE));
  filters.push(mirrorFilter({ metrics: options.metrics, cluster: options.cluster }));
  filters.push(tapCapture());
  filters.push(retryFilter({ metrics: options.metrics, retrySlot: (name) => options.cluster(name)?.retrySlot }));
  if (options.tracer) filters.push(attemptSpanFilter({ telemetry: telemetryOf }));
  return compose(filters, clusterStep(options.cluster));
}

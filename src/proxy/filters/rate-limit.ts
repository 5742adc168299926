/**
 * Local rate limits (`route.rateLimit`): a token bucket per route, or per method of
 * the route, refilled at `perSecond` up to `burst`. A refused call is answered at
 * once with PMESH_RATE_LIMITED, which each protocol writes as its own flow-control
 * error (HTTP 429 with retry-after, gRPC RESOURCE_EXHAUSTED, Bolt
 * SERVER_THREADPOOL_BUSY, Dubbo status 100), and counted.
 */
import { MeshError, type MeshMetrics } from '../../core/index.js';
import type { Filter, RateLimitSpec, RoutePolicy } from '../filter.js';

/** Per-method buckets kept per route at most; further methods share one. */
const MAX_METHOD_BUCKETS = 1_000;

export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, burst: number, now: number) {
    this.#rate = perSecond / 1_000;
    this.#capacity = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#rate);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

class RouteBuckets {
  readonly #spec: RateLimitSpec;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(spec: RateLimitSpec) {
    this.#spec = spec;
  }

  take(method: string, now: number): boolean {
    let key = this.#spec.perMethod ? method : '';
    if (!this.#buckets.has(key) && this.#buckets.size >= MAX_METHOD_BUCKETS) key = '\u0000other';
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.#spec.perSecond, this.#spec.burst ?? Math.max(1, this.#spec.perSecond), now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }
}

export function rateLimitFilter(metrics: MeshMetrics): Filter {
  const state = new WeakMap<RoutePolicy, RouteBuckets>();
  return (next) => (invocation, ctx) => {
    const policy = ctx.policy;
    const spec = policy?.rateLimit;
    if (!policy || !spec) return next(invocation, ctx);
    let buckets = state.get(policy);
    if (!buckets) {
      buckets = new RouteBuckets(spec);
      state.set(policy, buckets);
    }
    if (buckets.take(invocation.method, performance.now())) return next(invocation, ctx);
    metrics.trafficEvent('rate_limited', ctx.route ?? '', ctx.cluster ?? '');
    const scope = spec.perMethod ? `method "${invocation.method}" of route "${ctx.route}"` : `route "${ctx.route}"`;
    return Promise.reject(
      new MeshError('PMESH_RATE_LIMITED', `rate limit: ${scope} allows ${spec.perSecond} calls per second (burst ${spec.burst ?? Math.max(1, spec.perSecond)})`, {
        details: { route: ctx.route ?? '' },
      }),
    );
  };
}

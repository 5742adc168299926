/**
 * Retries (`route.retry`), at the route level above the balancer (linkerd, Envoy):
 *
 * - A call that never left the sidecar (no connection, no endpoint yet) is retried on
 *   another endpoint by default: it cannot run twice.
 * - A call that was written is retried only when the route marks its method
 *   idempotent and the failure is one the route lists in `on` (unavailable, timeout,
 *   reset, overloaded), and only when its body can be sent again.
 * - A retry budget per route (default 20 % of the last 10 s of calls plus 10 per
 *   second, as Linkerd and Envoy) stops retries from multiplying an outage; the
 *   cluster's circuit breaker caps retries of written calls in flight; the call's
 *   deadline, set above this filter, always wins.
 *
 * - The caller may set the number of retries the way Dubbo's consumers do: a `retries`
 *   attachment (Dubbo attachment, Bolt request property, or `x-pmesh-attachment-retries`
 *   on the HTTP/JSON bridge) makes attempts = retries + 1 (at most 10) in place of the
 *   route's; `retries: 0` turns even the retry of unsent calls off. It changes how many
 *   times, never which calls: written ones still need the route's idempotent and `on`.
 *
 * Sitting right above the cluster, it also counts the circuit breaker's refusals.
 */
import { Cancel, Code, MeshError, type Invocation, type MeshMetrics, type Result } from '../../core/index.js';
import { endAttempt, type CallContext, type Filter, type Handler, type RetryOn, type RetrySpec, type RoutePolicy } from '../filter.js';

export const DEFAULT_RETRY: RetrySpec = Object.freeze({ attempts: 2, on: [], budget: Object.freeze({ percent: 20, minPerSecond: 10 }) });

const WINDOW_SLOTS = 10;

/** Calls and retries over the last 10 one-second slots. */
export class RetryBudget {
  readonly #spec: RetrySpec['budget'];
  readonly #calls = new Array<number>(WINDOW_SLOTS).fill(0);
  readonly #retries = new Array<number>(WINDOW_SLOTS).fill(0);
  #slot = 0;
  #slotSecond = 0;

  constructor(spec: RetrySpec['budget']) {
    this.#spec = spec;
  }

  recordCall(now: number): void {
    this.#advance(now);
    this.#calls[this.#slot]! += 1;
  }

  /** Takes a retry from the budget if one is left. */
  tryRetry(now: number): boolean {
    this.#advance(now);
    const calls = this.#calls.reduce((a, b) => a + b, 0);
    const retries = this.#retries.reduce((a, b) => a + b, 0);
    const allowed = (calls * this.#spec.percent) / 100 + this.#spec.minPerSecond * WINDOW_SLOTS;
    if (retries + 1 > allowed) return false;
    this.#retries[this.#slot]! += 1;
    return true;
  }

  #advance(now: number): void {
    const second = Math.floor(now / 1_000);
    if (second === this.#slotSecond) return;
    const steps = Math.min(WINDOW_SLOTS, second - this.#slotSecond);
    for (let i = 0; i < steps; i++) {
      this.#slot = (this.#slot + 1) % WINDOW_SLOTS;
      this.#calls[this.#slot] = 0;
      this.#retries[this.#slot] = 0;
    }
    this.#slotSecond = second;
  }
}

/** Most attempts a caller's `retries` attachment may ask for (the config's own maximum). */
const MAX_ATTEMPTS = 10;

/** attempts = the caller's `retries` + 1 when it set a valid one, else the route's. */
export function attemptsFor(invocation: Invocation, spec: RetrySpec): number {
  const asked = invocation.attachments.retries ?? invocation.attachments['x-pmesh-attachment-retries'];
  if (asked === undefined || !/^\d{1,3}$/.test(asked)) return spec.attempts;
  return Math.min(MAX_ATTEMPTS, Number(asked) + 1);
}

export interface RetryOptions {
  readonly metrics: MeshMetrics;
  /** The cluster's retry slot (its circuit breaker's maxRetries); undefined: no limit. */
  readonly retrySlot: (cluster: string) => { acquire(): boolean; release(): void } | undefined;
}

type Failure = RetryOn | 'unsent' | undefined;

function failureOfCode(code: Code | undefined): Failure {
  if (code === Code.UNAVAILABLE) return 'unavailable';
  if (code === Code.RESOURCE_EXHAUSTED) return 'overloaded';
  if (code === Code.DEADLINE_EXCEEDED) return 'timeout';
  return undefined;
}

function failureOfError(error: unknown): Failure {
  if (!MeshError.is(error)) return undefined;
  // The sidecar's own refusals are answers, not failures of an endpoint.
  if (['PMESH_OVERLOADED', 'PMESH_RATE_LIMITED', 'PMESH_DEADLINE_EXCEEDED', 'PMESH_FAULT_INJECTED', 'PMESH_DOWNSTREAM_CLOSED'].includes(error.reason)) return undefined;
  if (error.notSent) return 'unsent';
  if (error.reason === 'PMESH_UPSTREAM_CONNECTION_LOST') return 'reset';
  if (error.reason === 'PMESH_UPSTREAM_TIMEOUT') return 'timeout';
  return failureOfCode(error.code);
}

function idempotent(policy: RoutePolicy | undefined, method: string): boolean {
  const marked = policy?.idempotent;
  return marked === true || (Array.isArray(marked) && marked.includes(method));
}

/** A failure the spec allows retrying for this call. */
function retryable(failure: Failure, spec: RetrySpec, policy: RoutePolicy | undefined, invocation: Invocation): boolean {
  if (failure === undefined) return false;
  if (failure === 'unsent') return true;
  // A streamed body was consumed by the first attempt; it cannot be sent again.
  if (invocation.body.kind === 'stream') return false;
  return spec.on.includes(failure) && idempotent(policy, invocation.method);
}

/** One attempt, under its own per-try timeout when the route sets one. A synchronous throw below becomes a rejection. */
function attempt(next: Handler, invocation: Invocation, ctx: CallContext, spec: RetrySpec): Promise<Result> {
  try {
    return spec.perTryTimeoutMs === undefined ? next(invocation, ctx) : attemptWithin(spec.perTryTimeoutMs, next, invocation, ctx);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** One attempt under its own per-try timeout, sharing the call's cancel. */
async function attemptWithin(perTryTimeoutMs: number, next: Handler, invocation: Invocation, ctx: CallContext): Promise<Result> {
  const cancel = new Cancel();
  ctx.cancel.onAbort((reason) => cancel.abort(reason));
  const tryCtx: CallContext = { ...ctx, cancel };
  const timer = setTimeout(
    () => cancel.abort(new MeshError('PMESH_UPSTREAM_TIMEOUT', `per-try timeout of ${perTryTimeoutMs} ms (route "${ctx.route}")`, { details: { route: ctx.route ?? '' } })),
    perTryTimeoutMs,
  );
  try {
    // The attempt's books are on its own context: ended here, where its outcome is known.
    const result = await next(invocation, tryCtx);
    endAttempt(tryCtx, result, undefined);
    return result;
  } catch (error) {
    endAttempt(tryCtx, undefined, MeshError.from(error));
    throw error;
  } finally {
    clearTimeout(timer);
    ctx.endpoint = tryCtx.endpoint;
  }
}

export function retryFilter(options: RetryOptions): Filter {
  const budgets = new WeakMap<object, RetryBudget>();
  const fallbackPolicy = {};
  return (next) => (invocation, ctx) => {
    const policy = ctx.policy;
    const spec = policy?.retry ?? DEFAULT_RETRY;
    const key = policy ?? fallbackPolicy;
    let budget = budgets.get(key);
    if (!budget) {
      budget = new RetryBudget(spec.budget);
      budgets.set(key, budget);
    }
    budget.recordCall(performance.now());
    // The first attempt's answer goes back as it is unless it failed: no async function, and
    // the `retries` attachment is read only when there is something to retry (the call's record too).
    // This is where each attempt's outcome is first seen: the cluster's books are closed here (endAttempt).
    return attempt(next, invocation, ctx, spec).then(
      (result) => {
        endAttempt(ctx, result, undefined);
        return result.code === undefined ? result : afterFailure({ next, invocation, ctx, spec, budget }, options, { result });
      },
      (error: unknown) => {
        endAttempt(ctx, undefined, MeshError.from(error));
        return afterFailure({ next, invocation, ctx, spec, budget }, options, { error });
      },
    );
  };
}

interface RetryCall {
  readonly next: Handler;
  readonly invocation: Invocation;
  readonly ctx: CallContext;
  readonly spec: RetrySpec;
  readonly budget: RetryBudget;
}

type Outcome = { result: Result } | { error: unknown };

/** The first attempt failed (or answered a failure code): retry while the rules allow, else pass its outcome on. */
async function afterFailure({ next, invocation, ctx, spec, budget }: RetryCall, options: RetryOptions, first: Outcome): Promise<Result> {
  const policy = ctx.policy;
  const attempts = attemptsFor(invocation, spec);
  let tried: Set<string> | undefined;
  // The cluster's retry slot held by the attempt under way, if it is a retry.
  let held: { release(): void } | undefined;
  let outcome: Outcome = first;
  for (let n = 1; ; n++) {
    if (n > 1) {
      try {
        const result = await attempt(next, invocation, ctx, spec);
        endAttempt(ctx, result, undefined);
        outcome = { result };
      } catch (error) {
        endAttempt(ctx, undefined, MeshError.from(error));
        outcome = { error };
      } finally {
        held?.release();
        held = undefined;
      }
    }
    if ('error' in outcome && MeshError.is(outcome.error) && outcome.error.details.breaker !== undefined) {
      options.metrics.trafficEvent('breaker_overflow', ctx.route ?? '', ctx.cluster ?? '');
    }
    const failure = 'result' in outcome ? failureOfCode(outcome.result.code) : failureOfError(outcome.error);
    const again =
      n < attempts &&
      retryable(failure, spec, policy, invocation) &&
      !ctx.cancel.aborted &&
      (ctx.deadline === undefined || ctx.deadline > performance.now());
    if (again) {
      const route = ctx.route ?? '';
      const cluster = ctx.cluster ?? '';
      // A call never sent adds no load upstream: the breaker's maxRetries counts the others.
      const slot = failure === 'unsent' ? undefined : options.retrySlot(cluster);
      if (!budget.tryRetry(performance.now())) {
        options.metrics.trafficEvent('retry_budget_exhausted', route, cluster);
      } else if (slot && !slot.acquire()) {
        options.metrics.trafficEvent('breaker_overflow', route, cluster);
      } else {
        held = slot;
        tried ??= new Set();
        if (ctx.endpoint) tried.add(ctx.endpoint);
        ctx.tried = tried;
        options.metrics.trafficEvent('retry', route, cluster);
        // A relayed HTTP answer being replaced: let its body drain so the connection is reused.
        if ('result' in outcome && outcome.result.body.kind === 'stream') outcome.result.body.stream.resume();
        continue;
      }
    }
    if ('result' in outcome) return outcome.result;
    throw outcome.error;
  }
}

/**
 * Filters are onions over Invocation and Result (undici's compose, connect's
 * interceptors, linkerd's layers): a filter takes the next handler and returns a
 * handler. Each filter is one file under filters/ and imports no protocol.
 */
import { MeshError, type Cancel, type Invocation, type KeptDeadline, type Logger, type PeerIdentity, type Result, type ServerSpan } from '../core/index.js';

/** Protocol-neutral failures a route may retry after the request was written. */
export type RetryOn = 'unavailable' | 'timeout' | 'reset' | 'overloaded';

/** `route.retry`: attempts count the first try; the budget caps retries per route. */
export interface RetrySpec {
  readonly attempts: number;
  /** Bound on each attempt; the call's own deadline still bounds them all. */
  readonly perTryTimeoutMs?: number;
  readonly on: readonly RetryOn[];
  /** Retries allowed: `percent` of the route's calls over the last 10 s, plus `minPerSecond`. */
  readonly budget: { readonly percent: number; readonly minPerSecond: number };
}

/** `route.rateLimit`: a token bucket per route, or per method of the route. */
export interface RateLimitSpec {
  readonly perSecond: number;
  readonly burst?: number;
  readonly perMethod?: boolean;
}

/** Codes an injected abort may carry (gRPC's names, lower case). */
export type FaultCode = 'unavailable' | 'resource_exhausted' | 'deadline_exceeded' | 'internal' | 'permission_denied' | 'not_found' | 'unknown';

/** `route.fault`: delay and/or abort a share of calls (0-100 %). */
export interface FaultSpec {
  readonly delay?: { readonly ms: number; readonly percent: number };
  readonly abort?: { readonly code: FaultCode; readonly percent: number };
}

/** `route.mirror`: a share of calls copied to a shadow cluster; its answers are dropped, or compared. */
export interface MirrorSpec {
  readonly cluster: string;
  readonly percent: number;
  readonly maxInFlight: number;
  readonly compare: boolean;
  readonly ignore: readonly string[];
  readonly logFirst: number;
}

/**
 * A route's traffic policy, as configured. Filters keep their state (buckets, budgets)
 * per policy object, so a rebuilt router starts them afresh.
 */
export interface RoutePolicy {
  readonly retry?: RetrySpec;
  /** Written requests may be retried only for idempotent methods: all (`true`) or those named. */
  readonly idempotent?: boolean | readonly string[];
  readonly rateLimit?: RateLimitSpec;
  readonly fault?: FaultSpec;
  readonly mirror?: MirrorSpec;
}

/** What a call carries beside its Invocation, filled in as it moves down the stack. */
export interface CallContext {
  readonly listener: string;
  /** `performance.now()` when the call arrived. */
  readonly startedAt: number;
  readonly log: Logger;
  /** Cancelled when the downstream goes away or a deadline fires; the reason is a MeshError. */
  readonly cancel: Cancel;
  /** The caller's verified workload identity, when it came over mTLS (absent: plaintext). */
  readonly peer?: PeerIdentity;
  /** Set by the router. */
  route?: string;
  cluster?: string;
  /** Set by the router: the matched route's policy (a shared default for registry routes). */
  policy?: RoutePolicy;
  /** Set by the retry filter: endpoints already tried, which the balancer avoids if it can. */
  tried?: ReadonlySet<string>;
  /** Set by the cluster step: the endpoint the call went to. */
  endpoint?: string;
  /** Absolute deadline on the performance.now() clock, set by the timeout filter. */
  deadline?: number;
  /** Set by a listener whose call keeps a timer for the caller's own deadline: the timeout filter shares it when that deadline is the call's. */
  deadlineKept?: KeptDeadline;
  /** Set when the call failed with a mesh error, for logs and metrics. */
  error?: MeshError;
  /** Set while the dashboard taps this call: the call as sent upstream and its raw answer (filters/tap.ts). */
  tap?: { upstream?: Invocation; upstreamResult?: Result };
  /** Set by the tracing filter: the call's server span, parent of its upstream attempts. */
  span?: ServerSpan;
  /** Set by a listener that read the request from its bytes: what its upstream client may pass on of them (opaque to the chain). */
  readonly wire?: unknown;
  /** What the steps registered to run when the call ends (whenCallEnds); one kept as it is, no array per call. */
  ends?: CallEnd | CallEnd[];
  /** Set by the cluster while an attempt is out: who keeps its books, told how it ended by endAttempt. */
  attemptBook?: AttemptBook;
  /** When the attempt under way was sent (performance.now()), for its latency. */
  attemptStartedAt?: number;
  /** Set by a listener: who answers the caller, told the outcome last by the stack's one `then` (CallAnswer). */
  answerTo?: CallAnswer;
}

/**
 * The caller's side of a call: a listener that sets `ctx.answerTo` is told how the call
 * ended by the stack itself, after the ends and the observers, and chains no `then` of its
 * own on the stack's promise (which then only settles, never rejects: nothing reads it).
 */
export interface CallAnswer {
  answer(ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void;
}

/** The cluster's bookkeeping of an attempt (in-flight counts, balancer load, outlier detection). */
export interface AttemptBook {
  attemptEnded(ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void;
}

/**
 * Tells the cluster how the attempt it sent ended, once. The step that sees each attempt's
 * outcome (retry) calls it: the cluster hands up its upstream's promise without a `then`.
 */
export function endAttempt(ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void {
  const book = ctx.attemptBook;
  if (book === undefined) return;
  ctx.attemptBook = undefined;
  book.attemptEnded(ctx, result, error);
}

export type Handler = (invocation: Invocation, ctx: CallContext) => Promise<Result>;
export type Filter = (next: Handler) => Handler;

/** compose([a, b], end) = a(b(end)): the first filter is the outermost. */
export function compose(filters: readonly Filter[], terminal: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => filter(next), terminal);
}

/*
 * A call's outcome flows back up once. The chain hands the upstream's promise up as it
 * is; steps that only need to know that the call ended (the timeout's disarm) register a
 * CallEnd on the context, and those that watch the outcome (metrics, the access log, the
 * dashboard's tap) are observers. One `then` at the top of the stack (observeCalls) runs
 * the ends, innermost first, then tells the observers, once, as Envoy runs its stream
 * completions, access loggers and stats when a stream completes. Each step that chained a
 * `then` of its own cost a promise, two closures and a microtask turn per call.
 */

/** Told once when the call ends, with its result or the error it failed with (exactly one is set). */
export interface CallEnd {
  callEnded(result: Result | undefined, error: MeshError | undefined): void;
}

/** Has `end` told when the call ends (run by observeCalls, after the ends registered after it). */
export function whenCallEnds(ctx: CallContext, end: CallEnd): void {
  const ends = ctx.ends;
  if (ends === undefined) ctx.ends = end;
  else if (Array.isArray(ends)) ends.push(end);
  else ctx.ends = [ends, end];
}

function runEnds(ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void {
  const ends = ctx.ends;
  if (ends === undefined) return;
  ctx.ends = undefined;
  if (!Array.isArray(ends)) ends.callEnded(result, error);
  else for (let i = ends.length - 1; i >= 0; i--) ends[i]!.callEnded(result, error);
}

export interface CallObserver {
  /** The call arrived (before routing). */
  started?(invocation: Invocation, ctx: CallContext): void;
  /** The call ended, with its result or with the error it failed with (exactly one is set); told once per call. */
  finished(invocation: Invocation, ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void;
}

/** `handler`'s promise for the call; a synchronous throw in it becomes a rejection. */
function callOf(handler: Handler, invocation: Invocation, ctx: CallContext): Promise<Result> {
  try {
    return handler(invocation, ctx);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Handlers that answer `ctx.answerTo` themselves: stacks topped by observeCalls. */
const ANSWERING = new WeakSet<Handler>();

/**
 * The top of the stack: notes the call's arrival to `observers`, and when the call ends runs
 * the ends the steps below registered, innermost first, tells `observers` in list order, and
 * answers the caller when a listener set `ctx.answerTo`.
 */
export function observeCalls(observers: readonly CallObserver[]): Filter {
  const starting = observers.filter((observer) => observer.started !== undefined);
  return (next) => {
    const handler: Handler = (invocation, ctx) => {
      for (const observer of starting) observer.started!(invocation, ctx);
      // Not an async function: a call costs one `then` here.
      return callOf(next, invocation, ctx).then(
        (result) => {
          settle(observers, invocation, ctx, result, undefined);
          return result;
        },
        (error: unknown) => {
          if (!settle(observers, invocation, ctx, undefined, MeshError.from(error))) throw error;
          // Read by nobody: the caller has its answer.
          return undefined as unknown as Result;
        },
      );
    };
    ANSWERING.add(handler);
    return handler;
  };
}

/**
 * The call ended: its ends run, innermost first, then its observers, then its caller is
 * answered if a listener asked (`ctx.answerTo`; true then). Should an end or an observer
 * throw, that caller still gets an answer: that error.
 */
function settle(observers: readonly CallObserver[], invocation: Invocation, ctx: CallContext, result: Result | undefined, error: MeshError | undefined): boolean {
  const to = ctx.answerTo;
  if (to === undefined) {
    runEnds(ctx, result, error);
    for (const observer of observers) observer.finished(invocation, ctx, result, error);
    return false;
  }
  try {
    runEnds(ctx, result, error);
    for (const observer of observers) observer.finished(invocation, ctx, result, error);
  } catch (thrown) {
    to.answer(ctx, undefined, MeshError.from(thrown));
    return true;
  }
  to.answer(ctx, result, error);
  return true;
}

/**
 * `handler` as a listener calls it: a stack (topped by observeCalls) as it is, since it answers
 * `ctx.answerTo` itself; any other handler (the demo's providers) wrapped to do so.
 */
export function answeringHandler(handler: Handler): Handler {
  if (ANSWERING.has(handler)) return handler;
  return (invocation, ctx) => {
    // The wrapper answers; a stack somewhere inside (wrapped by someone) must not answer too.
    const to = ctx.answerTo;
    ctx.answerTo = undefined;
    return callOf(handler, invocation, ctx).then(
      (result) => {
        to?.answer(ctx, result, undefined);
        return result;
      },
      (error: unknown) => {
        if (to === undefined) throw error;
        to.answer(ctx, undefined, MeshError.from(error));
        return undefined as unknown as Result;
      },
    );
  };
}

/**
 * The call's deadline: the caller's own (Bolt timeout field, Dubbo `timeout`
 * attachment, `x-pmesh-timeout-ms`) or the route's, whichever is sooner. When it is
 * spent the call is aborted and answered DEADLINE_EXCEEDED; the deadline covers the
 * wait for the response head (a streaming body is bounded by the upstream's idle
 * timeout instead, since its head has already been sent downstream). The calls of a
 * stack share one timer (core/deadline-timers.ts), not one setTimeout each, and a call whose
 * listener already keeps the caller's deadline (the gRPC relay) arms nothing more when that
 * deadline is the call's.
 */
import { DeadlineTimers, MeshError, type Expiring, type KeptDeadline } from '../../core/index.js';
import { whenCallEnds, type CallContext, type CallEnd, type Filter } from '../filter.js';

export interface TimeoutOptions {
  /** Route timeout for this call, in ms (the route's or the global default). */
  readonly timeoutFor: (routeName: string | undefined) => number;
}

/** A module function, not a named closure per call: under tsx each one also costs a defineProperty for its name. */
function expired(deadline: number, ctx: CallContext): MeshError {
  return new MeshError('PMESH_DEADLINE_EXCEEDED', `deadline of ${Math.round(deadline - ctx.startedAt)} ms exceeded`, {
    details: { cluster: ctx.cluster ?? '', endpoint: ctx.endpoint ?? '' },
  });
}

/**
 * One call under its deadline. When the deadline passes it aborts the call's cancel with the
 * deadline's error, and whatever is under way below answers with that reason (each upstream
 * rejects a cancelled call with it): no promise of its own racing the call's. The stack's
 * timers wait for it unless the call already keeps a timer for this very deadline (the gRPC
 * relay's): that one tells it. Disarmed when the call ends (filter.ts, whenCallEnds).
 */
class TimedCall implements Expiring, CallEnd {
  readonly #timers: DeadlineTimers;
  readonly #ctx: CallContext;
  readonly #deadline: number;
  readonly #kept: KeptDeadline | undefined;

  constructor(timers: DeadlineTimers, ctx: CallContext, deadline: number) {
    this.#timers = timers;
    this.#ctx = ctx;
    this.#deadline = deadline;
    const kept = ctx.deadlineKept;
    if (kept !== undefined && kept.deadlineAt === deadline) {
      this.#kept = kept;
      kept.watch(this);
    } else {
      timers.arm(deadline, this);
    }
  }

  expire(): void {
    this.#ctx.cancel.abort(expired(this.#deadline, this.#ctx));
  }

  callEnded(): void {
    if (this.#kept) this.#kept.watch(undefined);
    else this.#timers.disarm(this.#deadline, this);
  }
}

export function timeoutFilter(options: TimeoutOptions): Filter {
  const timers = new DeadlineTimers();
  return (next) => (invocation, ctx) => {
    const routeDeadline = ctx.startedAt + options.timeoutFor(ctx.route);
    const deadline = invocation.deadline === undefined ? routeDeadline : Math.min(invocation.deadline, routeDeadline);
    ctx.deadline = deadline;
    if (deadline - performance.now() <= 0) return Promise.reject(expired(deadline, ctx));
    whenCallEnds(ctx, new TimedCall(timers, ctx, deadline));
    return next(invocation, ctx);
  };
}

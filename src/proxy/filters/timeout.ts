/**
 * The call's deadline: the caller's own (Bolt timeout field, Dubbo `timeout`
 * attachment, `x-pmesh-timeout-ms`) or the route's, whichever is sooner. When it is
 * spent the call is aborted and answered DEADLINE_EXCEEDED; the timer covers the
 * wait for the response head (a streaming body is bounded by the upstream's idle
 * timeout instead, since its head has already been sent downstream).
 */
import { MeshError, type Result } from '../../core/index.js';
import type { CallContext, Filter } from '../filter.js';

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

export function timeoutFilter(options: TimeoutOptions): Filter {
  return (next) => (invocation, ctx) => {
    const routeDeadline = ctx.startedAt + options.timeoutFor(ctx.route);
    const deadline = invocation.deadline === undefined ? routeDeadline : Math.min(invocation.deadline, routeDeadline);
    ctx.deadline = deadline;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return Promise.reject(expired(deadline, ctx));
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = expired(deadline, ctx);
        ctx.cancel.abort(error);
        reject(error);
      }, remaining);
      next(invocation, ctx).then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  };
}

/**
 * Filters that only watch a call's outcome (metrics, the access log, the dashboard's tap)
 * are observers of one step rather than a filter each: each may note the call's arrival,
 * and all are told how it ended from a single `then`, once, as Envoy runs its access
 * loggers and stats when a stream completes. One link per call instead of one per
 * observer: each link was a promise, two closures' calls and a microtask turn.
 */
import { MeshError, type Invocation, type Result } from '../../core/index.js';
import type { CallContext, Filter } from '../filter.js';

export interface CallObserver {
  /** The call arrived (before routing). */
  started?(invocation: Invocation, ctx: CallContext): void;
  /** The call ended, with its result or with the error it failed with (exactly one is set); told once per call. */
  finished(invocation: Invocation, ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void;
}

/** One step running `observers`: arrivals in list order, then endings in list order. */
export function observeCalls(observers: readonly CallObserver[]): Filter {
  const starting = observers.filter((observer) => observer.started !== undefined);
  return (next) => {
    if (observers.length === 0) return next;
    return (invocation, ctx) => {
      for (const observer of starting) observer.started!(invocation, ctx);
      // Not an async function: a call costs one `then` here. A synchronous throw below still becomes a rejection.
      let answer: Promise<Result>;
      try {
        answer = next(invocation, ctx);
      } catch (error) {
        answer = Promise.reject(error);
      }
      return answer.then(
        (result) => {
          for (const observer of observers) observer.finished(invocation, ctx, result, undefined);
          return result;
        },
        (error: unknown) => {
          const mesh = MeshError.from(error);
          for (const observer of observers) observer.finished(invocation, ctx, undefined, mesh);
          throw error;
        },
      );
    };
  };
}

/** One observer as a filter of its own (tests, and benches that measure one). */
export function observerFilter(observer: CallObserver): Filter {
  return observeCalls([observer]);
}


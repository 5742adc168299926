/**
 * The dashboard's tap, in two steps of the stack. `tapObserver` watches from the top: it asks the
 * sink whether anyone wants this call and reports it when it ends; while nobody taps it only
 * reports failures (recent errors). `tapCapture` sits just above the cluster, below any
 * bridge, and keeps the call as sent upstream and the endpoint's raw answer: that is what
 * the dashboard decodes into typed values, so a JSON call bridged to Dubbo shows the Dubbo
 * call. Nothing is decoded or copied here.
 */
import type { MeshError, Invocation, Result, TapSink, TappedCall } from '../../core/index.js';
import type { CallContext, CallObserver, Filter } from '../filter.js';

/** What the capture step found below the bridge (on ctx.tap while the call is tapped). */
export interface TapCapture {
  upstream?: Invocation;
  upstreamResult?: Result;
}

function report(invocation: Invocation, ctx: CallContext, result: Result | undefined, error: MeshError | undefined): TappedCall {
  const ms = performance.now() - ctx.startedAt;
  return {
    listener: ctx.listener,
    route: ctx.route,
    cluster: ctx.cluster,
    endpoint: ctx.endpoint,
    invocation,
    upstream: ctx.tap?.upstream,
    upstreamResult: ctx.tap?.upstreamResult,
    result,
    error,
    ms,
    at: Date.now() - ms,
  };
}

/**
 * Asks the sink whether anyone taps the call when it arrives (a tapped call carries `ctx.tap`)
 * and reports it when it ends; while nobody taps, only failures (filter.ts, observeCalls).
 */
export function tapObserver(sink: TapSink): CallObserver {
  return {
    started(invocation, ctx) {
      if (sink.active && sink.wants(invocation)) ctx.tap = {};
    },
    finished(invocation, ctx, result, error) {
      if (ctx.tap !== undefined) sink.tapped(report(invocation, ctx, result, error));
      else if (error !== undefined || result!.status === 'error') sink.failed(report(invocation, ctx, result, error));
    },
  };
}

export function tapCapture(): Filter {
  return (next) => (invocation, ctx) => {
    const capture = ctx.tap;
    if (capture === undefined) return next(invocation, ctx);
    capture.upstream = invocation;
    return next(invocation, ctx).then((result) => {
      capture.upstreamResult = result;
      return result;
    });
  };
}

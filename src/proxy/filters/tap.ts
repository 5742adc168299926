/**
 * The dashboard's tap, in two steps of the stack. `tapFilter` sits at the top: it asks the
 * sink whether anyone wants this call and reports it when it ends; while nobody taps it only
 * reports failures (recent errors). `tapCapture` sits just above the cluster, below any
 * bridge, and keeps the call as sent upstream and the endpoint's raw answer: that is what
 * the dashboard decodes into typed values, so a JSON call bridged to Dubbo shows the Dubbo
 * call. Nothing is decoded or copied here.
 */
import { MeshError, type Invocation, type Result, type TapSink, type TappedCall } from '../../core/index.js';
import type { CallContext, Filter } from '../filter.js';

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

export function tapFilter(sink: TapSink): Filter {
  return (next) => (invocation, ctx) => {
    const tapped = sink.active && sink.wants(invocation);
    if (tapped) ctx.tap = {};
    return next(invocation, ctx).then(
      (result) => {
        if (tapped) sink.tapped(report(invocation, ctx, result, undefined));
        else if (result.status === 'error') sink.failed(report(invocation, ctx, result, undefined));
        return result;
      },
      (error: unknown) => {
        const call = report(invocation, ctx, undefined, MeshError.from(error));
        if (tapped) sink.tapped(call);
        else sink.failed(call);
        throw error;
      },
    );
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

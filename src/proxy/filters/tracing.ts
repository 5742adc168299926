/**
 * Tracing as two filters (docs/tracing.md). The server filter sits outermost: it has the
 * tracer decide whether the call is sampled and, if so, opens the call's server span,
 * continuing whatever context the caller sent, and closes it with the protocol's own
 * status. The attempt filter sits just above the cluster, below retries: each attempt of
 * a sampled call gets its own client span, and the call it sends carries that span's
 * context in the upstream protocol's place (headers, Bolt header map, Dubbo attachments),
 * through the protocol's telemetry. An unsampled call passes both untouched: no span, and
 * its frame as it came. Neither filter knows a protocol.
 */
import { MeshError, bodyBytes, type CallTracer, type CallSpan, type Invocation, type ProtocolTelemetry, type Result } from '../../core/index.js';
import type { CallContext, Filter, Handler } from '../filter.js';

export interface TracingFilterOptions {
  readonly tracer: CallTracer;
  readonly telemetry: (protocol: string) => ProtocolTelemetry;
}

function where(ctx: CallContext): { route?: string; cluster?: string; endpoint?: string } {
  return { route: ctx.route, cluster: ctx.cluster, endpoint: ctx.endpoint };
}

/** Ends `span` when the result's status is known (a gRPC reply's comes with its trailers). */
function endWithResult(span: CallSpan, telemetry: ProtocolTelemetry, result: Result, ctx: CallContext): void {
  const failed = result.status !== 'ok' || result.code !== undefined;
  const end = (status: number): void => span.end({ status, failed, responseBytes: bodyBytes(result.body), ...where(ctx) });
  const status = telemetry.resultStatus(result);
  if (typeof status === 'number') end(status);
  else void status.then(end);
}

function endWithError(span: CallSpan, telemetry: ProtocolTelemetry, error: unknown, ctx: CallContext): void {
  const mesh = MeshError.from(error);
  span.end({ status: telemetry.errorStatus(mesh), failed: true, reason: mesh.reason, ...where(ctx) });
}

export function serverSpanFilter(options: TracingFilterOptions): Filter {
  return (next) => (invocation, ctx) => {
    const telemetry = options.telemetry(invocation.protocol);
    const span = options.tracer.server(invocation, telemetry, ctx.listener);
    if (!span) return next(invocation, ctx);
    ctx.span = span;
    return span.recording ? traced(span, telemetry, next, invocation, ctx) : next(invocation, ctx);
  };
}

export function attemptSpanFilter(options: Pick<TracingFilterOptions, 'telemetry'>): Filter {
  return (next) => (invocation, ctx) => {
    // A call the server filter gave no span (unsampled, no context), or an unsampled one whose frame carries its context already, goes on without a look at its protocol's telemetry.
    const span = ctx.span;
    if (!span || span.forwardedIn === invocation.protocol) return next(invocation, ctx);
    const telemetry = options.telemetry(invocation.protocol);
    const attempt = span.attempt(invocation, telemetry, ctx.cluster);
    if (!attempt) return next(invocation, ctx);
    let carrying = invocation;
    try {
      carrying = telemetry.withTrace(invocation, attempt.entries);
    } catch {
      // A frame that cannot take the entries (a Bolt header map at its size limit) goes as it came: the call matters more than its trace.
    }
    return attempt.span ? traced(attempt.span, telemetry, next, carrying, ctx) : next(carrying, ctx);
  };
}

/** Runs the call and ends `span` with its outcome. */
async function traced(span: CallSpan, telemetry: ProtocolTelemetry, next: Handler, invocation: Invocation, ctx: CallContext): Promise<Result> {
  let result: Result;
  try {
    result = await next(invocation, ctx);
  } catch (error) {
    endWithError(span, telemetry, error, ctx);
    throw error;
  }
  endWithResult(span, telemetry, result, ctx);
  return result;
}

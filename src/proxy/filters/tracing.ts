/**
 * Tracing as two filters (docs/tracing.md). The server filter sits outermost: it opens
 * the call's server span, continuing whatever context the caller sent, and closes it
 * with the protocol's own status. The attempt filter sits just above the cluster, below
 * retries: each attempt gets its own client span, and the call it sends carries that
 * span's context in the upstream protocol's place (headers, Bolt header map, Dubbo
 * attachments), through the protocol's telemetry. Neither knows a protocol.
 */
import { MeshError, bodyBytes, type CallTracer, type CallSpan, type ProtocolTelemetry, type Result } from '../../core/index.js';
import type { CallContext, Filter } from '../filter.js';

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
  return (next) => async (invocation, ctx) => {
    const telemetry = options.telemetry(invocation.protocol);
    const span = options.tracer.server(invocation, telemetry, ctx.listener);
    ctx.span = span;
    let result: Result;
    try {
      result = await next(invocation, ctx);
    } catch (error) {
      endWithError(span, telemetry, error, ctx);
      throw error;
    }
    endWithResult(span, telemetry, result, ctx);
    return result;
  };
}

export function attemptSpanFilter(options: Pick<TracingFilterOptions, 'telemetry'>): Filter {
  return (next) => async (invocation, ctx) => {
    const server = ctx.span;
    if (!server) return next(invocation, ctx);
    const telemetry = options.telemetry(invocation.protocol);
    const { span, entries } = server.attempt(invocation, telemetry, ctx.cluster);
    let traced = invocation;
    try {
      traced = telemetry.withTrace(invocation, entries);
    } catch {
      // A frame that cannot take the entries (a Bolt header map at its size limit) goes as it came: the call matters more than its trace.
    }
    let result: Result;
    try {
      result = await next(traced, ctx);
    } catch (error) {
      endWithError(span, telemetry, error, ctx);
      throw error;
    }
    endWithResult(span, telemetry, result, ctx);
    return result;
  };
}

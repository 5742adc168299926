/**
 * One structured line per call, written when the call finishes (or fails). Switched
 * on and off per listener; pino serializes the line off the hot path's allocations.
 * The path is logged without its query string unless asked: queries carry secrets
 * (`?token=`, `?secret=`) that have no place in a log.
 *
 * `status` is what the caller's protocol says: the HTTP status, the gRPC code (from the
 * trailers, so a streamed gRPC reply is logged when it ends), the Bolt or Dubbo status,
 * also for a call the mesh failed (`reason` then says why). With tracing on, the line
 * carries the call's trace and span ids.
 */
import { GENERIC_TELEMETRY, type Invocation, type Logger, type ProtocolTelemetry } from '../../core/index.js';
import type { CallContext, CallObserver } from '../filter.js';

export interface AccessLogOptions {
  /** Log the query string with the path (off by default). */
  readonly withQuery?: boolean;
  /** The caller's protocol's statuses; without it, statuses are logged as the Result states them. */
  readonly telemetry?: (protocol: string) => ProtocolTelemetry;
}

/** The path as logged: without `?query` unless `withQuery`. */
function loggedPath(path: string | undefined, withQuery = false): string | undefined {
  if (path === undefined || withQuery) return path;
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/** Writes the call's line when it ends (filter.ts, observeCalls). */
export function accessLogObserver(log: Logger, options: AccessLogOptions = {}): CallObserver {
  return {
    finished(invocation, ctx, result, error) {
      const telemetry = options.telemetry?.(invocation.protocol) ?? GENERIC_TELEMETRY;
      if (error) {
        write(log, invocation, ctx, options.withQuery, telemetry.errorStatus(error), error.reason);
        return;
      }
      const status = telemetry.resultStatus(result!);
      if (typeof status === 'number') write(log, invocation, ctx, options.withQuery, status);
      else void status.then((late) => write(log, invocation, ctx, options.withQuery, late));
    },
  };
}

function write(log: Logger, invocation: Invocation, ctx: CallContext, withQuery: boolean | undefined, status: number, reason?: string): void {
  log.info(
    {
      traceId: ctx.span?.traceId,
      spanId: ctx.span?.spanId,
      route: ctx.route,
      cluster: ctx.cluster,
      endpoint: ctx.endpoint,
      protocol: invocation.protocol,
      service: invocation.service.interface,
      method: invocation.method,
      path: loggedPath(invocation.attachments[':path'], withQuery),
      status,
      reason,
      ms: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000,
    },
    'access',
  );
}

/**
 * One structured line per call, written when the call finishes (or fails). Switched
 * on and off per listener; pino serializes the line off the hot path's allocations.
 * The path is logged without its query string unless asked: queries carry secrets
 * (`?token=`, `?secret=`) that have no place in a log.
 */
import { MeshError, type Logger } from '../../core/index.js';
import type { Filter } from '../filter.js';

export interface AccessLogOptions {
  /** Log the query string with the path (off by default). */
  readonly withQuery?: boolean;
}

/** The path as logged: without `?query` unless `withQuery`. */
function loggedPath(path: string | undefined, withQuery = false): string | undefined {
  if (path === undefined || withQuery) return path;
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

export function accessLogFilter(log: Logger, options: AccessLogOptions = {}): Filter {
  return (next) => async (invocation, ctx) => {
    const write = (status: number | string, reason?: string): void => {
      log.info(
        {
          route: ctx.route,
          cluster: ctx.cluster,
          endpoint: ctx.endpoint,
          protocol: invocation.protocol,
          service: invocation.service.interface,
          method: invocation.method,
          path: loggedPath(invocation.attachments[':path'], options.withQuery),
          status,
          reason,
          ms: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000,
        },
        'access',
      );
    };
    try {
      const result = await next(invocation, ctx);
      write(result.protocolStatus);
      return result;
    } catch (error) {
      const mesh = MeshError.from(error);
      write('error', mesh.reason);
      throw error;
    }
  };
}

/**
 * One structured line per call, written when the call finishes (or fails). Switched
 * on and off per listener; pino serializes the line off the hot path's allocations.
 */
import { MeshError, type Logger } from '../../core/index.js';
import type { Filter } from '../filter.js';

export function accessLogFilter(log: Logger): Filter {
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
          path: invocation.attachments[':path'],
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

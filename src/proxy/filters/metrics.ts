/** Counts and times every call by listener, route and cluster; failures by reason id. */
import { MeshError, type MeshMetrics } from '../../core/index.js';
import type { CallContext, Filter } from '../filter.js';

function labels(ctx: CallContext): { listener: string; route: string; cluster: string } {
  return { listener: ctx.listener, route: ctx.route ?? '', cluster: ctx.cluster ?? '' };
}

export function metricsFilter(metrics: MeshMetrics): Filter {
  return (next) => async (invocation, ctx) => {
    try {
      const result = await next(invocation, ctx);
      metrics.callFinished(labels(ctx), (performance.now() - ctx.startedAt) / 1000, result.status === 'ok' ? 'ok' : result.status);
      return result;
    } catch (error) {
      metrics.callFinished(labels(ctx), (performance.now() - ctx.startedAt) / 1000, MeshError.from(error).reason);
      throw error;
    }
  };
}

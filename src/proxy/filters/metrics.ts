/**
 * RED per call: counts by outcome, latency and body sizes by listener, route, service,
 * method and cluster; the in-flight gauge per listener. The sink binds its label
 * children once, so a call costs a few map lookups and builds no key (bench: bolt).
 */
import type { Body, MeshMetrics, Result } from '../../core/index.js';
import type { CallContext, CallObserver } from '../filter.js';
import type { Invocation } from '../../core/index.js';

/** Bytes of a body when known without reading it; -1 otherwise. */
export function bodyBytes(body: Body): number {
  if (body.kind === 'raw') return body.byteLength ?? body.bytes.length;
  if (body.kind === 'stream') return body.length ?? -1;
  return body.kind === 'empty' ? 0 : -1;
}

function record(metrics: MeshMetrics, invocation: Invocation, ctx: CallContext, outcome: string, result: Result | undefined): void {
  // A call no route or provider took names whatever the caller made up: its service and
  // method stay out of the labels, so junk names cannot fill the label budget.
  const routed = ctx.cluster !== undefined;
  metrics.callFinished({
    listener: ctx.listener,
    route: ctx.route ?? '',
    cluster: ctx.cluster ?? '',
    service: routed ? invocation.service.interface : '',
    method: routed ? invocation.method : '',
    seconds: (performance.now() - ctx.startedAt) / 1000,
    outcome,
    requestBytes: bodyBytes(invocation.body),
    responseBytes: result ? bodyBytes(result.body) : -1,
  });
}

/** Counts the call in flight when it arrives and records it when it ends (filter.ts, observeCalls). */
export function metricsObserver(metrics: MeshMetrics): CallObserver {
  return {
    started: (_invocation, ctx) => metrics.callStarted(ctx.listener),
    finished: (invocation, ctx, result, error) => record(metrics, invocation, ctx, result ? result.status : error!.reason, result),
  };
}

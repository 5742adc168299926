/**
 * `route.mirror`: a share of a route's calls is copied to a shadow cluster (Envoy's
 * request mirroring). The shadow's answer is dropped; the primary call never waits for
 * it and never sees its failure. Copies in flight are capped (`maxInFlight`); one
 * beyond is dropped and counted. Only calls whose request is a whole frame are copied
 * (Bolt, Dubbo, and HTTP/JSON bridged to them): a streamed HTTP/1 body is read once.
 *
 * Shadow diff (`compare: true`): when both answers are in, they are read as Java values
 * through the codec's bridge half and compared field by field (mirror/value-diff.ts),
 * leaving out `ignore`d paths. Each differing field is counted in
 * pmesh_mirror_diffs_total{route, method, field} (at most 100 method/field pairs per
 * route; the rest as "other") and the first `logFirst` are logged with both values,
 * so a team can show a new provider version answers like the old one.
 *
 * Sits below the bridges, so a bridged call is mirrored as the frame it became.
 */
import { Cancel, MeshError, type Invocation, type MeshMetrics, type Result } from '../../core/index.js';
import { EMPTY_CATALOG, toJson, type JavaValue } from '../../bridge/index.js';
import { getProtocol } from '../../codecs/index.js';
import type { Cluster } from '../cluster.js';
import type { CallContext, Filter, Handler, MirrorSpec } from '../filter.js';
import { diffResults, type ValueDifference } from './value-diff.js';

const MAX_DIFF_LABELS = 100;
const DEFAULT_SHADOW_TIMEOUT_MS = 15_000;

interface MirrorState {
  inFlight: number;
  logged: number;
  readonly labels: Set<string>;
}

export interface MirrorOptions {
  readonly metrics: MeshMetrics;
  readonly cluster: (name: string) => Cluster | undefined;
}

export function mirrorFilter(options: MirrorOptions): Filter {
  const states = new WeakMap<MirrorSpec, MirrorState>();
  return (next) => (invocation, ctx) => {
    const spec = ctx.policy?.mirror;
    if (!spec || invocation.frame === undefined || (spec.percent < 100 && Math.random() * 100 >= spec.percent)) return next(invocation, ctx);
    return mirrored(next, invocation, ctx, spec);
  };

  // An async function only for calls being copied: the others cost no promise here.
  async function mirrored(next: Handler, invocation: Invocation, ctx: CallContext, spec: MirrorSpec): Promise<Result> {
    const shadowCluster = options.cluster(spec.cluster);
    if (!shadowCluster || shadowCluster.protocol !== invocation.protocol) return next(invocation, ctx);
    let state = states.get(spec);
    if (!state) {
      state = { inFlight: 0, logged: 0, labels: new Set() };
      states.set(spec, state);
    }
    const route = ctx.route ?? '';
    if (state.inFlight >= spec.maxInFlight) {
      options.metrics.trafficEvent('mirror_dropped', route, spec.cluster);
      options.metrics.limitExceeded('mirror_max_in_flight');
      return next(invocation, ctx);
    }
    options.metrics.trafficEvent('mirror', route, spec.cluster);
    const shadow = shadowCall(shadowCluster, invocation, ctx, state);
    const primary = await next(invocation, ctx);
    if (spec.compare && primary.frame !== undefined) {
      void shadow.then((answer) => {
        if (answer) compare(options.metrics, spec, state, invocation, ctx, primary, answer);
      });
    }
    return primary;
  }
}

/** The copy, under its own cancel and the call's deadline; resolves undefined when it failed. */
function shadowCall(cluster: Cluster, invocation: Invocation, ctx: CallContext, state: MirrorState): Promise<Result | undefined> {
  state.inFlight += 1;
  const cancel = new Cancel();
  const budget = ctx.deadline === undefined ? DEFAULT_SHADOW_TIMEOUT_MS : Math.max(1, ctx.deadline - performance.now());
  const timer = setTimeout(() => cancel.abort(new MeshError('PMESH_DEADLINE_EXCEEDED', 'mirrored call ran past the call deadline')), budget);
  const shadowCtx: CallContext = { listener: ctx.listener, startedAt: ctx.startedAt, log: ctx.log, cancel, route: ctx.route, cluster: cluster.name, policy: {}, deadline: ctx.deadline };
  return cluster
    .call(invocation, shadowCtx)
    .then(
      (result) => result,
      (error: unknown) => {
        ctx.log.debug({ err: MeshError.from(error).message, cluster: cluster.name }, 'mirrored call failed');
        return undefined;
      },
    )
    .finally(() => {
      clearTimeout(timer);
      state.inFlight -= 1;
    });
}

function compare(metrics: MeshMetrics, spec: MirrorSpec, state: MirrorState, invocation: Invocation, ctx: CallContext, primary: Result, shadow: Result): void {
  const typed = getProtocol(invocation.protocol)?.bridge.typed;
  if (!typed || shadow.frame === undefined) return;
  let differences: ValueDifference[];
  try {
    differences = diffResults(typed.result(primary.frame, undefined, EMPTY_CATALOG), typed.result(shadow.frame, undefined, EMPTY_CATALOG), spec.ignore);
  } catch (error) {
    ctx.log.debug({ err: (error as Error).message }, 'mirror: an answer could not be read for comparison');
    return;
  }
  const route = ctx.route ?? '';
  for (const difference of differences) {
    let method = invocation.method;
    let field = difference.path;
    const label = `${method}\u0000${field}`;
    if (!state.labels.has(label)) {
      if (state.labels.size >= MAX_DIFF_LABELS) method = field = 'other';
      else state.labels.add(label);
    }
    metrics.trafficEvent('mirror_diff', route, spec.cluster);
    metrics.mirrorDiff(route, method, field);
    if (state.logged < spec.logFirst) {
      state.logged += 1;
      ctx.log.warn(
        { route, service: invocation.service.interface, method: invocation.method, field: difference.path, primary: shown(difference.primary), shadow: shown(difference.shadow), mirror: spec.cluster },
        'mirrored call answered differently',
      );
    }
  }
}

function shown(value: JavaValue | string): unknown {
  return typeof value === 'string' ? value : toJson(value, { style: 'typed', bigLongs: 'string' });
}

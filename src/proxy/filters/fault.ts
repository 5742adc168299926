/**
 * Fault injection (`route.fault`, Envoy's and Istio's): delay a share of calls, abort a
 * share with a chosen code, to rehearse how callers cope. An abort is answered in the
 * caller's protocol like any mesh error (reason PMESH_FAULT_INJECTED, the configured
 * code); both are counted.
 */
import { Code, MeshError, type Invocation, type MeshMetrics, type Result } from '../../core/index.js';
import type { CallContext, FaultCode, FaultSpec, Filter, Handler } from '../filter.js';

const CODES: Record<FaultCode, Code> = {
  unavailable: Code.UNAVAILABLE,
  resource_exhausted: Code.RESOURCE_EXHAUSTED,
  deadline_exceeded: Code.DEADLINE_EXCEEDED,
  internal: Code.INTERNAL,
  permission_denied: Code.PERMISSION_DENIED,
  not_found: Code.NOT_FOUND,
  unknown: Code.UNKNOWN,
};

export const FAULT_CODES = Object.keys(CODES) as FaultCode[];

export function faultFilter(metrics: MeshMetrics, random: () => number = Math.random): Filter {
  return (next) => (invocation, ctx) => {
    const fault = ctx.policy?.fault;
    // Not an async function on this path: a call without a fault costs no promise here.
    return fault ? faulted(next, invocation, ctx, fault) : next(invocation, ctx);
  };

  async function faulted(next: Handler, invocation: Invocation, ctx: CallContext, fault: FaultSpec): Promise<Result> {
    const route = ctx.route ?? '';
    if (fault.delay && random() * 100 < fault.delay.percent) {
      metrics.trafficEvent('fault_delay', route, ctx.cluster ?? '');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, fault.delay!.ms);
        ctx.cancel.onAbort((reason) => {
          clearTimeout(timer);
          reject(reason);
        });
      });
    }
    if (fault.abort && random() * 100 < fault.abort.percent) {
      metrics.trafficEvent('fault_abort', route, ctx.cluster ?? '');
      throw new MeshError('PMESH_FAULT_INJECTED', `fault injected by route "${route}": ${fault.abort.code}`, {
        code: CODES[fault.abort.code],
        details: { route },
      });
    }
    return next(invocation, ctx);
  }
}

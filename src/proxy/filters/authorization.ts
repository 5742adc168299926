/**
 * Ingress authorization (`listeners[].authorization`): who may call which service,
 * version and method. The caller is the SPIFFE id its mTLS certificate carries (also
 * matched by its app name), or `unauthenticated` for a plaintext caller. A service no
 * policy names is open; once one does, a call needs an `allow` policy that matches it
 * and no `deny` policy that matches it (deny wins, as in Istio's AuthorizationPolicy).
 * A refused call is answered with PMESH_NOT_AUTHORIZED, which each protocol writes as
 * its own permission error, and is counted and logged with the caller's identity.
 */
import { MeshError, serviceKeyString, type Invocation, type MeshMetrics, type PeerIdentity } from '../../core/index.js';
import type { CallContext, Filter } from '../filter.js';

export interface AuthorizationPolicy {
  readonly service: string;
  readonly version?: string;
  readonly methods?: readonly string[];
  readonly from?: readonly string[];
  readonly action: 'allow' | 'deny';
}

/** The caller name a plaintext call is matched as. */
export const UNAUTHENTICATED = 'unauthenticated';

interface CompiledPolicy {
  readonly index: number;
  readonly service: RegExp;
  readonly version?: RegExp;
  readonly methods?: readonly RegExp[];
  readonly from?: readonly RegExp[];
  readonly action: 'allow' | 'deny';
}

/** `*` matches any run of characters; everything else is literal. */
function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function compile(policies: readonly AuthorizationPolicy[]): CompiledPolicy[] {
  return policies.map((p, index) => ({
    index,
    service: wildcard(p.service),
    version: p.version === undefined ? undefined : wildcard(p.version),
    methods: p.methods?.map(wildcard),
    from: p.from?.map(wildcard),
    action: p.action,
  }));
}

function callerMatches(from: readonly RegExp[] | undefined, peer: PeerIdentity | undefined): boolean {
  if (!from) return true;
  const names = peer ? [peer.spiffeId, ...(peer.app ? [peer.app] : [])] : [UNAUTHENTICATED];
  return from.some((pattern) => names.some((name) => pattern.test(name)));
}

function callMatches(policy: CompiledPolicy, invocation: Invocation, peer: PeerIdentity | undefined): boolean {
  if (policy.version && !policy.version.test(invocation.service.version ?? '')) return false;
  if (policy.methods && !policy.methods.some((method) => method.test(invocation.method))) return false;
  return callerMatches(policy.from, peer);
}

/** `open`: no policy names the service; `allow`; or why the call is refused. */
function decide(policies: readonly CompiledPolicy[], invocation: Invocation, peer: PeerIdentity | undefined): 'open' | 'allow' | { refused: string } {
  const forService = policies.filter((policy) => policy.service.test(invocation.service.interface));
  if (forService.length === 0) return 'open';
  const denied = forService.find((policy) => policy.action === 'deny' && callMatches(policy, invocation, peer));
  if (denied) return { refused: `denied by authorization policy ${denied.index}` };
  if (forService.some((policy) => policy.action === 'allow' && callMatches(policy, invocation, peer))) return 'allow';
  return { refused: 'no authorization policy allows it' };
}

export function authorizationFilter(policies: readonly AuthorizationPolicy[], metrics: MeshMetrics): Filter {
  const compiled = compile(policies);
  return (next) => {
    if (compiled.length === 0) return next;
    return (invocation: Invocation, ctx: CallContext) => {
      const decision = decide(compiled, invocation, ctx.peer);
      if (decision === 'open') return next(invocation, ctx);
      if (decision === 'allow') {
        metrics.authorization(ctx.listener, 'allow');
        return next(invocation, ctx);
      }
      const why = decision.refused;
      metrics.authorization(ctx.listener, 'deny');
      const caller = ctx.peer?.spiffeId ?? UNAUTHENTICATED;
      const call = `${serviceKeyString(invocation.service)}#${invocation.method}`;
      ctx.log.warn({ caller, service: invocation.service.interface, method: invocation.method, reason: why }, 'call refused by authorization');
      return Promise.reject(
        new MeshError('PMESH_NOT_AUTHORIZED', `permission denied: ${caller} may not call ${call} (${why})`, { details: { caller }, notSent: true }),
      );
    };
  };
}

/**
 * Route matching: the logical level (linkerd). A listener's routes are tried in
 * order; the first whose every condition holds wins. HTTP requests expose their
 * host and path as the pseudo-headers `:authority` and `:path` (HTTP/2's names),
 * so the router needs no protocol knowledge.
 */
import { MeshError, serviceKeyString, type Invocation } from '../core/index.js';
import type { RoutePolicy } from './filter.js';

export interface RouteMatch {
  /** Host name, `*.example.com` wildcard allowed; compared without the port, case-insensitively. */
  readonly host?: string;
  readonly pathPrefix?: string;
  /** Every header named must be present with exactly this value. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Interface name, or `interface:version[:group]`. */
  readonly service?: string;
  readonly method?: string;
}

export interface RouteSpec extends RoutePolicy {
  readonly name?: string;
  readonly match: RouteMatch;
  readonly cluster: string;
  readonly timeoutMs?: number;
}

export interface Route {
  readonly name: string;
  readonly cluster: string;
  readonly timeoutMs?: number;
  /** Retry, idempotency, rate limit and fault settings; one object per route per router. */
  readonly policy: RoutePolicy;
  matches(invocation: Invocation): boolean;
}

function hostMatcher(pattern: string): (host: string) => boolean {
  const wanted = pattern.toLowerCase();
  if (wanted.startsWith('*.')) {
    const suffix = wanted.slice(1);
    return (host) => host.endsWith(suffix);
  }
  return (host) => host === wanted;
}

function stripPort(authority: string): string {
  const lower = authority.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

function compileRoute(spec: RouteSpec, index: number): Route {
  const checks: Array<(inv: Invocation) => boolean> = [];
  const { host, pathPrefix, headers, service, method } = spec.match;
  if (host !== undefined) {
    const matchHost = hostMatcher(host);
    checks.push((inv) => matchHost(stripPort(inv.attachments[':authority'] ?? '')));
  }
  if (pathPrefix !== undefined) checks.push((inv) => (inv.attachments[':path'] ?? '').startsWith(pathPrefix));
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase();
    checks.push((inv) => inv.attachments[key] === value);
  }
  if (service !== undefined) {
    checks.push((inv) => inv.service.interface === service || serviceKeyString(inv.service) === service);
  }
  if (method !== undefined) checks.push((inv) => inv.method === method);
  return {
    name: spec.name ?? `${index}:${spec.cluster}`,
    cluster: spec.cluster,
    timeoutMs: spec.timeoutMs,
    policy: { retry: spec.retry, idempotent: spec.idempotent, rateLimit: spec.rateLimit, fault: spec.fault },
    matches: (inv) => checks.every((check) => check(inv)),
  };
}

export class Router {
  readonly #routes: readonly Route[];

  constructor(specs: readonly RouteSpec[]) {
    this.#routes = specs.map(compileRoute);
  }

  /** The first matching route; a MeshError PMESH_NO_ROUTE naming what was asked for otherwise. */
  route(invocation: Invocation): Route {
    const route = this.find(invocation);
    if (!route) throw this.noRoute(invocation);
    return route;
  }

  /** The first matching route, or undefined. */
  find(invocation: Invocation): Route | undefined {
    for (const route of this.#routes) if (route.matches(invocation)) return route;
    return undefined;
  }

  noRoute(invocation: Invocation): MeshError {
    return new MeshError('PMESH_NO_ROUTE', `no route for ${describeTarget(invocation)}`);
  }

  timeoutOf(name: string | undefined): number | undefined {
    return this.#routes.find((route) => route.name === name)?.timeoutMs;
  }
}

function describeTarget(inv: Invocation): string {
  const authority = inv.attachments[':authority'];
  if (authority !== undefined) return `host "${authority}" path "${inv.attachments[':path'] ?? ''}"`;
  return `service "${serviceKeyString(inv.service)}" method "${inv.method}"`;
}

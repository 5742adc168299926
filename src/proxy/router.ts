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
  /** The version and group the caller asked for (blue/green by version). */
  readonly version?: string;
  readonly group?: string;
  /** Attachments equal to these; on the bridge, `x-pmesh-attachment-<name>` headers count too. */
  readonly attachments?: Readonly<Record<string, string>>;
}

/** One cluster of a split route and its share. */
export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
}

export interface RouteSpec extends RoutePolicy {
  readonly name?: string;
  readonly match: RouteMatch;
  readonly cluster: string;
  /** Calls shared by weight among these instead of all going to `cluster`. */
  readonly clusters?: readonly WeightedCluster[];
  readonly timeoutMs?: number;
}

export interface Route {
  readonly name: string;
  /** The route's cluster (a split route's first). */
  readonly cluster: string;
  /** The cluster for one call: `cluster`, or one of a split route's by weight. */
  pickCluster(): string;
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
  const { host, pathPrefix, headers, service, method, version, group, attachments } = spec.match;
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
  if (version !== undefined) checks.push((inv) => inv.service.version === version);
  if (group !== undefined) checks.push((inv) => inv.service.group === group);
  for (const [name, value] of Object.entries(attachments ?? {})) {
    const header = `x-pmesh-attachment-${name.toLowerCase()}`;
    checks.push((inv) => (inv.attachments[name] ?? inv.attachments[header]) === value);
  }
  return {
    name: spec.name ?? `${index}:${spec.cluster}`,
    cluster: spec.cluster,
    pickCluster: spec.clusters ? weightedPick(spec.clusters) : () => spec.cluster,
    timeoutMs: spec.timeoutMs,
    policy: { retry: spec.retry, idempotent: spec.idempotent, rateLimit: spec.rateLimit, fault: spec.fault, mirror: spec.mirror },
    matches: (inv) => checks.every((check) => check(inv)),
  };
}

/** Weighted random choice (Envoy's weighted_clusters): each call independently, so shares hold at any rate. */
function weightedPick(clusters: readonly WeightedCluster[]): () => string {
  const total = clusters.reduce((sum, entry) => sum + entry.weight, 0);
  return () => {
    let at = Math.random() * total;
    for (const entry of clusters) {
      at -= entry.weight;
      if (at < 0) return entry.name;
    }
    return clusters[clusters.length - 1]!.name;
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

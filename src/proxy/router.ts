/**
 * Route matching: the logical level (linkerd). The first of a listener's routes, in
 * config order, whose every condition holds wins. HTTP requests expose their
 * host and path as the pseudo-headers `:authority` and `:path` (HTTP/2's names),
 * so the router needs no protocol knowledge.
 */
import { MeshError, isServiceKeyString, serviceKeyString, type Invocation } from '../core/index.js';
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
  /** Every condition but `service`, which the Router's index decides. */
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
  const { host, pathPrefix, headers, method, version, group, attachments } = spec.match;
  if (host !== undefined) {
    const matchHost = hostMatcher(host);
    checks.push((inv) => matchHost(stripPort(inv.attachments[':authority'] ?? '')));
  }
  if (pathPrefix !== undefined) checks.push((inv) => (inv.attachments[':path'] ?? '').startsWith(pathPrefix));
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase();
    checks.push((inv) => inv.attachments[key] === value);
  }
  // No check for `service`: the Router reaches a route naming a service only through that
  // service's group in its index, which is the check.
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

/**
 * Routes grouped by the service they name, so a call is checked against the routes for its
 * service and the routes that name none, not against every route: 10,000 routes cost what
 * a handful do. Each group keeps config order; the first match overall still wins.
 */
export class Router {
  /** Routes whose match names no service, in config order. */
  readonly #anyService: readonly IndexedRoute[];
  /** Routes by the service string they name (an interface, or `interface:version[:group]`). */
  readonly #byService: ReadonlyMap<string, readonly IndexedRoute[]>;
  /**
   * Routes naming `interface:version[:group]`, by each part of that string before a colon
   * (the interface a call would carry): a call finds them through its interface and compares
   * its version and group in place, building no key string.
   */
  readonly #byKeyPrefix: ReadonlyMap<string, readonly KeyedRoutes[]>;
  readonly #timeouts: ReadonlyMap<string, number | undefined>;

  constructor(specs: readonly RouteSpec[]) {
    const anyService: IndexedRoute[] = [];
    const byService = new Map<string, IndexedRoute[]>();
    const timeouts = new Map<string, number | undefined>();
    specs.forEach((spec, index) => {
      const route = compileRoute(spec, index);
      const indexed = { index, route };
      const service = spec.match.service;
      if (service === undefined) anyService.push(indexed);
      else {
        const group = byService.get(service);
        if (group) group.push(indexed);
        else byService.set(service, [indexed]);
      }
      // The first route of a name decides its timeout, as a scan in order would.
      if (!timeouts.has(route.name)) timeouts.set(route.name, route.timeoutMs);
    });
    this.#anyService = anyService;
    this.#byService = byService;
    this.#byKeyPrefix = indexByKeyPrefix(byService);
    this.#timeouts = timeouts;
  }

  /** The first matching route; a MeshError PMESH_NO_ROUTE naming what was asked for otherwise. */
  route(invocation: Invocation): Route {
    const route = this.find(invocation);
    if (!route) throw this.noRoute(invocation);
    return route;
  }

  /** The first matching route in config order, or undefined. */
  find(invocation: Invocation): Route | undefined {
    const { service } = invocation;
    let best = firstMatch(this.#byService.get(service.interface), invocation);
    if (service.version || service.group) {
      for (const keyed of this.#byKeyPrefix.get(service.interface) ?? []) {
        if (isServiceKeyString(keyed.key, service)) {
          best = earlier(best, firstMatch(keyed.routes, invocation));
          break;
        }
      }
    }
    best = earlier(best, firstMatch(this.#anyService, invocation, best?.index));
    return best?.route;
  }

  noRoute(invocation: Invocation): MeshError {
    return new MeshError('PMESH_NO_ROUTE', `no route for ${describeTarget(invocation)}`);
  }

  timeoutOf(name: string | undefined): number | undefined {
    return name === undefined ? undefined : this.#timeouts.get(name);
  }
}

interface IndexedRoute {
  /** The route's place in config order. */
  readonly index: number;
  readonly route: Route;
}

/** The routes naming one `interface:version[:group]` string. */
interface KeyedRoutes {
  readonly key: string;
  readonly routes: readonly IndexedRoute[];
}

/** Each service string with a colon, under every prefix of it that ends before a colon (an interface may hold one). */
function indexByKeyPrefix(byService: ReadonlyMap<string, readonly IndexedRoute[]>): Map<string, KeyedRoutes[]> {
  const index = new Map<string, KeyedRoutes[]>();
  for (const [key, routes] of byService) {
    for (let colon = key.indexOf(':'); colon !== -1; colon = key.indexOf(':', colon + 1)) {
      const prefix = key.slice(0, colon);
      const group = index.get(prefix);
      if (group) group.push({ key, routes });
      else index.set(prefix, [{ key, routes }]);
    }
  }
  return index;
}

/** The first route of `routes` (in config order) that matches, looking no further than `before`. */
function firstMatch(routes: readonly IndexedRoute[] | undefined, invocation: Invocation, before = Infinity): IndexedRoute | undefined {
  if (!routes) return undefined;
  for (const entry of routes) {
    if (entry.index >= before) return undefined;
    if (entry.route.matches(invocation)) return entry;
  }
  return undefined;
}

function earlier(a: IndexedRoute | undefined, b: IndexedRoute | undefined): IndexedRoute | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.index <= b.index ? a : b;
}

function describeTarget(inv: Invocation): string {
  const authority = inv.attachments[':authority'];
  if (authority !== undefined) return `host "${authority}" path "${inv.attachments[':path'] ?? ''}"`;
  return `service "${serviceKeyString(inv.service)}" method "${inv.method}"`;
}

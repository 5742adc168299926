/**
 * Each listener's router: the routes its config lists, then the routes apps published
 * through this sidecar (ingress). Rebuilt whole on every change; calls in flight keep
 * the router they started with.
 */
import { Router, type RouteSpec } from '../proxy/index.js';

export class ListenerRoutes {
  readonly #routers = new Map<string, Router>();
  /** Routes to apps behind this sidecar, per listener, keyed by publication. */
  readonly #appRoutes = new Map<string, Map<string, RouteSpec>>();
  readonly #configRoutes = new Map<string, readonly RouteSpec[]>();

  router(listener: string): Router {
    return this.#routers.get(listener) ?? new Router([]);
  }

  /** The config's routes for `listener` (a reload). */
  setConfigRoutes(listener: string, routes: readonly RouteSpec[]): void {
    this.#configRoutes.set(listener, routes);
    this.#rebuild(listener);
  }

  /** A listener gone from the config: its router goes; app routes wait for a listener of that name. */
  forget(listener: string): void {
    this.#configRoutes.delete(listener);
    this.#routers.delete(listener);
  }

  setAppRoute(listener: string, key: string, route: RouteSpec): void {
    const routes = this.#appRoutes.get(listener) ?? new Map<string, RouteSpec>();
    routes.set(key, route);
    this.#appRoutes.set(listener, routes);
    this.#rebuild(listener);
  }

  dropAppRoute(listener: string, key: string): void {
    this.#appRoutes.get(listener)?.delete(key);
    this.#rebuild(listener);
  }

  #rebuild(listener: string): void {
    this.#routers.set(listener, new Router([...(this.#configRoutes.get(listener) ?? []), ...(this.#appRoutes.get(listener)?.values() ?? [])]));
  }
}

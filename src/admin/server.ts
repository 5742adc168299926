/**
 * The admin server: read-only views of the running sidecar.
 *   GET /ready     200 once every listener is bound, 503 before and while draining
 *   GET /metrics   Prometheus text
 *   GET /config    the config in force, JSON
 *   GET /clusters  each cluster's endpoints and their health, JSON
 *   GET /ui        the live dashboard (ui/routes.ts), loopback callers only
 * Over HTTPS when given a certificate; with a token, every request must carry it as a bearer
 * token (a 401 otherwise): the guard every API of the sidecar shares (core/api-guard.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { ApiAccess, guardedHttpServer, listenOn, refuseHttpRequest, type ApiGuard } from '../core/index.js';
import type { PrometheusMetrics } from './metrics.js';
import { handleUi, type DashboardSources } from './ui/routes.js';

/** What the admin server may read; it gets snapshots, never the objects that mutate. */
export interface AdminSources {
  ready(): { ready: boolean; listeners: Record<string, string> };
  config(): unknown;
  /** With `workers: N`, asked of the workers (a promise). */
  clusters(): unknown;
  metrics: PrometheusMetrics;
  /** What /metrics exposes when it is not `metrics` alone: with `workers: N`, every process's merged. */
  scrape?(): Promise<Registry>;
  /** The /ui dashboard's views; absent: no dashboard. */
  ui?: DashboardSources;
}

export class AdminServer {
  readonly address: string;
  readonly #server: Server;
  readonly #sources: AdminSources;

  /** `guard`: config admin.tls and admin.tokenFile, files already read. */
  constructor(address: string, sources: AdminSources, guard: ApiGuard = {}) {
    this.address = address;
    this.#sources = sources;
    const access = new ApiAccess('admin API', { token: guard.token, onRefused: (reason) => sources.metrics.controlRefusal('admin', reason) });
    this.#server = guardedHttpServer(guard, access, (req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: String(error) });
      });
    });
    // Garbage and slow heads on the admin port are counted like a listener's, as protocol "admin".
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket) => refuseHttpRequest(error, socket, sources.metrics, 'admin'));
  }

  start(): Promise<void> {
    return listenOn(this.#server, this.address, 'admin');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (req.method !== 'GET') return json(res, 405, { error: `${req.method} is not allowed; the admin API is read-only` });
    if (this.#sources.ui && (path === '/ui' || path.startsWith('/ui/'))) return handleUi(req, res, url, this.#sources.ui);
    switch (path) {
      case '/ready': {
        const state = this.#sources.ready();
        return json(res, state.ready ? 200 : 503, state);
      }
      case '/metrics': {
        const registry = (await this.#sources.scrape?.()) ?? this.#sources.metrics.registry;
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
        return;
      }
      case '/config':
        return json(res, 200, this.#sources.config());
      case '/clusters':
        return json(res, 200, await this.#sources.clusters());
      default:
        return json(res, 404, { error: `no admin page ${path}`, pages: ['/ready', '/metrics', '/config', '/clusters', '/ui'] });
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

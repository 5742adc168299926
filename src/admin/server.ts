/**
 * The admin server: read-only views of the running sidecar.
 *   GET /ready     200 once every listener is bound, 503 before and while draining
 *   GET /metrics   Prometheus text
 *   GET /config    the config in force, JSON
 *   GET /clusters  each cluster's endpoints and their health, JSON
 *   GET /ui        the live dashboard (ui/routes.ts), loopback callers only
 * Over HTTPS when given a certificate; with a token, every request must carry it as a bearer
 * token (a 401 otherwise), compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { listenOn, refuseHttpRequest } from '../core/index.js';
import type { PrometheusMetrics } from './metrics.js';
import { handleUi, type DashboardSources } from './ui/routes.js';

/** What the admin server may read; it gets snapshots, never the objects that mutate. */
export interface AdminSources {
  ready(): { ready: boolean; listeners: Record<string, string> };
  config(): unknown;
  clusters(): unknown;
  metrics: PrometheusMetrics;
  /** The /ui dashboard's views; absent: no dashboard. */
  ui?: DashboardSources;
}

/** How the admin API is guarded (config admin.tls, admin.tokenFile): files already read. */
export interface AdminGuard {
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly token?: string;
}

export class AdminServer {
  readonly address: string;
  readonly #server: Server;
  readonly #sources: AdminSources;

  readonly #token: Buffer | undefined;

  constructor(address: string, sources: AdminSources, guard: AdminGuard = {}) {
    this.address = address;
    this.#sources = sources;
    this.#token = guard.token === undefined ? undefined : Buffer.from(`Bearer ${guard.token}`);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      if (!this.#authorized(req)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'application/json' });
        res.end('{"error":"the admin API needs authorization: Bearer <token>"}');
        return;
      }
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: String(error) });
      });
    };
    this.#server = guard.tls ? createHttpsServer({ cert: guard.tls.cert, key: guard.tls.key }, handler) : createServer(handler);
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

  #authorized(req: IncomingMessage): boolean {
    if (!this.#token) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
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
        const text = await this.#sources.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.#sources.metrics.registry.contentType });
        res.end(text);
        return;
      }
      case '/config':
        return json(res, 200, this.#sources.config());
      case '/clusters':
        return json(res, 200, this.#sources.clusters());
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

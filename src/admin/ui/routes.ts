/**
 * /ui on the admin port: the dashboard page, its bundled files, and the JSON and SSE it
 * reads. Like the admin API it answers loopback callers only, whatever address the admin
 * server was allowed to bind.
 *
 *   GET /ui                      the page (static/index.html)
 *   GET /ui/static/<file>        its modules and styles, from a fixed list
 *   GET /ui/api/topology         listeners, routes, clusters, endpoints, apps, RED per edge
 *   GET /ui/api/registry         registry state, services and providers, publications
 *   GET /ui/api/errors           recent failed calls
 *   GET /ui/api/tap?service=&method=&protocol=&status=   live calls, Server-Sent Events
 *   GET /ui/api/peer?address=host:port&view=topology|registry|errors   another sidecar's view
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { PACKAGE_ROOT, lazyRequire, parseHostPort } from '../../core/index.js';
import { redOf } from './red.js';
import type { TapFilter } from './tap-hub.js';

/** Loaded by the first joined sidecar's view, not at start (most dashboards join none). */
const undici = lazyRequire<typeof import('undici')>('undici');

/** The tap as the dashboard's routes use it: a TapHub, or with `workers: N` the primary's view of every worker's (src/workers/tap.ts). */
export interface TapView {
  readonly subscribers: number;
  readonly maxSubscribers: number;
  /** Starts streaming to `res` (already answered with the SSE head); false when at maxSubscribers. */
  subscribe(res: ServerResponse, filter: TapFilter): boolean;
  recentErrors(): readonly unknown[] | Promise<readonly unknown[]>;
}

export interface TopologyView {
  readonly listeners: unknown;
  readonly clusters: unknown;
  readonly apps: unknown;
}

/** What the dashboard reads; snapshots only, given at once or (gathered from workers) later. */
export interface DashboardSources {
  readonly tap: TapView;
  /** Where the RED numbers are read: this process's metrics, or every process's merged. */
  metrics(): Registry | Promise<Registry>;
  /** This sidecar's admin address, as configured. */
  address(): string;
  topology(): TopologyView | Promise<TopologyView>;
  registry(): unknown;
  /** Configured peer admin addresses (`admin.peers`). */
  peers(): readonly string[];
}

const STATIC: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'topology.js': 'text/javascript; charset=utf-8',
  'tap.js': 'text/javascript; charset=utf-8',
  'tables.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};
/** Served from the sources: the bundle in dist/ holds no static files. */
const STATIC_DIR = join(PACKAGE_ROOT, 'src/admin/ui/static');
const PEER_VIEWS = new Set(['topology', 'registry', 'errors']);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/;
/** A peer's answer bigger than this is refused: a dashboard view is a few hundred KiB at most. */
const MAX_PEER_BYTES = 8 * 1024 * 1024;
const PEER_TIMEOUT_MS = 3_000;

export async function handleUi(req: IncomingMessage, res: ServerResponse, url: URL, ui: DashboardSources): Promise<void> {
  if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) return json(res, 403, { error: 'the dashboard answers loopback callers only' });
  const path = url.pathname;
  if (path === '/ui' || path === '/ui/') return sendStatic(res, 'index.html');
  if (path.startsWith('/ui/static/')) return sendStatic(res, path.slice('/ui/static/'.length));
  switch (path) {
    case '/ui/api/topology':
      return json(res, 200, { self: ui.address(), ...(await ui.topology()), red: await redOf(await ui.metrics()), peers: ui.peers() });
    case '/ui/api/registry':
      return json(res, 200, await ui.registry());
    case '/ui/api/errors':
      return json(res, 200, { errors: await ui.tap.recentErrors() });
    case '/ui/api/tap':
      return tap(res, url, ui.tap);
    case '/ui/api/peer':
      return peer(res, url, ui);
    default:
      return json(res, 404, { error: `no dashboard page ${path}` });
  }
}

async function sendStatic(res: ServerResponse, name: string): Promise<void> {
  const type = STATIC[name];
  if (!type) return json(res, 404, { error: `no dashboard file ${name}` });
  const body = await readFile(join(STATIC_DIR, name));
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(body);
}

function tap(res: ServerResponse, url: URL, hub: TapView): void {
  const param = (name: string): string | undefined => url.searchParams.get(name)?.trim() || undefined;
  const filter: TapFilter = { service: param('service'), method: param('method'), protocol: param('protocol'), status: param('status') };
  if (hub.subscribers >= hub.maxSubscribers) return json(res, 429, { error: 'too many tap streams are open (tap.maxSubscribers)' });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': tapping\n\n');
  if (!hub.subscribe(res, filter)) res.end();
}

/** Another sidecar's view, fetched here so the page needs no cross-origin access. */
async function peer(res: ServerResponse, url: URL, ui: DashboardSources): Promise<void> {
  const address = url.searchParams.get('address') ?? '';
  const view = url.searchParams.get('view') ?? 'topology';
  const parsed = parseHostPort(address);
  if (!parsed || !PEER_VIEWS.has(view)) return json(res, 400, { error: 'address must be host:port and view one of topology, registry, errors' });
  if (!ui.peers().includes(address) && !LOOPBACK.test(parsed.host)) {
    return json(res, 403, { error: `${address} is neither in admin.peers nor a loopback address` });
  }
  try {
    const answer = await undici().request(`http://${address}/ui/api/${view}`, { headersTimeout: PEER_TIMEOUT_MS, bodyTimeout: PEER_TIMEOUT_MS });
    const length = Number(answer.headers['content-length'] ?? 0);
    if (length > MAX_PEER_BYTES) {
      await answer.body.dump();
      return json(res, 502, { error: `${address} answered ${length} bytes, more than ${MAX_PEER_BYTES}` });
    }
    const text = await answer.body.text();
    res.writeHead(answer.statusCode, { 'content-type': 'application/json' });
    res.end(text);
  } catch (error) {
    json(res, 502, { error: `${address}: ${(error as Error).message}` });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

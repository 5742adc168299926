/**
 * The app-facing publish/subscribe API over HTTP/JSON, served on the sidecar's
 * app-facing HTTP listener. An app with no registry SDK says what it provides and
 * asks who provides what:
 *
 *   POST   /v1/services                 publish {service, protocol, port, version?, group?, methods?, metadata?, token?}
 *                                        -> 201 {published, address, token}
 *   DELETE /v1/services/{service}?token= unpublish (?version=&group=&protocol= narrow it; the token may
 *                                        come as the x-pmesh-lease header instead)
 *   GET    /v1/services/{service}       the endpoints of a service (?version=&group=&protocol=)
 *   GET    /v1/services/{service}?watch=sse   the same as server-sent events, one per change
 *
 * This file only speaks HTTP and checks input; what publishing means (the sidecar's
 * own ingress address is registered, and its ingress routes to the app's port) is the
 * `AppRegistry` given to it.
 *
 * Ownership: the token a publish returns is the publication's lease. Publishing the same
 * service, version, group and protocol again, or withdrawing it, takes that token; without
 * it the answer is 403 PMESH_NOT_OWNER. A publish with a token the caller chose (or one it
 * was given before) owns what it publishes under that token, so one app can use one token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { MeshError, type ApiAccess, type Endpoint } from '../core/index.js';
import type { RegistryUpdate, ServiceQuery } from './registry.js';
import { checkQuery } from './validate.js';

export const appPublicationSchema = z
  .object({
    service: z.string().regex(/^[A-Za-z0-9_$.\-]+$/, 'expected a Java interface name'),
    protocol: z.string().regex(/^[a-z][a-z0-9]*$/, 'expected a protocol name such as dubbo or bolt'),
    /** The app's own port on 127.0.0.1, where the sidecar's ingress sends the calls. */
    port: z.number().int().min(1).max(65535),
    version: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    application: z.string().min(1).optional(),
    methods: z.array(z.string().regex(/^[A-Za-z_$][\w$]*$/, 'expected a method name')).optional(),
    metadata: z.record(z.string()).optional(),
    /**
     * What the app itself speaks, when not the published protocol: `http` for an app with
     * no RPC SDK, which the sidecar calls as POST /{service}/{method} with JSON arguments.
     */
    appProtocol: z.literal('http').optional(),
    /** Java signatures of the methods, so answers get their declared types (long, Date...). */
    signatures: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'expected a method name'),
            params: z.array(z.string().min(1).max(1024)).default([]),
            returns: z.string().min(1).max(1024).optional(),
          })
          .strict(),
      )
      .max(1000)
      .optional(),
  })
  .strict();

export type AppPublication = z.infer<typeof appPublicationSchema>;

/** A lease token as callers send it; `internal:` owners (the SOFARPC mesh API) cannot be named by a caller. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** The token a caller sent (undefined if none); PMESH_BAD_REQUEST if it is not one. */
export function callerToken(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !TOKEN.test(value)) throw new MeshError('PMESH_BAD_REQUEST', 'token: expected the token a publish returned (16 to 128 of A-Z a-z 0-9 _ -)');
  return value;
}

/** What publishing means; implemented by src/control/app-publications.ts. */
export interface AppRegistry {
  /**
   * Registers the sidecar's ingress for the app's service for `owner` (a lease token; none
   * makes a new one); resolves with the address published and the owner's token.
   */
  publish(publication: AppPublication, owner?: string): Promise<{ address: string; token: string }>;
  /** Withdraws matching publications, all `owner`'s or none; resolves with how many there were. */
  unpublish(query: ServiceQuery, owner: string | undefined): Promise<number>;
  /** The current endpoint set, or undefined if the registry has none to tell yet. */
  lookup(query: ServiceQuery): Promise<RegistryUpdate | undefined>;
  /** Calls `listener` with the current endpoint set and every change; returns the stop function. */
  watch(query: ServiceQuery, listener: (update: RegistryUpdate) => void): () => void;
}

const PREFIX = '/v1/services';
const STATUS_OF: Partial<Record<string, number>> = { PMESH_BAD_REQUEST: 400, PMESH_NO_ROUTE: 404, PMESH_NOT_OWNER: 403 };
const MAX_BODY = 64 * 1024;

/** Whether a request target is the app API's (`/v1/services...`): a listener hands such requests to handleAppApi. */
export function isAppApiTarget(target: string): boolean {
  // Read as handleAppApi reads it (dot segments resolved), once the cheap test says it may be.
  if (!target.includes('services')) return false;
  try {
    return isAppApiPath(new URL(target, 'http://sidecar').pathname);
  } catch {
    return true; // not a URL at all: left to handleAppApi, as before
  }
}

function isAppApiPath(pathname: string): boolean {
  return pathname === PREFIX || pathname.startsWith(`${PREFIX}/`);
}

/**
 * Handles the request if it is one of ours (after `access` let it in: the listener's token and
 * TLS, beyond loopback); returns false to let the proxy have it.
 */
export function handleAppApi(req: IncomingMessage, res: ServerResponse, api: AppRegistry, access?: ApiAccess): boolean {
  const url = new URL(req.url ?? '/', 'http://sidecar');
  if (!isAppApiPath(url.pathname)) return false;
  if (access && !access.admit(req, res)) return true;
  route(req, res, url, api).catch((error: unknown) => {
    const mesh = MeshError.from(error);
    const status = STATUS_OF[mesh.reason] ?? 500;
    // A stream already answering (SSE) can only be ended; a second head would throw.
    if (res.headersSent) return void res.destroy();
    reply(res, status, { error: mesh.reason, message: mesh.message });
  });
  return true;
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, api: AppRegistry): Promise<void> {
  const service = decodePath(url.pathname.slice(PREFIX.length + 1));
  if (url.pathname === PREFIX && req.method === 'POST') {
    const { token: sent, ...body } = asObject(await readJson(req));
    const publication = parsePublication(body);
    const { address, token } = await api.publish(publication, callerToken(sent));
    return reply(res, 201, { published: publication, address, token });
  }
  if (service === '' || service.includes('/')) throw bad(`expected ${PREFIX}/{service}`);
  const query: ServiceQuery = {
    service,
    version: url.searchParams.get('version') ?? undefined,
    group: url.searchParams.get('group') ?? undefined,
    protocol: url.searchParams.get('protocol') ?? undefined,
  };
  checkQuery(query);
  if (req.method === 'DELETE') {
    // The token in the query, or in the x-pmesh-lease header (the Python client sends both).
    const removed = await api.unpublish(query, callerToken(url.searchParams.get('token') ?? req.headers['x-pmesh-lease']));
    if (removed === 0) throw new MeshError('PMESH_NO_ROUTE', `nothing published for ${service}`);
    return reply(res, 200, { unpublished: removed });
  }
  if (req.method !== 'GET') throw bad(`${req.method} is not allowed on ${url.pathname}`);
  if (url.searchParams.get('watch') === 'sse') return streamUpdates(req, res, query, api);
  const update = await api.lookup(query);
  return reply(res, 200, update ? view(update) : { service, endpoints: [], origin: 'none' });
}

function streamUpdates(req: IncomingMessage, res: ServerResponse, query: ServiceQuery, api: AppRegistry): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const stop = api.watch(query, (update) => res.write(`event: endpoints\ndata: ${JSON.stringify(view(update))}\n\n`));
  req.once('close', stop);
}

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad(`the service in the path is not valid percent-encoding: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

function view(update: RegistryUpdate): { service: string; endpoints: Array<Pick<Endpoint, 'address' | 'weight' | 'metadata'>>; origin: string } {
  return {
    service: update.query.service,
    endpoints: update.endpoints.map((e) => ({ address: e.address, weight: e.weight, metadata: e.metadata })),
    origin: update.origin,
  };
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('invalid publication: (body): expected a JSON object');
  return body as Record<string, unknown>;
}

function parsePublication(body: unknown): AppPublication {
  const parsed = appPublicationSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  throw bad(`invalid publication: ${problems.join('; ')}`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw bad(`body of ${declared} bytes exceeds ${MAX_BODY}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw bad(`body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw bad(`body is not JSON: ${(error as Error).message}`);
  }
}

function bad(message: string): MeshError {
  return new MeshError('PMESH_BAD_REQUEST', message);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * SOFARPC's mesh registry API (registry `mesh`, module registry-mesh of sofastack/sofa-rpc), so an
 * unmodified SOFARPC app joins the mesh by pointing its registry at the sidecar. What the client
 * (MeshRegistry + MeshApiClient, as shipped in sofa-rpc-all 5.13.2) does, and so what we answer:
 *
 *   Every call is a POST with a JSON body (content type text/plain) to the registry address,
 *   e.g. http://127.0.0.1:13330. Any status but 200 counts as failure; a 200 body is read into
 *   a result class whose `success` boolean must be present (a missing primitive fails the
 *   client's reflective JSON binding), `errorMessage` is optional, and other keys are ignored.
 *
 *   POST /configs/application  {appName}                       -> {success}
 *     Sent once before the first publish or subscribe; a failure stops both.
 *   POST /services/publish     {serviceName, protocolType, group, onlyPublishInCloud,
 *                               providerMetaInfo: {protocol, version, serializeType, appName, properties}}
 *                                                              -> {success}
 *     serviceName is `interface:version[:uniqueId]`. 5.13.2 does NOT send the app's port (a later,
 *     unreleased client adds `port`), so the sidecar is told the app's Bolt port in its config
 *     (`sofaMeshApi.appPort`, SOFARPC's default 12200) and a `port` in the body wins when present.
 *   POST /services/unpublish   {serviceName, protocolType, group}  -> {success}
 *   POST /services/subscribe   {serviceName, protocolType, group, targetAppAddress, properties, ...}
 *                                                              -> {serviceName, datas, success}
 *     The client keeps none of the addresses in `datas`: it makes ONE provider,
 *     `<registry host>:12220` (a constant, MeshConstants.TCP_PORT), carrying the URL parameters
 *     of the first entry (p=1 -> bolt, v=4.0). It subscribes once, asynchronously, and never
 *     retries. So we answer success with the Bolt egress as the one entry, and the egress routes
 *     each call by the registry (routeByRegistry), which also covers providers that come later.
 *   POST /services/unsubscribe {serviceName, protocolType, group}  -> {success}
 *
 * Errors answer the same result shape, {success: false, errorMessage}, with a 4xx/5xx status.
 *
 * Ownership: the app publish API makes each publication owned by a lease token, which an
 * unmodified SOFARPC app cannot send. Publications made here belong to one internal owner,
 * the mesh API itself (`SOFA_MESH_OWNER`, a name no caller of the HTTP or gRPC API can send):
 * any SOFARPC app on this host may replace or withdraw what SOFARPC apps published here, as
 * with SOFARPC's own registries, but none can touch what an app published with a token, and
 * no token holder can touch these (403 either way).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { MeshError, parseHostPort, type Logger } from '../core/index.js';
import { appPublicationSchema, type AppRegistry } from './app-api.js';
import type { ServiceQuery } from './registry.js';

export interface SofaMeshDeps {
  readonly apps: AppRegistry;
  /** host:port of the sidecar's Bolt egress listener; undefined when there is none. */
  readonly boltEgress: string | undefined;
  /** The app's own Bolt server port on 127.0.0.1, used when a publish does not carry one. */
  readonly appPort: number;
  readonly log: Logger;
}

/** The owner of every publication made through this API (the ':' keeps callers' tokens from naming it). */
export const SOFA_MESH_OWNER = 'internal:sofa-mesh-api';

/** The port SOFARPC's mesh client always sends its calls to (MeshConstants.TCP_PORT). */
export const SOFA_MESH_BOLT_PORT = 12220;
/** SOFARPC's default mesh API port (MeshConstants.HTTP_PORT). */
export const SOFA_MESH_HTTP_PORT = 13330;

const MAX_BODY = 64 * 1024;
/** Parameters of the subscribe answer: Bolt (p=1, SOFARPC's RemotingConstants.PROTOCOL_BOLT), SOFA 4 service version. */
const PROVIDER_PARAMS = 'v=4.0&p=1';

const serviceName = z
  .string({ required_error: 'required', invalid_type_error: 'expected interface:version[:uniqueId]' })
  .regex(/^[A-Za-z0-9_$.\-]+(:[^:\s]*){0,2}$/, 'expected interface:version[:uniqueId]');
const optionalText = z.string().nullish();
const protocol = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected a protocol name such as bolt').nullish();

// Unknown keys pass: the client sends more than we use (onlyPublishInCloud, vipEnforce, ...).
const applicationSchema = z.object({ appName: optionalText }).passthrough();
const publishSchema = z
  .object({
    serviceName,
    protocolType: protocol,
    group: optionalText,
    port: z.union([z.number().int().min(1).max(65535), z.string().regex(/^\d{1,5}$/, 'expected a port')]).nullish(),
    providerMetaInfo: z
      .object({ protocol, version: optionalText, serializeType: optionalText, appName: optionalText, properties: z.record(z.unknown()).nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough();
const serviceSchema = z.object({ serviceName, protocolType: protocol, group: optionalText }).passthrough();

type Answer = Record<string, unknown>;
type Handler = (body: unknown, deps: SofaMeshDeps) => Promise<Answer>;

const HANDLERS: Readonly<Record<string, Handler>> = {
  '/configs/application': async (body, deps) => {
    const { appName } = parse(applicationSchema, body);
    deps.log.info({ appName }, 'SOFARPC app registered with the mesh API');
    return { success: true };
  },
  '/services/publish': async (body, deps) => {
    const request = parse(publishSchema, body);
    const meta = request.providerMetaInfo ?? undefined;
    const port = request.port === undefined || request.port === null ? deps.appPort : Number(request.port);
    const metadata = Object.fromEntries(Object.entries(meta?.properties ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    // Checked as the HTTP API checks its publications: what is saved must load again after a restart.
    const publication = parse(appPublicationSchema, {
      ...queryOf(request.serviceName, undefined),
      protocol: protocolOf(request.protocolType ?? meta?.protocol),
      port,
      ...(meta?.appName ? { application: meta.appName } : {}),
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    });
    const { address } = await deps.apps.publish(publication, SOFA_MESH_OWNER);
    deps.log.info({ service: request.serviceName, appPort: port, address }, 'SOFARPC app published through the mesh API');
    return { success: true, address };
  },
  '/services/unpublish': async (body, deps) => {
    const request = parse(serviceSchema, body);
    const unpublished = await deps.apps.unpublish(queryOf(request.serviceName, request.protocolType), SOFA_MESH_OWNER);
    deps.log.info({ service: request.serviceName, unpublished }, 'SOFARPC app unpublished through the mesh API');
    // Already gone (health check, restart) is still success: the app wants it withdrawn and it is.
    return { success: true, unpublished };
  },
  '/services/subscribe': async (body, deps) => {
    const request = parse(serviceSchema, body);
    if (protocolOf(request.protocolType) !== 'bolt') throw bad(`protocolType: only bolt calls go through the sidecar, not ${request.protocolType}`);
    if (deps.boltEgress === undefined) {
      throw new MeshError('PMESH_NO_ROUTE', 'this sidecar has no Bolt egress listener (protocol: bolt, not ingress) for SOFARPC apps to call through');
    }
    if (parseHostPort(deps.boltEgress)?.port !== SOFA_MESH_BOLT_PORT) {
      deps.log.warn({ boltEgress: deps.boltEgress }, `SOFARPC's mesh client calls its registry host on port ${SOFA_MESH_BOLT_PORT} whatever is answered; the Bolt egress is elsewhere`);
    }
    deps.log.info({ service: request.serviceName, boltEgress: deps.boltEgress }, 'SOFARPC app subscribed through the mesh API');
    return { serviceName: request.serviceName, datas: [`${deps.boltEgress}?${PROVIDER_PARAMS}`], success: true };
  },
  '/services/unsubscribe': async (body, deps) => {
    const request = parse(serviceSchema, body);
    deps.log.info({ service: request.serviceName }, 'SOFARPC app unsubscribed through the mesh API');
    return { success: true };
  },
};

export const SOFA_MESH_PATHS: readonly string[] = Object.keys(HANDLERS);

/** Answers one request of the SOFARPC mesh API; every answer is JSON in the client's result shape. */
export function handleSofaMeshApi(req: IncomingMessage, res: ServerResponse, deps: SofaMeshDeps): void {
  const path = new URL(req.url ?? '/', 'http://sidecar').pathname;
  const handler = HANDLERS[path];
  if (!handler) {
    req.resume();
    return reply(res, 404, failure(`no SOFARPC mesh API at ${path} (known: ${SOFA_MESH_PATHS.join(', ')})`));
  }
  if (req.method !== 'POST') {
    req.resume();
    return reply(res, 405, failure(`${req.method ?? '?'} is not allowed on ${path}; the mesh API takes POST`));
  }
  readJson(req)
    .then((body) => handler(body, deps))
    .then(
      (answer) => reply(res, 200, answer),
      (error: unknown) => {
        const mesh = MeshError.from(error);
        const status = mesh.reason === 'PMESH_BAD_REQUEST' ? 400 : mesh.reason === 'PMESH_NO_ROUTE' ? 503 : mesh.reason === 'PMESH_NOT_OWNER' ? 403 : 500;
        deps.log.warn({ path, status, err: mesh.message }, 'SOFARPC mesh API request refused');
        reply(res, status, failure(mesh.message));
      },
    );
}

/** `interface:version[:uniqueId]` (SOFARPC's ConfigUniqueNameGenerator) as a registry query; uniqueId is our group. */
function queryOf(name: string, protocolType: string | null | undefined): ServiceQuery {
  const [service = '', version, ...rest] = name.split(':');
  const group = rest.join(':');
  return {
    service,
    ...(version ? { version } : {}),
    ...(group ? { group } : {}),
    ...(protocolType ? { protocol: protocolOf(protocolType) } : {}),
  };
}

/** SOFARPC names protocols in lower case (bolt, dubbo, h2c); missing means its default, bolt. */
function protocolOf(protocolType: string | null | undefined): string {
  return (protocolType ?? 'bolt').toLowerCase();
}

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  throw bad(problems.join('; '));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw bad(`body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw bad('empty body: expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad(`body is not JSON: ${(error as Error).message}`);
  }
}

function bad(message: string): MeshError {
  return new MeshError('PMESH_BAD_REQUEST', message);
}

function failure(errorMessage: string): Answer {
  return { success: false, errorMessage };
}

function reply(res: ServerResponse, status: number, body: Answer): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The shape of pmesh.yaml, validated with zod. Every problem is reported with its
 * path (`listeners[0].address: expected host:port`), never just the first one.
 * Cross-references (a route naming a cluster that does not exist) are checked here
 * too, so a config that validates can be applied.
 */
import { z } from 'zod';
import { parseHostPort } from '../core/index.js';
import { bridgeSchema } from './bridge-schema.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

export const hostPort = z
  .string({ invalid_type_error: 'expected host:port' })
  .refine((text) => parseHostPort(text) !== undefined, { message: 'expected host:port' });

const positiveMs = z.number().int().positive();
const percent = z.number().min(0).max(100);

const matchSchema = z
  .object({
    host: z.string().min(1).optional(),
    pathPrefix: z.string().startsWith('/').optional(),
    headers: z.record(z.string()).optional(),
    service: z.string().min(1).optional(),
    method: z.string().min(1).optional(),
    /** The service version (Dubbo's version, SOFARPC's :version) and group (uniqueId) the caller asked for. */
    version: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    /** Dubbo attachments / SOFARPC request properties (or `x-pmesh-attachment-*` on the bridge) equal to these. */
    attachments: z.record(z.string()).optional(),
  })
  .strict();

/** `route.mirror`: a share of calls copied to a shadow cluster whose answers are dropped. */
const mirrorSchema = z
  .object({
    cluster: z.string().min(1),
    percent: percent.default(100),
    /** Shadow calls in flight at most; a copy beyond is dropped and counted (mirror_dropped). */
    maxInFlight: z.number().int().positive().default(64),
    /** Compare the shadow's answer with the primary's (Dubbo and Bolt answers, read as Java values). */
    compare: z.boolean().default(false),
    /** Field paths left out of the comparison (`name`, `address.city`, `items[0].price`; a path covers what is under it). */
    ignore: z.array(z.string().min(1)).default([]),
    /** How many differences are logged with both values (the rest are only counted). */
    logFirst: z.number().int().min(0).default(10),
  })
  .strict();


const retrySchema = z
  .object({
    /** Tries in all, the first included. */
    attempts: z.number().int().min(1).max(10).default(2),
    perTryTimeoutMs: positiveMs.optional(),
    /** Failures retried after the request was written (idempotent methods only). */
    on: z.array(z.enum(['unavailable', 'timeout', 'reset', 'overloaded'])).default([]),
    budget: z
      .object({ percent: percent.default(20), minPerSecond: z.number().min(0).default(10) })
      .strict()
      .default({}),
  })
  .strict();

const rateLimitSchema = z
  .object({
    perSecond: z.number().positive(),
    /** Calls allowed at once after a quiet spell; default: perSecond (at least 1). */
    burst: z.number().int().positive().optional(),
    /** One bucket per method of the route instead of one for the route. */
    perMethod: z.boolean().default(false),
  })
  .strict();

const faultSchema = z
  .object({
    delay: z.object({ ms: positiveMs, percent }).strict().optional(),
    abort: z
      .object({
        code: z.enum(['unavailable', 'resource_exhausted', 'deadline_exceeded', 'internal', 'permission_denied', 'not_found', 'unknown']),
        percent,
      })
      .strict()
      .optional(),
  })
  .strict();

const routeSchema = z
  .object({
    name: z.string().min(1).optional(),
    match: matchSchema.default({}),
    /** Omitted: the cluster of the service `match.service` names (made if none is configured). */
    cluster: z.string().min(1).optional(),
    /** Instead of `cluster`: clusters sharing the calls by weight (canaries: `[{ name: v1, weight: 90 }, { name: v2, weight: 10 }]`). */
    clusters: z
      .array(z.object({ name: z.string().min(1), weight: z.number().int().min(0) }).strict())
      .min(1)
      .refine((list) => list.some((entry) => entry.weight > 0), { message: 'at least one weight must be above 0' })
      .optional(),
    mirror: mirrorSchema.optional(),
    /** Overall deadline for the call, covering the wait for the response head. */
    timeoutMs: positiveMs.optional(),
    /** Calls never written are retried on another endpoint anyway (attempts 2); this sets the rest. */
    retry: retrySchema.optional(),
    /** Methods safe to run twice: `true` for all, or their names. Only these are retried once written. */
    idempotent: z.union([z.boolean(), z.array(z.string().min(1))]).optional(),
    rateLimit: rateLimitSchema.optional(),
    fault: faultSchema.optional(),
  })
  .strict();

const listenerSchema = z
  .object({
    name: z.string().min(1),
    protocol: z.string().min(1),
    address: hostPort,
    routes: z.array(routeSchema).default([]),
    accessLog: z.boolean().optional(),
    /** Receives calls from other sidecars for the apps behind this one; apps publish through it. */
    ingress: z.boolean().default(false),
    /**
     * Bolt and Dubbo egress: a call no route matches goes to the registry's providers of
     * its service (a cluster made on first use). Off for ingress listeners.
     */
    routeByRegistry: z.boolean().optional(),
    /** The address published for an ingress when it differs from the bound one (NAT, 0.0.0.0). */
    advertise: hostPort.optional(),
  })
  .strict();

export const clusterSchema = z
  .object({
    name: z.string().min(1),
    protocol: z.string().min(1),
    /** Static endpoints; or leave empty and name a `service` to take them from the registry. */
    endpoints: z.array(hostPort).default([]),
    service: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    /**
     * A policy name (`round_robin`, `weighted_random`, `random`, `least_request`, `peak_ewma`,
     * `least_active`, `shortest_response`), or `{ name, ...options }` for one with options
     * (`{ name: consistent_hash, hashOn: { header | attachment | argument }, virtualNodes }`).
     */
    balancer: z
      .union([z.string().min(1), z.object({ name: z.string().min(1) }).passthrough()])
      .default('round_robin'),
    connectTimeoutMs: positiveMs.default(1_000),
    /** HTTP/1: most pooled connections per endpoint. */
    maxConnectionsPerEndpoint: z.number().int().positive().default(64),
    /** Multiplexed protocols (Bolt, Dubbo): connections per endpoint carrying every call. */
    connectionsPerEndpoint: z.number().int().positive().max(64).default(1),
    /** Idle upstream connections are probed this often; dead after `maxMissedHeartbeats`. */
    heartbeatIntervalMs: positiveMs.default(15_000),
    maxMissedHeartbeats: z.number().int().positive().default(3),
    /** Beyond these a call is answered at once as overloaded (Envoy's thresholds and defaults). */
    circuitBreaker: z
      .object({
        maxConnections: z.number().int().positive().default(1024),
        maxPending: z.number().int().positive().default(1024),
        maxRequests: z.number().int().positive().default(1024),
        maxRetries: z.number().int().min(0).default(3),
      })
      .strict()
      .default({}),
    /** Passive health (Envoy's outlier detection and defaults); see docs/traffic.md. */
    outlierDetection: z
      .object({
        consecutiveFailures: z.number().int().positive().default(5),
        /** How often success rates are compared and back-offs decay, ms. */
        interval: positiveMs.default(10_000),
        baseEjectionMs: positiveMs.default(30_000),
        maxEjectionMs: positiveMs.default(300_000),
        maxEjectionPercent: percent.default(10),
        successRate: z
          .object({
            minRequests: z.number().int().positive().default(100),
            minHosts: z.number().int().positive().default(5),
            stdevFactor: z.number().positive().default(1.9),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    /** Active health checks in the protocol's own way (Bolt/Dubbo heartbeat, HTTP GET path); absent: none. */
    healthCheck: z
      .object({
        intervalMs: positiveMs.default(5_000),
        timeoutMs: positiveMs.default(1_000),
        healthyThreshold: z.number().int().positive().default(1),
        unhealthyThreshold: z.number().int().positive().default(3),
        /** HTTP/1 clusters: the path asked; a 2xx is healthy. */
        path: z.string().startsWith('/').optional(),
      })
      .strict()
      .optional(),
    /**
     * Bolt: the Hessian dialect of the requests the bridge makes (HTTP/JSON or gRPC in).
     * `legacy` for Java SOFARPC and sofa-rpc-node's default (hessianVersion 3.0); `final`
     * for a sofa-rpc-node server set to hessianVersion 4.0. Neither reads the other, and a
     * sofa-rpc-node server closes the connection on what it cannot read. Passed-through
     * calls are carried as their callers wrote them, whatever this says.
     */
    sofaHessian: z.enum(['legacy', 'final']).default('legacy'),
  })
  .strict();

/** The registry backend; keys beyond these belong to the backend and are checked by it. */
const registrySchema = z
  .object({
    type: z.string().min(1).default('embedded'),
    /** Snapshot and cache files (embedded publications, last-known endpoints). */
    dataDir: z.string().min(1).default('data'),
  })
  .passthrough()
  .default({});

export const configSchema = z
  .object({
    admin: z.object({ address: hostPort.default('127.0.0.1:15000') }).strict().default({}),
    registry: registrySchema,
    bridge: bridgeSchema,
    logging: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        accessLog: z.boolean().default(true),
      })
      .strict()
      .default({}),
    /** Binding anything but loopback must be asked for (RELIABILITY.md S1). */
    allowNonLoopback: z.boolean().default(false),
    defaults: z
      .object({
        routeTimeoutMs: positiveMs.default(15_000),
        drainTimeoutMs: positiveMs.default(30_000),
        maxHeaderBytes: z.number().int().positive().default(16 * 1024),
        maxBodyBytes: z.number().int().positive().default(64 * 1024 * 1024),
        maxFrameBytes: z.number().int().positive().default(8 * 1024 * 1024),
        /** A binary frame begun and not finished within this time closes its connection. */
        frameReadTimeoutMs: positiveMs.default(10_000),
        /** An app's published port is checked this often; after `appHealthMaxFailures` misses it is withdrawn. */
        appHealthCheckMs: positiveMs.default(5_000),
        appHealthMaxFailures: z.number().int().positive().default(3),
      })
      .strict()
      .default({}),
    listeners: z.array(listenerSchema).default([]),
    clusters: z.array(clusterSchema).default([]),
    /**
     * SOFARPC's mesh registry API, so an unmodified SOFARPC app with registry `mesh` publishes
     * and subscribes through this sidecar (src/registry/sofa-mesh-api.ts). Absent means off;
     * `npm start`'s built-in config turns it on. Its apps call `<this host>:12220`, a constant in
     * their client: give the sidecar a Bolt egress listener there.
     */
    sofaMeshApi: z
      .object({
        address: hostPort.default('127.0.0.1:13330'),
        /**
         * The app's Bolt server port on 127.0.0.1 (SOFARPC's default 12200): SOFARPC 5.13 does not
         * say it when publishing, so the ingress must be told where to send the app's calls.
         */
        appPort: z.number().int().min(1).max(65535).default(12200),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const clusters = new Set<string>();
    config.clusters.forEach((cluster, i) => {
      if (cluster.name.startsWith('app:')) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: 'names starting with "app:" are kept for app publications' });
      }
      if (clusters.has(cluster.name)) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${cluster.name}"` });
      }
      clusters.add(cluster.name);
      if (cluster.service !== undefined && cluster.endpoints.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i], message: 'give endpoints or a service, not both' });
      }
    });
    const listeners = new Set<string>();
    const addresses = new Set<string>([config.admin.address, ...(config.sofaMeshApi ? [config.sofaMeshApi.address] : [])]);
    if (config.sofaMeshApi?.address === config.admin.address) {
      ctx.addIssue({ code: 'custom', path: ['sofaMeshApi', 'address'], message: `address ${config.admin.address} is already used by admin` });
    }
    config.listeners.forEach((listener, i) => {
      if (listeners.has(listener.name)) {
        ctx.addIssue({ code: 'custom', path: ['listeners', i, 'name'], message: `duplicate listener name "${listener.name}"` });
      }
      listeners.add(listener.name);
      if (addresses.has(listener.address)) {
        ctx.addIssue({ code: 'custom', path: ['listeners', i, 'address'], message: `address ${listener.address} is already used` });
      }
      addresses.add(listener.address);
      listener.routes.forEach((route, j) => {
        const at = ['listeners', i, 'routes', j];
        if (route.clusters !== undefined) {
          if (route.cluster !== undefined) ctx.addIssue({ code: 'custom', path: [...at, 'clusters'], message: 'give cluster or clusters, not both' });
          route.clusters.forEach((entry, k) => {
            if (!clusters.has(entry.name)) ctx.addIssue({ code: 'custom', path: [...at, 'clusters', k, 'name'], message: `unknown cluster "${entry.name}"` });
          });
        } else if (route.cluster === undefined) {
          if (route.match.service === undefined) {
            ctx.addIssue({ code: 'custom', path: ['listeners', i, 'routes', j, 'cluster'], message: 'required unless match.service names a service' });
          }
        } else if (!clusters.has(route.cluster)) {
          ctx.addIssue({ code: 'custom', path: ['listeners', i, 'routes', j, 'cluster'], message: `unknown cluster "${route.cluster}"` });
        }
        if (route.mirror !== undefined && !clusters.has(route.mirror.cluster)) {
          ctx.addIssue({ code: 'custom', path: [...at, 'mirror', 'cluster'], message: `unknown cluster "${route.mirror.cluster}"` });
        }
      });
    });
    if (!config.allowNonLoopback) {
      const check = (address: string, path: (string | number)[]): void => {
        const parsed = parseHostPort(address);
        if (parsed && !LOOPBACK.test(parsed.host)) {
          ctx.addIssue({ code: 'custom', path, message: `${parsed.host} is not a loopback address; set allowNonLoopback: true to bind it` });
        }
      };
      check(config.admin.address, ['admin', 'address']);
      if (config.sofaMeshApi) check(config.sofaMeshApi.address, ['sofaMeshApi', 'address']);
      config.listeners.forEach((listener, i) => check(listener.address, ['listeners', i, 'address']));
    }
  });

export type ParsedConfig = z.infer<typeof configSchema>;
/** A config after `resolveServiceRoutes`: every route names its cluster. */
export type MeshConfig = Omit<ParsedConfig, 'listeners'> & {
  listeners: Array<Omit<ParsedConfig['listeners'][number], 'routes'> & { routes: Array<ParsedConfig['listeners'][number]['routes'][number] & { cluster: string }> }>;
};
export type ListenerConfig = MeshConfig['listeners'][number];
export type RouteConfig = ListenerConfig['routes'][number];
export type ClusterConfig = MeshConfig['clusters'][number];
export type RouteMatchConfig = RouteConfig['match'];

/**
 * The shape of pmesh.yaml, validated with zod. Every problem is reported with its
 * path (`listeners[0].address: expected host:port`), never just the first one.
 * Cross-references (a route naming a cluster that does not exist) are checked here
 * too, so a config that validates can be applied.
 */
import { z } from 'zod';
import { parseHostPort } from '../core/index.js';
import { bridgeSchema } from './bridge-schema.js';
import { grpcSchema } from './grpc-schema.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

export const hostPort = z
  .string({ invalid_type_error: 'expected host:port' })
  .refine((text) => parseHostPort(text) !== undefined, { message: 'expected host:port' });

const positiveMs = z.number().int().positive();

const matchSchema = z
  .object({
    host: z.string().min(1).optional(),
    pathPrefix: z.string().startsWith('/').optional(),
    headers: z.record(z.string()).optional(),
    service: z.string().min(1).optional(),
    method: z.string().min(1).optional(),
  })
  .strict();

const routeSchema = z
  .object({
    name: z.string().min(1).optional(),
    match: matchSchema.default({}),
    /** Omitted: the cluster of the service `match.service` names (made if none is configured). */
    cluster: z.string().min(1).optional(),
    /** Overall deadline for the call, covering the wait for the response head. */
    timeoutMs: positiveMs.optional(),
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
     * Bolt, Dubbo and gRPC egress: a call no route matches goes to the registry's providers of
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
    balancer: z.string().default('round_robin'),
    connectTimeoutMs: positiveMs.default(1_000),
    /** HTTP/1: most pooled connections per endpoint. */
    maxConnectionsPerEndpoint: z.number().int().positive().default(64),
    /** Multiplexed protocols (Bolt, Dubbo): connections per endpoint carrying every call. */
    connectionsPerEndpoint: z.number().int().positive().max(64).default(1),
    /** Idle upstream connections are probed this often; dead after `maxMissedHeartbeats`. */
    heartbeatIntervalMs: positiveMs.default(15_000),
    maxMissedHeartbeats: z.number().int().positive().default(3),
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
    grpc: grpcSchema,
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
        if (route.cluster === undefined) {
          if (route.match.service === undefined) {
            ctx.addIssue({ code: 'custom', path: ['listeners', i, 'routes', j, 'cluster'], message: 'required unless match.service names a service' });
          }
        } else if (!clusters.has(route.cluster)) {
          ctx.addIssue({ code: 'custom', path: ['listeners', i, 'routes', j, 'cluster'], message: `unknown cluster "${route.cluster}"` });
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

/**
 * The shape of pmesh.yaml, validated with zod. Every problem is reported with its
 * path (`listeners[0].address: expected host:port`), never just the first one.
 * Cross-references (a route naming a cluster that does not exist) are checked here
 * too, so a config that validates can be applied.
 */
import { z } from 'zod';
import { parseHostPort } from '../core/index.js';
import { bridgeSchema } from './bridge-schema.js';
import { crossCheck } from './cross-checks.js';
import { grpcSchema } from './grpc-schema.js';
import {
  adminTlsSchema,
  adminTokenFileSchema,
  authorizationSchema,
  clusterMtlsSchema,
  clusterTlsSchema,
  identitySchema,
  listenerAppApiSchema,
  listenerTlsSchema,
  sofaMeshApiTlsSchema,
  sofaMeshApiTokenFileSchema,
} from './security-schema.js';
import { registryAclSchema, registryAuthSchema } from './registry-auth-schema.js';
import { routeSchema } from './route-schema.js';
import { tracingSchema } from './tracing-schema.js';
import { percent, positiveMs } from './units.js';

export const hostPort = z
  .string({ invalid_type_error: 'expected host:port' })
  .refine((text) => parseHostPort(text) !== undefined, { message: 'expected host:port' });

/** heap.maxSemiSpaceMiB's default: measured in docs/performance.md (npm run bench -- heap). */
const HEAP_DEFAULT_MAX_SEMI_SPACE_MIB = 8;
/** heap.settleWhenIdleS's default: longer than the pauses between bursts that made it cost CPU (docs/performance.md). */
const HEAP_DEFAULT_SETTLE_WHEN_IDLE_S = 60;

export const autoSchema = z
  .object({
    protocols: z
      .array(z.string().min(1))
      .min(1)
      .default(['bolt', 'dubbo', 'grpc', 'http1'])
      .describe('The protocols told apart by their first bytes, asked in this order; HTTP/2 goes to the first of `grpc` or `triple` listed. Example: `[bolt, dubbo, triple, http1]`'),
    maxSniffBytes: z.number().int().min(3).max(64).default(8).describe('A connection whose first bytes no protocol has claimed by this many is closed and counted.'),
    sniffTimeoutMs: positiveMs.default(5_000).describe('A connection whose protocol is not known this long after it opened (a silent or slow caller) is closed and counted.'),
  })
  .strict();

const listenerSchema = z
  .object({
    name: z.string().min(1).describe('Unique name of the listener. Example: `http-egress`'),
    protocol: z.string().min(1).describe('`http1` (JSON bridge, /v1/services, HTTP proxying), `grpc` (gRPC pass-through; pmesh.v1 Invoker and Registry), `triple` (Dubbo 3 Triple pass-through, routed by version and group), `bolt` (SOFARPC), `dubbo`, or `auto` (one port for several protocols, told apart by their first bytes: see `auto`).'),
    address: hostPort.describe('host:port to bind; loopback only unless `allowNonLoopback`. Example: `127.0.0.1:15001`'),
    routes: z.array(routeSchema).default([]).describe('Where calls go, tried in order.'),
    auto: autoSchema.optional().describe('`protocol: auto` only: which protocols share the port and how long a connection may take to say which it speaks (defaults when absent).'),
    accessLog: z.boolean().optional().describe('One access-log line per call on this listener; default `logging.accessLog`.'),
    /** Receives calls from other sidecars for the apps behind this one; apps publish through it. */
    ingress: z.boolean().default(false).describe('Receives calls from other sidecars for the apps behind this one; apps publish through the ingress of their protocol.'),
    /**
     * Bolt, Dubbo and gRPC egress: a call no route matches goes to the registry's providers of
     * its service (a cluster made on first use). Off for ingress listeners.
     */
    routeByRegistry: z.boolean().optional().describe('Bolt, Dubbo, gRPC and Triple: a call no route matches goes to the registry\'s providers of its service. Default: on, off for an ingress.'),
    scanClasses: z
      .boolean()
      .optional()
      .describe('Bolt and Dubbo: refuse a request whose body names a class on the deny list (gadgets such as com.sun.rowset.JdbcRowSetImpl). Default: on for an ingress, off for egress.'),
    /** The address published for an ingress when it differs from the bound one (NAT, 0.0.0.0). */
    advertise: hostPort.optional().describe('The address registered for an ingress when it differs from the bound one (NAT, 0.0.0.0). Example: `10.0.0.5:20882`'),
    tls: listenerTlsSchema.default({}).describe('mTLS from other sidecars, or TLS to apps with the listener\'s own certificate (docs/security.md).'),
    authorization: authorizationSchema.default([]),
    appApi: listenerAppApiSchema,
  })
  .strict();

export const clusterSchema = z
  .object({
    name: z.string().min(1).describe('Unique name; names starting with `app:` are kept for app publications. Example: `orders`'),
    protocol: z.string().min(1).describe('What the upstream speaks: `http1`, `grpc`, `triple`, `bolt` or `dubbo`. An HTTP/JSON call to a `bolt`, `dubbo` or `triple` cluster goes through the bridge; `triple` providers are found in the registry as `tri://`.'),
    /** Static endpoints; or leave empty and name a `service` to take them from the registry. */
    endpoints: z.array(hostPort).default([]).describe('Static upstream addresses; leave empty and name a `service` to take them from the registry. Example: `[127.0.0.1:20880]`'),
    service: z.string().min(1).optional().describe('Take the endpoints from the registry\'s providers of this service. Example: `com.example.OrderService`'),
    version: z.string().min(1).optional().describe('With `service`: only providers of this version. Example: `1.0.0`'),
    group: z.string().min(1).optional().describe('With `service`: only providers of this group (Dubbo group, SOFARPC uniqueId).'),
    balancer: z
      .union([z.string().min(1), z.object({ name: z.string().min(1) }).passthrough()])
      .default('round_robin')
      .describe(
        'A policy: `round_robin`, `weighted_random` (or `random`), `least_request`, `peak_ewma`, `least_active`, `shortest_response`; or `{ name, ...options }`: `{ name: consistent_hash, hashOn: { header | attachment | argument }, virtualNodes }`. Endpoint weights and warm-up (Dubbo `timestamp`/`warmup`, SOFARPC `startTime`/`warmupTime`) apply.',
      ),
    connectTimeoutMs: positiveMs.default(1_000).describe('Connecting to an endpoint fails after this many ms (503).'),
    /** HTTP/1: most pooled connections per endpoint; gRPC and Triple: most HTTP/2 connections per endpoint. */
    maxConnectionsPerEndpoint: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe('HTTP/1: most pooled connections per endpoint. gRPC and Triple: most HTTP/2 connections per endpoint; another is opened only when every one is at the server\'s SETTINGS_MAX_CONCURRENT_STREAMS.'),
    /** gRPC and Triple: calls waiting for a stream once maxConnectionsPerEndpoint are open and full (grpc-go waits for stream quota). */
    maxPendingStreamsPerEndpoint: z
      .number()
      .int()
      .positive()
      .default(1024)
      .describe(
        'gRPC and Triple: calls that may wait, in order, for a stream to an endpoint when `maxConnectionsPerEndpoint` connections are open and each is at the server\'s SETTINGS_MAX_CONCURRENT_STREAMS. Beyond it, or when its deadline passes while it waits, a call is answered RESOURCE_EXHAUSTED (limits `http2_upstream_pending_streams`, `http2_upstream_stream_wait`).',
      ),
    /** Multiplexed protocols (Bolt, Dubbo): connections per endpoint carrying every call. */
    connectionsPerEndpoint: z.number().int().positive().max(64).default(1).describe('Bolt and Dubbo: multiplexed connections per endpoint carrying every call (at most 64).'),
    /** Idle upstream connections are probed this often; dead after `maxMissedHeartbeats`. */
    heartbeatIntervalMs: positiveMs.default(15_000).describe('Idle Bolt and Dubbo upstream connections are probed this often, ms.'),
    maxMissedHeartbeats: z.number().int().positive().default(3).describe('A connection that misses this many heartbeats in a row is closed and replaced.'),
    circuitBreaker: z
      .object({
        maxConnections: z.number().int().positive().default(1024).describe('Upstream connections across the cluster\'s endpoints.'),
        maxPending: z.number().int().positive().default(1024).describe('Calls waiting for the cluster\'s first endpoints.'),
        maxRequests: z.number().int().positive().default(1024).describe('Calls in flight to the cluster.'),
        maxRetries: z.number().int().min(0).default(3).describe('Retries of written calls in flight to the cluster.'),
      })
      .strict()
      .default({})
      .describe('Beyond these a call is answered at once as overloaded (Envoy\'s thresholds and defaults).'),
    outlierDetection: z
      .object({
        consecutiveFailures: z.number().int().positive().default(5).describe('Failures in a row that eject an endpoint.'),
        interval: positiveMs.default(10_000).describe('How often success rates are compared and back-offs decay, ms.'),
        baseEjectionMs: positiveMs.default(30_000).describe('First ejection, ms; doubled for each ejection in a row.'),
        maxEjectionMs: positiveMs.default(300_000).describe('Longest ejection, ms.'),
        maxEjectionPercent: percent.default(10).describe('Most endpoints ejected at once, percent (always at least one).'),
        successRate: z
          .object({
            minRequests: z.number().int().positive().default(100).describe('Calls an endpoint needs in an interval to be judged.'),
            minHosts: z.number().int().positive().default(5).describe('Endpoints with enough calls needed for the comparison.'),
            stdevFactor: z.number().positive().default(1.9).describe('Ejected below the mean success rate minus this many standard deviations.'),
          })
          .strict()
          .default({})
          .describe('Success-rate ejection (Envoy\'s).'),
      })
      .strict()
      .default({})
      .describe('Passive health: endpoints that fail are ejected for a while (Envoy\'s outlier detection and defaults).'),
    healthCheck: z
      .object({
        intervalMs: positiveMs.default(5_000).describe('How often each endpoint is probed, ms.'),
        timeoutMs: positiveMs.default(1_000).describe('A probe not answered in this many ms fails.'),
        healthyThreshold: z.number().int().positive().default(1).describe('Probes in a row that make an endpoint healthy again.'),
        unhealthyThreshold: z.number().int().positive().default(3).describe('Failed probes in a row that make it unhealthy.'),
        path: z.string().startsWith('/').optional().describe('HTTP/1 clusters: the path asked; a 2xx is healthy.'),
      })
      .strict()
      .optional()
      .describe('Active health checks in the protocol\'s own way (Bolt or Dubbo heartbeat, HTTP GET); absent: none.'),
    mtls: clusterMtlsSchema,
    tls: clusterTlsSchema,
    sofaHessian: z
      .enum(['legacy', 'final'])
      .default('legacy')
      .describe(
        'Bolt: the Hessian dialect of requests the bridge makes. `legacy` for Java SOFARPC and sofa-rpc-node\'s default (hessianVersion 3.0); `final` for a sofa-rpc-node server set to 4.0. Passed-through calls keep their own.',
      ),
  })
  .strict();

/** The registry backend; keys beyond these belong to the backend and are checked by it. */
const registrySchema = z
  .object({
    type: z.string().min(1).default('embedded').describe('`embedded` (in this sidecar, kept in `dataDir`) or `zookeeper` (Dubbo\'s and SOFARPC\'s layouts; its keys are listed below).'),
    /** Snapshot and cache files (embedded publications, last-known endpoints). */
    dataDir: z.string().min(1).default('data').describe('Folder for the registry\'s snapshot, app publications and last-known endpoints, relative to the working directory.'),
    auth: registryAuthSchema,
    acl: registryAclSchema,
  })
  .passthrough()
  .refine((registry) => registry.type === 'zookeeper' || (registry.auth === undefined && registry.acl === undefined), { message: 'auth and acl apply to type zookeeper' })
  .default({})
  .describe('Where services are published and found.');

export const configSchema = z
  .object({
    admin: z
      .object({
        address: hostPort.default('127.0.0.1:15000').describe('host:port of /ready, /metrics, /config, /clusters and the /ui dashboard.'),
        tls: adminTlsSchema,
        tokenFile: adminTokenFileSchema,
        peers: z
          .array(hostPort)
          .max(32)
          .default([])
          .describe('Admin addresses of other sidecars whose topology the /ui dashboard shows beside this one (loopback addresses can also be added in the page).'),
      })
      .strict()
      .default({})
      .describe('The admin HTTP server.'),
    tap: z
      .object({
        redact: z
          .array(z.string().min(1))
          .max(256)
          .default(['password', 'passwd', 'secret', 'token', 'authorization', 'cookie'])
          .describe('Field, attachment and header names (any case) whose values the dashboard tap shows as `***`.'),
        maxSubscribers: z.number().int().positive().max(64).default(4).describe('Dashboard tap streams open at once; more are refused with 429.'),
        maxEventsPerSecond: z.number().int().positive().default(50).describe('Calls the tap captures and decodes per second, all subscribers together; more are not captured.'),
        samplePercent: z.number().min(0).max(100).default(100).describe('Share of matching calls the tap captures (0-100), before the per-second bound.'),
        maxBodyBytes: z.number().int().positive().default(65_536).describe('Bodies larger than this are shown by size only, never decoded by the tap.'),
        subscriberBufferBytes: z.number().int().positive().default(1_048_576).describe('Bytes a tap subscriber may have unread; events past it are dropped and counted (pmesh_tap_events_total{result="dropped"}).'),
        recentErrors: z.number().int().nonnegative().max(10_000).default(100).describe('Failed calls the dashboard keeps for its recent errors view.'),
      })
      .strict()
      .default({})
      .describe('The /ui dashboard\'s live tap of calls: decoding happens only while someone taps, sampled and bounded.'),
    plugins: z
      .array(z.string().min(1))
      .max(64)
      .default([])
      .describe(
        'Modules of protocol plug-ins to load at start, before the config is checked (docs/plugins.md): a path relative to this file (`./protocols/fake.js`) or a package name. Each module\'s default export is a plug-in or a list of them. Read at start: a change takes effect at the next start.',
      ),
    registry: registrySchema,
    bridge: bridgeSchema,
    grpc: grpcSchema,
    logging: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Least severe level logged; the PMESH_LOG_LEVEL environment variable wins over it.'),
        accessLog: z.boolean().default(true).describe('One access-log line per call, on every listener that does not say otherwise.'),
        accessLogQuery: z.boolean().default(false).describe('Access log paths keep their query string; off because queries carry tokens and secrets.'),
      })
      .strict()
      .default({})
      .describe('What the sidecar logs (JSON lines; readable lines on a terminal).'),
    tracing: tracingSchema.optional().describe('Spans for every call, exported over OTLP/HTTP and/or Zipkin v2; W3C, B3 and SOFATracer contexts read and passed on. Absent: off, at no cost.'),
    heap: z
      .object({
        maxSemiSpaceMiB: z
          .number()
          .int()
          .min(1)
          .max(1024)
          .default(HEAP_DEFAULT_MAX_SEMI_SPACE_MIB)
          .describe(
            "Largest size of each of V8's two young-generation semi-spaces, MiB, set at start (docs/performance.md): smaller holds less memory under load for more frequent minor GCs. Which costs less CPU depends on the load: under a saturating one 4 cost 4 to 5 % more per call than 8, under a moderate, steady one (a third of what the sidecar sustains) about 3 % less, with tracing on or off. 16 is V8's own maximum (no cap).",
          ),
        reuseWriteBuffers: z
          .boolean()
          .default(false)
          .describe(
            "Bolt and Dubbo frame copies written in one event-loop turn come from one buffer used again once the turn's writes have left, instead of Node's buffer pool (docs/performance.md, \"What starts the mark-compacts\"): a third to two thirds fewer full GCs and up to a third less CPU per pass-through call under load, for up to 60 MiB more peak RSS in the runs measured.",
          ),
        settleAfterStart: z
          .boolean()
          .default(true)
          .describe(
            'Once ready, two full GCs (1 s and 7 s after) drop the bytecode of code that ran only during the start, compact the old space and give back the idle semi-space: 2 to 3 MiB less RSS at idle for some 30 ms of CPU once (docs/performance.md). `false` leaves it to V8, whose memory reducer does part of it 8 s or more after the start.',
          ),
        settleWhenIdleS: z
          .number()
          .int()
          .min(0)
          .max(86_400)
          .default(HEAP_DEFAULT_SETTLE_WHEN_IDLE_S)
          .describe(
            'Seconds without a GC after a busy spell (at least 10 GCs) before one full GC frees the Buffers of calls long done, shrinks the young generation grown under load and compacts the old space, which V8 leaves in place while the sidecar stays quiet: 10 to 13 MiB less RSS when quiet, for a few mark-compacts more when calls come back (docs/performance.md). Rounded up to the 5 s checks; 0: never.',
          ),
      })
      .strict()
      .default({})
      .describe(
        "The sidecar process's V8 heap (read by `pmesh start` when it starts). The old generation's floor is not here: V8 takes it only on node's command line, which bin/pmesh.js's first line gives (`--initial-old-space-size=32`; docs/performance.md, \"The old generation's floor\").",
      ),
    workers: z
      .union([z.number().int().min(1).max(64), z.literal('auto')])
      .default(1)
      .describe('Event loops serving the listeners (docs/workers.md). 1: one process, as without this field. N > 1: a primary process keeps the registry session, app publications, admin API and config watch, and N forked workers share the listeners. `auto`: one per core.'),
    /** Binding anything but loopback must be asked for (docs/reliability.md). */
    allowNonLoopback: z.boolean().default(false).describe('Binding anything but loopback (127.0.0.0/8, ::1) must be asked for with `true`.'),
    defaults: z
      .object({
        routeTimeoutMs: positiveMs.default(15_000).describe('Deadline of a call whose route sets none, ms (504 when spent).'),
        drainTimeoutMs: positiveMs.default(30_000).describe('On SIGTERM: stop accepting, let calls in flight finish for at most this many ms, exit 0.'),
        maxHeaderBytes: z.number().int().positive().default(16 * 1024).describe('Largest HTTP request head (431 beyond).'),
        maxHeaderCount: z.number().int().positive().default(100).describe('Most header fields in one HTTP/1 request (431 beyond, counted as `max_header_count`).'),
        maxBodyBytes: z.number().int().positive().default(64 * 1024 * 1024).describe('Largest HTTP request body (413 beyond).'),
        maxFrameBytes: z.number().int().positive().default(8 * 1024 * 1024).describe('Largest Bolt or Dubbo frame, checked from its header before it is buffered.'),
        /** A binary frame begun and not finished within this time closes its connection. */
        frameReadTimeoutMs: positiveMs.default(10_000).describe('A Bolt or Dubbo frame not whole within this many ms of its first byte closes its connection (a trickle too).'),
        /** An app's published port is checked this often; after `appHealthMaxFailures` misses it is withdrawn. */
        appHealthCheckMs: positiveMs.default(5_000).describe('An app\'s published port is checked (TCP connect) this often, ms.'),
        appHealthMaxFailures: z.number().int().positive().default(3).describe('After this many failed checks in a row the app\'s publications are withdrawn.'),
        headersTimeoutMs: positiveMs.max(300_000).default(10_000).describe('An HTTP/1 request head not whole within this many ms is answered 408 and closed.'),
        requestTimeoutMs: positiveMs
          .max(3_600_000)
          .default(300_000)
          .describe('An HTTP/1 request (head and body) not received whole within this many ms of its first byte is answered 408 and closed (counted as `request_timeout_ms`); a value below `headersTimeoutMs` is raised to it. Not applied once the reply has begun (an upstream may answer before the body ends).'),
        keepAliveTimeoutMs: positiveMs.max(600_000).default(5_000).describe('An HTTP/1 keep-alive connection idle this many ms between requests is closed.'),
        maxConnectionsPerListener: z.number().int().positive().default(10_000).describe('Open connections per Bolt, Dubbo or HTTP/1 listener; one more is closed at once. With `workers: N`, each worker\'s (docs/workers.md).'),
        maxPartialFrameBytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024 * 1024)
          .describe('Bytes held in unfinished Bolt and Dubbo frames, all connections together; the connection that would pass it is closed. With `workers: N`, each worker\'s.'),
        maxOnDemandClusters: z.number().int().positive().default(1_000).describe('Registry clusters made on demand for egress calls no route matched; the least recently used goes first.'),
        onDemandClusterIdleMs: positiveMs.default(600_000).describe('An on-demand cluster unused this long is dropped (made again at its next call).'),
        maxMetricLabelValues: z.number().int().positive().default(2_000).describe('Distinct values each of the route, cluster, service, method and endpoint metric labels takes; later ones are counted as `other`.'),
        registryEmptyGraceMs: z.number().int().nonnegative().default(10_000).describe('After a registry reconnect or new session, an empty provider list keeps the last known endpoints this long.'),
      })
      .strict()
      .default({})
      .describe('Limits and timeouts for every listener and call.'),
    identity: identitySchema.optional().describe('This sidecar\'s workload identity for mTLS between sidecars; absent: no mTLS (docs/security.md).'),
    listeners: z.array(listenerSchema).default([]).describe('Ports the sidecar serves, each with one protocol.'),
    clusters: z.array(clusterSchema).default([]).describe('Upstreams calls are routed to.'),
    /**
     * SOFARPC's mesh registry API, so an unmodified SOFARPC app with registry `mesh` publishes
     * and subscribes through this sidecar (src/registry/sofa-mesh-api.ts). Absent means off;
     * `npm start`'s built-in config turns it on. Its apps call `<this host>:12220`, a constant in
     * their client: give the sidecar a Bolt egress listener there.
     */
    sofaMeshApi: z
      .object({
        address: hostPort.default('127.0.0.1:13330').describe('host:port of the mesh registry API (SOFARPC\'s default 13330).'),
        /**
         * The app's Bolt server port on 127.0.0.1 (SOFARPC's default 12200): SOFARPC 5.13 does not
         * say it when publishing, so the ingress must be told where to send the app's calls.
         */
        appPort: z.number().int().min(1).max(65535).default(12200).describe('The SOFARPC app\'s own Bolt server port on 127.0.0.1, where the ingress sends its calls.'),
        tls: sofaMeshApiTlsSchema,
        tokenFile: sofaMeshApiTokenFileSchema,
      })
      .strict()
      .optional()
      .describe('SOFARPC\'s mesh registry API, so an unmodified SOFARPC app with registry `mesh` joins the mesh. Absent: off (the built-in config turns it on). Its apps call `<this host>:12220`: give the sidecar a Bolt listener there.'),
  })
  .strict()
  // Checks across sections live in cross-checks.ts: load.ts also runs them on a file the schema refused.
  .superRefine((config, ctx) => crossCheck(config, (path, message) => ctx.addIssue({ code: 'custom', path, message })))
  // The bridge's body limit follows the frame limit unless set: a body past it would make a frame past it.
  .transform((config) => ({ ...config, bridge: { ...config.bridge, maxBodyBytes: config.bridge.maxBodyBytes ?? config.defaults.maxFrameBytes } }));

export type ParsedConfig = z.infer<typeof configSchema>;
/** A config after `resolveServiceRoutes`: every route names its cluster. */
export type MeshConfig = Omit<ParsedConfig, 'listeners'> & {
  listeners: Array<Omit<ParsedConfig['listeners'][number], 'routes'> & { routes: Array<ParsedConfig['listeners'][number]['routes'][number] & { cluster: string }> }>;
};
export type ListenerConfig = MeshConfig['listeners'][number];
export type RouteConfig = ListenerConfig['routes'][number];
export type ClusterConfig = MeshConfig['clusters'][number];
export type RouteMatchConfig = RouteConfig['match'];

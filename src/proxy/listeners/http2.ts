/**
 * The listener of the `node:http2` transport (src/core/protocol.ts), after gRPC's wire:
 * cleartext HTTP/2 (h2c, prior knowledge) or HTTP/2 over TLS, served by the sidecar's
 * own HTTP/2 frame relay (src/proxy/h2-frames) rather than node:http2, whose per-stream
 * objects cost ten times what the relay does (docs/grpc.md, Performance). Every stream
 * becomes an Invocation (service and method from `:path`, headers, the deadline) and goes
 * through the filter chain like any call; the cluster's upstream (upstream/http2.ts) opens
 * the upstream stream on a relay connection and the relay joins the two streams, DATA
 * passing with only its stream id rewritten. The protocol plug-in's server codec names
 * the headers, statuses and message framing. Limits and flood protections are checked
 * by the relay, at the edge, and counted in pmesh_limit_exceeded_total.
 *
 * The built-in services `pmesh.v1.*` (the Invoke bridge and the registry API) stay on
 * this port: they are served by grpc-js (built-in-api.ts) bound on a private unix socket
 * of this process, and their streams are passed to it by the same relay as any upstream,
 * skipping routing. A unix socket, unlike a loopback port, cannot be reached from outside
 * the host nor taken by another process. grpc-js is loaded and that server started by the
 * first call to a built-in service, so a sidecar whose apps never call one does not carry
 * grpc-js (about 10 MB).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cancel, Code, DeadlineTimers, MeshError, fieldOf, isTls, listenOn, makeEndpoint, type ApiAccess, type Endpoint, type Logger, type MeshMetrics, type Result, type StreamClientCodec, type StreamServerCodec } from '../../core/index.js';
import { answeringHandler, type CallAnswer, type CallContext, type Handler } from '../filter.js';
import type { RelayCall, RelayWire } from '../h2-frames/relay-call.js';
import { RelayServerConnection, type FrameRelayOptions } from '../h2-frames/relay-server.js';
import type { FloodLimits } from '../h2-frames/relay-guard.js';
import { RELAYED_BODY } from '../upstream/h2-relay-reply.js';
import { Http2Upstream } from '../upstream/http2.js';
import type { BuiltInApiServer, GrpcServiceBinding } from './built-in-api.js';
import { InFlight } from './in-flight.js';
import type { Listener } from './listener.js';
import { peerOf, secureConnections, type IngressTlsOptions } from '../transport/index.js';
import { ReplayedSocket } from './replayed-socket.js';

/** The gRPC and HTTP/2 limits of a listener (config section `grpc`, src/config/grpc-schema.ts, has the defaults). */
export interface GrpcLimits extends FloodLimits {
  readonly maxMessageBytes: number;
  readonly maxConcurrentStreams: number;
  readonly maxHeaderListBytes: number;
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly upstreamRetryBufferBytes: number;
}

/** A relayed call's context: the relay call rides in it, so the stack's answer finds it. */
interface RelayContext extends CallContext {
  readonly relay: RelayCall;
}

export interface Http2ListenerOptions {
  readonly name: string;
  /** The protocol plug-in's name (the `protocol:` of the listener). */
  readonly protocol: string;
  readonly codec: StreamServerCodec;
  /** The same plug-in's client codec: the built-in services are reached through it. */
  readonly clientCodec: StreamClientCodec;
  readonly address: string;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly grpc: GrpcLimits;
  /** More built-in services on the same port (the registry API). */
  readonly grpcServices?: readonly GrpcServiceBinding[];
  /** mTLS under the listener (transport/ingress.ts). */
  readonly tls?: IngressTlsOptions;
  /** Who may call the built-in services, or `off`: not served here. */
  readonly appApi?: ApiAccess | 'off';
}

/** The service prefix of the built-in services' calls (`:path` `/pmesh.v1.*`). */
const BUILT_IN_SERVICE = 'pmesh.v1.';
/** After a drain runs out: how long the calls answered with PMESH_DRAINING get for their trailers to leave. */
const DRAIN_REPLY_MS = 1_000;
const CALLER_GONE = new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller cancelled the call');

/** The relay's view of a protocol on gRPC's wire, from its server codec. */
function wireOf(codec: StreamServerCodec): RelayWire {
  const flat = (trailers: Record<string, unknown>): string[] => {
    const out: string[] = [];
    for (const name in trailers) out.push(name, String(trailers[name]));
    return out;
  };
  return {
    contentType: codec.contentType,
    errorHeaders: (error) => flat(codec.errorTrailers(error)),
    resetCodeOf: (error) => codec.resetCodeOf(codec.statusOf(codec.errorTrailers(error))),
    messageBoundaries: (maxBytes, direction) => codec.messageBoundaries(maxBytes, direction),
  };
}

export class Http2Listener implements Listener {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly #options: Http2ListenerOptions;
  readonly #server: Server;
  readonly #relay: FrameRelayOptions;
  readonly #connections = new Set<RelayServerConnection>();
  /** Calls dispatched and not yet over (the calls themselves are in their connections' stream tables, which a drain that runs out answers). */
  readonly #inFlight = new InFlight();
  /** Every call's grpc-timeout, on one timer. */
  readonly #deadlines = new DeadlineTimers();
  /**
   * The built-in server's unix socket and the upstream to it, made by the first call to a
   * built-in service: its random name, made at start, loaded node:crypto (dozens of internal
   * modules, 0.5 MiB) into every sidecar with a gRPC listener (the bundle loads it on first use).
   */
  #socketPath: string | undefined;
  #builtInUpstream: Http2Upstream | undefined;
  #builtIn: BuiltInApiServer | undefined;
  /** The built-in services' server being started (by the first call to one), or started: then the upstream to it. */
  #builtInStarted: Promise<Http2Upstream> | undefined;
  readonly #builtInEndpoint: Endpoint = makeEndpoint('127.0.0.1:1', { source: 'static' });
  /** The stack, as configured (the built-in services' server calls it too). */
  #handler: Handler;
  /** The stack as this listener calls it: it answers the relayed call itself (#answerer). */
  #entry: Handler;
  readonly #stopTls: () => void;

  constructor(options: Http2ListenerOptions) {
    this.name = options.name;
    this.protocol = options.protocol;
    this.address = options.address;
    this.#options = options;
    this.#handler = options.handler;
    this.#entry = answeringHandler(options.handler);
    this.#relay = {
      wire: wireOf(options.codec),
      limits: options.grpc,
      dispatch: (call, headers, endStream, connection) => this.#dispatch(call, headers, connection),
      onCallEnd: (call) => this.#onCallEnd(call),
      onLimit: (limit) => options.metrics.limitExceeded(limit),
      onClose: (connection, error) => this.#onClose(connection, error),
    };
    this.#server = createServer((socket) => this.#accept(socket));
    // HTTP/2 over TLS is known by ALPN `h2` (RFC 9113 section 3.2).
    this.#stopTls = secureConnections(this.#server, options.tls, {
      listener: this.name,
      metrics: options.metrics,
      log: options.log,
      alpn: ['h2'],
      replay: (socket, head) => new ReplayedSocket(socket, head),
    });
  }

  get inFlight(): number {
    return this.#inFlight.count;
  }

  setHandler(handler: Handler): void {
    this.#handler = handler;
    this.#entry = answeringHandler(handler);
    this.#builtIn?.setHandler(handler);
  }

  async start(): Promise<void> {
    await listenOn(this.#server, this.address, `listener ${this.name}`);
  }

  /** A connection the auto listener accepted, `head` its first bytes, already read. */
  accept(socket: Socket, head: Buffer): void {
    this.#accept(socket, head);
  }

  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#stopTls();
    // GOAWAY: callers open no new streams here; those in flight may finish within the drain.
    for (const connection of this.#connections) connection.drain();
    await this.#inFlight.drained(drainMs);
    if (this.#inFlight.count > 0) {
      const overrun = new MeshError('PMESH_DRAINING', `the sidecar is shutting down and the call did not finish within its drain of ${drainMs} ms`);
      // A call leaves its connection's table as it ends: those left are the calls not over.
      for (const connection of this.#connections) for (const leg of [...connection.streams.values()]) leg.call.fail(overrun);
      // Let the trailers go out before the connections are cut.
      await this.#inFlight.drained(DRAIN_REPLY_MS);
    }
    for (const connection of this.#connections) connection.conn.destroy();
    await this.#builtInUpstream?.close();
    await this.#builtInStarted?.catch(() => {});
    await this.#builtIn?.close(0);
    await closed;
    if (this.#socketPath) rmSync(this.#socketPath, { force: true });
  }

  #accept(socket: Socket, head?: Buffer): void {
    this.#options.metrics.connectionOpened(this.name);
    socket.on('error', () => {});
    this.#connections.add(new RelayServerConnection(socket, this.#relay, head));
  }

  #onClose(connection: RelayServerConnection, error: Error | undefined): void {
    if (!this.#connections.delete(connection)) return;
    this.#options.metrics.connectionClosed(this.name);
    // Connections that are not HTTP/2 or break its framing (garbage on the port) are counted.
    if (error && 'code' in error && typeof error.code === 'number') this.#options.metrics.codecError(this.protocol, 'ERR_HTTP2_ERROR', 'downstream');
  }

  #dispatch(call: RelayCall, flat: readonly string[], connection: RelayServerConnection): void {
    const startedAt = performance.now();
    const options = this.#options;
    const socket = connection.conn.socket as Socket;
    // Every field the chain sets is named here: the object is made with room for them all, rather than
    // given a property backing store (and its regrowths) when the router, cluster and timeout add theirs.
    const ctx: RelayContext = {
      listener: this.name,
      startedAt,
      log: options.log,
      cancel: new Cancel(),
      peer: peerOf(socket),
      route: undefined,
      cluster: undefined,
      policy: undefined,
      tried: undefined,
      endpoint: undefined,
      deadline: undefined,
      deadlineKept: undefined,
      error: undefined,
      tap: undefined,
      span: undefined,
      ends: undefined,
      attemptBook: undefined,
      attemptStartedAt: undefined,
      answerTo: undefined,
      relay: call,
    };
    call.owner = ctx;
    this.#inFlight.begin();
    const notACall = options.codec.refusal(flat);
    if (notACall !== undefined) {
      call.fail(new MeshError('PMESH_BAD_REQUEST', notACall));
      return;
    }
    const invocation = options.codec.toInvocation(flat, RELAYED_BODY, startedAt);
    // The built-in services (`/pmesh.v1.*`), unless turned off here (their calls are then routed as any other), and to whom the guard admits.
    const appApi = options.appApi;
    const builtIn = appApi !== 'off' && invocation.service.interface.startsWith(BUILT_IN_SERVICE);
    const notAdmitted = builtIn ? appApi?.check({ authorization: fieldOf(flat, 'authorization'), tls: isTls(socket) }) : undefined;
    if (notAdmitted) {
      call.fail(notAdmitted);
      return;
    }
    // The frame is this call's own object (made by toInvocation): the relay call rides in it to the upstream.
    (invocation.frame as { relay?: RelayCall }).relay = call;
    if (invocation.deadline !== undefined) {
      call.setDeadline(invocation.deadline, this.#deadlines);
      // One timer for the call: the timeout filter shares this one when the caller's deadline is the call's.
      ctx.deadlineKept = call;
    }
    if (builtIn) {
      this.#startBuiltIn()
        .then((upstream) => upstream.call(this.#builtInEndpoint, invocation, ctx))
        .then(
          (result) => this.#replied(call, result),
          (error: unknown) => this.#failed(call, MeshError.from(error)),
        );
      return;
    }
    // The stack answers the call through `ctx.answerTo` (filter.ts, CallAnswer): nothing to chain on its promise.
    ctx.answerTo = this.#answerer;
    try {
      void this.#entry(invocation, ctx);
    } catch (error) {
      this.#failed(call, MeshError.from(error));
    }
  }

  /** Told each relayed call's outcome by the stack, once (one object for the listener, not closures per call). */
  readonly #answerer: CallAnswer = {
    answer: (ctx, result, error) => {
      const call = (ctx as RelayContext).relay;
      if (error === undefined) this.#replied(call, result!);
      else this.#failed(call, error);
    },
  };

  #replied(call: RelayCall, result: Result): void {
    // The relay writes the reply itself; a Result from anything else cannot be written here.
    if (result.body.kind === 'stream' && result.body.stream === RELAYED_BODY) return;
    this.#failed(call, new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', 'the cluster answered a gRPC call with a reply that is not gRPC'));
  }

  #failed(call: RelayCall, error: MeshError): void {
    if (call.ended || call.down.localEnded) return;
    const code = error.code;
    const ctx = call.owner as CallContext;
    const level = code === Code.UNAVAILABLE || code === Code.INTERNAL || code === Code.DEADLINE_EXCEEDED ? 'warn' : 'debug';
    ctx.log[level]({ reason: error.reason, err: error.message, cluster: ctx.cluster, endpoint: ctx.endpoint }, 'call failed');
    call.fail(error);
  }

  #onCallEnd(call: RelayCall): void {
    const ctx = call.owner as CallContext | undefined;
    // Not dispatched (refused by a limit first): never counted. A call ends once (RelayCall.end).
    if (ctx === undefined) return;
    this.#inFlight.end();
    // A call that did not end with the upstream's own status: whatever still works for it stops.
    if (call.failure || call.callerGone) ctx.cancel.abort(call.failure ?? CALLER_GONE);
  }

  /** The upstream to the built-in services' server, once that is started. */
  #startBuiltIn(): Promise<Http2Upstream> {
    if (!this.#builtInStarted) {
      const socketPath = (this.#socketPath = join(tmpdir(), `pmesh-grpc-${process.pid}-${randomBytes(6).toString('hex')}.sock`));
      const options = this.#options;
      const upstream = (this.#builtInUpstream = new Http2Upstream({
        protocol: options.protocol,
        codec: options.clientCodec,
        cluster: `${options.name}:built-in`,
        connectTimeoutMs: 1_000,
        maxConnectionsPerEndpoint: 4,
        // grpc-js serves 100 streams a connection: 400 in flight, then the callers wait.
        maxPendingStreamsPerEndpoint: 1024,
        retryBufferBytes: options.grpc.upstreamRetryBufferBytes,
        keepaliveMs: options.grpc.keepaliveMs,
        keepaliveTimeoutMs: options.grpc.keepaliveTimeoutMs,
        metrics: options.metrics,
        socketPath,
      }));
      this.#builtInStarted = import('./built-in-api.js').then(async ({ BuiltInApiServer }) => {
        this.#builtIn = new BuiltInApiServer({ ...options, handler: this.#handler, address: `unix:${socketPath}` });
        await this.#builtIn.start();
        return upstream;
      });
    }
    return this.#builtInStarted;
  }
}

/**
 * The listener of the `node:http2` transport (src/core/protocol.ts), after gRPC's
 * wire: cleartext HTTP/2 (h2c, prior knowledge) on node:http2; the protocol plug-in's
 * server codec names the headers, statuses and message framing. Every
 * stream becomes an Invocation (service and method from `:path`, headers, the
 * `grpc-timeout` deadline, the request stream as its body) and goes through the
 * filter chain like any call; a gRPC cluster passes it through without decoding a
 * message (upstream/http2.ts). Limits and flood protections are checked here, at the
 * edge (http2-guard.ts), and counted in pmesh_limit_exceeded_total.
 *
 * The built-in services `pmesh.v1.*` (the Invoke bridge and the registry API) stay on
 * this port: they are served by grpc-js (built-in-api.ts) bound on a private unix socket
 * of this process, and their streams are passed to it by the same HTTP/2 pass-through
 * as any upstream, skipping routing. That keeps one HTTP/2 server on the public port
 * (one set of limits, one drain) and grpc-js unchanged; a unix socket, unlike a
 * loopback port, cannot be reached from outside the host nor taken by another process.
 * grpc-js is loaded and that server started by the first call to a built-in service, so a
 * sidecar whose apps never call one does not carry grpc-js (about 10 MB).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cancel, MeshError, isTls, listenOn, makeEndpoint, type ApiAccess, type Endpoint, type Logger, type MeshMetrics, type StreamClientCodec, type StreamServerCodec } from '../../core/index.js';
import type { CallContext, Handler } from '../filter.js';
import { openConnectionWindow } from '../upstream/h2-window.js';
import { Http2Upstream } from '../upstream/http2.js';
import { Http2Call } from './http2-call.js';
import type { BuiltInApiServer, GrpcServiceBinding } from './built-in-api.js';
import { Http2Guard, type Http2FloodLimits } from './http2-guard.js';
import { InFlight } from './in-flight.js';
import type { Listener } from './listener.js';
import { peerOf, secureConnections, type IngressTlsOptions } from '../transport/index.js';
import { ReplayedSocket } from './replayed-socket.js';

/** The gRPC and HTTP/2 limits of a listener (config section `grpc`, src/config/grpc-schema.ts, has the defaults). */
export interface GrpcLimits extends Http2FloodLimits {
  readonly maxMessageBytes: number;
  readonly maxConcurrentStreams: number;
  readonly maxHeaderListBytes: number;
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
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

const BUILT_IN = 'pmesh.v1.';
/** RFC 7541 section 4.1: each header costs its name, its value and 32 bytes. */
const HEADER_OVERHEAD = 32;
/** Node's per-session memory bound, in MB (grpc-js's default is off: docs/reliability.md). */
const SESSION_MEMORY_MB = 10;
/** After a drain runs out: how long the calls answered with PMESH_DRAINING get for their trailers to leave. */
const DRAIN_REPLY_MS = 1_000;

interface SessionState {
  readonly guard: Http2Guard;
  active: number;
}

export class Http2Listener implements Listener {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly #options: Http2ListenerOptions;
  readonly #limits: GrpcLimits;
  readonly #server: Http2Server;
  readonly #sessions = new Map<ServerHttp2Session, SessionState>();
  readonly #inFlight = new InFlight();
  /** Calls not yet answered, so a drain that runs out can answer them instead of cutting them. */
  readonly #open = new Map<Http2Call, CallContext>();
  readonly #socketPath = join(tmpdir(), `pmesh-grpc-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
  #builtIn: BuiltInApiServer | undefined;
  /** The built-in services' server being started (by the first call to one), or started. */
  #builtInStarted: Promise<void> | undefined;
  readonly #builtInUpstream: Http2Upstream;
  readonly #builtInEndpoint: Endpoint = makeEndpoint('127.0.0.1:1', { source: 'static' });
  #handler: Handler;

  constructor(options: Http2ListenerOptions) {
    this.name = options.name;
    this.protocol = options.protocol;
    this.address = options.address;
    this.#options = options;
    this.#handler = options.handler;
    const limits = (this.#limits = options.grpc);
    this.#builtInUpstream = new Http2Upstream({
      protocol: options.protocol,
      codec: options.clientCodec,
      cluster: `${options.name}:built-in`,
      connectTimeoutMs: 1_000,
      maxConnectionsPerEndpoint: 4,
      keepaliveMs: limits.keepaliveMs,
      keepaliveTimeoutMs: limits.keepaliveTimeoutMs,
      socketPath: this.#socketPath,
    });
    this.#server = createServer({
      maxSessionMemory: SESSION_MEMORY_MB,
      // Twice the limit is let through nghttp2 so the exact check below can answer with a reason.
      maxHeaderListPairs: 256,
      settings: { maxConcurrentStreams: limits.maxConcurrentStreams, maxHeaderListSize: limits.maxHeaderListBytes * 2 },
    });
    // No Nagle: replies' HEADERS and trailers are small writes that must not wait for an ACK.
    this.#server.on('connection', (socket: Socket) => socket.setNoDelay(true));
    this.#server.on('session', (session) => this.#onSession(session));
    this.#server.on('stream', (stream, headers) => this.#onStream(stream, headers));
    // Connections that are not HTTP/2 or break its framing (garbage on the port) are counted.
    this.#server.on('sessionError', (error: NodeJS.ErrnoException) =>
      this.#options.metrics.codecError(this.protocol, error.code ?? 'ERR_HTTP2_ERROR', 'downstream'),
    );
    // HTTP/2 over TLS is known by ALPN `h2` (RFC 9113 section 3.2); node:http2 serves it on a TLS socket only then.
    this.#stopTls = secureConnections(this.#server, options.tls, {
      listener: this.name,
      metrics: options.metrics,
      log: options.log,
      alpn: ['h2'],
      replay: (socket, head) => new ReplayedSocket(socket, head),
    });
  }

  readonly #stopTls: () => void;

  get inFlight(): number {
    return this.#inFlight.count;
  }

  setHandler(handler: Handler): void {
    this.#handler = handler;
    this.#builtIn?.setHandler(handler);
  }

  async start(): Promise<void> {
    await listenOn(this.#server, this.address, `listener ${this.name}`);
  }

  /** A connection the auto listener accepted, `head` its first bytes, already read. */
  accept(socket: Socket, head: Buffer): void {
    this.#server.emit('connection', new ReplayedSocket(socket, head));
  }

  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#stopTls();
    // GOAWAY: callers open no new streams here; those in flight may finish within the drain.
    for (const session of this.#sessions.keys()) if (!session.closed) session.close();
    await this.#inFlight.drained(drainMs);
    if (this.#open.size > 0) {
      const overrun = new MeshError('PMESH_DRAINING', `the sidecar is shutting down and the call did not finish within its drain of ${drainMs} ms`);
      for (const [call, ctx] of this.#open) {
        ctx.cancel.abort(overrun);
        call.fail(overrun);
      }
      // Let the trailers go out before the sessions are cut.
      await this.#inFlight.drained(DRAIN_REPLY_MS);
    }
    for (const session of this.#sessions.keys()) session.destroy();
    await this.#builtInUpstream.close();
    await this.#builtInStarted?.catch(() => {});
    await this.#builtIn?.close(0);
    await closed;
    rmSync(this.#socketPath, { force: true });
  }

  #onSession(session: ServerHttp2Session): void {
    this.#options.metrics.connectionOpened(this.name);
    openConnectionWindow(session);
    const state: SessionState = { guard: new Http2Guard(session, this.#limits, this.#options.metrics, () => state.active === 0), active: 0 };
    this.#sessions.set(session, state);
    session.on('error', () => {});
    session.once('close', () => {
      this.#sessions.delete(session);
      this.#options.metrics.connectionClosed(this.name);
    });
  }

  #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const session = this.#sessions.get(stream.session as ServerHttp2Session);
    const startedAt = performance.now();
    const ctx: CallContext = { listener: this.name, startedAt, log: this.#options.log, cancel: new Cancel(), peer: peerOf(stream.session!.socket) };
    const call = new Http2Call(stream, ctx, this.#options.codec, this.#limits.maxMessageBytes, () => this.#options.metrics.limitExceeded('grpc_max_message_bytes'));
    stream.on('error', () => {});
    this.#open.set(call, ctx);
    this.#inFlight.begin();
    if (session) session.active += 1;
    stream.once('close', () => {
      this.#open.delete(call);
      if (session) session.active -= 1;
      this.#inFlight.end();
      if (call.finished) return;
      call.abandon();
      if (stream.rstCode !== constants.NGHTTP2_NO_ERROR) session?.guard.count('reset');
      ctx.cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller cancelled the call'));
    });
    const refused = this.#refusal(headers);
    // nghttp2 enforces the advertised stream limit itself (a stream beyond it is refused with
    // REFUSED_STREAM, unseen here, and compliant clients queue instead); what is counted is a
    // connection reaching it, the sign that its callers are being held back.
    if (session?.active === this.#limits.maxConcurrentStreams) this.#options.metrics.limitExceeded('http2_max_concurrent_streams');
    if (refused) {
      call.fail(refused);
      return;
    }
    // The built-in services, unless turned off here (their calls are then routed as any other), and to whom the guard admits.
    const appApi = this.#options.appApi;
    const builtIn = appApi !== 'off' && String(headers[':path'] ?? '').startsWith(`/${BUILT_IN}`);
    const notAdmitted = builtIn ? appApi?.check({ authorization: headers.authorization, tls: isTls(stream.session?.socket) }) : undefined;
    if (notAdmitted) {
      call.fail(notAdmitted);
      return;
    }
    const invocation = this.#options.codec.toInvocation(headers, call.requestBody(), startedAt);
    if (invocation.deadline !== undefined) call.setDeadline(invocation.deadline, startedAt);
    const reply = builtIn
      ? this.#startBuiltIn().then(() => this.#builtInUpstream.call(this.#builtInEndpoint, invocation, ctx))
      : this.#handler(invocation, ctx);
    reply.then(
      (result) => call.reply(result),
      (error: unknown) => call.fail(MeshError.from(error)),
    );
  }

  #startBuiltIn(): Promise<void> {
    this.#builtInStarted ??= import('./built-in-api.js').then(({ BuiltInApiServer }) => {
      this.#builtIn = new BuiltInApiServer({ ...this.#options, handler: this.#handler, address: `unix:${this.#socketPath}` });
      return this.#builtIn.start();
    });
    return this.#builtInStarted;
  }

  /** A reason to answer this stream at once without routing it, or undefined. */
  #refusal(headers: IncomingHttpHeaders): MeshError | undefined {
    const notACall = this.#options.codec.refusal(headers);
    if (notACall !== undefined) return new MeshError('PMESH_BAD_REQUEST', notACall);
    let size = 0;
    for (const name in headers) {
      const value = headers[name];
      size += name.length + (typeof value === 'string' ? value.length : String(value).length) + HEADER_OVERHEAD;
    }
    if (size > this.#limits.maxHeaderListBytes) {
      this.#options.metrics.limitExceeded('http2_max_header_list_bytes');
      return new MeshError('PMESH_HEADERS_TOO_LARGE', `header list of ${size} bytes exceeds the limit of ${this.#limits.maxHeaderListBytes} bytes`);
    }
    return undefined;
  }
}

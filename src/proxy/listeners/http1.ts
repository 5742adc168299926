/**
 * The listener of the `node:http` transport (src/core/protocol.ts). Plain proxied requests
 * are read from the socket's bytes (http1-caller.ts: heads parsed, bodies framed and handed
 * to the upstream client as they are, replies written straight back); a request that is not
 * plain proxying (the app API, an upgrade or CONNECT, HTTP/1.0, a target that is not
 * origin-form) hands its connection, at that request, to node:http, which serves it as before. The protocol plug-in's server codec maps each request
 * to an Invocation and each mesh error to its reply; this is the one place where those
 * replies are written.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Cancel, Code, DEFAULT_LIMITS, MeshError, listenOn, refuseHttpRequest, type HttpServerCodec, type Invocation, type Logger, type MeshMetrics, type Result } from '../../core/index.js';
import { answeringHandler, type CallAnswer, type CallContext, type Handler } from '../filter.js';
import { LimitStream } from './limit-stream.js';
import { ReplayedSocket } from './replayed-socket.js';
import { InFlight } from './in-flight.js';
import { Http1Caller, type CallerHost, type CallerRequest, type CallerTimeouts } from './http1-caller.js';
import type { RequestHead } from './http1-request-head.js';
import type { Listener } from './listener.js';
import { peerOf, secureConnections, type IngressTlsOptions } from '../transport/index.js';

/** A caller request's context: the request rides in it, so the stack's answer finds it. */
interface CallerContext extends CallContext {
  readonly request: CallerRequest;
}

export interface Http1ListenerOptions {
  readonly name: string;
  /** The protocol plug-in's name (the `protocol:` of the listener). */
  readonly protocol: string;
  readonly codec: HttpServerCodec;
  readonly address: string;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly maxHeaderBytes: number;
  /** Most header fields in one request (absent: DEFAULT_LIMITS.maxHeaderCount). */
  readonly maxHeaderCount?: number;
  readonly maxBodyBytes: number;
  /** A request head not whole within this time is answered 408 (slowloris). */
  readonly headersTimeoutMs?: number;
  /** A request (head and body) not received whole within this time is answered 408; raised to headersTimeoutMs if below it. */
  readonly requestTimeoutMs?: number;
  /** A keep-alive connection idle this long between requests is closed. */
  readonly keepAliveTimeoutMs?: number;
  /** Open connections at most; one more is closed at once and counted. */
  readonly maxConnections?: number;
  /** The sidecar's own endpoints on this listener; returns true when it answered the request. */
  readonly local?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The targets `local` may answer; absent with `local`: every request goes to node:http. */
  readonly localTargets?: (target: string) => boolean;
  /** mTLS under the listener (transport/ingress.ts). */
  readonly tls?: IngressTlsOptions;
}

/** docs/reliability.md: slowloris bound tighter than Node's 60 s; Node's 300 s for a whole request; 5 s keep-alive. */
const HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONNECTIONS = 10_000;
const REQUEST_TIMEOUT_MS = 300_000;
const KEEP_ALIVE_MS = 5_000;
/** How long the 503s a drain's end writes may take to reach their callers before the sockets are cut. */
const ANSWER_LINGER_MS = 1_000;

/** What a drain's end does for a call still pending: writes its 503, resolving when written (undefined when a body was already streaming). */
type AnswerOverrun = (error: MeshError) => Promise<void> | undefined;

export class Http1Listener implements Listener {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly #options: Http1ListenerOptions;
  /** Takes the port; each connection starts on the byte path. */
  readonly #net: NetServer;
  /** node:http, never bound: the connections handed over at a request it should serve. */
  readonly #server: Server;
  readonly #callers = new Set<Http1Caller>();
  readonly #host: CallerHost;
  #handler: Handler;
  /** The stack as the caller path (#serve) calls it: it answers the request itself (#answerer). */
  #entry: Handler;
  readonly #inFlight = new InFlight();
  /** Calls handed to node:http not yet answered, so a drain that ends can answer them 503 rather than cut them (the byte path's are on their connections). */
  readonly #pending = new Map<Cancel, AnswerOverrun>();
  #draining = false;
  #sweep: NodeJS.Timeout | undefined;
  readonly #timeouts: CallerTimeouts;

  constructor(options: Http1ListenerOptions) {
    this.name = options.name;
    this.protocol = options.protocol;
    this.address = options.address;
    this.#options = options;
    this.#handler = options.handler;
    this.#entry = answeringHandler(options.handler);
    const headersMs = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    // node:http refuses a request timeout below the headers one; so does the byte path, alike.
    const requestMs = Math.max(headersMs, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    this.#timeouts = { headersMs, requestMs, keepAliveMs: options.keepAliveTimeoutMs ?? KEEP_ALIVE_MS };
    this.#server = createServer(
      {
        maxHeaderSize: options.maxHeaderBytes,
        headersTimeout: headersMs,
        // node:http looks for slow heads this often (30 s by default, which tripled the bound).
        connectionsCheckingInterval: Math.min(1_000, headersMs),
        requestTimeout: requestMs,
        keepAliveTimeout: this.#timeouts.keepAliveMs,
        insecureHTTPParser: false,
      },
      (req, res) => this.#onRequest(req, res),
    );
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => refuseHttpRequest(error, socket, options.metrics, options.protocol));
    // Never bound, so node:http's check of slow heads on the connections handed to it is started by hand.
    this.#server.emit('listening');
    this.#host = this.#callerHost();
    this.#net = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.#accept(socket, undefined));
    // Past the limit node:net closes the new socket itself, before any byte is read.
    this.#net.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#net.on('drop', () => options.metrics.limitExceeded('max_connections_per_listener'));
    this.#stopTls = secureConnections(this.#net, options.tls, { listener: this.name, metrics: options.metrics, log: options.log });
  }

  readonly #stopTls: () => void;

  get inFlight(): number {
    return this.#inFlight.count;
  }

  setHandler(handler: Handler): void {
    this.#handler = handler;
    this.#entry = answeringHandler(handler);
  }

  start(): Promise<void> {
    this.#startSweep();
    return listenOn(this.#net, this.address, `listener ${this.name}`);
  }

  /** A connection the auto listener accepted, `head` its first bytes, already read. */
  accept(socket: Socket, head: Buffer): void {
    this.#startSweep();
    this.#accept(socket, head);
  }

  async close(drainMs: number): Promise<void> {
    this.#draining = true;
    this.#stopTls();
    const closed = new Promise<void>((resolve) => this.#net.close(() => resolve()));
    this.#server.closeIdleConnections();
    for (const caller of this.#callers) caller.closeIdle();
    await this.#inFlight.drained(drainMs);
    const overrun = new MeshError('PMESH_DRAINING', `the sidecar is shutting down and the call did not finish within its drain of ${drainMs} ms`);
    const answered: Promise<void>[] = [];
    for (const [cancel, answer] of this.#pending) {
      cancel.abort(overrun);
      const written = answer(overrun);
      if (written) answered.push(written);
    }
    for (const caller of this.#callers) {
      const request = caller.current;
      if (!request?.cancel || request.finished) continue;
      request.cancel.abort(overrun);
      if (request.headersSent) continue; // a body already streaming can only be cut
      answered.push(new Promise<void>((resolve) => (request.onDone = resolve)));
      this.#writeLocal(request, overrun);
    }
    // Let the 503s reach their callers (bounded), then cut whatever is left.
    await Promise.race([Promise.all(answered), new Promise<void>((resolve) => setTimeout(resolve, ANSWER_LINGER_MS).unref())]);
    this.#server.closeAllConnections();
    this.#server.close();
    for (const caller of this.#callers) caller.socket.destroy();
    clearInterval(this.#sweep);
    await closed;
  }

  #accept(socket: Socket, first: Buffer | undefined): void {
    const { metrics } = this.#options;
    metrics.connectionOpened(this.name);
    socket.once('close', () => metrics.connectionClosed(this.name));
    socket.setNoDelay(true);
    const caller = new Http1Caller(socket, first, this.#host);
    this.#callers.add(caller);
    socket.once('close', () => this.#callers.delete(caller));
  }

  /**
   * One timer for all connections (a timer armed and cleared around each request cost more
   * than its parse): heads and requests too slow are answered 408, keep-alive connections idle
   * too long closed.
   */
  #startSweep(): void {
    if (this.#sweep) return;
    const timeouts = this.#timeouts;
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const caller of this.#callers) caller.sweep(now, timeouts);
    }, Math.min(1_000, timeouts.headersMs));
    this.#sweep.unref();
  }

  #callerHost(): CallerHost {
    const options = this.#options;
    const { metrics, local, localTargets } = options;
    const listener = this;
    return {
      limits: { maxHeaderBytes: options.maxHeaderBytes, maxHeaderCount: options.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount, maxBodyBytes: options.maxBodyBytes },
      handsOver: (head: RequestHead): boolean =>
        head.minor === 0 ||
        head.upgrade ||
        head.target.charCodeAt(0) !== 0x2f /* / : absolute-form, authority-form (CONNECT), asterisk-form */ ||
        (local !== undefined && (localTargets === undefined || localTargets(head.target))),
      handOver: (socket: Socket, rest: Buffer): void => {
        this.#server.emit('connection', new ReplayedSocket(socket, rest));
      },
      serve: (request: CallerRequest): void => this.#serve(request),
      done: (request: CallerRequest): void => {
        if (request.cancel) this.#inFlight.end();
      },
      refuse: (socket: Socket, code: string, message: string, status: number, limit?: string): void => {
        refuseHttpRequest(Object.assign(new Error(message), { code }), socket, metrics, options.protocol, status, limit);
        socket.destroySoon();
      },
      tooLarge: (): void => metrics.limitExceeded('max_body_bytes'),
      malformedBody: (code: string): void => metrics.codecError(options.protocol, code, 'downstream'),
      get draining(): boolean {
        return listener.#draining;
      },
    };
  }

  /** A request read on the byte path. */
  #serve(request: CallerRequest): void {
    const startedAt = performance.now();
    const head = request.head;
    const ctx: CallerContext = { listener: this.name, startedAt, log: this.#options.log, cancel: new Cancel(), peer: request.peer, wire: head, answerTo: this.#answerer, request };
    this.#inFlight.begin();
    request.cancel = ctx.cancel;
    let invocation: Invocation;
    try {
      invocation = this.#options.codec.headToInvocation(head, request.body, request.socket.remoteAddress, startedAt);
      // The upstream client may pass the head's bytes on while the call keeps these headers.
      head.attachments = invocation.attachments;
    } catch (error) {
      this.#writeLocal(request, MeshError.from(error, 'PMESH_BAD_REQUEST'), ctx);
      return;
    }
    const declared = request.body.kind === 'stream' ? request.body.length : undefined;
    if (declared !== undefined && declared > this.#options.maxBodyBytes) {
      this.#options.metrics.limitExceeded('max_body_bytes');
      this.#writeLocal(request, new MeshError('PMESH_BODY_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${this.#options.maxBodyBytes} bytes`));
      return;
    }
    // The stack answers the request through `ctx.answerTo` (filter.ts, CallAnswer): nothing to chain on its promise.
    try {
      void this.#entry(invocation, ctx);
    } catch (error) {
      this.#writeLocal(request, MeshError.from(error), ctx);
    }
  }

  /** Told each caller request's outcome by the stack, once (one object for the listener, not closures per call). */
  readonly #answerer: CallAnswer = {
    answer: (ctx, result, error) => {
      const request = (ctx as CallerContext).request;
      if (error !== undefined) {
        this.#writeLocal(request, error, ctx);
        return;
      }
      if (request.finished) return; // cut, or answered by the drain
      request.writeResult(result!, (cut) => ctx.log.warn({ err: cut.message, endpoint: ctx.endpoint, cluster: ctx.cluster }, 'response body cut'));
    },
  };

  #writeLocal(request: CallerRequest, error: MeshError, ctx?: CallContext): void {
    if (ctx) logFailure(ctx, error);
    request.writeLocal(this.#options.codec.localReply(error), this.#draining);
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#options.local?.(req, res)) return;
    const startedAt = performance.now();
    const ctx: CallContext = { listener: this.name, startedAt, log: this.#options.log, cancel: new Cancel(), peer: peerOf(req.socket) };
    this.#inFlight.begin();
    this.#pending.set(ctx.cancel, (error) => {
      if (res.headersSent) return undefined; // a body already streaming can only be cut
      const written = new Promise<void>((resolve) => res.once('close', resolve));
      this.#writeError(res, error);
      return written;
    });
    res.once('close', () => {
      if (!res.writableFinished) ctx.cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller closed the connection'));
      this.#pending.delete(ctx.cancel);
      this.#inFlight.end();
    });
    if (this.#draining) res.shouldKeepAlive = false;

    let invocation: Invocation;
    try {
      invocation = this.#options.codec.toInvocation(req, startedAt);
    } catch (error) {
      this.#writeError(res, MeshError.from(error, 'PMESH_BAD_REQUEST'), ctx);
      return;
    }
    const declared = invocation.body.kind === 'stream' ? invocation.body.length : undefined;
    if (declared !== undefined && declared > this.#options.maxBodyBytes) {
      this.#options.metrics.limitExceeded('max_body_bytes');
      req.resume();
      res.shouldKeepAlive = false;
      this.#writeError(res, new MeshError('PMESH_BODY_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${this.#options.maxBodyBytes} bytes`));
      return;
    }
    const call = invocation.body.kind === 'stream' && declared === undefined
      ? { ...invocation, body: { kind: 'stream' as const, stream: this.#limited(req) } }
      : invocation;
    this.#handler(call, ctx).then(
      (result) => this.#writeResult(res, result, ctx),
      (error: unknown) => {
        // A body refused or abandoned part way is still arriving: close once answered, never read it as the next request.
        if (!req.complete) res.shouldKeepAlive = false;
        this.#writeError(res, MeshError.from(error), ctx);
      },
    );
  }

  #limited(req: IncomingMessage): LimitStream {
    const limit = new LimitStream(this.#options.maxBodyBytes, () => this.#options.metrics.limitExceeded('max_body_bytes'));
    req.pipe(limit);
    return limit;
  }

  #writeResult(res: ServerResponse, result: Result, ctx: CallContext): void {
    if (res.destroyed || res.writableEnded) return; // cut, or answered by the drain
    res.writeHead(result.protocolStatus, result.rawHeaders ? [...result.rawHeaders] : undefined);
    if (result.body.kind !== 'stream') {
      res.end(result.body.kind === 'raw' ? result.body.bytes : undefined);
      return;
    }
    // pipe, not stream.pipeline: pipeline destroys the response when it settles, which
    // closes the keep-alive connection (measured: 3.6k vs 11.9k req/s through a proxy).
    const body = result.body.stream;
    body.once('error', (error: Error) => {
      if (res.destroyed) return; // the caller left first; nothing to tell anyone
      // The head is already sent: the only honest signal left is to cut the connection.
      ctx.log.warn({ err: error.message, endpoint: ctx.endpoint, cluster: ctx.cluster }, 'response body cut');
      res.destroy();
    });
    body.pipe(res);
  }

  #writeError(res: ServerResponse, error: MeshError, ctx?: CallContext): void {
    if (ctx) logFailure(ctx, error);
    if (res.writableEnded) return; // answered by the drain
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (this.#draining) res.shouldKeepAlive = false;
    const reply = this.#options.codec.localReply(error);
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  }
}

function logFailure(ctx: CallContext, error: MeshError): void {
  // Upstream trouble is the operator's concern; a caller's mistake (no route, too large) is not.
  const level = error.code === Code.UNAVAILABLE || error.code === Code.INTERNAL || error.code === Code.DEADLINE_EXCEEDED ? 'warn' : 'debug';
  ctx.log[level]({ reason: error.reason, err: error.message, cluster: ctx.cluster, endpoint: ctx.endpoint }, 'call failed');
}

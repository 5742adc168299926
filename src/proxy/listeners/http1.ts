/**
 * The HTTP/1 listener, on node:http (whose llhttp parser already refuses every
 * request-smuggling shape we tried; docs/reliability.md). This is the one place
 * where a MeshError becomes HTTP bytes.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Cancel, Code, MeshError, listenOn, type Logger, type MeshMetrics, type Result } from '../../core/index.js';
import { http1 } from '../../codecs/index.js';
import type { CallContext, Handler } from '../filter.js';
import { LimitStream } from './limit-stream.js';
import { InFlight } from './in-flight.js';
import type { Listener } from './listener.js';

export interface Http1ListenerOptions {
  readonly name: string;
  readonly address: string;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  /** The sidecar's own endpoints on this listener; returns true when it answered the request. */
  readonly local?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** docs/reliability.md: slowloris bound tighter than Node's 60 s; 5 s keep-alive. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 300_000;
const KEEP_ALIVE_MS = 5_000;

export class Http1Listener implements Listener {
  readonly name: string;
  readonly protocol = 'http1';
  readonly address: string;
  readonly #options: Http1ListenerOptions;
  readonly #server: Server;
  #handler: Handler;
  readonly #inFlight = new InFlight();
  #draining = false;

  constructor(options: Http1ListenerOptions) {
    this.name = options.name;
    this.address = options.address;
    this.#options = options;
    this.#handler = options.handler;
    this.#server = createServer(
      {
        maxHeaderSize: options.maxHeaderBytes,
        headersTimeout: HEADERS_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        keepAliveTimeout: KEEP_ALIVE_MS,
        insecureHTTPParser: false,
      },
      (req, res) => this.#onRequest(req, res),
    );
    this.#server.on('connection', (socket: Socket) => {
      options.metrics.connectionOpened(this.name);
      socket.once('close', () => options.metrics.connectionClosed(this.name));
    });
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.#onClientError(error, socket));
  }

  get inFlight(): number {
    return this.#inFlight.count;
  }

  setHandler(handler: Handler): void {
    this.#handler = handler;
  }

  start(): Promise<void> {
    return listenOn(this.#server, this.address, `listener ${this.name}`);
  }

  async close(drainMs: number): Promise<void> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    await this.#inFlight.drained(drainMs);
    this.#server.closeAllConnections();
    await closed;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#options.local?.(req, res)) return;
    const startedAt = performance.now();
    const ctx: CallContext = { listener: this.name, startedAt, log: this.#options.log, cancel: new Cancel() };
    this.#inFlight.begin();
    res.once('close', () => {
      if (!res.writableFinished) ctx.cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller closed the connection'));
      this.#inFlight.end();
    });
    if (this.#draining) res.shouldKeepAlive = false;

    const invocation = http1.requestToInvocation(req, startedAt);
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
      (error: unknown) => this.#writeError(res, MeshError.from(error), ctx),
    );
  }

  #limited(req: IncomingMessage): LimitStream {
    const limit = new LimitStream(this.#options.maxBodyBytes, () => this.#options.metrics.limitExceeded('max_body_bytes'));
    req.pipe(limit);
    return limit;
  }

  #writeResult(res: ServerResponse, result: Result, ctx: CallContext): void {
    if (res.destroyed) return;
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
    if (ctx) {
      // Upstream trouble is the operator's concern; a caller's mistake (no route, too large) is not.
      const level = error.code === Code.UNAVAILABLE || error.code === Code.INTERNAL || error.code === Code.DEADLINE_EXCEEDED ? 'warn' : 'debug';
      ctx.log[level]({ reason: error.reason, err: error.message, cluster: ctx.cluster, endpoint: ctx.endpoint }, 'call failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = http1.errorBody(error);
    res.writeHead(http1.httpStatusOf(error), { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  #onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const code = error.code ?? 'UNKNOWN';
    this.#options.metrics.codecError('http1', code, 'downstream');
    if (code === 'HPE_HEADER_OVERFLOW') this.#options.metrics.limitExceeded('max_header_bytes');
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: 'PMESH_BAD_REQUEST', code, message: `malformed HTTP/1 request: ${error.message}` });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

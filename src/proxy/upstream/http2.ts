/**
 * Upstream over HTTP/2 sessions (h2-sessions.ts) for the protocols on gRPC's wire (gRPC,
 * Dubbo Triple): each call is one stream, its head and messages forwarded as they came
 * (the caller's header object, with only the deadline headers rewritten to the budget
 * left) and its reply returned as soon as the response head arrives, the body a stream
 * and the trailers a promise. Flow control is HTTP/2's own, end to end: the request body
 * is piped into the stream (a full window stops the reading), the reply is read only as
 * fast as the caller takes it. A call the bridge made (a JSON body, raw) is sent whole.
 */
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { MeshError, type Endpoint, type Invocation, type Result } from '../../core/index.js';
import { getStreamProtocol, grpc } from '../../codecs/index.js';
import type { CallContext } from '../filter.js';
import { H2Sessions } from './h2-sessions.js';
import type { Upstream, UpstreamOptions } from './upstream.js';

export interface Http2UpstreamOptions extends UpstreamOptions {
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  /** Every endpoint is reached through this unix socket (the built-in gRPC services). */
  readonly socketPath?: string;
}

export class Http2Upstream implements Upstream {
  readonly #options: Http2UpstreamOptions;
  readonly #pools = new Map<string, H2Sessions>();

  constructor(options: Http2UpstreamOptions) {
    this.#options = options;
  }

  async call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    const frame = invocation.frame as grpc.GrpcRequestFrame | undefined;
    const protocol = getStreamProtocol(invocation.protocol);
    const body = invocation.body;
    if (!protocol || !frame || (body.kind !== 'stream' && body.kind !== 'raw')) {
      throw new MeshError('PMESH_BAD_REQUEST', `cluster "${this.#options.cluster}" speaks HTTP/2 streams (gRPC, Triple): a ${invocation.protocol} call cannot be passed to it`);
    }
    if (ctx.cancel.reason) throw ctx.cancel.reason;
    const { session, release } = await this.#pool(endpoint).acquire();
    const headers: OutgoingHttpHeaders = {
      ...grpc.forwardable(frame.headers, protocol.deadlineHeaderNames),
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: frame.headers[':path'],
      [constants.HTTP2_HEADER_SCHEME]: 'http',
      [constants.HTTP2_HEADER_AUTHORITY]: frame.headers[':authority'] ?? endpoint.address,
    };
    if (invocation.deadline !== undefined) Object.assign(headers, protocol.deadlineHeaders(invocation.deadline - performance.now()));
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers);
    } catch (error) {
      release();
      throw this.#lost(endpoint, error);
    }
    stream.once('close', release);
    ctx.cancel.onAbort(() => {
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    });
    if (body.kind === 'raw') {
      stream.end(body.bytes);
    } else {
      body.stream.pipe(stream);
      body.stream.once('error', () => {
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      });
    }
    return new Promise<Result>((resolve, reject) => {
      let responded = false;
      stream.once('response', (head, flags) => {
        responded = true;
        const trailersOnly = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0 || head[grpc.GRPC_STATUS] !== undefined;
        const result: grpc.GrpcResponseFrame = { headers: head, trailersOnly, trailers: this.#trailers(stream, endpoint) };
        resolve({
          status: 'ok',
          protocolStatus: Number(head[constants.HTTP2_HEADER_STATUS] ?? 200),
          attachments: grpc.attachmentsOf(head),
          body: { kind: 'stream', stream },
          frame: result,
        });
      });
      stream.on('error', (error) => {
        if (!responded) reject(ctx.cancel.reason ?? this.#lost(endpoint, error));
      });
      stream.once('close', () => {
        if (!responded) reject(ctx.cancel.reason ?? this.#lost(endpoint, new Error(`stream reset (code ${stream.rstCode})`)));
      });
    });
  }

  release(address: string): void {
    this.#pools.get(address)?.close();
    this.#pools.delete(address);
  }

  connections(): Record<string, number> {
    return Object.fromEntries([...this.#pools].map(([address, pool]) => [address, pool.open]));
  }

  async close(): Promise<void> {
    for (const pool of this.#pools.values()) pool.close();
    this.#pools.clear();
  }

  #pool(endpoint: Endpoint): H2Sessions {
    let pool = this.#pools.get(endpoint.address);
    if (!pool) {
      const o = this.#options;
      pool = new H2Sessions(endpoint, {
        cluster: o.cluster,
        connectTimeoutMs: o.connectTimeoutMs,
        maxSessions: o.maxConnectionsPerEndpoint,
        keepaliveMs: o.keepaliveMs,
        keepaliveTimeoutMs: o.keepaliveTimeoutMs,
        socketPath: o.socketPath,
      });
      this.#pools.set(endpoint.address, pool);
    }
    return pool;
  }

  /** Resolves with the upstream's trailers; a stream that closes without them was lost: UNAVAILABLE. */
  #trailers(stream: ClientHttp2Stream, endpoint: Endpoint): Promise<OutgoingHttpHeaders> {
    return new Promise((resolve) => {
      let received = false;
      stream.once('trailers', (trailers: IncomingHttpHeaders) => {
        received = true;
        resolve(grpc.forwardable(trailers));
      });
      stream.once('close', () => {
        if (received) return;
        const error = this.#lost(endpoint, new Error(stream.rstCode ? `stream reset (code ${stream.rstCode})` : 'stream ended without a gRPC status'));
        resolve({ [grpc.GRPC_STATUS]: String(grpc.grpcStatusOf(error)), [grpc.GRPC_MESSAGE]: grpc.encodeGrpcMessage(grpc.grpcMessageOf(error)) });
      });
    });
  }

  #lost(endpoint: Endpoint, error: unknown): MeshError {
    if (MeshError.is(error)) return error;
    const message = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    return new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `cluster "${this.#options.cluster}": connection to ${endpoint.address} lost: ${message}`, {
      cause: error,
      details: { cluster: this.#options.cluster, endpoint: endpoint.address },
    });
  }
}

/**
 * The upstream of the `node:http2` transport (src/core/protocol.ts), after gRPC's
 * wire, over HTTP/2 sessions (h2-sessions.ts): each call is one stream, its head and
 * messages forwarded as they came (the caller's header object, with only the deadline
 * header rewritten to the budget left; the plug-in's client codec names it) and its reply returned as soon as the
 * response head arrives, the body a stream and the trailers a promise. Flow control
 * is HTTP/2's own, end to end: the request body is piped into the stream (a full
 * window stops the reading), the reply is read only as fast as the caller takes it.
 */
import { constants, type ClientHttp2Stream } from 'node:http2';
import { Readable } from 'node:stream';
import { getProtocol } from '../../codecs/index.js';
import { MeshError, NOOP_METRICS, type Endpoint, type Invocation, type MeshMetrics, type Result, type StreamClientCodec, type StreamRequestFrame } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import { connect as netConnect } from 'node:net';
import { UpstreamPool } from '../h2-frames/upstream-pool.js';
import type { RelayCall } from '../h2-frames/relay-call.js';
import { describeConnectError, dial } from '../transport/index.js';
import { H2Sessions } from './h2-sessions.js';
import { RelayReply } from './h2-relay-reply.js';
import { UpstreamStream } from './h2-stream.js';
import type { Upstream, UpstreamOptions } from './upstream.js';

export interface Http2UpstreamOptions extends UpstreamOptions {
  /** The protocol plug-in's name: only its calls are passed to this upstream. */
  readonly protocol: string;
  readonly codec: StreamClientCodec;
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  /** Calls that may wait for a stream slot per endpoint, once every connection is at the server's stream limit. */
  readonly maxPendingStreamsPerEndpoint: number;
  /** Request bytes a call keeps until the server answers, so a stream refused unprocessed can be sent again. */
  readonly retryBufferBytes: number;
  readonly metrics?: MeshMetrics;
  /** Every endpoint is reached through this unix socket (the built-in gRPC services). */
  readonly socketPath?: string;
}

/** What the listener's frame relay puts in an Invocation's frame: the request head, and the call whose streams the relay joins. */
export interface RelayRequestFrame extends StreamRequestFrame {
  readonly relay?: RelayCall;
}

/** The most header bytes a reply head or trailers may carry from an upstream (grpc-go allows 16 MiB; a relay needs far less). */
const UPSTREAM_MAX_HEADER_LIST_BYTES = 1024 * 1024;

export class Http2Upstream implements Upstream {
  readonly #options: Http2UpstreamOptions;
  readonly #pools = new Map<string, H2Sessions>();
  /** HTTP/2 connections of the frame relay, per endpoint: calls passed through. */
  readonly #relayPools = new Map<string, UpstreamPool>();

  constructor(options: Http2UpstreamOptions) {
    this.#options = options;
  }

  async call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    const frame = invocation.frame as StreamRequestFrame | undefined;
    const codec = this.#options.codec;
    // Calls of a protocol on the same wire (a gRPC call to a Triple cluster) pass too; so does a
    // call the bridge made, whose body (JSON arguments) is whole.
    const sameWire = invocation.protocol === this.#options.protocol || getProtocol(invocation.protocol)?.client.transport === 'node:http2';
    const body = invocation.body;
    if (!sameWire || !frame || (body.kind !== 'stream' && body.kind !== 'raw')) {
      throw new MeshError('PMESH_BAD_REQUEST', `cluster "${this.#options.cluster}" speaks ${this.#options.protocol}: only ${this.#options.protocol} calls can be passed to it`);
    }
    if (ctx.cancel.reason) throw ctx.cancel.reason;
    const relay = (frame as RelayRequestFrame).relay;
    if (relay) return this.#relay(endpoint, invocation, frame, relay, ctx);
    const pool = this.#pool(endpoint);
    const leased = pool.acquire();
    const lease = leased instanceof Promise ? await leased : leased;
    const headers = codec.requestHeaders(frame.headers);
    headers[constants.HTTP2_HEADER_METHOD] = 'POST';
    headers[constants.HTTP2_HEADER_PATH] = frame.headers[':path'];
    headers[constants.HTTP2_HEADER_SCHEME] = 'http';
    headers[constants.HTTP2_HEADER_AUTHORITY] = frame.headers[':authority'] ?? endpoint.address;
    if (invocation.deadline !== undefined) {
      const [name, value] = codec.deadlineHeader(invocation.deadline - performance.now());
      headers[name] = value;
    }
    let stream: ClientHttp2Stream;
    try {
      stream = lease.session.request(headers);
    } catch (error) {
      lease.release();
      throw this.#lost(endpoint, error);
    }
    const requestBody = body.kind === 'stream' ? body.stream : Readable.from([body.bytes]);
    return new UpstreamStream(stream, requestBody, ctx, lease, codec, (error) => this.#lost(endpoint, error)).reply;
  }

  /**
   * A passed-through call: the caller's head forwarded (the deadline header rewritten to
   * the budget left) on a relay connection to the endpoint, the relay joining the streams.
   */
  #relay(endpoint: Endpoint, invocation: Invocation, frame: StreamRequestFrame, call: RelayCall, ctx: CallContext): Promise<Result> {
    const codec = this.#options.codec;
    const head = frame.headers;
    const headers: string[] = [':method', 'POST', ':scheme', 'http', ':path', String(head[':path']), ':authority', String(head[':authority'] ?? endpoint.address)];
    codec.forwardRequest(call.requestHeaders, headers);
    if (invocation.deadline !== undefined) {
      const [name, value] = codec.deadlineHeader(invocation.deadline - performance.now());
      headers.push(name, value);
    }
    const reply = new RelayReply(call, codec, ctx);
    this.#relayPool(endpoint).open(call, headers);
    return reply.reply;
  }

  #relayPool(endpoint: Endpoint): UpstreamPool {
    let pool = this.#relayPools.get(endpoint.address);
    if (!pool) {
      const o = this.#options;
      const path = o.socketPath;
      const metrics = o.metrics ?? NOOP_METRICS;
      pool = new UpstreamPool({
        address: endpoint.address,
        cluster: o.cluster,
        maxConnections: o.maxConnectionsPerEndpoint,
        maxPendingStreams: o.maxPendingStreamsPerEndpoint,
        retryBufferBytes: o.retryBufferBytes,
        maxHeaderListBytes: UPSTREAM_MAX_HEADER_LIST_BYTES,
        connectTimeoutMs: o.connectTimeoutMs,
        keepaliveMs: o.keepaliveMs,
        keepaliveTimeoutMs: o.keepaliveTimeoutMs,
        // Over TLS, HTTP/2 is asked for by ALPN `h2`.
        connect: () => (path ? netConnect(path) : dial(endpoint, o.tls, ['h2']).socket),
        describeConnectError,
        onLimit: (limit) => metrics.limitExceeded(limit),
        onRetry: (call) => metrics.trafficEvent('transparent_retry', (call.owner as CallContext | undefined)?.route ?? '', o.cluster),
      });
      this.#relayPools.set(endpoint.address, pool);
    }
    return pool;
  }

  release(address: string): void {
    this.#pools.get(address)?.close();
    this.#pools.delete(address);
    this.#relayPools.get(address)?.close();
    this.#relayPools.delete(address);
  }

  hasConnection(address: string): boolean {
    return (this.#relayPools.get(address)?.size ?? 0) > 0 || (this.#pools.get(address)?.open ?? 0) > 0;
  }

  connections(): Record<string, number> {
    const open: Record<string, number> = {};
    for (const [address, pool] of this.#pools) open[address] = pool.open;
    for (const [address, pool] of this.#relayPools) open[address] = (open[address] ?? 0) + pool.size;
    return open;
  }

  async close(): Promise<void> {
    for (const pool of this.#pools.values()) pool.close();
    this.#pools.clear();
    for (const pool of this.#relayPools.values()) pool.close();
    this.#relayPools.clear();
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
        tls: o.tls,
      });
      this.#pools.set(endpoint.address, pool);
    }
    return pool;
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

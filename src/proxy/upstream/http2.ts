/**
 * The upstream of the `node:http2` transport (src/core/protocol.ts), after gRPC's wire,
 * on one HTTP/2 client per endpoint: the frame relay's upstream pool
 * (h2-frames/upstream-pool.ts: waits for the server's SETTINGS, keeps under its
 * MAX_CONCURRENT_STREAMS, opens up to `maxConnectionsPerEndpoint` connections, queues up
 * to `maxPendingStreamsPerEndpoint` calls, PINGs busy connections, sends a refused stream
 * again). Two kinds of call take its streams:
 *   - a caller's stream passed through (the listener's relay call rides in the frame): the
 *     caller's head forwarded (with tracing's context in place of the caller's on a sampled
 *     call), the deadline header rewritten to the budget left, and the relay joining the
 *     two streams, flow control end to end;
 *   - a call the mesh makes itself (the bridge's JSON call to Triple): its head from the
 *     frame the bridge built, its body written whole, its reply read in the process
 *     (h2-bridged-call.ts).
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import { getProtocol } from '../../codecs/index.js';
import { MeshError, NOOP_METRICS, fieldOf, type Endpoint, type Invocation, type MeshMetrics, type Result, type StreamClientCodec, type StreamRequestFrame } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import { connect as netConnect } from 'node:net';
import { UpstreamPool } from '../h2-frames/upstream-pool.js';
import type { RelayCall } from '../h2-frames/relay-call.js';
import { describeConnectError, dial } from '../transport/index.js';
import { BridgedCall } from './h2-bridged-call.js';
import { ForwardedHeads } from './h2-forwarded-heads.js';
import { RelayReply } from './h2-relay-reply.js';
import type { Upstream, UpstreamLimits, UpstreamOptions } from './upstream.js';

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
  #options: Http2UpstreamOptions;
  /** HTTP/2 connections per endpoint, for both kinds of call. */
  readonly #pools = new Map<string, UpstreamPool>();
  /** Upstream heads of relayed calls by the caller's head they were made from. */
  readonly #forwarded = new ForwardedHeads();

  constructor(options: Http2UpstreamOptions) {
    this.#options = options;
  }

  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    const frame = invocation.frame as StreamRequestFrame | undefined;
    // Calls of a protocol on the same wire (a gRPC call to a Triple cluster) pass too; so does a
    // call the bridge made, whose body (JSON arguments) is whole.
    const sameWire = invocation.protocol === this.#options.protocol || getProtocol(invocation.protocol)?.client.transport === 'node:http2';
    const body = invocation.body;
    if (!sameWire || !frame || (body.kind !== 'stream' && body.kind !== 'raw')) {
      return Promise.reject(new MeshError('PMESH_BAD_REQUEST', `cluster "${this.#options.cluster}" speaks ${this.#options.protocol}: only ${this.#options.protocol} calls can be passed to it`));
    }
    if (ctx.cancel.reason) return Promise.reject(ctx.cancel.reason);
    const relay = (frame as RelayRequestFrame).relay;
    if (relay) return this.#relay(endpoint, invocation, relay, ctx);
    if (body.kind !== 'raw') {
      return Promise.reject(new MeshError('PMESH_BAD_REQUEST', `cluster "${this.#options.cluster}": a streamed ${invocation.protocol} call reaches it only from a ${invocation.protocol} listener`));
    }
    return this.#bridged(endpoint, invocation, frame, body.bytes, ctx);
  }

  /** A call the mesh makes (the bridge's): its head from the frame it built, its body written whole. */
  #bridged(endpoint: Endpoint, invocation: Invocation, frame: StreamRequestFrame, body: Buffer, ctx: CallContext): Promise<Result> {
    const codec = this.#options.codec;
    const head = frame.headers;
    const headers: string[] = [':method', 'POST', ':scheme', 'http', ':path', String(head[':path']), ':authority', String(head[':authority'] ?? endpoint.address)];
    flatten(codec.requestHeaders(head), headers);
    if (invocation.deadline !== undefined) {
      const [name, value] = codec.deadlineHeader(invocation.deadline - performance.now());
      headers.push(name, value);
    }
    const call = new BridgedCall(body, codec, ctx, (why) => this.#lost(endpoint, why));
    this.#pool(endpoint).open(call, headers);
    return call.reply;
  }

  /**
   * A passed-through call: the caller's head forwarded (the deadline header rewritten to
   * the budget left) on a relay connection to the endpoint, the relay joining the streams.
   */
  #relay(endpoint: Endpoint, invocation: Invocation, call: RelayCall, ctx: CallContext): Promise<Result> {
    const reply = new RelayReply(call, this.#options.codec, ctx);
    this.#pool(endpoint).open(call, this.#forwardedHead(endpoint, invocation, call));
    return reply.reply;
  }

  /**
   * The call's head as the upstream gets it: pseudo-headers written anew, the deadline
   * header the budget left. The head is the frame's: the caller's as the relay decoded it,
   * or, on a sampled call, a list of the call's own with tracing's context in place of the
   * caller's, which is neither looked up nor remembered (the memo is for repeated heads).
   */
  #forwardedHead(endpoint: Endpoint, invocation: Invocation, call: RelayCall): readonly string[] {
    const received = (invocation.frame as RelayRequestFrame).fields ?? call.requestHeaders;
    const address = endpoint.address;
    const timed = invocation.deadline !== undefined;
    const repeatable = !timed && received === call.requestHeaders;
    if (repeatable) {
      const known = this.#forwarded.find(received, address);
      if (known !== undefined) return known;
    }
    const codec = this.#options.codec;
    // Read from the list: a header object of the head is made only if something asks for one.
    const headers: string[] = [':method', 'POST', ':scheme', 'http', ':path', String(fieldOf(received, ':path')), ':authority', fieldOf(received, ':authority') ?? address];
    codec.forwardRequest(received, headers);
    if (timed) {
      const [name, value] = codec.deadlineHeader(invocation.deadline! - performance.now());
      headers.push(name, value);
    } else if (repeatable) {
      this.#forwarded.keep(received, address, headers);
    }
    return headers;
  }

  #pool(endpoint: Endpoint): UpstreamPool {
    let pool = this.#pools.get(endpoint.address);
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
      this.#pools.set(endpoint.address, pool);
    }
    return pool;
  }

  setLimits(limits: UpstreamLimits): void {
    this.#options = { ...this.#options, maxConnectionsPerEndpoint: limits.maxConnectionsPerEndpoint, maxPendingStreamsPerEndpoint: limits.maxPendingStreamsPerEndpoint };
    for (const pool of this.#pools.values()) pool.setLimits(limits.maxConnectionsPerEndpoint, limits.maxPendingStreamsPerEndpoint);
  }

  release(address: string): void {
    this.#pools.get(address)?.close();
    this.#pools.delete(address);
  }

  hasConnection(address: string): boolean {
    return (this.#pools.get(address)?.size ?? 0) > 0;
  }

  connections(): Record<string, number> {
    const open: Record<string, number> = {};
    for (const [address, pool] of this.#pools) open[address] = pool.size;
    return open;
  }

  async close(): Promise<void> {
    for (const pool of this.#pools.values()) pool.close();
    this.#pools.clear();
  }

  #lost(endpoint: Endpoint, why: string): MeshError {
    const cluster = this.#options.cluster;
    return new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `cluster "${cluster}": ${endpoint.address}: ${why}`, { details: { cluster, endpoint: endpoint.address } });
  }

}

/** Header fields (an object, pseudo-headers already left out) appended to a flat list: name, value, ... */
function flatten(headers: OutgoingHttpHeaders, out: string[]): void {
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) out.push(name, item);
    else out.push(name, String(value));
  }
}

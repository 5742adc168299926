/**
 * Upstream for multiplexed protocols (Bolt, Dubbo): a few long-lived connections per
 * endpoint carry every call, each under a request id of the pool's choosing; the
 * reply gets the caller's id back at the listener. Pass-through frames are forwarded
 * with only the id and the remaining deadline rewritten.
 */
import { MeshError, withLimits, type AnyFrameClientCodec, type Endpoint, type Invocation, type Limits, type MeshMetrics, type Result } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import { MuxConnection } from './mux-connection.js';
import type { Upstream, UpstreamOptions } from './upstream.js';

export interface MultiplexedOptions extends UpstreamOptions {
  /** The protocol plug-in's client codec. */
  readonly codec: AnyFrameClientCodec;
  readonly metrics: MeshMetrics;
  readonly maxFrameBytes: number;
  /** Connections per endpoint; calls are spread over them in turn. */
  readonly connectionsPerEndpoint: number;
  readonly heartbeatIntervalMs: number;
  readonly maxMissedHeartbeats: number;
}

/** Bolt's request id is a signed 32-bit int; Dubbo's 64-bit one fits in it too. */
const MAX_REQUEST_ID = 0x7fffffff;

export class MultiplexedUpstream implements Upstream {
  readonly #options: MultiplexedOptions;
  readonly #codec: AnyFrameClientCodec;
  readonly #limits: Limits;
  readonly #connections = new Map<string, { list: MuxConnection[]; next: number }>();

  constructor(options: MultiplexedOptions) {
    this.#options = options;
    this.#codec = options.codec;
    this.#limits = withLimits({ maxFrameBytes: options.maxFrameBytes });
  }

  /** Not an async function: a pass-through call costs the connection's promise alone. */
  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    if (invocation.protocol !== this.#codec.name || invocation.frame === undefined) {
      return Promise.reject(
        new MeshError(
          'PMESH_BAD_REQUEST',
          `cluster "${this.#options.cluster}" speaks ${this.#codec.name}; a ${invocation.protocol} call cannot be passed through to it`,
        ),
      );
    }
    const remainingMs = ctx.deadline === undefined ? undefined : Math.max(1, Math.floor(ctx.deadline - performance.now()));
    let connection: MuxConnection;
    try {
      connection = this.#connection(endpoint);
    } catch (error) {
      return Promise.reject(error);
    }
    return connection.call(invocation.frame, invocation.oneway, remainingMs, ctx.cancel);
  }

  release(address: string): void {
    const entry = this.#connections.get(address);
    if (!entry) return;
    this.#connections.delete(address);
    // Calls in flight on them finish; new calls never reach them.
    for (const connection of [...entry.list]) connection.retire();
  }

  hasConnection(address: string): boolean {
    return (this.#connections.get(address)?.list.length ?? 0) > 0;
  }

  connections(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [address, entry] of this.#connections) counts[address] = entry.list.length;
    return counts;
  }

  async close(): Promise<void> {
    for (const entry of this.#connections.values()) for (const connection of entry.list) connection.close();
    this.#connections.clear();
  }

  #connection(endpoint: Endpoint): MuxConnection {
    let entry = this.#connections.get(endpoint.address);
    if (!entry) {
      entry = { list: [], next: 0 };
      this.#connections.set(endpoint.address, entry);
    }
    if (entry.list.length < this.#options.connectionsPerEndpoint) {
      const connection = new MuxConnection({
        codec: this.#codec,
        host: endpoint.host,
        port: endpoint.port,
        metadata: endpoint.metadata,
        tls: this.#options.tls,
        address: endpoint.address,
        cluster: this.#options.cluster,
        limits: this.#limits,
        metrics: this.#options.metrics,
        connectTimeoutMs: this.#options.connectTimeoutMs,
        heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
        maxMissedHeartbeats: this.#options.maxMissedHeartbeats,
        maxRequestId: MAX_REQUEST_ID,
      });
      const list = entry.list;
      connection.onClose = () => {
        const index = list.indexOf(connection);
        if (index !== -1) list.splice(index, 1);
      };
      list.push(connection);
      return connection;
    }
    entry.next = (entry.next + 1) % entry.list.length;
    return entry.list[entry.next]!;
  }
}

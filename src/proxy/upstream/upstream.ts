/**
 * The endpoint level (linkerd): how a cluster reaches one address. One Upstream per
 * cluster, chosen by the cluster's protocol; it owns the connections to each
 * endpoint (a pool for HTTP/1, multiplexed connections for Bolt and Dubbo).
 */
import type { Endpoint, Invocation, Result } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import type { EgressTls } from '../transport/index.js';

export interface Upstream {
  /**
   * Sends the call to this endpoint and resolves with its result. Failures reject
   * with a MeshError: PMESH_UPSTREAM_CONNECT_FAILED (nothing was sent),
   * PMESH_UPSTREAM_CONNECTION_LOST (sent, then the connection dropped), or
   * PMESH_UPSTREAM_BAD_RESPONSE. `ctx.abort` cancels the call.
   */
  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result>;
  /** The endpoint left the cluster: close its connections once their calls finish. */
  release(address: string): void;
  /** Open connections per endpoint address, for /clusters. */
  connections(): Record<string, number>;
  /** Whether a connection to this address is open: asked on every call, so no record is built (connections() when absent). */
  hasConnection?(address: string): boolean;
  /** A reload changed the cluster's connection limits: pools already open take them too (absent: the upstream has none to change). */
  setLimits?(limits: UpstreamLimits): void;
  close(): Promise<void>;
}

/** The limits of a cluster's connections that a reload applies to a running cluster. */
export interface UpstreamLimits {
  readonly maxConnectionsPerEndpoint: number;
  readonly maxPendingStreamsPerEndpoint: number;
}

export interface UpstreamOptions {
  readonly cluster: string;
  readonly connectTimeoutMs: number;
  readonly maxConnectionsPerEndpoint: number;
  /** mTLS to endpoints that are other sidecars' ingresses (transport/egress.ts); absent: plaintext. */
  readonly tls?: EgressTls;
}

export type UpstreamFactory = (options: UpstreamOptions) => Upstream;

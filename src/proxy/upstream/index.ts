/**
 * Upstream construction by the transport and pool mode a protocol plug-in's client side
 * names (src/core/protocol.ts): multiplexed frames on sockets, pooled HTTP/1
 * connections (http1-pool.ts), or streams on shared HTTP/2 connections (h2-frames/upstream-pool.ts).
 */
import { getProtocol } from '../../codecs/index.js';
import type { MeshMetrics } from '../../core/index.js';
import { Http1Upstream } from './http1.js';
import { Http2Upstream } from './http2.js';
import { MultiplexedUpstream } from './multiplexed.js';
import type { Upstream, UpstreamOptions } from './upstream.js';

export type { Upstream, UpstreamOptions } from './upstream.js';
export { Http1Poster } from './http1-post.js';

export interface UpstreamSpec extends UpstreamOptions {
  readonly metrics: MeshMetrics;
  readonly maxFrameBytes: number;
  readonly connectionsPerEndpoint: number;
  readonly heartbeatIntervalMs: number;
  readonly maxMissedHeartbeats: number;
  /** gRPC: PING each HTTP/2 session with open streams this often; no answer within the timeout closes it. */
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  /** gRPC: calls that may wait for a stream per endpoint once every connection is full. */
  readonly maxPendingStreamsPerEndpoint: number;
  /** gRPC: request bytes kept so a stream refused unprocessed can be sent again. */
  readonly retryBufferBytes: number;
}

export function createUpstream(protocol: string, spec: UpstreamSpec): Upstream {
  const client = getProtocol(protocol)?.client;
  if (!client) throw new Error(`cluster ${spec.cluster}: protocol "${protocol}" has no upstream`);
  switch (client.transport) {
    case 'framed':
      return new MultiplexedUpstream({ ...spec, codec: client.codec });
    case 'node:http':
      return new Http1Upstream({ ...spec, codec: client.http });
    case 'node:http2':
      return new Http2Upstream({ ...spec, protocol, codec: client.streams });
  }
}

/** Upstream construction by cluster protocol: HTTP/1 on undici, gRPC and Triple on HTTP/2 sessions, the rest multiplexed by codec. */
import { getStreamProtocol, isCodecRegistered } from '../../codecs/index.js';
import type { MeshMetrics } from '../../core/index.js';
import { Http1Upstream } from './http1.js';
import { Http2Upstream } from './http2.js';
import { MultiplexedUpstream } from './multiplexed.js';
import type { Upstream, UpstreamOptions } from './upstream.js';

export type { Upstream, UpstreamOptions } from './upstream.js';

export interface UpstreamSpec extends UpstreamOptions {
  readonly metrics: MeshMetrics;
  readonly maxFrameBytes: number;
  readonly connectionsPerEndpoint: number;
  readonly heartbeatIntervalMs: number;
  readonly maxMissedHeartbeats: number;
  /** gRPC: PING each HTTP/2 session with open streams this often; no answer within the timeout closes it. */
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
}

export function createUpstream(protocol: string, spec: UpstreamSpec): Upstream {
  if (protocol === 'http1') return new Http1Upstream(spec);
  if (getStreamProtocol(protocol)) return new Http2Upstream(spec);
  if (isCodecRegistered(protocol)) return new MultiplexedUpstream({ ...spec, protocol });
  throw new Error(`cluster ${spec.cluster}: protocol "${protocol}" has no upstream`);
}

export function hasUpstreamFor(protocol: string): boolean {
  return protocol === 'http1' || getStreamProtocol(protocol) !== undefined || isCodecRegistered(protocol);
}

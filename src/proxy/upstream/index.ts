/** Upstream construction by cluster protocol: HTTP/1 on undici, the rest multiplexed by codec. */
import { isCodecRegistered } from '../../codecs/index.js';
import type { MeshMetrics } from '../../core/index.js';
import { Http1Upstream } from './http1.js';
import { MultiplexedUpstream } from './multiplexed.js';
import type { Upstream, UpstreamOptions } from './upstream.js';

export type { Upstream, UpstreamOptions } from './upstream.js';

export interface UpstreamSpec extends UpstreamOptions {
  readonly metrics: MeshMetrics;
  readonly maxFrameBytes: number;
  readonly connectionsPerEndpoint: number;
  readonly heartbeatIntervalMs: number;
  readonly maxMissedHeartbeats: number;
}

export function createUpstream(protocol: string, spec: UpstreamSpec): Upstream {
  if (protocol === 'http1') return new Http1Upstream(spec);
  if (isCodecRegistered(protocol)) return new MultiplexedUpstream({ ...spec, protocol });
  throw new Error(`cluster ${spec.cluster}: protocol "${protocol}" has no upstream`);
}

export function hasUpstreamFor(protocol: string): boolean {
  return protocol === 'http1' || isCodecRegistered(protocol);
}

/** Listener construction by protocol: HTTP/1 on node:http, the rest driven by their codec. */
import { getCodec, getStreamProtocol } from '../../codecs/index.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClassPolicy, Logger, MeshMetrics } from '../../core/index.js';
import type { Handler } from '../filter.js';
import { GrpcListener, type GrpcLimits } from './grpc.js';
import type { GrpcServiceBinding } from './grpc-invoke.js';
import { Http1Listener } from './http1.js';
import type { Listener } from './listener.js';
import type { PartialFrameBudget } from './partial-frames.js';
import { RpcListener } from './rpc.js';

export type { Listener } from './listener.js';
export { PartialFrameBudget } from './partial-frames.js';
export type { GrpcLimits } from './grpc.js';

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly maxFrameBytes: number;
  readonly frameReadTimeoutMs: number;
  /** HTTP/1 only: a request head not whole within this time is answered 408. */
  readonly headersTimeoutMs: number;
  /** Open connections at most (Bolt, Dubbo, HTTP/1); one more is closed at once. */
  readonly maxConnections: number;
  /** The sidecar-wide budget of bytes held in partial binary frames. */
  readonly partialFrames: PartialFrameBudget;
  /** Bolt and Dubbo: check requests' class names against this policy's deny list (absent: no scan). */
  readonly classScan?: ClassPolicy;
  /** HTTP/1 only: the sidecar's own endpoints (`/v1/services`); returns true when it answered. */
  readonly local?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** gRPC and Triple: more services on the same port (the registry API). */
  readonly grpcServices?: readonly GrpcServiceBinding[];
  /** gRPC: message size, HTTP/2 stream and flood limits, upstream keepalive. */
  readonly grpc: GrpcLimits;
}

export function createListener(spec: ListenerSpec): Listener {
  if (spec.protocol === 'http1') return new Http1Listener(spec);
  const streams = getStreamProtocol(spec.protocol);
  if (streams) return new GrpcListener({ ...spec, streams });
  const codec = getCodec(spec.protocol);
  if (codec) return new RpcListener({ ...spec, codec });
  throw new Error(`listener ${spec.name}: protocol "${spec.protocol}" has no listener`);
}

export function hasListenerFor(protocol: string): boolean {
  return protocol === 'http1' || getStreamProtocol(protocol) !== undefined || getCodec(protocol) !== undefined;
}

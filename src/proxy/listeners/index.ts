/**
 * Listener construction by the transport a protocol plug-in's server side names
 * (src/core/protocol.ts): its own frames on a socket, node:http, or node:http2.
 */
import { getProtocol, type AnyProtocol } from '../../codecs/index.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiAccess, Logger, MeshMetrics } from '../../core/index.js';
import type { ClassPolicy } from '../../bridge/index.js';
import type { Handler } from '../filter.js';
import { AutoListener, type AutoSniff, type ConnectionTaker } from './auto.js';
import { Http2Listener, type GrpcLimits } from './http2.js';
import type { GrpcServiceBinding } from './built-in-api.js';
import { Http1Listener } from './http1.js';
import type { Listener } from './listener.js';
import type { PartialFrameBudget } from './partial-frames.js';
import { RpcListener } from './rpc.js';
import type { IngressTlsOptions } from '../transport/index.js';

export type { Listener } from './listener.js';
export { PartialFrameBudget } from './partial-frames.js';
export type { GrpcLimits } from './http2.js';
export { AUTO_PROTOCOL, type AutoSniff } from './auto.js';

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly maxHeaderBytes: number;
  /** HTTP/1 only: most header fields in one request. */
  readonly maxHeaderCount?: number;
  readonly maxBodyBytes: number;
  readonly maxFrameBytes: number;
  readonly frameReadTimeoutMs: number;
  /** HTTP/1 only: a request head not whole within this time is answered 408. */
  readonly headersTimeoutMs: number;
  /** HTTP/1 only: a request (head and body) not received whole within this time is answered 408. */
  readonly requestTimeoutMs: number;
  /** HTTP/1 only: a keep-alive connection idle this long between requests is closed. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections at most (Bolt, Dubbo, HTTP/1); one more is closed at once. */
  readonly maxConnections: number;
  /** The sidecar-wide budget of bytes held in partial binary frames. */
  readonly partialFrames: PartialFrameBudget;
  /** Bolt and Dubbo: check requests' class names against this policy's deny list (absent: no scan). */
  readonly classScan?: ClassPolicy;
  /** HTTP/1 only: the sidecar's own endpoints (`/v1/services`); returns true when it answered. */
  readonly local?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** HTTP/1 only: the request targets `local` may answer (handed to node:http); absent with `local`: every request. */
  readonly localTargets?: (target: string) => boolean;
  /** gRPC only: more services on the same port (the registry API). */
  readonly grpcServices?: readonly GrpcServiceBinding[];
  /**
   * gRPC only: who may call the built-in `pmesh.v1.*` services (absent: anyone), or `off`: they
   * are not served here and their calls are routed as any other. HTTP's `local` checks its own.
   */
  readonly appApi?: ApiAccess | 'off';
  /** gRPC: message size, HTTP/2 stream and flood limits, upstream keepalive. */
  readonly grpc: GrpcLimits;
  /** mTLS from other sidecars or TLS to apps (absent or mode off: plaintext). */
  readonly tls?: IngressTlsOptions;
  /** Set for an auto listener: the protocols it tells apart by their first bytes, and its limits. */
  readonly auto?: AutoSniff;
}

export function createListener(spec: ListenerSpec): Listener {
  if (spec.auto) return createAutoListener(spec, spec.auto);
  return createProtocolListener(spec);
}

/** One unbound listener per candidate protocol, behind one port that sniffs. */
function createAutoListener(spec: ListenerSpec, sniff: AutoSniff): Listener {
  const listeners = new Map<string, ConnectionTaker>();
  const alpn = new Set<string>();
  for (const protocol of sniff.protocols) {
    const plugin = getProtocol(protocol);
    if (!plugin) throw new Error(`listener ${spec.name}: auto.protocols names "${protocol}", which is no protocol`);
    // TLS sits under the shared port, before the sniff: the candidates see decrypted bytes.
    listeners.set(protocol, createProtocolListener({ ...spec, protocol, auto: undefined, tls: undefined }));
    if (plugin.server.transport === 'node:http2') alpn.add('h2');
    if (plugin.server.transport === 'node:http') alpn.add('http/1.1');
  }
  const { name, address, metrics, log, maxConnections, tls } = spec;
  return new AutoListener({ name, address, metrics, log, sniff, maxConnections, listeners, tls, alpn: [...alpn] });
}

function createProtocolListener(spec: ListenerSpec): ConnectionTaker {
  const plugin: AnyProtocol | undefined = getProtocol(spec.protocol);
  if (!plugin) throw new Error(`listener ${spec.name}: protocol "${spec.protocol}" has no listener`);
  const server = plugin.server;
  switch (server.transport) {
    case 'framed':
      return new RpcListener({ ...spec, codec: server.codec });
    case 'node:http':
      return new Http1Listener({ ...spec, codec: server.http });
    case 'node:http2':
      // The built-in services on this port are reached through the same plug-in's client side.
      if (plugin.client.transport !== 'node:http2') throw new Error(`protocol "${plugin.name}": a node:http2 server side needs a node:http2 client side`);
      return new Http2Listener({ ...spec, codec: server.streams, clientCodec: plugin.client.streams });
  }
}

/**
 * A gRPC call as an Invocation: `:path` is `/{package.Service}/{Method}`, so the
 * router matches `service` and `method` as for Bolt and Dubbo, and headers as for
 * HTTP. The body is the request stream, messages never decoded. The original header
 * object rides along as the frame, so the upstream forwards exactly what came.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Invocation, StreamRequestFrame, StreamResponseFrame } from '../../core/index.js';
import { attachmentsOf, GRPC_TIMEOUT } from './headers.js';
import { parseGrpcTimeout } from './timeout.js';

const SLASH = 0x2f;

/** What a gRPC Invocation carries as its `frame`: the request head as received. */
export type GrpcRequestFrame = StreamRequestFrame;

/** What a gRPC Result carries as its `frame`: the response head and, later, its trailers. */
export type GrpcResponseFrame = StreamResponseFrame;

/** Where `/pkg.Service/Method` splits into service and method (the second slash); -1 for any other path. */
export function grpcPathSplit(path: string | undefined): number {
  if (!path || path.charCodeAt(0) !== SLASH) return -1;
  const slash = path.indexOf('/', 1);
  if (slash <= 1 || slash === path.length - 1 || path.indexOf('/', slash + 1) !== -1) return -1;
  return slash;
}

/** `/pkg.Service/Method` -> its parts; undefined for any other path. */
export function parseGrpcPath(path: string | undefined): { service: string; method: string } | undefined {
  const slash = grpcPathSplit(path);
  return slash === -1 ? undefined : { service: path!.slice(1, slash), method: path!.slice(slash + 1) };
}

export function grpcInvocation(headers: IncomingHttpHeaders, body: Readable, now: number): Invocation {
  // The path is split in place: this runs on every call, and the parts are all it needs.
  const path = headers[':path'];
  const slash = grpcPathSplit(path);
  const timeout = parseGrpcTimeout(headers[GRPC_TIMEOUT] as string | undefined);
  const frame: GrpcRequestFrame = { headers };
  return {
    protocol: 'grpc',
    service: { interface: slash === -1 ? '' : path!.slice(1, slash) },
    method: slash === -1 ? '' : path!.slice(slash + 1),
    attachments: attachmentsOf(headers),
    deadline: timeout === undefined ? undefined : now + timeout,
    oneway: false,
    body: { kind: 'stream', stream: body },
    frame,
  };
}

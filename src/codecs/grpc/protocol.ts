/**
 * gRPC as a stream protocol (src/core/stream-protocol.ts): a stream's `:path` names the
 * service and method, `grpc-timeout` is the deadline, messages pass undecoded.
 */
import type { StreamProtocol } from '../../core/index.js';
import { GRPC_TIMEOUT } from './headers.js';
import { grpcInvocation } from './invocation.js';
import { matchHttp2Preface } from './preface.js';
import { formatGrpcTimeout } from './timeout.js';

export const grpcStreams: StreamProtocol = {
  name: 'grpc',
  match: matchHttp2Preface,
  toInvocation: grpcInvocation,
  deadlineHeaderNames: new Set([GRPC_TIMEOUT]),
  deadlineHeaders: (remainingMs) => ({ [GRPC_TIMEOUT]: formatGrpcTimeout(remainingMs) }),
};

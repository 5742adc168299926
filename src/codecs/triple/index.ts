/**
 * Dubbo 3 Triple as a stream protocol (src/core/stream-protocol.ts). Triple is gRPC on
 * HTTP/2 with Dubbo's headers, so the HTTP/2 machinery and gRPC's framing, limits and
 * statuses are shared (src/codecs/grpc); what Triple adds is the service key (version,
 * group), its own timeout header, the `tri://` registry scheme and JSON calls for the
 * bridge.
 */
import type { StreamProtocol } from '../../core/index.js';
import { formatGrpcTimeout, GRPC_TIMEOUT } from '../grpc/index.js';
import { matchHttp2Preface } from '../grpc/preface.js';
import { TRI_SERVICE_TIMEOUT } from './headers.js';
import { tripleInvocation } from './invocation.js';
import { tripleJsonCall } from './json-call.js';

export { TRI_SERVICE_GROUP, TRI_SERVICE_TIMEOUT, TRI_SERVICE_VERSION, parseServiceTimeout } from './headers.js';
export { tripleInvocation } from './invocation.js';

export const tripleStreams: StreamProtocol = {
  name: 'triple',
  match: matchHttp2Preface,
  toInvocation: tripleInvocation,
  deadlineHeaderNames: new Set([GRPC_TIMEOUT, TRI_SERVICE_TIMEOUT]),
  deadlineHeaders: (remainingMs) => ({ [GRPC_TIMEOUT]: formatGrpcTimeout(remainingMs), [TRI_SERVICE_TIMEOUT]: String(Math.max(1, Math.ceil(remainingMs))) }),
  registryScheme: 'tri',
  json: tripleJsonCall,
};

/**
 * gRPC as a protocol plug-in (src/core/protocol.ts) on the `node:http2` transport:
 * node:http2 carries the streams, the proxy passes messages through without decoding
 * them; this folder names the headers, the status trailers, the deadline format and
 * the message framing. The pmesh.v1 Invoke API on the same port brings JSON arguments
 * to the bridge; a gRPC call proper (a stream of protobuf messages) is never bridged.
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import { Code, type MeshError, type ProtocolPlugin } from '../../core/index.js';
import { attachmentsOf, CONTENT_TYPE, forwardable, forwardFlat, GRPC_MESSAGE, GRPC_STATUS, GRPC_TIMEOUT } from './headers.js';
import { grpcInvocation } from './invocation.js';
import { readGrpcHead } from './request-head.js';
import { LengthPrefixCheck, MessageBoundaries } from './length-prefix.js';
import { matchHttp2Preface } from './match.js';
import { encodeGrpcMessage, grpcMessageOf, grpcStatusOf, resetCodeOf } from './status.js';
import { formatGrpcTimeout } from './timeout.js';
import { grpcTelemetry } from './telemetry.js';

/** The caller's deadline header is not forwarded as it came: the upstream writes the budget left. */
const REWRITTEN = new Set([GRPC_TIMEOUT]);

function errorTrailers(error: MeshError): OutgoingHttpHeaders {
  return { [GRPC_STATUS]: String(grpcStatusOf(error)), [GRPC_MESSAGE]: encodeGrpcMessage(grpcMessageOf(error)) };
}

/** Why a request head is not a gRPC call (read once per repeated head: request-head.ts). */
function refusal(fields: readonly string[]): string | undefined {
  return readGrpcHead(fields).refusal;
}

export const grpcProtocol: ProtocolPlugin<never> = {
  name: 'grpc',
  label: 'gRPC',
  telemetry: grpcTelemetry,
  match: matchHttp2Preface,
  server: {
    transport: 'node:http2',
    streams: {
      refusal,
      toInvocation: grpcInvocation,
      messageLimit: (maxBytes, direction, onTooLarge) => new LengthPrefixCheck(maxBytes, direction, onTooLarge),
      messageBoundaries: (maxBytes, direction) => new MessageBoundaries(maxBytes, direction),
      forwardable: (headers) => forwardable(headers),
      errorTrailers,
      statusOf: (trailers) => Number(trailers[GRPC_STATUS] ?? Code.INTERNAL),
      resetCodeOf,
      contentType: CONTENT_TYPE,
    },
  },
  client: {
    transport: 'node:http2',
    pool: 'streams',
    streams: {
      requestHeaders: (headers) => forwardable(headers, REWRITTEN),
      forwardRequest: (received, out) => forwardFlat(received, out, REWRITTEN),
      deadlineHeader: (remainingMs) => [GRPC_TIMEOUT, formatGrpcTimeout(remainingMs)],
      isTrailersOnly: (head) => head[GRPC_STATUS] !== undefined,
      attachmentsOf,
      forwardable: (trailers) => forwardable(trailers),
      errorTrailers,
    },
  },
  bridge: { jsonEntry: { streamedArguments: false }, registryRoutable: true },
};

/**
 * Dubbo 3 Triple as a protocol plug-in (src/core/protocol.ts) on the `node:http2`
 * transport. Triple is gRPC on HTTP/2 with Dubbo's headers, so gRPC's plug-in does the
 * framing, limits, statuses and trailers (src/codecs/grpc); what Triple adds is the
 * service key (version and group from its headers), its own timeout header, the `tri://`
 * registry scheme and JSON calls for the bridge.
 */
import type { ProtocolPlugin } from '../../core/index.js';
import { forwardable, forwardFlat, GRPC_TIMEOUT } from '../grpc/index.js';
import { grpcProtocol } from '../grpc/plugin.js';
import { TRI_SERVICE_TIMEOUT } from './headers.js';
import { tripleInvocation } from './invocation.js';
import { tripleJsonCall } from './json-call.js';
import { grpcTelemetry } from '../grpc/telemetry.js';

export { TRI_SERVICE_GROUP, TRI_SERVICE_TIMEOUT, TRI_SERVICE_VERSION, parseServiceTimeout } from './headers.js';
export { tripleInvocation } from './invocation.js';

/** Both deadline headers are rewritten from the budget left (grpc-timeout is what Dubbo's consumers send and its providers read). */
const REWRITTEN = new Set([GRPC_TIMEOUT, TRI_SERVICE_TIMEOUT]);

const grpcServer = grpcProtocol.server;
const grpcClient = grpcProtocol.client;
if (grpcServer.transport !== 'node:http2' || grpcClient.transport !== 'node:http2') throw new Error('Triple builds on gRPC over node:http2');

export const tripleProtocol: ProtocolPlugin<never> = {
  name: 'triple',
  label: 'Triple',
  // Triple is gRPC's wire: the same headers carry trace keys, the same trailers the status.
  telemetry: grpcTelemetry,
  match: grpcProtocol.match,
  server: { transport: 'node:http2', streams: { ...grpcServer.streams, toInvocation: tripleInvocation } },
  client: {
    ...grpcClient,
    streams: { ...grpcClient.streams, requestHeaders: (headers) => forwardable(headers, REWRITTEN), forwardRequest: (received, out) => forwardFlat(received, out, REWRITTEN) },
  },
  bridge: { registryRoutable: true, jsonCall: tripleJsonCall },
  registryScheme: 'tri',
};

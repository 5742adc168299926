/**
 * gRPC's wire knowledge for the HTTP/2 frame relay (src/proxy/h2-frames), from the gRPC
 * plug-in's own pieces, for the bench and the tests that run the relay on its own.
 */
import { CONTENT_TYPE, GRPC_TIMEOUT, MessageBoundaries, formatGrpcTimeout, parseGrpcTimeout, resetCodeOf } from '../../src/codecs/grpc/index.js';
import { grpcProtocol } from '../../src/codecs/grpc/plugin.js';
import type { RelayWire } from '../../src/proxy/h2-frames/relay-call.js';

const side = grpcProtocol.server;
if (side.transport !== 'node:http2') throw new Error('gRPC is on node:http2');
const server = side.streams;

export const grpcRelayWire: RelayWire = {
  contentType: CONTENT_TYPE,
  deadlineHeader: GRPC_TIMEOUT,
  parseDeadline: (value) => parseGrpcTimeout(value),
  formatDeadline: (ms) => formatGrpcTimeout(ms),
  errorHeaders(error) {
    const trailers = server.errorTrailers(error);
    const out: string[] = [];
    for (const name in trailers) out.push(name, String(trailers[name]));
    return out;
  },
  resetCodeOf: (error) => resetCodeOf(server.statusOf(server.errorTrailers(error))),
  messageBoundaries: (max, direction) => new MessageBoundaries(max, direction),
};

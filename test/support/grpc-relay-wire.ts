/**
 * gRPC's wire knowledge for the HTTP/2 frame relay (src/proxy/h2-frames), from the gRPC
 * plug-in's own pieces, for the bench and the tests that run the relay on its own.
 */
import { DeadlineTimers } from '../../src/core/index.js';
import { CONTENT_TYPE, GRPC_TIMEOUT, MessageBoundaries, formatGrpcTimeout, parseGrpcTimeout, resetCodeOf } from '../../src/codecs/grpc/index.js';
import type { RelayCall } from '../../src/proxy/h2-frames/relay-call.js';
import type { UpstreamPool } from '../../src/proxy/h2-frames/upstream-pool.js';
import { grpcProtocol } from '../../src/codecs/grpc/plugin.js';
import type { RelayWire } from '../../src/proxy/h2-frames/relay-call.js';

const side = grpcProtocol.server;
if (side.transport !== 'node:http2') throw new Error('gRPC is on node:http2');
const server = side.streams;

export const grpcRelayWire: RelayWire = {
  contentType: CONTENT_TYPE,
  errorHeaders(error) {
    const trailers = server.errorTrailers(error);
    const out: string[] = [];
    for (const name in trailers) out.push(name, String(trailers[name]));
    return out;
  },
  resetCodeOf: (error) => resetCodeOf(server.statusOf(server.errorTrailers(error))),
  messageBoundaries: (max, direction) => new MessageBoundaries(max, direction),
};

/** The deadlines of the calls forwardTo opens, on one timer as the listener keeps them. */
const deadlines = new DeadlineTimers();

/**
 * Opens `call` on `pool` as a pass-through with no routing: the head forwarded with
 * `grpc-timeout` rewritten to the budget left (and the deadline kept by the relay).
 */
export function forwardTo(pool: UpstreamPool, call: RelayCall, headers: readonly string[]): void {
  const out: string[] = [':method', 'POST', ':scheme', 'http', ':path', '', ':authority', pool.options.address];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (name === ':path') out[5] = value;
    else if (name === ':authority') out[7] = value;
    else if (name === GRPC_TIMEOUT) {
      const ms = parseGrpcTimeout(value);
      if (ms === undefined) continue;
      call.setDeadline(performance.now() + ms, deadlines);
      out.push(GRPC_TIMEOUT, formatGrpcTimeout(ms));
    } else if (name.charCodeAt(0) !== 0x3a) out.push(name, value);
  }
  pool.open(call, out);
}

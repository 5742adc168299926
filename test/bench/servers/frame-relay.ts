/**
 * Bench reference for `npm run bench -- grpc`: the HTTP/2 frame relay
 * (src/proxy/h2-frames) on its own, every call to one upstream, no filter chain. What
 * it costs per call beside the node:http2 relay and the byte pump shows what a
 * pass-through without node:http2 streams costs.
 *
 *   node --import tsx test/bench/servers/frame-relay.ts <port> <upstream port>
 */
import { connect, createServer } from 'node:net';
import { RelayServerConnection, type FrameRelayOptions } from '../../../src/proxy/h2-frames/relay-server.js';
import { UpstreamPool } from '../../../src/proxy/h2-frames/upstream-pool.js';
import { forwardTo, grpcRelayWire } from '../../support/grpc-relay-wire.js';

const [port, upstreamPort] = process.argv.slice(2).map(Number) as [number, number];
const limits = { maxMessageBytes: 4 * 1024 * 1024, maxConcurrentStreams: 1_000, maxHeaderListBytes: 16_384, maxPingsPer10s: 1_000, maxSettingsPer10s: 1_000, maxResetsPer10s: 1_000 };
const pool = new UpstreamPool({
  address: `127.0.0.1:${upstreamPort}`,
  cluster: 'bench',
  maxConnections: 4,
  maxPendingStreams: 1_024,
  retryBufferBytes: 64 * 1024,
  maxHeaderListBytes: limits.maxHeaderListBytes,
  connectTimeoutMs: 5_000,
  keepaliveMs: 10_000,
  keepaliveTimeoutMs: 20_000,
  connect: () => connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true }),
  describeConnectError: (error) => error.message,
});
const options: FrameRelayOptions = {
  wire: grpcRelayWire,
  limits,
  dispatch: (call, headers) => forwardTo(pool, call, headers),
  onCallEnd: () => {},
  onLimit: () => {},
  onClose: () => {},
};
const server = createServer((socket) => new RelayServerConnection(socket, options));
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));

/**
 * Bench reference for `npm run bench -- grpc` and `compare` (HTTP/1, Bolt, Dubbo): a byte pump, each caller connection
 * paired with its own connection to the server, no protocol parsed at all. What it costs
 * is what one more Node process in the path costs by itself (socket reads and writes,
 * the extra hop), under the node:http2 relay's and the sidecar's figures.
 *
 *   node --import tsx test/bench/servers/tcp-relay.ts <port> <upstream port>
 */
import { connect, createServer } from 'node:net';

const [port, upstreamPort] = process.argv.slice(2).map(Number) as [number, number];

const server = createServer((caller) => {
  caller.setNoDelay(true);
  const upstream = connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
  caller.pipe(upstream);
  upstream.pipe(caller);
  caller.on('error', () => upstream.destroy());
  upstream.on('error', () => caller.destroy());
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));

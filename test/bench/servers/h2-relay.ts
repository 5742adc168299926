/**
 * Bench reference for `npm run bench -- grpc`: the least a node:http2 pass-through can
 * do per call (one server stream in, one client stream out on a multiplexed session,
 * bodies piped, head and trailers copied), with no routing, limits, deadlines, metrics
 * or filter chain. Its calls/s and CPU per call beside the sidecar's show how much of
 * the sidecar's cost is node:http2's own and how much is the mesh's.
 *
 *   node --import tsx test/bench/servers/h2-relay.ts <port> <upstream port>
 */
import { connect as h2connect, createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';

const [port, upstreamPort] = process.argv.slice(2).map(Number) as [number, number];
const upstream = h2connect(`http://127.0.0.1:${upstreamPort}`, {
  createConnection: () => netConnect({ host: '127.0.0.1', port: upstreamPort, noDelay: true }),
});
upstream.on('error', () => process.exit(1));

function regular(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) if (name.charCodeAt(0) !== 0x3a) out[name] = headers[name];
  return out;
}

const server = createServer();
server.on('connection', (socket: Socket) => socket.setNoDelay(true));
server.on('stream', (stream, headers) => {
  const out = regular(headers);
  out[':method'] = 'POST';
  out[':path'] = headers[':path'];
  const call = upstream.request(out);
  let trailers: OutgoingHttpHeaders = {};
  stream.pipe(call);
  call.once('response', (head) => {
    stream.respond({ ...regular(head), ':status': 200 }, { waitForTrailers: true });
    call.pipe(stream);
  });
  call.once('trailers', (received) => (trailers = regular(received)));
  stream.once('wantTrailers', () => stream.sendTrailers(trailers));
  call.on('error', () => stream.close());
  stream.on('error', () => call.close());
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));

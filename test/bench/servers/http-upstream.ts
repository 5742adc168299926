/** Bench upstream: answers every request with a 1 KiB body once the request body is read. */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const reply = Buffer.alloc(1024, 'y');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': reply.length });
    res.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));

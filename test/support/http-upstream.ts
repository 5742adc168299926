/** A real HTTP/1 upstream on loopback whose behaviour each test chooses per request. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestUpstream {
  readonly server: Server;
  readonly port: number;
  readonly address: string;
  handler: UpstreamHandler;
  close(): Promise<void>;
}

/** Answers with what it received: method, url, headers and body length (JSON). */
export const echoHandler: UpstreamHandler = (req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bytes });
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', 'keep-alive': 'timeout=5' });
    res.end(body);
  });
};

export async function startUpstream(handler: UpstreamHandler = echoHandler, port = 0): Promise<TestUpstream> {
  const upstream = {
    handler,
    server: undefined as unknown as Server,
    port: 0,
    address: '',
    close: () =>
      new Promise<void>((resolve) => {
        upstream.server.close(() => resolve());
        upstream.server.closeAllConnections();
      }),
  };
  upstream.server = createServer((req, res) => upstream.handler(req, res));
  await new Promise<void>((resolve) => upstream.server.listen(port, '127.0.0.1', resolve));
  upstream.port = (upstream.server.address() as AddressInfo).port;
  upstream.address = `127.0.0.1:${upstream.port}`;
  return upstream;
}

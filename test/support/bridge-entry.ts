/**
 * Helpers for the bridge entry tests: a provider stand-in that only counts what it is
 * sent, an HTTP/JSON call, a raw-socket request (for bodies the caller never finishes
 * or that are refused part way), and a gRPC `pmesh.v1.Invoker/Invoke` call.
 */
import { connect, createServer, type Server } from 'node:net';
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { request } from 'undici';
import { INVOKE_PROTO } from '../../src/proxy/listeners/built-in-api.js';
import { freePort } from './ports.js';

export interface Trap {
  readonly port: number;
  /** Bytes received since the trap started. */
  bytes(): number;
  close(): Promise<void>;
}

/** A TCP server that reads and counts, never answers: a provider that must receive nothing. */
export async function startTrap(): Promise<Trap> {
  const port = await freePort();
  let received = 0;
  const server: Server = createServer((socket) => socket.on('data', (chunk) => (received += chunk.length)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    bytes: () => received,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.unref();
    }),
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** POST (or `method`) /{service}/{method} with the body as given. */
export async function callBridge(port: number, path: string, body: string | Buffer | undefined, headers: Record<string, string> = {}, method = 'POST'): Promise<HttpAnswer> {
  const response = await request(`http://127.0.0.1:${port}${path}`, {
    method: method as 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the test looks at `text`
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

/**
 * Sends a request head and then body chunks from `chunks` (awaiting drain) until the
 * sidecar answers or the generator ends; resolves with the answer's text (head and
 * body) as far as it came before the connection closed.
 */
export function rawRequest(port: number, head: string, chunks: () => Generator<Buffer> | undefined, options: { untilClosed?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let answered = false;
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      answered = true;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
    socket.write(head);
    const body = chunks();
    const pump = (): void => {
      if (body === undefined) return;
      for (;;) {
        if (answered || socket.destroyed) return;
        const next = body.next();
        if (next.done) return;
        if (!socket.write(next.value)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
    // Answered and the sidecar keeps the connection: the answer is whole once the body length is read.
    // With `untilClosed` the test waits for the sidecar to close the connection itself.
    const check = setInterval(() => {
      if (options.untilClosed) return;
      const match = /content-length: (\d+)\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/i.exec(answer);
      if (match && Buffer.byteLength(match[2] ?? '', 'latin1') >= Number(match[1])) {
        clearInterval(check);
        socket.destroy();
      }
    }, 20);
    socket.on('close', () => clearInterval(check));
  });
}

export interface InvokeAnswer {
  readonly error?: { code: number; details: string };
  readonly resultJson?: string;
  readonly exception?: { className: string; message: string };
}

interface InvokeClient {
  Invoke(request: object, callback: (error: ServiceError | null, response?: { resultJson?: string; exception?: { className: string; message: string } }) => void): void;
  close(): void;
}

/** One call to pmesh.v1.Invoker/Invoke on the sidecar's gRPC listener. */
export async function grpcInvoke(port: number, call: { service: string; method: string; version?: string; group?: string; argumentsJson: string; paramTypes?: string[]; attachments?: Record<string, string> }): Promise<InvokeAnswer> {
  const definition = loadSync(INVOKE_PROTO, { keepCase: false, longs: String, defaults: true });
  const Invoker = ((loadPackageDefinition(definition).pmesh as GrpcObject).v1 as GrpcObject).Invoker as ServiceClientConstructor;
  const client = new Invoker(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as InvokeClient;
  try {
    return await new Promise<InvokeAnswer>((resolve) => {
      client.Invoke({ paramTypes: [], attachments: {}, version: '', ...call }, (error, response) => {
        if (error) resolve({ error: { code: error.code, details: error.details } });
        else resolve({ resultJson: response?.resultJson, exception: response?.exception ?? undefined });
      });
    });
  } finally {
    client.close();
  }
}

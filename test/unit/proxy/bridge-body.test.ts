/**
 * Reading a bridged call's body from node:http: a body that came with the head is taken
 * whole from the request's buffer, one still arriving is read as it streams, and the
 * limits hold both ways. Real sockets on 127.0.0.1.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancel, MeshError } from '../../../src/core/index.js';
import { requestToInvocation } from '../../../src/codecs/http1/invocation.js';
import { readArguments } from '../../../src/proxy/bridge-body.js';

const LIMITS = { maxBytes: 1024, maxValues: 100, maxDepth: 8 };
let server: Server;
let port: number;

/** What the bridge read from the request: the arguments, or the refusal's message. */
async function read(req: IncomingMessage): Promise<unknown> {
  await Promise.resolve(); // the bridge reads after the filters' awaits, as here
  try {
    return await readArguments(requestToInvocation(req, performance.now()), LIMITS, new Cancel(), () => {});
  } catch (error) {
    return { refused: MeshError.is(error) ? error.message : String(error) };
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((answer) => res.end(JSON.stringify(answer)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** POSTs `parts` with a pause between them; `length` sets Content-Length (else chunked). */
function post(parts: string[], length?: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (length !== undefined) headers['content-length'] = String(length);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/com.example.EchoService/echo', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    void (async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((wait) => setTimeout(wait, 50));
        req.write(part);
      }
      req.end();
    })();
  });
}

describe('bridge body from node:http', () => {
  it('a body sent with its head is read whole', async () => {
    const body = JSON.stringify(['x'.repeat(500), true]);
    expect(await post([body], Buffer.byteLength(body))).toEqual(['x'.repeat(500), true]);
  });

  it('a body arriving in pieces is read as it streams, with or without a length', async () => {
    const parts = ['["a", ', '"b"]'];
    expect(await post(parts, parts.join('').length)).toEqual(['a', 'b']);
    expect(await post(parts)).toEqual(['a', 'b']);
  });

  it('the limits hold on a whole body and on a streamed one', async () => {
    const deep = `[${'['.repeat(10)}${']'.repeat(10)}]`;
    expect(await post([deep], deep.length)).toEqual({ refused: 'the arguments nest deeper than 8 (bridge.maxJsonDepth)' });
    const big = JSON.stringify(['y'.repeat(2000)]);
    expect(await post([big.slice(0, 1000), big.slice(1000)])).toEqual({ refused: "a bridged call's body exceeds the limit of 1024 bytes (bridge.maxBodyBytes)" });
  });
});

/**
 * The sidecar's own POSTs (tracing's span exports) on the upstream's HTTP/1 client, against
 * node:http's server: the request as sent, the reply read to its end whatever its framing,
 * the connection kept for the next post, and every way a post can fail named in its error.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Poster } from '../../../src/proxy/index.js';
import { freePort } from '../../support/ports.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly socket: Socket;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server that records each request and answers as `answer` says. */
async function collector(answer: (res: ServerResponse, at: number) => void): Promise<{ url: string; received: Received[]; connections: () => number }> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), socket: req.socket });
      answer(res, received.length);
    });
  });
  server.on('connection', (socket: Socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces?x=1`, received, connections: () => sockets.size };
}

function poster(url: string): Http1Poster {
  const post = new Http1Poster(new URL(url), 'application/x-protobuf', 2_000);
  cleanups.push(() => post.close());
  return post;
}

describe('Http1Poster', () => {
  it('posts the body with its type and length, and reads each reply to its end on one kept connection', async () => {
    const { url, received, connections } = await collector((res, at) => {
      if (at === 1) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from([0x0a, 0x00]));
      else {
        // Chunked, in pieces that leave after the head: the reply's end is the last chunk.
        res.writeHead(202, { 'content-type': 'application/json' });
        res.write('{"partialSuccess"');
        setTimeout(() => res.end(':{}}'), 20);
      }
    });
    const post = poster(url);
    const body = Uint8Array.from([1, 2, 3, 4, 5]);
    expect(await post.post(body, 5_000)).toBe(200);
    expect(await post.post(body.subarray(1, 4), 5_000)).toBe(202);
    expect(await post.post(body, 5_000)).toBe(202);
    expect(received.map((r) => [r.method, r.url, r.headers['content-type'], r.headers['content-length'], r.headers.host, [...r.body]])).toEqual([
      ['POST', '/v1/traces?x=1', 'application/x-protobuf', '5', new URL(url).host, [1, 2, 3, 4, 5]],
      ['POST', '/v1/traces?x=1', 'application/x-protobuf', '3', new URL(url).host, [2, 3, 4]],
      ['POST', '/v1/traces?x=1', 'application/x-protobuf', '5', new URL(url).host, [1, 2, 3, 4, 5]],
    ]);
    expect(new Set(received.map((r) => r.socket)).size).toBe(1);
    expect(connections()).toBe(1);
  });

  it('gives the status of a refusal, and posts again on a new connection after the collector closed one', async () => {
    const { url, received } = await collector((res, at) => {
      if (at === 1) res.writeHead(400, { connection: 'close' }).end('bad');
      else res.writeHead(200).end();
    });
    const post = poster(url);
    expect(await post.post(Buffer.from('a'), 5_000)).toBe(400);
    expect(await post.post(Buffer.from('b'), 5_000)).toBe(200);
    expect(received.map((r) => r.body.toString())).toEqual(['a', 'b']);
    expect(received[0]!.socket).not.toBe(received[1]!.socket);
  });

  it('names a refused connection, a silent collector and a malformed reply', async () => {
    const refused = poster(`http://127.0.0.1:${await freePort()}/v1/traces`);
    await expect(refused.post(Buffer.from('x'), 5_000)).rejects.toThrow(/cannot connect: ECONNREFUSED/);

    const held: ServerResponse[] = [];
    const silent = await collector((res) => held.push(res));
    const waiting = poster(silent.url);
    await expect(waiting.post(Buffer.from('x'), 200)).rejects.toThrow('no reply within 200 ms');
    // The timed-out post's connection is cut, not left holding the collector's resources.
    await expect.poll(() => held.every((res) => res.destroyed || res.socket === null || res.socket.destroyed), { timeout: 10_000 }).toBe(true);

    const garbled = await collector((res) => res.socket!.end('NOT HTTP\r\n\r\n'));
    await expect(poster(garbled.url).post(Buffer.from('x'), 5_000)).rejects.toThrow('bad status line "NOT HTTP"');
  });

  it('refuses a URL that is not http://', () => {
    expect(() => new Http1Poster(new URL('https://127.0.0.1:4318/v1/traces'), 'application/json', 1_000)).toThrow(/only http:\/\//);
  });
});

/**
 * The HTTP/1 reply head and chunked readers on bytes Node's own HTTP server wrote (a peer
 * whose framing we did not write), cut at every possible place, and on shapes they must refuse.
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkedDecoder } from '../../../src/proxy/upstream/http1-chunked.js';
import { BadReplyError, parseReplyHead } from '../../../src/proxy/upstream/http1-reply-head.js';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    if (req.url === '/chunked') {
      res.write('hello ');
      res.write(Buffer.alloc(300, 'x'));
      res.addTrailers({ 'x-sum': '42' });
      res.end('!');
    } else {
      res.end('fixed');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The reply's bytes, the connection closed by the request. */
function fetchRaw(path: string, headers = ''): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`);
  });
}

describe('parseReplyHead', () => {
  it('reads the status, headers as sent and the framing of replies Node wrote', async () => {
    const bytes = await fetchRaw('/fixed');
    const end = bytes.indexOf('\r\n\r\n') + 4;
    const head = parseReplyHead(bytes, end, 'GET');
    expect(head.status).toBe(200);
    expect(head.framing).toEqual({ kind: 'length', length: 5 });
    expect(head.keepAlive).toBe(false); // Connection: close
    expect(head.rawHeaders.filter((_, i) => i % 2 === 0)).toContain('Set-Cookie');
    expect(head.rawHeaders.filter((value, i) => i % 2 === 1 && value.length === 3)).toEqual(['a=1', 'b=2']);
    expect(parseReplyHead(bytes, end, 'HEAD').framing).toEqual({ kind: 'none' });
    const chunked = await fetchRaw('/chunked');
    expect(parseReplyHead(chunked, chunked.indexOf('\r\n\r\n') + 4, 'GET').framing).toEqual({ kind: 'chunked' });
  });

  it.each([
    ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', /both content-length and transfer-encoding/],
    ['HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n', /bad content-length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /two different content-length/],
    ['HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n', /obs-fold/],
    ['HTTP/1.1 200 OK\r\nX : 1\r\n\r\n', /bad header line/],
    ['HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n', /bad header line/],
    ['HTTP/1.1 20 OK\r\n\r\n', /bad status line/],
    ['HTTP/2 200 OK\r\n\r\n', /bad status line/],
  ])('refuses %j', (text, message) => {
    const bytes = Buffer.from(text, 'latin1');
    expect(() => parseReplyHead(bytes, bytes.length, 'GET')).toThrow(BadReplyError);
    expect(() => parseReplyHead(bytes, bytes.length, 'GET')).toThrow(message);
  });
});

describe('ChunkedDecoder', () => {
  it('finds the same body and the same end wherever Node\'s chunked bytes are cut', async () => {
    const bytes = await fetchRaw('/chunked');
    const body = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
    const want = `hello ${'x'.repeat(300)}!`;
    const extra = Buffer.from('NEXT', 'latin1'); // the next reply's first bytes must be left alone
    const all = Buffer.concat([body, extra]);
    for (let cut = 0; cut <= all.length; cut++) {
      const decoder = new ChunkedDecoder();
      let text = '';
      const onData = (data: Buffer): void => void (text += data.toString('latin1'));
      const first = decoder.feed(all.subarray(0, cut), 0, onData);
      const second = decoder.feed(all, cut, onData);
      expect(text).toBe(want);
      expect(decoder.done).toBe(true);
      expect(first + second).toBe(body.length);
    }
  });

  it.each([['zz\r\n'], ['5\r\nhelloX'], ['5\nhello\r\n'], ['1234567890abc\r\n'], ['0\r\nX-Trailer: 1\n\r\n']])('refuses %j', (text) => {
    expect(() => new ChunkedDecoder().feed(Buffer.from(text, 'latin1'), 0, () => {})).toThrow(BadReplyError);
  });
});

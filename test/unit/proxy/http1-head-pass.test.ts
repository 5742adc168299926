/**
 * The byte path's heads passed on as they came, both ways: a raw upstream writes reply heads
 * we chose (hop-by-hop fields, repeats, odd case, HTTP/1.0, HEAD, 204/304) and records the
 * request heads it gets; the real listener and upstream client carry them; a raw caller
 * writes and reads the bytes. Hop-by-hop fields never cross, whatever path a head takes; a
 * handler that reads or changes a header list gets the whole list, and its change is what
 * the other side sees.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http1Protocol } from '../../../src/codecs/http1/plugin.js';
import { forwardableReplyHeaders } from '../../../src/codecs/http1/headers.js';
import { NOOP_METRICS, createRootLogger, makeEndpoint, type HttpClientCodec, type HttpServerCodec, type Invocation, type Result } from '../../../src/core/index.js';
import type { Handler } from '../../../src/proxy/index.js';
import { Http1Listener } from '../../../src/proxy/listeners/http1.js';
import { Http1Upstream } from '../../../src/proxy/upstream/http1.js';
import { Http1Reply } from '../../../src/proxy/upstream/http1-reply.js';
import { parseReplyHead } from '../../../src/proxy/upstream/http1-reply-head.js';
import { freePort } from '../../support/ports.js';

const CLIENT = (http1Protocol.client as { readonly http: HttpClientCodec }).http;
const SERVER = (http1Protocol.server as { readonly http: HttpServerCodec }).http;

/** The reply head (and body) the raw upstream writes for each request path. */
const REPLIES: Record<string, string> = {
  '/hop':
    'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nX-Case: Kept\r\nKeep-Alive: timeout=5\r\nSet-Cookie: a=1\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n' +
    'Trailer: x-sum\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n\r\nhello',
  '/named': 'HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\nX-Stay: 2\r\nContent-Length: 2\r\n\r\nok',
  '/http10': 'HTTP/1.0 200 Fine\r\nContent-Length: 3\r\nX-Old: yes\r\n\r\nold',
  '/head': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nKeep-Alive: timeout=5\r\n\r\n',
  '/204': 'HTTP/1.1 204 No Content\r\nX-A: 1\r\nConnection: keep-alive\r\n\r\n',
  '/304': 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 9\r\n\r\n',
  '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-C: 1\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  '/plain': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nplan',
};

let upstream: Server;
let upstreamAddress: string;
/** The request heads (and bodies) the raw upstream got, in order. */
const received: string[] = [];
let listener: Http1Listener | undefined;
let client: Http1Upstream | undefined;

beforeAll(async () => {
  upstream = createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        received.push(buffered.slice(0, end + 4 + length));
        buffered = buffered.slice(end + 4 + length);
        const path = head.split(' ')[1]!;
        socket.write(REPLIES[path] ?? REPLIES['/plain']!, 'latin1');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamAddress = `127.0.0.1:${(upstream.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

afterEach(async () => {
  received.length = 0;
  await listener?.close(100);
  await client?.close();
  listener = undefined;
  client = undefined;
});

/** A listener whose every call goes to the raw upstream, through `before` and `around` when given. */
async function start(around?: (result: Result) => Result, before?: (invocation: Invocation) => Invocation): Promise<number> {
  client = new Http1Upstream({ cluster: 'raw', connectTimeoutMs: 2_000, maxConnectionsPerEndpoint: 4, codec: CLIENT });
  const endpoint = makeEndpoint(upstreamAddress);
  const upstreamClient = client;
  const handler: Handler = async (invocation, ctx) => {
    const result = await upstreamClient.call(endpoint, before ? before(invocation) : invocation, ctx);
    return around ? around(result) : result;
  };
  const port = await freePort();
  listener = new Http1Listener({
    name: 'in',
    protocol: 'http1',
    codec: SERVER,
    address: `127.0.0.1:${port}`,
    handler,
    metrics: NOOP_METRICS,
    log: createRootLogger('silent'),
    maxHeaderBytes: 16 * 1024,
    maxBodyBytes: 1024 * 1024,
  });
  await listener.start();
  return port;
}

/** Writes `requests` on one connection and reads until `replies` whole replies came (or the connection closed). */
function exchange(port: number, requests: string, replies: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    const out: string[] = [];
    const take = (): void => {
      for (;;) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = text.slice(0, end);
        const noBody = /^HTTP\/1\.1 (204|304)/.test(head) || out.length < methods.length && methods[out.length] === 'HEAD';
        const length = noBody ? 0 : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (text.length < end + 4 + length) return;
        out.push(text.slice(0, end + 4 + length));
        text = text.slice(end + 4 + length);
        if (out.length === replies) {
          socket.destroy();
          resolve(out);
          return;
        }
      }
    };
    const methods = [...requests.matchAll(/(?:^|\r\n\r\n)([A-Z]+) /g)].map((match) => match[1]);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      take();
    });
    socket.on('end', () => resolve([...out, ...(text ? [text] : [])]));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => reject(new Error(`no reply within 10 s; got ${JSON.stringify(out)} and ${JSON.stringify(text)}`)));
    socket.write(requests, 'latin1');
  });
}

function get(path: string, extra = '', method = 'GET'): string {
  return `${method} ${path} HTTP/1.1\r\nHost: raw.local\r\n${extra}\r\n`;
}

/** The field lines of a reply, in order, as [name, value] pairs. */
function fields(reply: string): Array<[string, string]> {
  const head = reply.slice(0, reply.indexOf('\r\n\r\n'));
  return head
    .split('\r\n')
    .slice(1)
    .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'transfer-encoding'];

describe('reply heads passed on from their bytes', () => {
  it('leaves out every hop-by-hop field and keeps the rest as they came, repeats and order included', async () => {
    const port = await start();
    const [first, second] = await exchange(port, get('/hop') + get('/hop'), 2);
    for (const reply of [first!, second!]) {
      expect(reply.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
      expect(fields(reply)).toEqual([
        ['X-Case', 'Kept'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['Content-Length', '5'],
      ]);
      expect(reply.endsWith('\r\n\r\nhello')).toBe(true);
    }
  });

  it('says connection: close when the caller asked for it, and closes', async () => {
    const port = await start();
    const replies = await exchange(port, get('/hop', 'Connection: close\r\n') + get('/hop'), 2);
    expect(replies).toHaveLength(1);
    expect(fields(replies[0]!).map(([name]) => name.toLowerCase())).toEqual(['x-case', 'set-cookie', 'set-cookie', 'content-length', 'connection']);
    expect(fields(replies[0]!).at(-1)).toEqual(['connection', 'close']);
  });

  it('drops a field the upstream\'s Connection names (the head is then written from its field list)', async () => {
    const port = await start();
    const [reply] = await exchange(port, get('/named'), 1);
    expect(fields(reply!)).toEqual([
      ['x-stay', '2'],
      ['content-length', '2'],
    ]);
  });

  it('answers HTTP/1.1 to an HTTP/1.0 upstream, HEAD with the length but no body, 204 and 304 without bodies, on one connection', async () => {
    const port = await start();
    const replies = await exchange(port, get('/http10') + get('/head', '', 'HEAD') + get('/204') + get('/304') + get('/plain'), 5);
    expect(replies).toHaveLength(5);
    expect(replies[0]).toBe('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Old: yes\r\n\r\nold');
    expect(replies[1]).toBe('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
    expect(replies[2]).toBe('HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n');
    expect(replies[3]).toBe('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 9\r\n\r\n');
    expect(replies[4]).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nplan');
  });

  it('reframes a chunked reply it collected whole, without the upstream\'s Transfer-Encoding', async () => {
    const port = await start();
    const [reply] = await exchange(port, get('/chunked'), 1);
    expect(reply).toBe('HTTP/1.1 200 OK\r\nx-c: 1\r\ncontent-length: 3\r\n\r\nabc');
  });

  it('a handler that reads the header list sees every end-to-end field, and the caller still gets no hop-by-hop one', async () => {
    const seen: string[][] = [];
    const port = await start((result) => {
      seen.push([...(result.rawHeaders ?? [])]);
      return result;
    });
    const [reply] = await exchange(port, get('/hop'), 1);
    expect(seen).toEqual([['x-case', 'Kept', 'set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-length', '5']]);
    expect(fields(reply!)).toEqual([
      ['x-case', 'Kept'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['content-length', '5'],
    ]);
    expect(reply!.endsWith('hello')).toBe(true);
  });

  it('a handler that changes the header list (a spread Result) is what the caller gets', async () => {
    const port = await start((result) => ({ ...result, rawHeaders: [...(result.rawHeaders ?? []).filter((_, i, list) => list[i - (i % 2)] !== 'x-case'), 'x-added', 'yes'] }));
    const [reply] = await exchange(port, get('/hop'), 1);
    expect(fields(reply!)).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-added', 'yes'],
      ['content-length', '5'],
    ]);
  });
});

describe('Http1Reply', () => {
  it('makes its header list when read, as the codec would from the whole head, and stops passing the bytes then', async () => {
    for (const text of Object.values(REPLIES)) {
      const bytes = Buffer.from(text, 'latin1');
      const end = bytes.indexOf('\r\n\r\n') + 4;
      const head = parseReplyHead(bytes, end, 'GET');
      const reply = new Http1Reply(head, CLIENT, { kind: 'empty' });
      const passes = reply.passesHead;
      if (passes) {
        // What the bytes path writes is the codec's list but for the names' case.
        const out = Buffer.alloc(head.passedFieldsLength);
        expect(head.copyPassedFields(out, 0)).toBe(out.length);
        const passed = out.toString('latin1').split('\r\n').filter(Boolean).flatMap((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
        expect(passed).toEqual(forwardableReplyHeaders(head.rawHeaders));
        for (let i = 0; i < passed.length; i += 2) expect(HOP_BY_HOP).not.toContain(passed[i]);
      }
      expect(reply.rawHeaders).toEqual(forwardableReplyHeaders(head.rawHeaders));
      expect(reply.passesHead).toBe(false);
      // A spread copies the list: the copy carries every field.
      expect({ ...reply }.rawHeaders).toEqual(reply.rawHeaders);
    }
  });

  it('passes the bytes only for heads that need no field-level change', () => {
    const passes = (text: string): boolean => {
      const bytes = Buffer.from(text, 'latin1');
      return new Http1Reply(parseReplyHead(bytes, bytes.length, 'GET'), CLIENT, { kind: 'empty' }).passesHead;
    };
    expect(passes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(true);
    expect(passes('HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n')).toBe(true);
    expect(passes('HTTP/1.1 200 OK\r\nConnection: keep-alive, x-a\r\nContent-Length: 0\r\n\r\n')).toBe(false);
    expect(passes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n')).toBe(false);
    expect(passes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')).toBe(false);
    expect(passes('HTTP/1.1 200 OK\r\n\r\n')).toBe(false); // until close: the length is ours to write
    expect(passes('HTTP/1.1 204 No Content\r\n\r\n')).toBe(true);
  });
});

describe('request heads passed on from their bytes', () => {
  const request =
    'POST /up?q=1 HTTP/1.1\r\nHost: raw.local\r\nConnection: keep-alive\r\nX-Case: Kept\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\nX-Rep: 1\r\n' +
    'Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.0.0.1\r\nTrailer: x-sum\r\nProxy-Connection: keep-alive\r\nX-Rep: 2\r\nContent-Length: 3\r\n\r\nabc';

  it('leaves out every hop-by-hop field, appends the caller to X-Forwarded-For and frames the body itself', async () => {
    const port = await start();
    await exchange(port, request + request, 2);
    expect(received).toHaveLength(2);
    for (const got of received) {
      expect(got.slice(0, got.indexOf('\r\n'))).toBe('POST /up?q=1 HTTP/1.1');
      expect(fields(got)).toEqual([
        ['Host', 'raw.local'],
        ['X-Case', 'Kept'],
        ['X-Rep', '1'],
        ['X-Rep', '2'],
        ['x-forwarded-for', '10.0.0.1, 127.0.0.1'],
        ['content-length', '3'],
      ]);
      expect(got.endsWith('\r\n\r\nabc')).toBe(true);
    }
  });

  it('leaves out Expect (answered here) and a chunked body\'s framing, which it writes anew', async () => {
    const port = await start();
    const chunked = 'POST /c HTTP/1.1\r\nHost: raw.local\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n';
    const socket = connect(port, '127.0.0.1');
    const replies: string[] = [];
    socket.on('data', (chunk: Buffer) => replies.push(chunk.toString('latin1')));
    socket.write(chunked);
    await expect.poll(() => replies.join(''), { timeout: 10_000 }).toContain('100 Continue');
    socket.write('3\r\nabc\r\n0\r\n\r\n');
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    socket.destroy();
    expect(fields(received[0]!).map(([name]) => name.toLowerCase())).toEqual(['host', 'x-a', 'x-forwarded-for', 'transfer-encoding']);
  });

  it('a Connection option naming a field drops that field too (the head is then written from the headers)', async () => {
    const port = await start();
    await exchange(port, 'GET /n HTTP/1.1\r\nHost: raw.local\r\nConnection: x-hop\r\nX-Hop: 1\r\nX-Stay: 2\r\n\r\n', 1);
    expect(fields(received[0]!)).toEqual([
      ['host', 'raw.local'],
      ['x-stay', '2'],
      ['x-forwarded-for', '127.0.0.1'],
    ]);
  });

  it('headers a filter adds (as tracing does) reach the upstream, with no hop-by-hop field', async () => {
    const port = await start(undefined, (invocation) => ({ ...invocation, attachments: { ...invocation.attachments, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }));
    await exchange(port, request, 1);
    const got = fields(received[0]!);
    expect(got).toContainEqual(['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']);
    expect(got).toContainEqual(['x-case', 'Kept']);
    expect(got).toContainEqual(['x-rep', '1, 2']);
    expect(got).toContainEqual(['x-forwarded-for', '10.0.0.1, 127.0.0.1']);
    for (const [name] of got) expect([...HOP_BY_HOP, 'proxy-authorization']).not.toContain(name.toLowerCase());
  });
});

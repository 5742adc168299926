/**
 * The HTTP/1 listener's byte path (src/proxy/listeners/http1-caller.ts) fed the bytes real
 * clients sent (test/golden/http1, captured by scripts/golden/http1-requests.mjs from curl,
 * Python's http.client, Go's net/http and wrk), whole, cut in two at every offset and one
 * byte at a time: each way reads the same requests, heads and bodies, and answers each in
 * order. Malformed and smuggling-shaped requests are refused with their status and never served.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Http1Caller, type CallerHost, type CallerRequest } from '../../../src/proxy/listeners/http1-caller.js';
import { FakeCallerSocket } from '../../support/fake-caller-socket.js';

const GOLDEN = join(import.meta.dirname, '../../golden/http1');


interface Seen {
  readonly method: string;
  readonly target: string;
  readonly headers: string[];
  body: string;
  error?: string;
}

interface Run {
  readonly requests: Seen[];
  readonly refusals: Array<{ code: string; status: number }>;
  readonly socket: FakeCallerSocket;
  handedOver?: string;
  tooLarge: number;
  malformed: string[];
}

const LIMITS = { maxHeaderBytes: 16 * 1024, maxHeaderCount: 100, maxBodyBytes: 64 * 1024 };

/** Feeds `chunks` one read at a time (letting body streams and replies run between reads). */
async function feed(chunks: readonly Buffer[], limits = LIMITS): Promise<Run> {
  const socket = new FakeCallerSocket();
  const run: Run = { requests: [], refusals: [], socket, tooLarge: 0, malformed: [] };
  const answer = (request: CallerRequest, status: number): void =>
    request.writeLocal({ status, headers: { 'content-type': 'text/plain', 'content-length': 2 }, body: 'ok' });
  const host: CallerHost = {
    limits,
    handsOver: (head) => head.target.startsWith('/hand-over'),
    handOver: (_socket, rest) => {
      run.handedOver = rest.toString('latin1');
    },
    serve: (request) => {
      const seen: Seen = { method: request.head.method, target: request.head.target, headers: request.head.rawHeaders, body: '' };
      run.requests.push(seen);
      const body = request.body;
      if (body.kind === 'raw') seen.body = body.bytes.toString('latin1');
      if (body.kind !== 'stream') return answer(request, 200);
      body.stream.on('data', (chunk: Buffer) => (seen.body += chunk.toString('latin1')));
      body.stream.once('end', () => answer(request, 200));
      body.stream.once('error', (error: Error) => {
        seen.error = error.message;
        answer(request, 400);
      });
    },
    done: () => {},
    refuse: (_socket, code, _message, status) => {
      run.refusals.push({ code, status });
    },
    tooLarge: () => run.tooLarge++,
    malformedBody: (code) => run.malformed.push(code),
    draining: false,
  };
  new Http1Caller(socket as unknown as Socket, undefined, host);
  for (const chunk of chunks) {
    socket.emit('data', chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  return run;
}

/** Feeds `chunks`, then does `then` to the socket and lets the run settle. */
async function feedThen(chunks: readonly Buffer[], then: (socket: FakeCallerSocket) => void): Promise<{ run: Run }> {
  const run = await feed(chunks);
  then(run.socket);
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  return { run };
}

/** What a run read and answered, comparable across cuts (a 100 Continue depends on where the cut falls). */
function summary(run: Run): unknown {
  return {
    requests: run.requests.map(({ method, target, headers, body, error }) => ({ method, target, headers, body, error })),
    replies: run.socket.written.match(/HTTP\/1\.1 (?!100)\d{3}/g) ?? [],
    refusals: run.refusals,
  };
}

const goldens = readdirSync(GOLDEN).filter((name) => name.endsWith('.bin'));

describe('requests real clients sent', () => {
  it('has the captured files', () => {
    expect(goldens.length).toBeGreaterThanOrEqual(11);
  });

  for (const name of goldens) {
    it(`${name}: the same requests whole, cut at every offset and byte by byte`, async () => {
      const bytes = readFileSync(join(GOLDEN, name));
      const whole = await feed([bytes]);
      expect(whole.refusals).toEqual([]);
      expect(whole.requests.length).toBeGreaterThan(0);
      for (const request of whole.requests) expect(request.error).toBeUndefined();
      const expected = summary(whole);
      for (let cut = 1; cut < bytes.length; cut++) {
        const split = await feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
        expect(summary(split), `cut at ${cut}`).toEqual(expected);
      }
      const oneByOne = await feed([...bytes].map((byte) => Buffer.from([byte])));
      expect(summary(oneByOne)).toEqual(expected);
    }, 120_000);
  }

  it('reads what each client meant', async () => {
    const read = async (name: string): Promise<Seen[]> => (await feed([readFileSync(join(GOLDEN, name))])).requests;
    expect((await read('curl-get-keepalive.bin')).map((r) => `${r.method} ${r.target}`)).toEqual(['GET /first', 'GET /second?x=1']);
    expect((await read('curl-post-chunked.bin'))[0]!.body).toBe('x'.repeat(3000));
    expect((await read('curl-post-expect.bin'))[0]!.body).toBe('y'.repeat(2000));
    expect((await read('curl-post-form.bin'))[0]!.body).toBe('name=ada&lang=en');
    expect((await read('python-keepalive.bin')).map((r) => `${r.method} ${r.target} ${r.body.length}`)).toEqual(['GET /py/get 0', 'HEAD /py/head 0', 'POST /py/post 100']);
    expect((await read('python-chunked.bin'))[0]!.body).toBe(`${'a'.repeat(10)}${'b'.repeat(4000)}`);
    const go = (await read('go-get.bin'))[0]!;
    expect(go.headers.filter((_, i) => i % 2 === 0)).toContain('X-Multi');
    expect((await read('go-post-chunked.bin'))[0]!.body).toBe('c'.repeat(5000));
    expect((await read('go-post-length.bin'))[0]!.body).toBe('g'.repeat(300));
    expect((await read('wrk-post.bin')).map((r) => r.body.length)).toEqual([1024, 1024, 1024]);
  });

  it('answers 100 Continue when the body waits for it, and closes after Connection: close', async () => {
    const bytes = readFileSync(join(GOLDEN, 'curl-post-expect.bin'));
    const headEnd = bytes.indexOf('\r\n\r\n') + 4;
    const run = await feed([bytes.subarray(0, headEnd), bytes.subarray(headEnd)]);
    expect(run.socket.written).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    const go = await feed([readFileSync(join(GOLDEN, 'go-get.bin'))]);
    expect(go.socket.written).toContain('connection: close');
    expect(go.socket.ended).toBe(true);
  });

  it('hands the connection over at a request boundary with every byte not yet consumed', async () => {
    const first = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    const second = 'POST /hand-over HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n';
    const run = await feed([Buffer.from(first + second, 'latin1')]);
    expect(run.requests.map((r) => r.target)).toEqual(['/a']);
    expect(run.handedOver).toBe(second);
  });
});

describe('malformed requests', () => {
  const cases: Array<[string, string, number, string]> = [
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['two equal Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 400, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc', 400, 'HPE_INVALID_CONTENT_LENGTH'],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc', 400, 'HPE_INVALID_CONTENT_LENGTH'],
    ['a hex Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\nabc', 400, 'HPE_INVALID_CONTENT_LENGTH'],
    ['a Content-Length past 15 digits', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456\r\n\r\n', 400, 'HPE_INVALID_CONTENT_LENGTH'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['a bare LF ending a header line', 'GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n', 400, 'HPE_CR_EXPECTED'],
    ['bare LFs only', 'GET / HTTP/1.1\nHost: x\n\n', 400, 'HPE_CR_EXPECTED'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['a separator in a name', 'GET / HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['a line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['an empty name', 'GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['DEL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n', 400, 'HPE_INVALID_HEADER_TOKEN'],
    ['a control character in the target', 'GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'HPE_INVALID_URL'],
    ['a byte above 0x7e in the target', 'GET /caf\xe9 HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'HPE_INVALID_URL'],
    ['three words and more', 'GET /x HTTP/1.1 extra\r\nHost: x\r\n\r\n', 400, 'HPE_INVALID_VERSION'],
    ['no version', 'GET /x\r\nHost: x\r\n\r\n', 400, 'HPE_INVALID_METHOD'],
    ['HTTP/2.0 in an HTTP/1 line', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 400, 'HPE_INVALID_VERSION'],
    ['a method that is not a token', 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'HPE_INVALID_METHOD'],
    ['a method nobody implements', 'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n', 501, 'HPE_INVALID_METHOD'],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: 1\r\n\r\n', 400, 'HPE_MISSING_HOST'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'HPE_DUPLICATE_HOST'],
    ['a coding after chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400, 'HPE_INVALID_TRANSFER_ENCODING'],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'HPE_INVALID_TRANSFER_ENCODING'],
    ['Transfer-Encoding without chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', 400, 'HPE_INVALID_TRANSFER_ENCODING'],
    ['gzip then chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501, 'HPE_UNSUPPORTED_TRANSFER_ENCODING'],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'HPE_INVALID_TRANSFER_ENCODING'],
    ['an expectation other than 100-continue', 'POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na', 417, 'HPE_EXPECTATION_FAILED'],
    ['a head past the byte limit', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`, 431, 'HPE_HEADER_OVERFLOW'],
    ['a head past the byte limit, not ended', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}`, 431, 'HPE_HEADER_OVERFLOW'],
    ['more fields than the limit', `GET / HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(100)}\r\n`, 431, 'HPE_TOO_MANY_HEADERS'],
  ];

  for (const [what, text, status, code] of cases) {
    it(`${what}: ${status} ${code}, never served`, async () => {
      const run = await feed([Buffer.from(text, 'latin1')]);
      expect(run.refusals).toEqual([{ code, status }]);
      expect(run.requests).toEqual([]);
    });
  }

  it('a request after a refused one on the same connection is never read', async () => {
    const run = await feed([Buffer.from('GET / HTTP/1.1\r\nHost : x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')]);
    expect(run.refusals).toHaveLength(1);
    expect(run.requests).toEqual([]);
  });

  const bodies: Array<[string, string, string]> = [
    ['a chunk size past 12 hex digits', '1000000000000\r\n', 'chunk size too large'],
    ['a chunk size that is not hex', 'zz\r\nab\r\n0\r\n\r\n', 'bad chunk size'],
    ['chunk data not followed by CRLF', '2\r\nabc\r\n0\r\n\r\n', 'chunk data not followed by CRLF'],
    ['a size line ended by a bare LF', '2\nab\r\n0\r\n\r\n', 'bad chunk size'],
  ];
  for (const [what, body, message] of bodies) {
    it(`chunked body with ${what}: the call fails, the connection closes, the fault is counted`, async () => {
      const run = await feed([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}GET /next HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1')]);
      expect(run.requests).toHaveLength(1);
      expect(run.requests[0]!.error).toContain(message);
      expect(run.malformed).toEqual(['HPE_INVALID_CHUNK_SIZE']);
      expect(run.socket.ended).toBe(true);
    });
  }

  it('a caller that half-closes mid-body fails its call at once, and the reply is still written', async () => {
    const socket = await feedThen([Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', 'latin1')], (s) => s.emit('end'));
    expect(socket.run.requests[0]!.error).toContain('closed the connection before its request body ended');
    expect(socket.run.socket.written).toMatch(/^HTTP\/1\.1 400 /);
    expect(socket.run.socket.ended).toBe(true);
  });

  it('a chunked body past the body limit fails the call as it passes the limit and is counted', async () => {
    const chunk = `${(40 * 1024).toString(16)}\r\n${'z'.repeat(40 * 1024)}\r\n`;
    const run = await feed([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}0\r\n\r\n`, 'latin1')]);
    expect(run.requests[0]!.error).toContain('exceeds the limit');
    expect(run.tooLarge).toBe(1);
    expect(run.socket.ended).toBe(true);
  });
});

/**
 * HTTP/1 through the sidecar between peers we did not write: curl and Python's
 * http.client as callers, Go's net/http as the upstream. Keep-alive, chunked bodies both
 * ways, pipelining, large bodies, 100-continue, HEAD/204/304, a slow reader (the upstream
 * is held back, not buffered), and replies the upstream client must refuse rather than
 * read as something else (request smuggling's other half).
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { freePort } from '../support/ports.js';
import type { Peer } from '../support/process.js';
import { runClient, runPython, startGoHttpUpstream } from '../support/http1-peers.js';
import { startInProcess } from '../support/sidecar.js';
import type { Running } from '../../src/main.js';

let sidecar: Running;
let go: { peer: Peer; port: number };
let raw: Server;
let proxyPort: number;
let base: string;

/** Replies by path, as bytes no well-behaved server writes: each must be refused (502). */
const BAD_REPLIES: Record<string, string> = {
  '/cl-te': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  '/bad-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello',
  '/two-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
  '/fold': 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n',
  '/bare-lf': 'HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 0\r\n\r\n',
  '/ctl': 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 0\r\n\r\n',
  '/bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  '/status-line': 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n',
};

/** An upstream writing the bytes above, or a body ended by closing the connection. */
function startRawUpstream(): Promise<Server> {
  const server = createServer((socket: Socket) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      const path = text.split(' ')[1] ?? '';
      text = '';
      if (path === '/until-close') socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread until close');
      else socket.end(BAD_REPLIES[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  go = await startGoHttpUpstream();
  raw = await startRawUpstream();
  proxyPort = await freePort();
  base = `http://127.0.0.1:${proxyPort}`;
  const rawPort = (raw.address() as { port: number }).port;
  // Its own admin port: the default one (15000) is taken whenever another sidecar runs on the host.
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
defaults: { maxBodyBytes: 67108864 }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:${proxyPort}
    routes:
      - { match: { host: go.local }, cluster: go }
      - { match: { host: raw.local }, cluster: raw }
clusters:
  - { name: go, protocol: http1, endpoints: [127.0.0.1:${go.port}] }
  - { name: raw, protocol: http1, endpoints: [127.0.0.1:${rawPort}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(1_000);
  await go?.peer.stop();
  await new Promise((resolve) => raw?.close(resolve));
});

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('HTTP/1 between curl, Python and Go net/http', () => {
  it('curl keeps one connection for several requests, and gets chunked replies whole', async () => {
    const out = await runClient('curl', ['-s', '-w', '%{num_connects} %{http_code}\\n', '-H', 'Host: go.local', ...[`${base}/fixed`, `${base}/echo`, `${base}/fixed`].flatMap((url) => ['-o', '/dev/null', url])]);
    expect(out.trim().split('\n')).toEqual(['1 200', '0 200', '0 200']);
    const chunked = await runClient('curl', ['-s', '-H', 'Host: go.local', `${base}/chunked?n=300&size=1000`]);
    expect(chunked.length).toBe(300_000);
    expect(chunked.slice(0, 30)).toBe('abcdefghijklmnopqrstuvwxyzabcd');
  });

  it('curl uploads chunked and with Expect: 100-continue; Go reads every byte', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const file = join(tmpdir(), `pmesh-h1-upload-${process.pid}.bin`);
    writeFileSync(file, data);
    const chunked = JSON.parse(await runClient('curl', ['-s', '-H', 'Host: go.local', '-H', 'Transfer-Encoding: chunked', '--data-binary', `@${file}`, `${base}/echo`])) as Record<string, unknown>;
    expect(chunked).toMatchObject({ method: 'POST', length: data.length, sha256: sha256(data), te: ['chunked'] });
    const continued = JSON.parse(await runClient('curl', ['-s', '-H', 'Host: go.local', '-H', 'Expect: 100-continue', '--data-binary', `@${file}`, `${base}/echo`])) as Record<string, unknown>;
    expect(continued).toMatchObject({ length: data.length, sha256: sha256(data), declared: data.length });
  });

  it('Python http.client: HEAD, 204 and 304 carry no body and the connection carries on; Set-Cookie repeats kept', async () => {
    const program = `
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))
out = []
for method, path in [('HEAD', '/fixed'), ('GET', '/fixed'), ('GET', '/status?code=204'), ('GET', '/status?code=304'), ('GET', '/fixed')]:
    c.request(method, path, headers={'Host': 'go.local'})
    r = c.getresponse()
    body = r.read()
    out.append({'status': r.status, 'body': body.decode('latin1'), 'length': r.getheader('content-length'),
                'cookies': r.headers.get_all('set-cookie'), 'etag': r.getheader('etag'), 'port': c.sock.getsockname()[1]})
print(json.dumps(out))
`;
    const out = JSON.parse(await runPython(program, [String(proxyPort)])) as Array<Record<string, unknown>>;
    expect(out.map((r) => [r.status, r.body])).toEqual([[200, ''], [200, 'hello world'], [204, ''], [304, ''], [200, 'hello world']]);
    expect(out[0]).toMatchObject({ length: '11', cookies: ['a=1', 'b=2'] });
    expect(out[3]).toMatchObject({ etag: '"v1"' });
    expect(new Set(out.map((r) => r.port)).size).toBe(1);
  });

  it('Python http.client sends 8 MiB with a length and 8 MiB chunked; Go reads every byte', async () => {
    const program = `
import http.client, hashlib, json, os, sys
data = os.urandom(8 << 20)
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))
c.request('POST', '/echo', body=data, headers={'Host': 'go.local'})
a = json.loads(c.getresponse().read())
c.request('PUT', '/echo', body=(data[i:i + 65536] for i in range(0, len(data), 65536)), headers={'Host': 'go.local'}, encode_chunked=True)
b = json.loads(c.getresponse().read())
want = hashlib.sha256(data).hexdigest()
print(json.dumps([[a['method'], a['length'], a['sha256'] == want, a['te']], [b['method'], b['length'], b['sha256'] == want, b['te']]]))
`;
    const out = JSON.parse(await runPython(program, [String(proxyPort)])) as unknown[];
    expect(out).toEqual([['POST', 8 << 20, true, null], ['PUT', 8 << 20, true, ['chunked']]]);
  });

  it('answers pipelined requests in order (Python reads them off one socket)', async () => {
    const program = `
import http.client, json, socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'GET /fixed HTTP/1.1\\r\\nHost: go.local\\r\\n\\r\\n'
          b'POST /echo HTTP/1.1\\r\\nHost: go.local\\r\\nContent-Length: 5\\r\\n\\r\\nhello'
          b'GET /chunked?n=3&size=4 HTTP/1.1\\r\\nHost: go.local\\r\\n\\r\\n')
class Unclosed:
    # http.client closes its file once a reply is read; the next reply is on the same one.
    def __init__(self, f):
        self.f = f
    def __getattr__(self, name):
        return getattr(self.f, name)
    def close(self):
        pass
f = Unclosed(s.makefile('rb'))
class One:
    def makefile(self, *args, **kwargs):
        return f
out = []
for method in ('GET', 'POST', 'GET'):
    r = http.client.HTTPResponse(One(), method=method)
    r.begin()
    out.append([r.status, r.read().decode('latin1')])
print(json.dumps(out))
`;
    const out = JSON.parse(await runPython(program, [String(proxyPort)])) as Array<[number, string]>;
    expect(out[0]).toEqual([200, 'hello world']);
    expect(JSON.parse(out[1]![1])).toMatchObject({ method: 'POST', length: 5 });
    expect(out[2]).toEqual([200, 'abcdabcdabcd']);
  });

  it('a caller that stops reading holds the upstream back instead of filling the sidecar, and the connection serves on after', async () => {
    const total = 256 << 20;
    const socket = connect(proxyPort, '127.0.0.1');
    let received = 0;
    let head = '';
    let after = '';
    let pausedNearEnd = false;
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        if (received >= total) {
          after += chunk.toString('latin1');
          if (after.includes('hello world')) resolve();
          return;
        }
        if (!head.includes('\r\n\r\n')) {
          head += chunk.toString('latin1');
          const at = head.indexOf('\r\n\r\n');
          if (at >= 0) received += Buffer.byteLength(head, 'latin1') - at - 4;
          socket.pause();
        } else {
          received += chunk.length;
        }
        if (!pausedNearEnd && received >= total - (1 << 20)) {
          // The sidecar holds the last MiB, more than its stream takes: it stops reading the upstream at the very end.
          pausedNearEnd = true;
          socket.pause();
          setTimeout(() => socket.resume(), 500);
        }
        // The body is whole: the next request must be answered, on the upstream connection the sidecar reuses.
        if (received >= total) socket.write('GET /fixed HTTP/1.1\r\nHost: go.local\r\n\r\n');
      });
      socket.on('error', reject);
    });
    socket.write(`GET /big?mb=${total >> 20} HTTP/1.1\r\nHost: go.local\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const written = Number(await (await request(`http://127.0.0.1:${go.port}/written`)).body.text());
    // Socket buffers on the way hold a few MiB; nothing like the 256 MiB the upstream has to send.
    expect(written).toBeLessThan(64 << 20);
    socket.resume();
    await done;
    socket.destroy();
    expect(received).toBe(total);
  }, 120_000);
});

describe('replies the upstream client refuses', () => {
  it.each(Object.keys(BAD_REPLIES))('%s: 502 naming a malformed response, and the sidecar carries on', async (path) => {
    const response = await request(`${base}${path}`, { headers: { host: 'raw.local' } });
    const body = (await response.body.json()) as Record<string, string>;
    expect(response.statusCode).toBe(502);
    expect(body).toMatchObject({ error: 'PMESH_UPSTREAM_BAD_RESPONSE' });
    expect(body.message).toContain('malformed response');
    const after = await request(`${base}/fixed`, { headers: { host: 'go.local' } });
    expect(await after.body.text()).toBe('hello world');
  });

  it('a body without length or chunking runs until the upstream closes', async () => {
    const out = await runClient('curl', ['-s', '-H', 'Host: raw.local', `${base}/until-close`]);
    expect(out).toBe('read until close');
  });
});

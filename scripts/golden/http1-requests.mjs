#!/usr/bin/env node
/**
 * Captures HTTP/1 requests exactly as real clients write them (curl, Python's http.client,
 * Go's net/http, wrk) into test/golden/http1/*.bin, for the listener's byte-path tests.
 * A raw TCP server on 127.0.0.1 answers each request whole (a 100 Continue first when asked)
 * and keeps every byte a client sent on its connection, until the client closes it; nothing
 * here writes a request itself.
 *
 *   node scripts/golden/http1-requests.mjs
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'test/golden/http1');
mkdirSync(out, { recursive: true });

/** Where the request starting at `at` ends, or -1 while incomplete (enough HTTP for a capture, not a parser). */
function requestEnd(bytes, at) {
  const headEnd = bytes.indexOf('\r\n\r\n', at);
  if (headEnd < 0) return -1;
  const head = bytes.toString('latin1', at, headEnd).toLowerCase();
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  if (/\r\ntransfer-encoding: *chunked/.test(head)) {
    const last = bytes.indexOf('\r\n0\r\n\r\n', headEnd + 2);
    return last < 0 ? -1 : last + 7;
  }
  const end = headEnd + 4 + (length ? Number(length[1]) : 0);
  return bytes.length >= end ? end : -1;
}

/** Runs `send(port)` against a fresh raw server; resolves with the bytes of each connection. */
async function capture(send) {
  const connections = [];
  const server = createServer((socket) => {
    let bytes = Buffer.alloc(0);
    let at = 0;
    let continued = false;
    const record = { bytes, socket };
    connections.push(record);
    socket.on('data', (chunk) => {
      bytes = Buffer.concat([bytes, chunk]);
      record.bytes = bytes;
      for (;;) {
        const headEnd = bytes.indexOf('\r\n\r\n', at);
        if (headEnd >= 0 && !continued && /\r\nexpect: *100-continue/i.test(bytes.toString('latin1', at, headEnd))) {
          continued = true;
          socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        }
        const end = requestEnd(bytes, at);
        if (end < 0) return;
        const head = bytes.toString('latin1', at, end);
        at = end;
        continued = false;
        const body = head.startsWith('HEAD ') ? '' : 'ok';
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n${body}`);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    await send(port);
    // The last connection's close may trail the client's exit.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    server.close();
    for (const c of connections) c.socket?.destroy();
  }
  return connections.map((c) => c.bytes);
}

function run(command, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'inherit'] });
    if (input !== undefined) child.stdin.end(input);
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

const python = (port, code) => run('python3', ['-c', `import http.client\nc = http.client.HTTPConnection('127.0.0.1', ${port})\n${code}\nc.close()`]);
const pyRequest = (method, path, body, headers, extra = '') => `c.request(${JSON.stringify(method)}, ${JSON.stringify(path)}, body=${body}, headers=${JSON.stringify(headers)}${extra})\nr = c.getresponse(); r.read()`;

const cases = {
  // curl: two requests on one connection (keep-alive), a form POST, a chunked upload, Expect: 100-continue.
  'curl-get-keepalive': (port) => run('curl', ['-s', '-o', '/dev/null', '-o', '/dev/null', `http://127.0.0.1:${port}/first`, `http://127.0.0.1:${port}/second?x=1`]),
  'curl-post-form': (port) => run('curl', ['-s', '-o', '/dev/null', '-d', 'name=ada&lang=en', `http://127.0.0.1:${port}/form`]),
  'curl-post-chunked': (port) => run('curl', ['-s', '-o', '/dev/null', '-H', 'Transfer-Encoding: chunked', '--data-binary', '@-', `http://127.0.0.1:${port}/chunked`], 'x'.repeat(3000)),
  'curl-post-expect': (port) => run('curl', ['-s', '-o', '/dev/null', '-H', 'Expect: 100-continue', '--data-binary', 'y'.repeat(2000), `http://127.0.0.1:${port}/expect`]),
  'curl-head': (port) => run('curl', ['-s', '-o', '/dev/null', '-I', `http://127.0.0.1:${port}/head`]),
  // Python http.client: GET, HEAD and a POST on one connection; a chunked body.
  'python-keepalive': (port) =>
    python(port, [pyRequest('GET', '/py/get', 'None', { 'X-Trace': 'abc', Cookie: 'a=1' }), pyRequest('HEAD', '/py/head', 'None', {}), pyRequest('POST', '/py/post', "b'" + 'p'.repeat(100) + "'", { 'Content-Type': 'application/json' })].join('\n')),
  'python-chunked': (port) => python(port, pyRequest('PUT', '/py/chunked', "iter([b'" + 'a'.repeat(10) + "', b'" + 'b'.repeat(4000) + "'])", {}, ', encode_chunked=True')),
  // Go net/http.
  'go-get': (port) => run('go', ['run', join(root, 'scripts/golden/http1-go/main.go'), String(port), 'get']),
  'go-post-length': (port) => run('go', ['run', join(root, 'scripts/golden/http1-go/main.go'), String(port), 'post-length']),
  'go-post-chunked': (port) => run('go', ['run', join(root, 'scripts/golden/http1-go/main.go'), String(port), 'post-chunked']),
  // wrk as the compare bench drives it: keep-alive POSTs of 1 KiB, one connection, its first three requests kept.
  'wrk-post': async (port) => {
    const script = join(out, '.wrk-post.lua');
    writeFileSync(script, 'wrk.method = "POST"\nwrk.body = string.rep("w", 1024)\nwrk.headers["Host"] = "echo.local"\nwrk.headers["Content-Type"] = "application/octet-stream"\n');
    try {
      await run('wrk', ['-t', '1', '-c', '1', '-d', '1s', '-s', script, `http://127.0.0.1:${port}/`]);
    } finally {
      execFileSync('rm', ['-f', script]);
    }
  },
};

for (const [name, send] of Object.entries(cases)) {
  let connections = await capture(send);
  if (name === 'wrk-post') {
    // wrk sends for a second: keep its first three requests, enough to show keep-alive.
    const bytes = connections.find((c) => c.length > 0);
    let end = 0;
    for (let i = 0; i < 3; i++) end = requestEnd(bytes, end);
    connections = [bytes.subarray(0, end)];
  }
  connections.forEach((bytes, i) => {
    const file = join(out, `${name}${connections.length > 1 ? `-${i + 1}` : ''}.bin`);
    writeFileSync(file, bytes);
    process.stdout.write(`${file}: ${bytes.length} bytes\n`);
  });
}

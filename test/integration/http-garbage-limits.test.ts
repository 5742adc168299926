/**
 * What the HTTP-speaking ports do with callers that are slow or speak nonsense, read
 * back from /metrics: a request head sent too slowly on an HTTP/1 listener is answered
 * 408 and counted once (not again when the caller then closes); so is a body trickled past
 * the whole-request deadline, while a slow request that is whole in time is served and each
 * request on a keep-alive connection gets its own deadline; a head with too many fields
 * is answered 431; connections past the
 * listener's limit are closed at once; garbage on the admin port and on the gRPC port
 * is counted as a codec error of that port.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { echoHandler, startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { freePort } from '../support/ports.js';
import { startInProcess, testWorkers } from '../support/sidecar.js';

const WORKERS = testWorkers();

let sidecar: Running;
let httpPort: number;
let grpcPort: number;
let adminPort: number;
let echo: TestUpstream;

beforeAll(async () => {
  httpPort = await freePort();
  grpcPort = await freePort();
  adminPort = await freePort();
  echo = await startUpstream(echoHandler);
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
defaults: { headersTimeoutMs: 500, requestTimeoutMs: 3000, keepAliveTimeoutMs: 2000, maxConnectionsPerListener: 3, maxHeaderCount: 5 }
listeners:
  - { name: http-in, protocol: http1, address: 127.0.0.1:${httpPort}, routes: [{ match: { host: echo.local }, cluster: echo }] }
  - { name: grpc-in, protocol: grpc, address: 127.0.0.1:${grpcPort} }
clusters:
  - { name: echo, protocol: http1, endpoints: [${echo.address}] }
`);
});

afterAll(async () => {
  await sidecar?.stop(200);
  await echo?.close();
});

async function metrics(): Promise<string> {
  return (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
}

async function count(pattern: RegExp): Promise<number> {
  return Number(pattern.exec(await metrics())?.[1] ?? 0);
}

/** Bounded wait for a condition read from /metrics. */
async function untilMetrics(test: (text: string) => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (test(await metrics())) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Writes bytes on a new connection; resolves with everything read until the server closes it. */
function exchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
    socket.write(bytes);
  });
}

/** `promise`, or a failure naming `what` after `ms`. */
async function within(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
}

describe('HTTP ports under slow and garbage callers', () => {
  it('a request head sent too slowly is answered 408 and counted once, not again when the caller closes', async () => {
    const answer = await exchange(httpPort, 'GET /slow HTTP/1.1\r\nHost: slow.local\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"ERR_HTTP_REQUEST_TIMEOUT"');
    // The server's side of the connection is gone once the gauge is back to 0.
    await untilMetrics((text) => /pmesh_downstream_connections_open\{listener="http-in"\} 0/.test(text), 'the connection to close');
    const text = await metrics();
    const http1Errors = [...text.matchAll(/pmesh_codec_errors_total\{protocol="http1",reason="([^"]+)",side="downstream"\} (\d+)/g)];
    expect(http1Errors.map((m) => [m[1], Number(m[2])])).toEqual([['ERR_HTTP_REQUEST_TIMEOUT', 1]]);
    expect(await count(/pmesh_limit_exceeded_total\{limit="headers_timeout_ms"\} (\d+)/)).toBe(1);
  });

  it('a request body trickled past defaults.requestTimeoutMs is answered 408 with the reason, closed and counted', async () => {
    const socket = await open(httpPort);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('POST /upload HTTP/1.1\r\nHost: echo.local\r\nContent-Length: 1000\r\n\r\n');
    // One byte every 100 ms: each gap well inside every deadline, the whole body (100 s) not.
    const trickle = setInterval(() => socket.writable && socket.write('x'), 100);
    try {
      await within(closed, 30_000, 'the connection to close');
    } finally {
      clearInterval(trickle);
    }
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('"code":"ERR_HTTP_REQUEST_TIMEOUT"');
    expect(text).toContain('request not received whole within 3000 ms');
    expect(await count(/pmesh_limit_exceeded_total\{limit="request_timeout_ms"\} (\d+)/)).toBe(1);
    await untilMetrics((metricsText) => /pmesh_downstream_connections_open\{listener="http-in"\} 0/.test(metricsText), 'the connection to close');
  });

  it('slow requests each whole within their deadlines are served on one keep-alive connection, which closes once idle', async () => {
    const socket = await open(httpPort);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const replies = (): number => text.match(/HTTP\/1\.1 \d{3} /g)?.length ?? 0;
    // Each body takes longer than the head's deadline (500 ms); the three requests with their idle
    // gaps (each longer than the head's deadline too) take longer than the request's (3 s).
    for (let i = 1; i <= 3; i++) {
      socket.write('POST /slow-but-in-time HTTP/1.1\r\nHost: echo.local\r\n');
      await sleep(100);
      socket.write('Content-Length: 4\r\n\r\n');
      for (const byte of 'abcd') {
        await sleep(250);
        socket.write(byte);
      }
      for (let wait = 0; replies() < i && wait < 200; wait++) await sleep(50);
      await sleep(700);
    }
    expect(text.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 200 ', 'HTTP/1.1 200 ', 'HTTP/1.1 200 ']);
    expect(text.match(/"bytes":4/g)).toHaveLength(3);
    // Idle past defaults.keepAliveTimeoutMs (2 s): the sidecar closes it, with nothing written.
    await within(closed, 30_000, 'the idle connection to close');
    expect(replies()).toBe(3);
    expect(await count(/pmesh_limit_exceeded_total\{limit="request_timeout_ms"\} (\d+)/)).toBe(1);
    await untilMetrics((metricsText) => /pmesh_downstream_connections_open\{listener="http-in"\} 0/.test(metricsText), 'the connection to close');
  });

  it('a request with more header fields than defaults.maxHeaderCount is answered 431 and counted', async () => {
    const answer = await exchange(httpPort, `GET / HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(5)}\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('"code":"HPE_TOO_MANY_HEADERS"');
    expect(await count(/pmesh_limit_exceeded_total\{limit="max_header_count"\} (\d+)/)).toBe(1);
  });

  it('an HTTP/1 connection past the listener limit is closed at once and counted', async () => {
    // The limit is each process's (docs/workers.md): with N workers each takes its 3, opened one
    // at a time so that the primary's round robin hands the workers one each in turn.
    const kept: Socket[] = [];
    while (kept.length < 3 * WORKERS) {
      kept.push(await open(httpPort));
      const accepted = new RegExp(`pmesh_downstream_connections_open\\{listener="http-in"\\} ${kept.length}\\b`);
      await untilMetrics((text) => accepted.test(text), `${kept.length} connections`);
    }
    expect(await exchange(httpPort, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('');
    expect(await count(/pmesh_limit_exceeded_total\{limit="max_connections_per_listener"\} (\d+)/)).toBe(1);
    for (const socket of kept) socket.destroy();
  });

  it('garbage on the admin port is answered 400 and counted as an admin codec error', async () => {
    const answer = await exchange(adminPort, '\x16\x03\x01 not http at all\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(await count(/pmesh_codec_errors_total\{protocol="admin",reason="[^"]+",side="downstream"\} (\d+)/)).toBe(1);
  });

  it('garbage on the gRPC port closes the connection and is counted as a gRPC codec error', async () => {
    await exchange(grpcPort, 'GET / HTTP/1.1\r\nHost: x\r\n\r\nnot an HTTP/2 preface');
    await untilMetrics((text) => /pmesh_codec_errors_total\{protocol="grpc"/.test(text), 'the gRPC codec error');
    expect(await count(/pmesh_codec_errors_total\{protocol="grpc",reason="ERR_HTTP2_ERROR",side="downstream"\} (\d+)/)).toBe(1);
  });
});

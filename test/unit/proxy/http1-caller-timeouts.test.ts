/**
 * The deadlines of the HTTP/1 listener's byte path (src/proxy/listeners/http1-caller.ts),
 * driven by its sweep with the clock held still: a head too slow and a body too slow are each
 * answered 408 with their reason and counted under their own limit; the request deadline
 * starts again with each request on a keep-alive connection; a reply already begun is not
 * cut; an idle keep-alive connection is closed.
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cancel } from '../../../src/core/index.js';
import { Http1Caller, type CallerHost, type CallerRequest, type CallerTimeouts } from '../../../src/proxy/listeners/http1-caller.js';
import { FakeCallerSocket } from '../../support/fake-caller-socket.js';

const TIMEOUTS: CallerTimeouts = { headersMs: 1_000, requestMs: 5_000, keepAliveMs: 3_000 };


interface Served {
  readonly request: CallerRequest;
  bodyError?: string;
}

/** A caller whose host answers each request 200 once its body has ended (or at once with `answerEarly`). */
function start(options: { answerEarly?: boolean } = {}) {
  const socket = new FakeCallerSocket();
  const served: Served[] = [];
  const refusals: Array<{ code: string; message: string; status: number; limit?: string }> = [];
  const answer = (request: CallerRequest): void => request.writeLocal({ status: 200, headers: { 'content-length': 2 }, body: 'ok' });
  const host: CallerHost = {
    limits: { maxHeaderBytes: 16 * 1024, maxHeaderCount: 100, maxBodyBytes: 64 * 1024 },
    handsOver: () => false,
    handOver: () => {},
    serve: (request) => {
      request.cancel = new Cancel();
      const seen: Served = { request };
      served.push(seen);
      const body = request.body;
      if (options.answerEarly) {
        request.writeResult({ protocolStatus: 200, rawHeaders: ['content-length', '2'], body: { kind: 'stream', stream: new Readable({ read() {} }) } } as never, () => {});
      }
      if (body.kind !== 'stream') return answer(request);
      body.stream.resume();
      body.stream.once('end', () => answer(request));
      body.stream.once('error', (error: Error) => (seen.bodyError = error.message));
    },
    done: () => {},
    refuse: (_socket, code, message, status, limit) => refusals.push({ code, message, status, ...(limit ? { limit } : {}) }),
    tooLarge: () => {},
    malformedBody: () => {},
    draining: false,
  };
  const caller = new Http1Caller(socket as unknown as Socket, undefined, host);
  const send = (text: string): void => void socket.emit('data', Buffer.from(text, 'latin1'));
  return { socket, served, refusals, caller, send };
}

let clock = 1_000_000;
function at(ms: number): number {
  clock = ms;
  return ms;
}

afterEach(() => vi.restoreAllMocks());

describe('the byte path\'s request deadlines', () => {
  it('a body still arriving past requestMs: the call is cancelled, 408 with the reason, counted as request_timeout_ms', () => {
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    at(1_000_000);
    const { caller, send, served, refusals, socket } = start();
    send('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    expect(served).toHaveLength(1);
    // Past the head's deadline but not the request's: a body may take longer than a head.
    caller.sweep(at(1_000_000 + 2_000), TIMEOUTS);
    send('def');
    caller.sweep(at(1_000_000 + 4_900), TIMEOUTS);
    expect(refusals).toEqual([]);
    caller.sweep(at(1_000_000 + 5_100), TIMEOUTS);
    expect(refusals).toEqual([{ code: 'ERR_HTTP_REQUEST_TIMEOUT', message: 'request not received whole within 5000 ms', status: 408, limit: 'request_timeout_ms' }]);
    const request = served[0]!.request;
    expect(request.cancel?.reason?.reason).toBe('PMESH_DOWNSTREAM_CLOSED');
    expect(request.finished).toBe(true);
    // The call's own answer, arriving later, writes nothing more on the connection.
    request.writeLocal({ status: 502, headers: {}, body: '' });
    expect(socket.written).toBe('');
    // Later sweeps and bytes do nothing more.
    send('ghi');
    caller.sweep(at(1_000_000 + 9_000), TIMEOUTS);
    expect(refusals).toHaveLength(1);
  });

  it('a head arriving past headersMs is answered 408 under the head\'s own limit', () => {
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    at(2_000_000);
    const { caller, send, refusals, served } = start();
    send('GET / HTTP/1.1\r\nHo');
    caller.sweep(at(2_000_000 + 900), TIMEOUTS);
    expect(refusals).toEqual([]);
    caller.sweep(at(2_000_000 + 1_100), TIMEOUTS);
    expect(refusals).toEqual([{ code: 'ERR_HTTP_REQUEST_TIMEOUT', message: 'request head not received within 1000 ms', status: 408 }]);
    expect(served).toHaveLength(0);
  });

  it('each request on a keep-alive connection gets its own deadlines, counted from its first byte', async () => {
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    at(3_000_000);
    const { caller, send, refusals, served, socket } = start();
    let now = 3_000_000;
    for (let i = 0; i < 3; i++) {
      // Each request takes 4 s (within 5 s), the three together 12 s; between them 2 s idle (within 3 s).
      send('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab');
      caller.sweep(at((now += 2_000)), TIMEOUTS);
      caller.sweep(at((now += 2_000)), TIMEOUTS);
      send('cd');
      await new Promise((resolve) => setImmediate(resolve)); // the body's end, then its reply
      caller.sweep(at((now += 2_000)), TIMEOUTS);
    }
    expect(refusals).toEqual([]);
    expect(served.map((s) => s.bodyError)).toEqual([undefined, undefined, undefined]);
    expect(socket.written.match(/HTTP\/1\.1 200 /g)).toHaveLength(3);
    expect(socket.destroyed).toBe(false);
    // Idle past keepAliveMs: closed, with nothing written.
    caller.sweep(at((now += 1_100)), TIMEOUTS);
    expect(socket.destroyed).toBe(true);
    expect(refusals).toEqual([]);
  });

  it('a reply already begun is not cut by the request deadline (the body still arriving is the upstream\'s business)', () => {
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    at(4_000_000);
    const { caller, send, refusals, served } = start({ answerEarly: true });
    send('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab');
    expect(served[0]!.request.headersSent).toBe(true);
    caller.sweep(at(4_000_000 + 60_000), TIMEOUTS);
    expect(refusals).toEqual([]);
  });
});

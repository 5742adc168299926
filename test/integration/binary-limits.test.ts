/**
 * The bounds a Bolt or Dubbo caller meets before any call is routed, driven with
 * frames captured from the real Java peers (test/golden): a frame trickled byte by
 * byte is closed at its whole-frame deadline, a connection past the listener's limit
 * is closed at once, a connection whose partial frame would pass the sidecar's budget
 * is closed while the others carry on, and a frame declared too large is refused.
 * Each is counted in `pmesh_limit_exceeded_total{limit=...}`.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { getCodec } from '../../src/codecs/index.js';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { setup, type Running } from '../../src/main.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startInProcess, testWorkers } from '../support/sidecar.js';

const WORKERS = testWorkers();

interface Case {
  readonly protocol: 'bolt' | 'dubbo';
  readonly request: string;
  readonly heartbeat: string;
  /** Where the frame's body length sits (Bolt v1 content length; Dubbo body length). */
  readonly lengthAt: number;
}

const CASES: Case[] = [
  { protocol: 'bolt', request: 'test/golden/bolt/v1-echo-request.bin', heartbeat: 'test/golden/bolt/v1-heartbeat-request.bin', lengthAt: 18 },
  { protocol: 'dubbo', request: 'test/golden/dubbo/echo-request.bin', heartbeat: 'test/golden/dubbo/heartbeat-request.bin', lengthAt: 12 },
];

const golden = (path: string): Buffer => readFileSync(join(REPO_ROOT, path));

interface Conn {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let done = false;
    const closed = new Promise<void>((r) => socket.once('close', () => ((done = true), r())));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed, isClosed: () => done }));
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
}

/** True if the connection closed within `ms` (a bounded wait, not a timing assertion). */
async function closesWithin(conn: Conn, ms: number): Promise<boolean> {
  await Promise.race([conn.closed, sleep(ms)]);
  return conn.isClosed();
}

describe.each(CASES)('$protocol listener limits', ({ protocol, request: requestPath, heartbeat: heartbeatPath, lengthAt }) => {
  const codec = () => getCodec(protocol)!;
  let sidecar: Running | undefined;
  let port: number;
  let adminPort: number;

  afterEach(async () => {
    await sidecar?.stop(200);
    sidecar = undefined;
  });

  async function start(defaults: string): Promise<void> {
    setup();
    port = await freePort();
    adminPort = await freePort();
    sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
defaults: { ${defaults} }
listeners:
  - { name: in, protocol: ${protocol}, address: 127.0.0.1:${port}, routeByRegistry: false }
`);
  }

  async function metrics(): Promise<string> {
    return (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  }

  async function limitCount(limit: string): Promise<number> {
    const match = new RegExp(`pmesh_limit_exceeded_total\\{limit="${limit}"\\} (\\d+)`).exec(await metrics());
    return Number(match?.[1] ?? 0);
  }

  /** Sends a heartbeat golden frame and resolves with the sidecar's reply frame. */
  function heartbeat(conn: Conn): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const decoder = codec().newDecoder(DEFAULT_LIMITS);
      const onData = (chunk: Buffer): void => {
        const frames = decoder.push(chunk);
        if (frames.length > 0) {
          conn.socket.off('data', onData);
          resolve(frames[0]);
        }
      };
      conn.socket.on('data', onData);
      conn.closed.then(() => reject(new Error('closed instead of answering the heartbeat')));
      conn.socket.write(golden(heartbeatPath));
    });
  }

  /** The golden request declaring `extra` more body bytes than it carries: a frame that never completes. */
  function unfinishable(extra: number): Buffer {
    const bytes = Buffer.from(golden(requestPath));
    bytes.writeUInt32BE(bytes.readUInt32BE(lengthAt) + extra, lengthAt);
    return bytes;
  }

  it('shows each bound with its default in /config', async () => {
    await start('');
    const config = (await (await request(`http://127.0.0.1:${adminPort}/config`)).body.json()) as {
      defaults: Record<string, unknown>;
      logging: Record<string, unknown>;
    };
    expect(config.logging).toMatchObject({ accessLogQuery: false });
    expect(config.defaults).toMatchObject({
      frameReadTimeoutMs: 10_000,
      maxConnectionsPerListener: 10_000,
      maxPartialFrameBytes: 256 * 1024 * 1024,
      maxFrameBytes: 8 * 1024 * 1024,
      headersTimeoutMs: 10_000,
    });
  });

  it('a frame trickled one byte at a time is closed at its whole-frame deadline, and counted', async () => {
    await start('frameReadTimeoutMs: 500');
    const frame = golden(requestPath);
    const conn = await open(port);
    // One byte every 100 ms: each gap is well inside the deadline, the whole frame is not.
    let sent = 0;
    const trickle = setInterval(() => {
      if (conn.isClosed() || sent >= frame.length) return void clearInterval(trickle);
      conn.socket.write(frame.subarray(sent, sent + 1));
      sent += 1;
    }, 100);
    try {
      expect(await closesWithin(conn, 15_000)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(sent).toBeLessThan(frame.length);
    expect(await limitCount('frame_read_timeout_ms')).toBe(1);
  });

  /**
   * Opens `count` connections one at a time, each accepted before the next: with workers: N the
   * primary's round robin then hands the workers one each in turn.
   */
  async function openInTurn(count: number): Promise<Conn[]> {
    const conns: Conn[] = [];
    while (conns.length < count) {
      conns.push(await open(port));
      const accepted = new RegExp(`pmesh_downstream_connections_open\\{listener="in"\\} ${conns.length}\\b`);
      for (let i = 0; i < 100 && !accepted.test(await metrics()); i++) await sleep(50);
    }
    return conns;
  }

  it('a connection past the listener limit is closed at once, counted, and the others keep working', async () => {
    await start('maxConnectionsPerListener: 3');
    // The limit is each process's (docs/workers.md): with N workers each takes its 3 before one more is refused.
    const kept = await openInTurn(3 * WORKERS);
    const extra = await open(port);
    expect(await closesWithin(extra, 10_000)).toBe(true);
    expect(await limitCount('max_connections_per_listener')).toBe(1);
    for (const conn of kept) expect(codec().kind(await heartbeat(conn))).toBe('heartbeat-reply');
    for (const conn of kept) conn.socket.destroy();
  });

  it('a connection whose partial frame would pass the sidecar-wide budget is closed and counted; the others carry on', async () => {
    await start(`maxPartialFrameBytes: ${64 * 1024}`);
    // Two connections each send 40 KiB of a frame that never completes: together they pass
    // the 64 KiB budget, so whichever comes second is closed and the first is kept. The budget
    // is each process's (docs/workers.md): with N workers, each gets two connections and closes one.
    const pairs = await openInTurn(2 * WORKERS);
    for (const conn of pairs) {
      conn.socket.write(unfinishable(1024 * 1024));
      conn.socket.write(Buffer.alloc(40 * 1024, 0x20));
    }
    const closed = (): number => pairs.filter((conn) => conn.isClosed()).length;
    for (let i = 0; i < 200 && closed() < WORKERS; i++) await sleep(50);
    expect(closed()).toBe(WORKERS);
    expect(await limitCount('max_partial_frame_bytes')).toBe(WORKERS);
    const fresh = await open(port);
    expect(codec().kind(await heartbeat(fresh))).toBe('heartbeat-reply');
    fresh.socket.destroy();
    for (const conn of pairs) conn.socket.destroy();
  });

  it('a frame declared larger than maxFrameBytes is refused before its body, and counted', async () => {
    await start(`maxFrameBytes: ${64 * 1024}`);
    const conn = await open(port);
    conn.socket.write(unfinishable(1024 * 1024));
    expect(await closesWithin(conn, 10_000)).toBe(true);
    expect(await limitCount('max_frame_bytes')).toBe(1);
  });
});

/**
 * The real Bolt and Dubbo codecs on the pass-through path, driven with request frames
 * captured from the real Java peers (test/golden): the caller's deadline is written
 * into the forwarded frame and answered when spent, a half frame that stalls closes
 * its connection, a garbage-spewing upstream fails only its calls, and a malformed
 * frame closes only its own connection. Each is counted in /metrics.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { getCodec, type AnyCodec } from '../../src/codecs/index.js';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { setup, type Running } from '../../src/main.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

type Mode = 'silent' | 'garbage';

interface Case {
  readonly protocol: 'bolt' | 'dubbo';
  readonly golden: string;
  readonly service: string;
}

const CASES: Case[] = [
  { protocol: 'bolt', golden: 'test/golden/bolt/v1-echo-request.bin', service: 'com.example.EchoService:1.0' },
  { protocol: 'dubbo', golden: 'test/golden/dubbo/echo-request.bin', service: 'com.example.EchoService' },
];

/** An upstream that keeps what it receives and either never answers or answers garbage. */
async function startUpstream(codec: AnyCodec): Promise<{ server: Server; port: number; mode: Mode; received: unknown[] }> {
  const state = { server: undefined as unknown as Server, port: 0, mode: 'silent' as Mode, received: [] as unknown[] };
  state.server = createServer((socket) => {
    const decoder = codec.newDecoder(DEFAULT_LIMITS);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (codec.kind(frame) === 'heartbeat') {
          socket.write(Buffer.concat(codec.encode(codec.heartbeatReply(frame))));
          continue;
        }
        state.received.push(frame);
        if (state.mode === 'garbage') socket.write(Buffer.from('\x07\x07\x07 garbage, not a frame \x07\x07\x07'.repeat(4)));
      }
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

/** Sends bytes on a new connection and resolves with the first whole frame back (or 'closed'). */
function exchange(port: number, codec: AnyCodec, bytes: Buffer): Promise<{ frame?: unknown; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const decoder = codec.newDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      const frames = decoder.push(chunk);
      if (frames.length > 0) resolve({ frame: frames[0], socket });
    });
    socket.on('close', () => resolve({ socket }));
    socket.on('error', () => {});
    socket.write(bytes);
  });
}

describe.each(CASES)('$protocol pass-through with golden frames', ({ protocol, golden, service }) => {
  let sidecar: Running;
  let codec: AnyCodec;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let port: number;
  let adminPort: number;
  const original = readFileSync(join(REPO_ROOT, golden));

  beforeAll(async () => {
    setup();
    codec = getCodec(protocol)!;
    upstream = await startUpstream(codec);
    port = await freePort();
    adminPort = await freePort();
    sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
defaults: { frameReadTimeoutMs: 300 }
listeners:
  - name: in
    protocol: ${protocol}
    address: 127.0.0.1:${port}
    routes: [{ match: { service: ${service} }, cluster: up }]
clusters:
  - { name: up, protocol: ${protocol}, endpoints: [127.0.0.1:${upstream.port}] }
`);
  });

  afterAll(async () => {
    await sidecar?.stop(200);
    await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
  });

  async function metric(pattern: RegExp): Promise<number> {
    const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
    return Number(pattern.exec(text)?.[1] ?? 0);
  }

  /** The golden request with a 400 ms deadline of the caller's. */
  function withDeadline(ms: number): Buffer {
    const frame = codec.newDecoder(DEFAULT_LIMITS).push(original)[0];
    return Buffer.concat(codec.encode(codec.withTimeout(frame, ms)));
  }

  it('writes the remaining budget into the forwarded frame and answers a timeout when it is spent', async () => {
    upstream.mode = 'silent';
    upstream.received.length = 0;
    const { frame, socket } = await exchange(port, codec, withDeadline(400));
    socket.destroy();
    const result = codec.toResult(frame);
    expect(result.status).toBe('error');
    expect(result.message ?? '').toMatch(/deadline of 400 ms exceeded/);
    const forwarded = codec.toInvocation(upstream.received[0]);
    const budget = (forwarded.deadline ?? 0) - performance.now();
    // The forwarded deadline is what was left when it was sent: under the caller's 400 ms.
    expect(forwarded.deadline).toBeDefined();
    expect(budget).toBeLessThanOrEqual(400);
    expect(codec.requestId(frame)).toBe(codec.requestId(codec.newDecoder(DEFAULT_LIMITS).push(original)[0]));
  });

  it('a garbage-spewing upstream fails the call with a protocol error and is counted', async () => {
    upstream.mode = 'garbage';
    const { frame, socket } = await exchange(port, codec, original);
    socket.destroy();
    upstream.mode = 'silent';
    const result = codec.toResult(frame);
    expect(result.status).toBe('error');
    expect(result.message ?? '').toContain('malformed reply from 127.0.0.1:');
    expect(await metric(new RegExp(`pmesh_codec_errors_total\\{protocol="${protocol}",reason="PMESH_CODEC_ERROR",side="upstream"\\} (\\d+)`))).toBeGreaterThan(0);
  });

  it('half a frame that stalls closes only that connection, and is counted', async () => {
    const half = original.subarray(0, Math.floor(original.length / 2));
    const { frame } = await exchange(port, codec, half);
    expect(frame).toBeUndefined();
    expect(await metric(new RegExp(`pmesh_codec_errors_total\\{protocol="${protocol}",reason="PMESH_FRAME_STALLED",side="downstream"\\} (\\d+)`))).toBe(1);
  });

  it('a malformed frame closes only its connection; a call on another connection is answered', async () => {
    const garbage = Buffer.from(original);
    garbage[0] = 0x5a; // neither Bolt's protocol code nor Dubbo's magic
    const bad = await exchange(port, codec, garbage);
    expect(bad.frame).toBeUndefined();
    upstream.mode = 'silent';
    const good = await exchange(port, codec, withDeadline(200));
    good.socket.destroy();
    expect(codec.kind(good.frame)).toBe('response');
    expect(await metric(new RegExp(`pmesh_codec_errors_total\\{protocol="${protocol}",reason="PMESH_CODEC_ERROR",side="downstream"\\} (\\d+)`))).toBe(1);
  });
});

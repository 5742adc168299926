/**
 * The multiplexed pass-through path (listener -> chain -> multiplexed upstream) over
 * real TCP with the fake protocol: id rewriting, heartbeats, deadlines, a malformed
 * caller, a stalled caller, a dying upstream and a garbage-spewing upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { request } from 'undici';
import { setup, type Running } from '../../src/main.js';
import { FAKE_PLUGIN_YAML, type FakeFrame } from '../support/fake-codec.js';
import { FakeClient, echoBehaviour, startFakeServer, type FakeBehaviour, type FakeServer } from '../support/fake-rpc.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let sidecar: Running;
let a: FakeServer;
let b: FakeServer;
let port: number;
let adminPort: number;

const req = (id: bigint, method = 'say', headers: Record<string, string> = {}, service = 'echo.Svc'): FakeFrame => ({
  kind: 'REQ',
  id,
  service,
  method,
  headers,
  payload: `p${id}`,
});

beforeAll(async () => {
  setup();
  a = await startFakeServer();
  b = await startFakeServer();
  port = await freePort();
  adminPort = await freePort();
  sidecar = await startInProcess(`
${FAKE_PLUGIN_YAML}
admin: { address: 127.0.0.1:${adminPort} }
defaults: { frameReadTimeoutMs: 300 }
listeners:
  - name: fake-in
    protocol: fake
    address: 127.0.0.1:${port}
    routeByRegistry: false
    routes:
      - { match: { service: echo.Svc }, cluster: pair, timeoutMs: 2000 }
      - { match: { service: solo.Svc }, cluster: solo }
clusters:
  - { name: pair, protocol: fake, endpoints: [${a.address}, ${b.address}] }
  - { name: solo, protocol: fake, endpoints: [${a.address}] }
`);
});

afterAll(async () => {
  await sidecar?.stop(500);
  await a?.close();
  await b?.close();
});

async function metric(pattern: RegExp): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe('multiplexed pass-through', () => {
  it('rewrites request ids upstream and gives each caller its own id back', async () => {
    const one = await FakeClient.connect(port);
    const two = await FakeClient.connect(port);
    a.seen.length = 0;
    b.seen.length = 0;
    // The ids each upstream connection carried (with workers, each worker has connections of its own).
    const idsByConnection = new Map<Socket, bigint[]>();
    const recording: FakeBehaviour = (frame, socket) => {
      idsByConnection.set(socket, [...(idsByConnection.get(socket) ?? []), frame.id]);
      return echoBehaviour(frame, socket);
    };
    a.behaviour = recording;
    b.behaviour = recording;
    // Both callers use the same ids at the same time.
    const replies = await Promise.all([1n, 2n, 3n].flatMap((id) => [one.call(req(id)), two.call(req(id))])).finally(() => {
      a.behaviour = echoBehaviour;
      b.behaviour = echoBehaviour;
    });
    expect(replies.map((r) => r.id)).toEqual([1n, 1n, 2n, 2n, 3n, 3n]);
    expect(replies.map((r) => r.payload)).toEqual(['echo:p1', 'echo:p1', 'echo:p2', 'echo:p2', 'echo:p3', 'echo:p3']);
    // Each upstream connection saw distinct ids of the pool's own, whatever the callers used.
    for (const ids of idsByConnection.values()) expect(new Set(ids).size).toBe(ids.length);
    expect(a.seen.length + b.seen.length).toBe(6);
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    one.close();
    two.close();
  });

  it('answers heartbeats itself, without routing them', async () => {
    const client = await FakeClient.connect(port);
    a.seen.length = 0;
    const reply = await client.call({ kind: 'HB', id: 77n, service: '-', method: '-', headers: {}, payload: '' });
    expect(reply.kind).toBe('HBR');
    expect(a.seen).toEqual([]);
    client.close();
  });

  it('writes the remaining deadline into the forwarded frame and answers DEADLINE_EXCEEDED when it is spent', async () => {
    const client = await FakeClient.connect(port);
    const fast = await client.call(req(10n, 'say', { timeout: '1500' }));
    const forwarded = Number(fast.headers.timeout);
    expect(forwarded).toBeGreaterThan(1000);
    expect(forwarded).toBeLessThanOrEqual(1500);
    a.behaviour = b.behaviour = () => 'drop';
    try {
      const slow = await client.call(req(11n, 'say', { timeout: '200' }));
      expect(slow).toMatchObject({ kind: 'RSP', id: 11n, headers: { reason: 'PMESH_DEADLINE_EXCEEDED' } });
      expect(slow.payload).toBe('deadline of 200 ms exceeded');
    } finally {
      a.behaviour = b.behaviour = echoBehaviour;
    }
    client.close();
  });

  it('a malformed frame closes only its own connection and is counted', async () => {
    const before = await metric(/pmesh_codec_errors_total\{protocol="fake",reason="PMESH_CODEC_ERROR",side="downstream"\} (\d+)/);
    const healthy = await FakeClient.connect(port);
    const bad = await FakeClient.connect(port);
    bad.socket.write('5\nHELLO');
    await bad.closed;
    expect((await healthy.call(req(20n))).payload).toBe('echo:p20');
    const after = await metric(/pmesh_codec_errors_total\{protocol="fake",reason="PMESH_CODEC_ERROR",side="downstream"\} (\d+)/);
    expect(after).toBe(before + 1);
    healthy.close();
  });

  it('closes a connection that starts a frame and stalls', async () => {
    const stalled = await FakeClient.connect(port);
    stalled.socket.write('40\nREQ 1 echo.Svc');
    await stalled.closed;
    expect(await metric(/pmesh_codec_errors_total\{protocol="fake",reason="PMESH_FRAME_STALLED",side="downstream"\} (\d+)/)).toBe(1);
  });

  it('calls in flight on an upstream that dies each get an error reply; the other endpoint keeps serving', async () => {
    const client = await FakeClient.connect(port);
    a.behaviour = () => 'drop';
    try {
      const inFlight = [30n, 31n, 32n].map((id) => client.call(req(id, 'say', {}, 'solo.Svc')));
      while (a.seen.filter((f) => f.service === 'solo.Svc').length < 3) await new Promise((r) => setTimeout(r, 10));
      a.killConnections();
      const replies = await Promise.all(inFlight);
      for (const reply of replies) {
        expect(reply.headers.reason).toBe('PMESH_UPSTREAM_CONNECTION_LOST');
        expect(reply.payload).toContain(`cluster "solo": connection to ${a.address} lost`);
      }
    } finally {
      a.behaviour = echoBehaviour;
    }
    // The pair cluster still answers (from b, or a again once reconnected).
    for (let id = 40n; id < 46n; id++) expect((await client.call(req(id))).payload).toBe(`echo:p${id}`);
    client.close();
  });

  it('a garbage-spewing upstream fails only the calls on that connection, and is counted', async () => {
    const client = await FakeClient.connect(port);
    a.behaviour = (_frame, socket) => {
      socket.write('this is not a frame at all\n');
      return 'drop';
    };
    try {
      const reply = await client.call(req(50n, 'say', {}, 'solo.Svc'));
      expect(reply.headers.reason).toBe('PMESH_UPSTREAM_BAD_RESPONSE');
      expect(reply.payload).toContain(`malformed reply from ${a.address}`);
    } finally {
      a.behaviour = echoBehaviour;
    }
    expect((await client.call(req(51n, 'say', {}, 'solo.Svc'))).payload).toBe('echo:p51');
    expect(await metric(/pmesh_codec_errors_total\{protocol="fake",reason="PMESH_CODEC_ERROR",side="upstream"\} (\d+)/)).toBeGreaterThan(0);
    client.close();
  });

  it('answers a call with no route with the protocol error naming the service', async () => {
    const client = await FakeClient.connect(port);
    const reply = await client.call(req(60n, 'x', {}, 'nobody.Svc'));
    expect(reply).toMatchObject({ kind: 'RSP', id: 60n, headers: { reason: 'PMESH_NO_ROUTE' } });
    expect(reply.payload).toBe('no route for service "nobody.Svc" method "x"');
    client.close();
  });
});

/**
 * Idle upstream connections are probed with the protocol's heartbeat; one whose peer
 * stops answering is closed after `maxMissedHeartbeats` probes, and the next call
 * opens a fresh connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type Running } from '../../src/main.js';
import { FAKE_PLUGIN_YAML } from '../support/fake-codec.js';
import { FakeClient, startFakeServer, type FakeServer } from '../support/fake-rpc.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let sidecar: Running;
let upstream: FakeServer;
let port: number;
let adminPort: number;

beforeAll(async () => {
  setup();
  upstream = await startFakeServer();
  port = await freePort();
  adminPort = await freePort();
  sidecar = await startInProcess(`
${FAKE_PLUGIN_YAML}
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - { name: in, protocol: fake, address: 127.0.0.1:${port}, routes: [{ match: { service: echo.Svc }, cluster: up }] }
clusters:
  - { name: up, protocol: fake, endpoints: [${upstream.address}], heartbeatIntervalMs: 100, maxMissedHeartbeats: 3 }
`);
});

afterAll(async () => {
  await sidecar?.stop(200);
  await upstream?.close();
});

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('upstream heartbeats', () => {
  it('probes an idle connection and keeps it while the peer answers', async () => {
    const client = await FakeClient.connect(port);
    await client.call({ kind: 'REQ', id: 1n, service: 'echo.Svc', method: 'm', headers: {}, payload: 'x' });
    const before = upstream.heartbeats;
    await until(() => upstream.heartbeats >= before + 5, 'five heartbeats');
    // Counted by the upstream: with workers: N the call went to whichever worker took the caller's connection.
    expect(upstream.connections).toBe(1);
    client.close();
  });

  it('closes a connection after three unanswered heartbeats; the next call reconnects', async () => {
    const client = await FakeClient.connect(port);
    upstream.answerHeartbeats = false;
    await until(() => upstream.connections === 0, 'the silent connection closing');
    upstream.answerHeartbeats = true;
    const reply = await client.call({ kind: 'REQ', id: 2n, service: 'echo.Svc', method: 'm', headers: {}, payload: 'y' });
    expect(reply.payload).toBe('echo:y');
    expect(upstream.connections).toBe(1);
    client.close();
  });
});

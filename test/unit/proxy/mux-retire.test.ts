/**
 * Retiring a multiplexed connection (an endpoint left, or the workload certificate changed):
 * new calls go to a new connection, and every call the old one carries finishes on it,
 * including a call still waiting for it to connect, before it closes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cancel, NOOP_METRICS, makeEndpoint, type Invocation } from '../../../src/core/index.js';
import type { CallContext } from '../../../src/proxy/filter.js';
import { MultiplexedUpstream } from '../../../src/proxy/upstream/multiplexed.js';
import { fakeCodec, type FakeFrame } from '../../support/fake-codec.js';
import { startFakeServer, type FakeServer } from '../../support/fake-rpc.js';

let server: FakeServer | undefined;
let upstream: MultiplexedUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
  await server?.close();
});

const options = { cluster: 'c', connectTimeoutMs: 2_000, maxConnectionsPerEndpoint: 1, connectionsPerEndpoint: 1, heartbeatIntervalMs: 60_000, maxMissedHeartbeats: 3, maxFrameBytes: 1 << 20 };

function invocation(id: number, payload: string): Invocation {
  const frame: FakeFrame = { kind: 'REQ', id: BigInt(id), service: 'echo.Svc', method: 'm', headers: {}, payload };
  return { protocol: 'fake', frame, oneway: false } as unknown as Invocation;
}
const ctx = (): CallContext => ({ listener: 'l', startedAt: performance.now(), cancel: new Cancel() }) as unknown as CallContext;
const payloadOf = (result: { frame?: unknown }): string => (result.frame as FakeFrame).payload;

describe('retiring multiplexed connections', () => {
  it('a call waiting for the connection to open still gets its reply; the next call opens a new connection', async () => {
    const sockets: unknown[] = [];
    server = await startFakeServer((frame, socket) => {
      if (!sockets.includes(socket)) sockets.push(socket);
      return { kind: 'RSP', id: frame.id, service: frame.service, method: frame.method, headers: {}, payload: `echo:${frame.payload}` };
    });
    upstream = new MultiplexedUpstream({ ...options, codec: fakeCodec, metrics: NOOP_METRICS });
    const endpoint = makeEndpoint(server.address);
    const first = upstream.call(endpoint, invocation(1, 'first'), ctx());
    // Before the connection is even open: it leaves the pool with one call waiting on it.
    upstream.release(server.address);
    expect(upstream.connections()).toEqual({});
    expect(payloadOf(await first)).toBe('echo:first');

    const second = await upstream.call(endpoint, invocation(2, 'second'), ctx());
    expect(payloadOf(second)).toBe('echo:second');
    expect(sockets).toHaveLength(2);
  });

  it('calls in flight finish on the retired connection while new calls use another', async () => {
    const held: Array<() => void> = [];
    server = await startFakeServer((frame, socket) => {
      const reply = (): void => {
        for (const buffer of fakeCodec.encode({ kind: 'RSP', id: frame.id, service: frame.service, method: frame.method, headers: {}, payload: `echo:${frame.payload}` })) socket.write(buffer);
      };
      if (frame.payload.startsWith('slow')) held.push(reply);
      else reply();
      return undefined;
    });
    upstream = new MultiplexedUpstream({ ...options, codec: fakeCodec, metrics: NOOP_METRICS });
    const endpoint = makeEndpoint(server.address);
    const slow = [1, 2, 3].map((i) => upstream!.call(endpoint, invocation(i, `slow-${i}`), ctx()));
    while (held.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    upstream.release(server.address);
    expect(payloadOf(await upstream.call(endpoint, invocation(9, 'fresh'), ctx()))).toBe('echo:fresh');
    for (const reply of held) reply();
    expect((await Promise.all(slow)).map(payloadOf)).toEqual(['echo:slow-1', 'echo:slow-2', 'echo:slow-3']);
  });
});

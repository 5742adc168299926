/**
 * The /ui dashboard across workers without processes: two workers' TapHubs joined to the
 * primary's WorkersTap by paired channels (structured clone, delivered later, as the cluster
 * IPC does), and the merge of the workers' cluster views.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TapHub, type TapOptions } from '../../../src/admin/ui/tap-hub.js';
import { MeshError, type Invocation, type TappedCall } from '../../../src/core/index.js';
import { Channel } from '../../../src/workers/channel.js';
import { mergeClusterViews } from '../../../src/workers/clusters-view.js';
import { portPair } from '../../support/ipc-ports.js';
import { WorkersTap, relayTap, serveTap } from '../../../src/workers/tap.js';
import { FakeTapResponse } from '../../support/tap-stream.js';

const OPTIONS: TapOptions = { redact: [], maxSubscribers: 2, maxEventsPerSecond: 100, samplePercent: 100, maxBodyBytes: 1024, subscriberBufferBytes: 4096, recentErrors: 3 };

const invocation = (method: string): Invocation => ({ protocol: 'fake', service: { interface: 'echo.Svc' }, method, attachments: {}, oneway: false, body: { kind: 'empty' } });
const call = (method: string, at: number, error?: MeshError): TappedCall => ({ listener: 'in', invocation: invocation(method), error, ms: 1, at });

const until = async (what: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(what()).toBe(true);
};

/** A primary's tap with `count` workers' hubs behind it; `late` adds one that starts after streams opened. */
function tapWithWorkers(count: number): { tap: WorkersTap; hubs: TapHub[]; late(): TapHub; counted: string[] } {
  const channels: Channel[] = [];
  const counted: string[] = [];
  const tap: WorkersTap = new WorkersTap({
    tell: (op, args) => channels.forEach((channel) => channel.emit(op, args)),
    ask: <T>(op: string) => Promise.all(channels.map((channel) => channel.call<T>(op, {}))),
    options: () => OPTIONS,
    count: (result) => counted.push(result),
  });
  const hubs: TapHub[] = [];
  const addWorker = (): TapHub => {
    const [primaryEnd, workerEnd] = portPair();
    const primary = new Channel(primaryEnd);
    serveTap(primary, tap);
    channels.push(primary);
    const hub = new TapHub(OPTIONS, () => ({ request: 'req', response: 'res' }), () => {});
    relayTap(new Channel(workerEnd), hub);
    hubs.push(hub);
    return hub;
  };
  for (let i = 0; i < count; i++) addWorker();
  return { tap, hubs, late: addWorker, counted };
}

describe('the dashboard tap across workers', () => {
  it('a stream opened on the primary gets every worker\'s calls, its filter applied in each; a worker started later joins it', async () => {
    const { tap, hubs, late } = tapWithWorkers(2);
    const res = new FakeTapResponse();
    expect(tap.subscribe(res as unknown as ServerResponse, { method: 'say' })).toBe(true);
    expect(tap.subscribers).toBe(1);
    await until(() => hubs.every((hub) => hub.active));
    const third = late();
    await until(() => third.active);
    for (const [index, hub] of hubs.entries()) {
      for (const method of ['say', 'other']) if (hub.wants(invocation(method))) hub.tapped(call(method, index));
    }
    await until(() => res.events.length === 3);
    expect(res.events.map((event) => event.method)).toEqual(['say', 'say', 'say']);
    res.emit('close');
    expect(tap.subscribers).toBe(0);
    await until(() => hubs.every((hub) => !hub.active));
  });

  it('refuses a stream past maxSubscribers, and drops (counted) what a slow stream has not read', async () => {
    const { tap, hubs, counted } = tapWithWorkers(1);
    const slow = new FakeTapResponse();
    expect(tap.subscribe(slow as unknown as ServerResponse, {})).toBe(true);
    expect(tap.subscribe(new FakeTapResponse() as unknown as ServerResponse, {})).toBe(true);
    expect(tap.subscribe(new FakeTapResponse() as unknown as ServerResponse, {})).toBe(false);
    await until(() => hubs[0]!.subscribers === 2);
    slow.writableLength = OPTIONS.subscriberBufferBytes + 1;
    if (hubs[0]!.wants(invocation('say'))) hubs[0]!.tapped(call('say', 1));
    await until(() => counted.includes('dropped'));
    expect(slow.events).toEqual([]);
  });

  it('recent errors are every worker\'s, newest first, as many as one process keeps', async () => {
    const { tap, hubs } = tapWithWorkers(2);
    hubs[0]!.failed(call('a', 1, new MeshError('PMESH_NO_ROUTE', 'a')));
    hubs[1]!.failed(call('b', 4, new MeshError('PMESH_NO_ROUTE', 'b')));
    hubs[0]!.failed(call('c', 3, new MeshError('PMESH_NO_ROUTE', 'c')));
    hubs[1]!.failed(call('d', 2, new MeshError('PMESH_NO_ROUTE', 'd')));
    const errors = (await tap.recentErrors()) as Array<{ method: string }>;
    expect(errors.map((error) => error.method)).toEqual(['b', 'c', 'd']);
  });
});

describe('the clusters of every worker, merged', () => {
  const endpoint = (address: string, connections: number, health = 'healthy') => ({ address, connections, inFlight: connections, completed: 10 * connections, health });
  const cluster = (name: string, endpoints: ReturnType<typeof endpoint>[]) => ({ name, endpoints, inFlight: 1, pending: 0, retries: 0, healthy: endpoints.length });

  it('shows each cluster and endpoint once, counts summed, judgements from the first worker that has it', () => {
    const merged = mergeClusterViews([
      [cluster('up', [endpoint('a:1', 1, 'ejected')]), cluster('only0', [])],
      [cluster('up', [endpoint('a:1', 2), endpoint('b:1', 1)]), cluster('only1', [endpoint('c:1', 1)])],
    ]);
    expect(merged.map((c) => c.name)).toEqual(['up', 'only0', 'only1']);
    expect(merged[0]).toMatchObject({ inFlight: 2, endpoints: [endpoint('a:1', 3, 'ejected'), endpoint('b:1', 1)] });
  });
});

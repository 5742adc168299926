/**
 * The bounds of on-demand registry clusters (issue 9, item 2), with fake hooks and fake
 * timers: an unused cluster is dropped after onDemandClusterIdleMs, lookups waiting for the
 * registry are bounded and the excess answered "overloaded" and counted, and a lookup the
 * registry never answers is "no provider" after its wait, with its feed dropped.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOOP_METRICS, type MeshMetrics } from '../../../src/core/index.js';
import type { ClusterConfig } from '../../../src/config/index.js';
import { OnDemandClusters } from '../../../src/control/on-demand-clusters.js';
import type { RegistryUpdate } from '../../../src/registry/index.js';

const limits: string[] = [];
const metrics: MeshMetrics = { ...NOOP_METRICS, limitExceeded: (limit) => void limits.push(limit) };
let dropped: string[];
let answers: Map<string, (update: RegistryUpdate) => void>;

function providers(count: number): RegistryUpdate {
  const endpoints = Array.from({ length: count }, (_, i) => ({ address: `127.0.0.1:${2000 + i}`, weight: 1, metadata: {}, source: 'registry' }));
  return { query: { service: 's' }, endpoints, origin: 'registry', backend: 'fake', at: 0 } as unknown as RegistryUpdate;
}

function make(maxClusters: number): OnDemandClusters {
  return new OnDemandClusters(
    {
      create: (config: ClusterConfig) => new Promise((resolve) => answers.set(config.name, resolve)),
      drop: (name) => void dropped.push(name),
      metrics,
    },
    { maxClusters, idleMs: 60_000, firstAnswerMs: 3_000 },
  );
}

beforeEach(() => {
  vi.useFakeTimers();
  limits.length = 0;
  dropped = [];
  answers = new Map();
});
afterEach(() => vi.useRealTimers());

describe('OnDemandClusters', () => {
  it('a cluster unused for onDemandClusterIdleMs is dropped; one in use stays', async () => {
    const clusters = make(10);
    const idle = clusters.resolve('bolt', { interface: 'a.Idle' });
    const busy = clusters.resolve('bolt', { interface: 'a.Busy' });
    answers.get('service:bolt:a.Idle')!(providers(1));
    answers.get('service:bolt:a.Busy')!(providers(1));
    expect([await idle, await busy]).toEqual(['service:bolt:a.Idle', 'service:bolt:a.Busy']);
    for (let halfMinute = 0; halfMinute < 6; halfMinute++) {
      await vi.advanceTimersByTimeAsync(30_000);
      expect(clusters.existing('bolt', { interface: 'a.Busy' })).toBe('service:bolt:a.Busy');
    }
    expect(dropped).toEqual(['service:bolt:a.Idle']);
    expect(clusters.has('service:bolt:a.Busy')).toBe(true);
    clusters.close();
  });

  it('lookups waiting for the registry beyond maxOnDemandClusters are answered overloaded and counted', async () => {
    const clusters = make(2);
    const waiting = [clusters.resolve('dubbo', { interface: 'w.One' }), clusters.resolve('dubbo', { interface: 'w.Two' })];
    await expect(clusters.resolve('dubbo', { interface: 'w.Three' })).rejects.toMatchObject({
      reason: 'PMESH_OVERLOADED',
      message: 'too many services being looked up at once (maxOnDemandClusters 2)',
    });
    expect(limits).toEqual(['max_on_demand_clusters']);
    // The same service asked twice waits on the one lookup.
    expect(clusters.resolve('dubbo', { interface: 'w.One' })).toBe(waiting[0]);
    answers.get('service:dubbo:w.One')!(providers(0));
    answers.get('service:dubbo:w.Two')!(providers(2));
    await expect(waiting[0]).rejects.toMatchObject({ reason: 'PMESH_NO_HEALTHY_ENDPOINT', message: 'no provider of service "w.One" is registered' });
    expect(await waiting[1]).toBe('service:dubbo:w.Two');
    expect(dropped).toEqual(['service:dubbo:w.One']);
    expect(clusters.size).toBe(1);
    clusters.close();
  });

  it('a registry that never answers makes "no provider" after the wait, and the feed is dropped', async () => {
    const clusters = make(5);
    const lookup = clusters.resolve('bolt', { interface: 'n.Silent', version: '1.0' });
    const settled = expect(lookup).rejects.toMatchObject({ reason: 'PMESH_NO_HEALTHY_ENDPOINT', message: 'no provider of service "n.Silent:1.0" is registered' });
    await vi.advanceTimersByTimeAsync(3_000);
    await settled;
    expect(dropped).toEqual(['service:bolt:n.Silent:1.0']);
    expect(clusters.size).toBe(0);
    clusters.close();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { makeEndpoint, type Endpoint, type Invocation } from '../../../src/core/index.js';
import { LoadBook, balancerProblem, createBalancer, setupBalancers, type Picker } from '../../../src/proxy/index.js';

const call: Invocation = { protocol: 'fake', service: { interface: 's' }, method: 'm', attachments: {}, oneway: false, body: { kind: 'empty' } };
const withKey = (key: string): Invocation => ({ ...call, attachments: { 'x-user': key } });

function build(spec: Parameters<typeof createBalancer>[0], endpoints: readonly Endpoint[], loads = new LoadBook(), wallNow = Date.now()): Picker {
  return createBalancer(spec).createPicker(endpoints, { loads, now: performance.now(), wallNow });
}

function shares(picker: Picker, n: number, invocation = call): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const address = picker.pick(invocation)!.address;
    counts.set(address, (counts.get(address) ?? 0) + 1);
  }
  return counts;
}

describe('balancers', () => {
  beforeAll(() => setupBalancers());
  const endpoints = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'].map((a) => makeEndpoint(a));

  it('round_robin visits every endpoint once per cycle, in order', () => {
    const picker = build('round_robin', endpoints);
    const picks = Array.from({ length: 9 }, () => picker.pick(call)!.address);
    const first = endpoints.findIndex((e) => e.address === picks[0]);
    const expected = Array.from({ length: 9 }, (_, i) => endpoints[(first + i) % 3]!.address);
    expect(picks).toEqual(expected);
  });

  it('round_robin with weights 5:1:1 gives exact shares per cycle and never sends 5 in a row', () => {
    const weighted = [makeEndpoint('127.0.0.1:1', { weight: 5 }), makeEndpoint('127.0.0.1:2', { weight: 1 }), makeEndpoint('127.0.0.1:3', { weight: 1 })];
    const picker = build('round_robin', weighted);
    const picks = Array.from({ length: 70 }, () => picker.pick(call)!.address);
    expect(picks.filter((a) => a === '127.0.0.1:1')).toHaveLength(50);
    expect(picks.join(',')).not.toContain(Array(5).fill('127.0.0.1:1').join(','));
  });

  it('random and weighted_random honour weights', () => {
    const weighted = [makeEndpoint('127.0.0.1:1', { weight: 1 }), makeEndpoint('127.0.0.1:2', { weight: 3 })];
    for (const name of ['random', 'weighted_random']) {
      const n = 20_000;
      const heavy = shares(build(name, weighted), n).get('127.0.0.1:2')! / n;
      // Expected 0.75; 20,000 draws put 5 standard deviations at about +-0.015.
      expect(heavy).toBeGreaterThan(0.72);
      expect(heavy).toBeLessThan(0.78);
    }
  });

  it('warm-up: a provider registered 1 minute ago with a 10 minute warm-up gets a tenth of its weight', () => {
    const wallNow = 1_800_000_000_000;
    const old = makeEndpoint('127.0.0.1:1', { weight: 100, metadata: { timestamp: String(wallNow - 3_600_000) } });
    const fresh = makeEndpoint('127.0.0.1:2', { weight: 100, metadata: { timestamp: String(wallNow - 60_000), warmup: '600000' } });
    const picker = build('weighted_random', [old, fresh], new LoadBook(), wallNow);
    const n = 22_000;
    // Weights 100 and 10: expected share 10/110 = 0.091, 5 sigma about +-0.01.
    const share = shares(picker, n).get('127.0.0.1:2')! / n;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.102);
    // Still warming: the picker asks to be rebuilt, and a rebuilt one at full uptime is even.
    expect(picker.expiresAt).toBeDefined();
    const later = build('weighted_random', [old, fresh], new LoadBook(), wallNow + 600_000);
    expect(later.expiresAt).toBeUndefined();
    const even = shares(later, n).get('127.0.0.1:2')! / n;
    expect(even).toBeGreaterThan(0.47);
    expect(even).toBeLessThan(0.53);
  });

  it('warm-up reads SOFARPC startTime and warmupTime too, and Dubbo\'s 10 minute default', () => {
    const wallNow = 1_800_000_000_000;
    const sofa = makeEndpoint('127.0.0.1:1', { weight: 100, metadata: { startTime: String(wallNow - 30_000), warmupTime: '60000' } });
    const dubbo = makeEndpoint('127.0.0.1:2', { weight: 100, metadata: { timestamp: String(wallNow - 300_000) } });
    const steady = makeEndpoint('127.0.0.1:3', { weight: 100 });
    const n = 20_000;
    const counts = shares(build('weighted_random', [sofa, dubbo, steady], new LoadBook(), wallNow), n);
    // Weights 50, 50, 100: shares 0.25, 0.25, 0.5.
    expect(counts.get('127.0.0.1:3')! / n).toBeGreaterThan(0.47);
    expect(counts.get('127.0.0.1:1')! / n).toBeGreaterThan(0.22);
    expect(counts.get('127.0.0.1:2')! / n).toBeGreaterThan(0.22);
  });

  it('least_request and least_active avoid the endpoint with calls in flight', () => {
    for (const name of ['least_request', 'least_active']) {
      const loads = new LoadBook();
      for (let i = 0; i < 10; i++) loads.get('127.0.0.1:2').begin();
      const counts = shares(build(name, endpoints, loads), 3_000);
      // P2C picks the busy one only when both draws are it, which cannot happen: it is never chosen.
      expect(counts.get('127.0.0.1:2') ?? 0).toBe(0);
      expect(counts.get('127.0.0.1:1')).toBeGreaterThan(0);
      expect(counts.get('127.0.0.1:3')).toBeGreaterThan(0);
    }
  });

  it('peak_ewma prefers the endpoint that answered fast, and a single slow answer is taken at once', () => {
    const loads = new LoadBook();
    const now = performance.now();
    for (const address of ['127.0.0.1:1', '127.0.0.1:3']) {
      const load = loads.get(address);
      load.begin();
      load.end(now, 2, true);
    }
    const slow = loads.get('127.0.0.1:2');
    slow.begin();
    slow.end(now, 300, true);
    expect(slow.peakEwma(now)).toBe(300);
    const counts = shares(build('peak_ewma', endpoints, loads), 3_000);
    expect(counts.get('127.0.0.1:2') ?? 0).toBe(0);
  });

  it('peak_ewma forgets: with no answers, an estimate decays toward zero', () => {
    const loads = new LoadBook();
    const load = loads.get('127.0.0.1:1');
    load.begin();
    load.end(1_000, 300, true);
    expect(load.peakEwma(1_000 + 10_000)).toBeCloseTo(300 / Math.E, 5);
    expect(load.peakEwma(1_000 + 100_000)).toBeLessThan(1);
  });

  it('shortest_response sends to the endpoint whose successes are fastest', () => {
    const loads = new LoadBook();
    const now = performance.now();
    [['127.0.0.1:1', 50], ['127.0.0.1:2', 5], ['127.0.0.1:3', 80]].forEach(([address, ms]) => {
      const load = loads.get(address as string);
      load.begin();
      load.end(now, ms as number, true);
    });
    const counts = shares(build('shortest_response', endpoints, loads), 1_000);
    expect(counts.get('127.0.0.1:2')).toBe(1_000);
  });

  it('consistent_hash: the same key always lands on the same endpoint', () => {
    const picker = build({ name: 'consistent_hash', hashOn: { header: 'X-User' } }, endpoints);
    for (let k = 0; k < 200; k++) {
      const first = picker.pick(withKey(`user-${k}`))!.address;
      for (let i = 0; i < 5; i++) expect(picker.pick(withKey(`user-${k}`))!.address).toBe(first);
    }
  });

  it('consistent_hash: removing one endpoint moves only its keys, and keys spread over all', () => {
    const five = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:4', '127.0.0.1:5'].map((a) => makeEndpoint(a));
    const spec = { name: 'consistent_hash', hashOn: { attachment: 'x-user' } };
    const before = build(spec, five);
    const after = build(spec, five.filter((e) => e.address !== '127.0.0.1:3'));
    const owners = new Map<string, number>();
    let moved = 0;
    for (let k = 0; k < 5_000; k++) {
      const key = withKey(`order-${k}`);
      const was = before.pick(key)!.address;
      const now = after.pick(key)!.address;
      owners.set(was, (owners.get(was) ?? 0) + 1);
      if (was !== '127.0.0.1:3') expect(now).toBe(was);
      else moved++;
    }
    expect(moved).toBe(owners.get('127.0.0.1:3'));
    // 160 points each: every endpoint owns a fair part (expected 1,000 each).
    for (const count of owners.values()) expect(count).toBeGreaterThan(600);
  });

  it('consistent_hash on an argument reads decoded arguments', () => {
    const picker = build({ name: 'consistent_hash', hashOn: { argument: 1 } }, endpoints);
    const byArg = (value: string): Invocation => ({
      ...call,
      body: { kind: 'decoded', values: [{ kind: 'string', value: 'ignored' }, { kind: 'string', value }] },
    });
    const first = picker.pick(byArg('k1'))!.address;
    for (let i = 0; i < 20; i++) expect(picker.pick(byArg('k1'))!.address).toBe(first);
  });

  it('options are checked per policy, and unknown names are refused with the known ones', () => {
    expect(balancerProblem('least_magic')).toMatch(/unknown balancer "least_magic" \(known: round_robin, .*consistent_hash/);
    expect(balancerProblem({ name: 'consistent_hash' })).toMatch(/balancer consistent_hash: hashOn: Required/);
    expect(balancerProblem({ name: 'consistent_hash', hashOn: { argument: -1 } })).toMatch(/hashOn/);
    expect(balancerProblem({ name: 'round_robin', slowStart: 3 })).toBe('balancer round_robin: unknown option(s) slowStart');
    expect(balancerProblem({ name: 'consistent_hash', hashOn: { header: 'x-user' }, virtualNodes: 40 })).toBeUndefined();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { makeEndpoint, type Invocation } from '../../../src/core/index.js';
import { getBalancer, setupBalancers } from '../../../src/proxy/index.js';

const call: Invocation = { protocol: 'fake', service: { interface: 's' }, method: 'm', attachments: {}, oneway: false, body: { kind: 'empty' } };

describe('balancers', () => {
  beforeAll(() => setupBalancers());
  const endpoints = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'].map((a) => makeEndpoint(a));

  it('round_robin visits every endpoint once per cycle, in order', () => {
    const picker = getBalancer('round_robin')!.createPicker(endpoints);
    const picks = Array.from({ length: 9 }, () => picker.pick(call)!.address);
    const first = endpoints.findIndex((e) => e.address === picks[0]);
    const expected = Array.from({ length: 9 }, (_, i) => endpoints[(first + i) % 3]!.address);
    expect(picks).toEqual(expected);
  });

  it('random honours weights', () => {
    const weighted = [makeEndpoint('127.0.0.1:1', { weight: 1 }), makeEndpoint('127.0.0.1:2', { weight: 3 })];
    const picker = getBalancer('random')!.createPicker(weighted);
    let heavy = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (picker.pick(call)!.address === '127.0.0.1:2') heavy++;
    // Expected 0.75; 20,000 draws put 5 standard deviations at about +-0.015.
    expect(heavy / n).toBeGreaterThan(0.72);
    expect(heavy / n).toBeLessThan(0.78);
  });

  it('unknown names are not registered', () => {
    expect(getBalancer('least_magic')).toBeUndefined();
  });
});

/**
 * Balancers against three real Java Dubbo 3.3.6 providers, one made slow (300 ms per
 * echo), called by the npm dubbo2.js consumer through the sidecar's Dubbo listeners.
 * Which provider served each call is read from the sidecar's `/clusters` counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { startJava } from '../support/java-peers.js';
import { echoLoad } from '../support/dubbo2js.js';
import { freePort } from '../support/ports.js';
import type { Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

const SLOW_MS = 300;
let providers: Peer[] = [];
let ports: number[] = [];
let sidecar: Running;
let adminPort: number;
const listenerPorts: Record<string, number> = {};

beforeAll(async () => {
  ports = [await freePort(), await freePort(), await freePort()];
  providers = ports.map((port, i) =>
    startJava('dubbo', 'com.example.dubbo.Provider', [String(port)], `dubbo provider ${i}`, i === 1 ? [`-Dpmesh.echo.delayMs=${SLOW_MS}`] : []),
  );
  await Promise.all(providers.map((p) => p.waitFor(/PROVIDER READY/, 180_000)));
  adminPort = await freePort();
  for (const name of ['ewma', 'rr', 'hash']) listenerPorts[name] = await freePort();
  const endpoints = `[${ports.map((p) => `127.0.0.1:${p}`).join(', ')}]`;
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
listeners:
${['ewma', 'rr', 'hash']
  .map(
    (name) => `  - name: ${name}
    protocol: dubbo
    address: 127.0.0.1:${listenerPorts[name]}
    routes: [{ match: { service: com.example.EchoService:1.0.0 }, cluster: ${name} }]`,
  )
  .join('\n')}
clusters:
  - { name: ewma, protocol: dubbo, balancer: peak_ewma, endpoints: ${endpoints} }
  - { name: rr, protocol: dubbo, balancer: round_robin, endpoints: ${endpoints} }
  - { name: hash, protocol: dubbo, balancer: { name: consistent_hash, hashOn: { argument: 0 } }, endpoints: ${endpoints} }
`);
}, 900_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await Promise.all(providers.map((p) => p.stop()));
});

/** Calls ended per endpoint of a cluster, from the admin API. */
async function completed(cluster: string): Promise<Record<string, number>> {
  const res = await request(`http://127.0.0.1:${adminPort}/clusters`);
  const body = (await res.body.json()) as { clusters: Array<{ name: string; endpoints: Array<{ address: string; completed: number }> }> };
  const found = body.clusters.find((c) => c.name === cluster)!;
  return Object.fromEntries(found.endpoints.map((e) => [e.address, e.completed]));
}

/** `total` echo calls, `concurrency` at a time; every answer checked. */
async function load(listener: string, total: number, concurrency: number, text?: (i: number) => string): Promise<void> {
  expect(await echoLoad(listenerPorts[listener]!, total, concurrency, text)).toEqual([]);
}

describe('balancers with three real Dubbo providers, one slow', () => {
  it(`peak_ewma sends at least 90 % of calls to the two fast providers (round_robin, the control, sends a third to the slow one)`, async () => {
    const slow = `127.0.0.1:${ports[1]}`;
    await load('ewma', 400, 8);
    const ewma = await completed('ewma');
    const ewmaTotal = Object.values(ewma).reduce((a, b) => a + b, 0);
    expect(ewmaTotal).toBe(400);
    expect(ewma[slow]! / ewmaTotal).toBeLessThanOrEqual(0.1);

    await load('rr', 60, 8);
    const rr = await completed('rr');
    expect(rr[slow]).toBe(20);
  }, 300_000);

  it('consistent_hash on argument 0 sends every call with the same text to one provider', async () => {
    for (const key of ['alice', 'bob', 'carol', 'dave']) {
      const before = await completed('hash');
      await load('hash', 12, 3, () => key);
      const after = await completed('hash');
      const grew = Object.keys(after).filter((address) => after[address] !== before[address]);
      expect(grew, key).toHaveLength(1);
      expect(after[grew[0]!]! - before[grew[0]!]!).toBe(12);
    }
  }, 300_000);
});

/**
 * Traffic management against three real Java Dubbo 3.3.6 providers: canary split,
 * mirroring with shadow diff, breaker overflow and rate limits as the Java consumer
 * and the Python client read them, the retry budget with every provider down,
 * consistent hashing across a hot reload that removes a provider, and a provider
 * killed under steady load. Which provider served each call is read from `/clusters`.
 */
import { execFile } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { runDubboConsumer, startJava } from '../support/java-peers.js';
import { dubbo2js, echoLoad } from '../support/dubbo2js.js';
import { startDubboShadow } from '../support/dubbo-shadow.js';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import type { Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

let providers: Peer[] = [];
let ports: number[] = [];
let shadow: Awaited<ReturnType<typeof startDubboShadow>>;
let sidecar: Running & { configPath: string };
let adminPort: number;
const listen: Record<string, number> = {};
const dead: number[] = [];
const LISTENERS = ['canary', 'mirror', 'tight', 'limited', 'dead', 'hash', 'steady', 'plain', 'pair', 'http'] as const;

const addr = (port: number): string => `127.0.0.1:${port}`;

beforeAll(async () => {
  ports = [await freePort(), await freePort(), await freePort()];
  providers = ports.map((port, i) => startJava('dubbo', 'com.example.dubbo.Provider', [String(port)], `dubbo provider ${i}`));
  shadow = await startDubboShadow();
  for (let i = 0; i < 3; i++) dead.push(await freePort());
  await Promise.all(providers.map((p) => p.waitFor(/PROVIDER READY/, 180_000)));
  adminPort = await freePort();
  for (const name of LISTENERS) listen[name] = await freePort();
  sidecar = await startInProcess(config(ports.map(addr)));
}, 900_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await shadow?.close();
  await Promise.all(providers.map((p) => p.stop()));
});

function config(hashEndpoints: string[]): string {
  const all = `[${ports.map(addr).join(', ')}]`;
  const echo = 'com.example.EchoService:1.0.0';
  const dubboListener = (name: string, route: string): string => `  - name: ${name}
    protocol: dubbo
    address: 127.0.0.1:${listen[name]}
    routes: [{ name: ${name}, match: { service: ${echo} }, ${route} }]`;
  return `admin: { address: 127.0.0.1:${adminPort} }
listeners:
${dubboListener('canary', 'clusters: [{ name: v1, weight: 90 }, { name: v2, weight: 10 }]')}
${dubboListener('mirror', 'cluster: v1, mirror: { cluster: shadow, compare: true }')}
${dubboListener('tight', 'cluster: tight')}
${dubboListener('limited', 'cluster: v1, rateLimit: { perSecond: 0.001, burst: 1 }')}
${dubboListener('dead', 'cluster: dead, idempotent: true, retry: { attempts: 3, on: [unavailable, reset], budget: { percent: 20, minPerSecond: 1 } }')}
${dubboListener('hash', 'cluster: hash')}
${dubboListener('steady', 'cluster: steady, idempotent: true, retry: { attempts: 3, on: [reset, unavailable, timeout] }')}
${dubboListener('plain', 'cluster: plain')}
${dubboListener('pair', 'cluster: pair')}
  - name: http
    protocol: http1
    address: 127.0.0.1:${listen.http}
    routes:
      - { name: http-tight, match: { service: com.example.EchoService, attachments: { case: tight } }, cluster: tight }
      - { name: http-limited, match: { service: com.example.EchoService, attachments: { case: limited } }, cluster: v1, rateLimit: { perSecond: 0.001, burst: 1 } }
clusters:
  - { name: v1, protocol: dubbo, endpoints: [${addr(ports[0]!)}] }
  - { name: v2, protocol: dubbo, endpoints: [${addr(ports[1]!)}] }
  - { name: shadow, protocol: dubbo, endpoints: [${addr(shadow.port)}] }
  - { name: tight, protocol: dubbo, endpoints: [${addr(ports[2]!)}], circuitBreaker: { maxRequests: 1 } }
  - { name: dead, protocol: dubbo, endpoints: [${dead.map(addr).join(', ')}] }
  - { name: hash, protocol: dubbo, balancer: { name: consistent_hash, hashOn: { argument: 0 } }, endpoints: [${hashEndpoints.join(', ')}] }
  - { name: steady, protocol: dubbo, endpoints: ${all}, circuitBreaker: { maxRetries: 16 } }
  - { name: plain, protocol: dubbo, endpoints: ${all} }
  - { name: pair, protocol: dubbo, endpoints: [${addr(ports[2]!)}, ${addr(ports[0]!)}] }
  - { name: checked, protocol: dubbo, endpoints: ${all}, healthCheck: { intervalMs: 300, timeoutMs: 1000, unhealthyThreshold: 2 } }
`;
}

async function clusters(): Promise<Record<string, Record<string, number>>> {
  const res = await request(`http://127.0.0.1:${adminPort}/clusters`);
  const body = (await res.body.json()) as { clusters: Array<{ name: string; endpoints: Array<{ address: string; completed: number }> }> };
  return Object.fromEntries(body.clusters.map((c) => [c.name, Object.fromEntries(c.endpoints.map((e) => [e.address, e.completed]))]));
}

async function health(cluster: string): Promise<{ healthy: number; endpoints: Array<{ address: string; health: string; why?: string }> }> {
  const res = await request(`http://127.0.0.1:${adminPort}/clusters`);
  const body = (await res.body.json()) as { clusters: Array<{ name: string; healthy: number; endpoints: Array<{ address: string; health: string; why?: string }> }> };
  return body.clusters.find((c) => c.name === cluster)!;
}

async function inFlight(cluster: string): Promise<number> {
  const res = await request(`http://127.0.0.1:${adminPort}/clusters`);
  const body = (await res.body.json()) as { clusters: Array<{ name: string; endpoints: Array<{ inFlight: number }> }> };
  return body.clusters.find((c) => c.name === cluster)!.endpoints.reduce((sum, e) => sum + e.inFlight, 0);
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** `total` echo calls through a listener, `concurrency` at a time; returns the failures. */
function load(listener: string, total: number, concurrency: number, text?: (i: number) => string, during?: (done: number) => Promise<void> | void): Promise<unknown[]> {
  return echoLoad(listen[listener]!, total, concurrency, text, during);
}

function python(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', code], { cwd: join(REPO_ROOT, 'clients/python'), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

const pythonCall = (attachment: string): string => `
import pmesh
try:
    pmesh.Client("127.0.0.1:${listen.http}").invoke("com.example.EchoService", "echo", "hi", version="1.0.0", types=["java.lang.String"], attachments={"case": "${attachment}"})
    print("ok")
except pmesh.MeshError as e:
    print(e.status, e.reason, str(e))
`;

describe('traffic management with three real Dubbo providers', () => {
  it('canary 90/10 holds within 3 % over 2,000 calls', async () => {
    expect(await load('canary', 2_000, 16)).toEqual([]);
    const now = await clusters();
    const v1 = now.v1![addr(ports[0]!)]!;
    const v2 = now.v2![addr(ports[1]!)]!;
    expect(v1 + v2).toBe(2_000);
    expect(v2 / 2_000).toBeGreaterThanOrEqual(0.07);
    expect(v2 / 2_000).toBeLessThanOrEqual(0.13);
  }, 300_000);

  it('mirror at 100 % with compare: the Java consumer gets the Java answer, the shadow\'s one different field is counted by method and path, equal echoes are not', async () => {
    expect(await load('mirror', 20, 4)).toEqual([]);
    const { results } = await runDubboConsumer([addr(listen.mirror!), 'greet']);
    expect(results).toMatchObject([{ call: 'greet', outcome: 'ok' }]);
    expect(JSON.stringify(results[0]!.value)).toContain('37'); // Java's age + 1, not the shadow's + 2
    await expect.poll(() => shadow.calls.length, { timeout: 10_000 }).toBe(21);
    await expect.poll(() => metric('pmesh_mirror_diffs_total', { route: 'mirror', method: 'greet', field: 'age' }), { timeout: 10_000 }).toBe(1);
    expect(await metric('pmesh_mirror_diffs_total', {})).toBe(1);
    expect(await metric('pmesh_traffic_events_total', { event: 'mirror', route: 'mirror' })).toBe(21);
  }, 300_000);

  it('breaker overflow and rate limit reach the Java consumer as Dubbo errors and the Python client as 503 / 429', async () => {
    const holder = dubbo2js(listen.tight!, 120_000);
    const held = holder.echo.sleep(40_000);
    await expect.poll(() => inFlight('tight'), { timeout: 10_000 }).toBe(1);
    try {
      const overflow = await runDubboConsumer([addr(listen.tight!), 'echo', 'x']);
      // Answered with status 100 (SERVER_THREADPOOL_EXHAUSTED_ERROR), which Dubbo 3.3 raises as an RpcException carrying the message.
      expect(overflow.results).toMatchObject([{ call: 'echo', outcome: 'error', type: 'org.apache.dubbo.rpc.RpcException' }]);
      expect(overflow.results[0]!.message).toMatch(/cluster "tight" is at its circuit breaker limit maxRequests = 1 \(1 calls are in flight\) \[PMESH_OVERLOADED\]/);
      expect(await python(pythonCall('tight'))).toMatch(/^503 PMESH_OVERLOADED .*maxRequests = 1/);
    } finally {
      holder.close();
      void held;
    }
    expect(await load('limited', 1, 1)).toEqual([]);
    const limited = await runDubboConsumer([addr(listen.limited!), 'echo', 'x']);
    expect(limited.results).toMatchObject([{ call: 'echo', outcome: 'error', type: 'org.apache.dubbo.rpc.RpcException' }]);
    expect(limited.results[0]!.message).toMatch(/rate limit: route "limited" allows 0.001 calls per second \(burst 1\)/);
    expect(await python(pythonCall('limited'))).toBe('ok');
    expect(await python(pythonCall('limited'))).toMatch(/^429 PMESH_RATE_LIMITED /);
  }, 300_000);

  it('every provider down: the retry budget holds retries under 20 % of calls plus its minimum', async () => {
    const calls = 200;
    const failures = await load('dead', calls, 4);
    expect(failures).toHaveLength(calls);
    const retries = await metric('pmesh_traffic_events_total', { event: 'retry', route: 'dead' });
    expect(retries).toBeLessThanOrEqual(calls * 0.2 + 10);
    expect(retries).toBeGreaterThan(0);
    expect(await metric('pmesh_traffic_events_total', { event: 'retry_budget_exhausted', route: 'dead' })).toBeGreaterThan(0);
  }, 300_000);

  it('consistent_hash: a key stays on its provider; a hot reload removing one provider moves only that provider\'s keys', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);
    const placeOf = async (): Promise<Record<string, string>> => {
      const placed: Record<string, string> = {};
      for (const key of keys) {
        const before = (await clusters()).hash!;
        expect(await load('hash', 3, 1, () => key)).toEqual([]);
        const after = (await clusters()).hash!;
        const grew = Object.keys(after).filter((a) => after[a] !== before[a]);
        expect(grew, key).toHaveLength(1);
        placed[key] = grew[0]!;
      }
      return placed;
    };
    const first = await placeOf();
    const removed = addr(ports[2]!);
    writeFileSync(sidecar.configPath, readFileSync(sidecar.configPath, 'utf8').replace(config(ports.map(addr)).split('\n').find((l) => l.includes('name: hash, protocol'))!, config([addr(ports[0]!), addr(ports[1]!)]).split('\n').find((l) => l.includes('name: hash, protocol'))!));
    await expect.poll(async () => Object.keys((await clusters()).hash!).length, { timeout: 15_000 }).toBe(2);
    const second = await placeOf();
    for (const key of keys) if (first[key] !== removed) expect(second[key], key).toBe(first[key]);
    expect(keys.some((key) => first[key] === removed)).toBe(true);
  }, 300_000);

  it('a provider killed under steady load: unsent calls never fail, idempotent retries leave 0 failures, and a written non-idempotent call is not retried', async () => {
    const victim = addr(ports[2]!);
    // Two long calls on the non-idempotent route: round robin puts one on each provider of the pair.
    const pairClient = dubbo2js(listen.pair!, 60_000);
    const slow = [pairClient.echo.sleep(8_000), pairClient.echo.sleep(8_000)]; // dubbo2.js gives up at 10 s
    await expect.poll(() => inFlight('pair'), { timeout: 10_000 }).toBe(2);
    let killed: Promise<void> | undefined;
    const kill = (done: number): void => {
      if (done === 300 && !killed) killed = providers[2]!.kill();
    };
    const [steady, plain] = await Promise.all([load('steady', 1_200, 8, undefined, kill), load('plain', 1_200, 8)]);
    await killed;
    expect(steady).toEqual([]);
    // Only calls already written to the victim when it died may fail on the default route: at most one per caller in flight.
    expect(plain.length).toBeLessThanOrEqual(8);
    const answers = await Promise.all(slow);
    pairClient.close();
    const failed = answers.filter((a) => a.err);
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!.err)).toMatch(/lost|closed|reset/i);
    // The survivor of the pair served its own call only: the failed one was not sent again.
    const pair = (await clusters()).pair!;
    expect(pair[addr(ports[0]!)]).toBe(1);
    expect((await clusters()).steady![victim]).toBeLessThan(1_200);
    // Outlier detection took the dead provider out of the load-bearing cluster, and the Dubbo heartbeat check saw it die.
    expect((await health('steady')).endpoints.find((e) => e.address === victim)).toMatchObject({ health: 'ejected', why: expect.stringMatching(/^5 failures in a row; ejected for 30 s/) });
    await expect.poll(async () => (await health('checked')).healthy, { timeout: 15_000 }).toBe(2);
    expect((await health('checked')).endpoints.find((e) => e.address === victim)).toMatchObject({ health: 'unhealthy', why: expect.stringMatching(/connect failed: .*ECONNREFUSED/) });
    expect(await metric('pmesh_endpoint_health_events_total', { cluster: 'steady', event: 'ejected_consecutive_failures' })).toBe(1);
  }, 300_000);
});

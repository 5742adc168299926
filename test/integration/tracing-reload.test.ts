/**
 * The tracing section applies on a hot reload, without a restart: the sampler ratio (seen
 * by the upstream: a sampled call arrives with a `traceparent`, an unsampled one with no
 * context arrives without), the exporter's endpoint (spans go to the new collector), and
 * the section's removal (tracing off again).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';
import type { Running } from '../../src/main.js';

/** An OTLP/HTTP collector that counts export requests and answers 200. */
async function startCollector(): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, requests: () => requests };
}

let echo: TestUpstream;
let first: Awaited<ReturnType<typeof startCollector>>;
let second: Awaited<ReturnType<typeof startCollector>>;
let sidecar: Running & { configPath: string };
let proxyPort: number;
let adminPort: number;

/** The config; once the sidecar runs, rewritten in place with the registry data dir startInProcess chose. */
function config(tracing: string): string {
  const registry = sidecar ? `registry: { dataDir: ${JSON.stringify(join(dirname(sidecar.configPath), 'data'))} }\nlogging: { level: silent }\n` : '';
  return `${registry}admin: { address: 127.0.0.1:${adminPort} }
${tracing}
listeners:
  - { name: http-egress, protocol: http1, address: 127.0.0.1:${proxyPort}, routes: [{ match: { host: echo.local }, cluster: echo }] }
clusters:
  - { name: echo, protocol: http1, endpoints: [${echo.address}] }
`;
}

/** One call through the sidecar; the headers the upstream received. */
async function call(): Promise<Record<string, string>> {
  const answer = await request(`http://127.0.0.1:${proxyPort}/probe`, { method: 'POST', headers: { host: 'echo.local', 'content-length': '2' }, body: '{}' });
  expect(answer.statusCode).toBe(200);
  return ((await answer.body.json()) as { headers: Record<string, string> }).headers;
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let waited = 0; !(await check()); waited += 100) {
    if (waited > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  echo = await startUpstream();
  [first, second] = [await startCollector(), await startCollector()];
  [proxyPort, adminPort] = [await freePort(), await freePort()];
  sidecar = await startInProcess(config(`tracing: { sampler: 0, otlp: { endpoint: "${first.url}" }, flushIntervalMs: 20 }`));
}, 60_000);

afterAll(async () => {
  await sidecar?.stop(200);
  await echo?.close();
  first?.server.close();
  second?.server.close();
});

describe('tracing on hot reload', () => {
  it('takes a new sampler ratio and endpoint, and goes off, without a restart', async () => {
    // Ratio 0: a call with no context is not traced, and nothing is written into it.
    expect((await call()).traceparent).toBeUndefined();

    writeFileSync(sidecar.configPath, config(`tracing: { sampler: 1, otlp: { endpoint: "${second.url}" }, flushIntervalMs: 20 }`));
    await until(async () => (await call()).traceparent !== undefined, 'calls to be sampled after the reload');
    expect((await call()).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await until(() => second.requests() > 0, 'spans at the new endpoint');
    // Nothing was sampled while the first endpoint was in force.
    expect(first.requests()).toBe(0);

    writeFileSync(sidecar.configPath, config(''));
    await until(async () => (await call()).traceparent === undefined, 'tracing to go off after the reload');
  });
});

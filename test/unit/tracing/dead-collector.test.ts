/**
 * A collector that is down or never answers costs counted, dropped spans: never a call
 * held up, never more than one export request in flight, never a queue past `queueSize`.
 * The counts are what the sidecar exports as pmesh_tracing_spans_dropped_total and
 * pmesh_tracing_spans_exported_total (the last test reads them off /metrics).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { telemetryOf } from '../../../src/codecs/index.js';
import { Cancel, type Invocation, type Result, type SpanResult } from '../../../src/core/index.js';
import { compose, observeCalls, type CallContext } from '../../../src/proxy/filter.js';
import { attemptSpanFilter, serverSpanFilter } from '../../../src/proxy/filters/tracing.js';
import { Http1Poster } from '../../../src/proxy/index.js';
import { startTracing, type CollectorPostFactory, type Tracing } from '../../../src/tracing/index.js';
import { freePort } from '../../support/ports.js';
import { startInProcess } from '../../support/sidecar.js';
import { startUpstream } from '../../support/http-upstream.js';

const ANSWER: Result = { status: 'ok', protocolStatus: 200, attachments: {}, body: { kind: 'empty' } };
const SILENT = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => SILENT } as unknown as CallContext['log'];
const CALL: Invocation = { protocol: 'http1', service: { interface: 'com.example.EchoService' }, method: 'echo', attachments: {}, oneway: false, body: { kind: 'empty' } };
const QUEUE = 20;

/** A collector that accepts requests and never answers them; counts those open at once. */
function hangingCollector(): Promise<{ server: Server; port: number; open: () => number; most: () => number; held: ServerResponse[] }> {
  let open = 0;
  let most = 0;
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    most = Math.max(most, ++open);
    held.push(res);
    res.on('close', () => open--);
    req.resume();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, open: () => open, most: () => most, held })));
}

function counting(): { counts: Map<string, number>; count: (exporter: string, result: SpanResult, spans: number) => void } {
  const counts = new Map<string, number>();
  return { counts, count: (exporter, result, spans) => counts.set(`${exporter} ${result}`, (counts.get(`${exporter} ${result}`) ?? 0) + spans) };
}

/** Waits (bounded, generously) for `check`, calling `refresh` before each look. */
async function until(check: () => boolean, what: string, refresh: () => Promise<void> = async () => {}): Promise<void> {
  for (let waited = 0; (await refresh(), !check()); waited += 50) {
    if (waited > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let tracing: Tracing | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function calls(n: number, tracer: Tracing): Promise<void> {
  const handler = compose([observeCalls([]), serverSpanFilter({ tracer: tracer.tracer, telemetry: telemetryOf }), attemptSpanFilter({ telemetry: telemetryOf })], () => Promise.resolve(ANSWER));
  for (let i = 0; i < n; i++) await handler(CALL, { listener: 'in', startedAt: 0, log: SILENT, cancel: new Cancel(), cluster: 'out' });
}

/**
 * How the sidecar sends to an http:// collector (its own HTTP/1 client, as sidecar.ts wires
 * it), and the SDK's exporter, which it uses for an https:// one.
 */
const SENDERS: Array<[string, CollectorPostFactory | undefined]> = [
  ['posted on the HTTP/1 upstream', (url, contentType) => new Http1Poster(new URL(url), contentType, 300)],
  ["sent by the SDK's exporter", undefined],
];

const options = (endpoint: string) => ({ sampler: 1, serviceName: 'test', otlp: { endpoint }, propagate: ['w3c' as const], queueSize: QUEUE, batchSize: 10, flushIntervalMs: 20, exportTimeoutMs: 300 });

describe.each(SENDERS)('a collector that never answers, spans %s', (_, postTo) => {
  it('gets one request at a time; the spans that do not fit are dropped and counted, and calls go on', async () => {
    const collector = await hangingCollector();
    cleanups.push(() => {
      for (const res of collector.held) res.destroy();
      collector.server.close();
    });
    const { counts, count } = counting();
    tracing = await startTracing(options(`http://127.0.0.1:${collector.port}/v1/traces`), SILENT, count, postTo);
    // 500 calls, two spans each, with the collector silent: every call still completes.
    for (let round = 0; round < 10; round++) {
      await calls(50, tracing);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await until(() => (counts.get('otlp queue_full') ?? 0) > 0, 'spans dropped for a full queue');
    expect(collector.most()).toBe(1);
    expect(counts.get('otlp exported') ?? 0).toBe(0);
    // Nothing is lost without a count: 1 000 spans ended; at most the queue and the batch in flight are uncounted.
    const dropped = (counts.get('otlp queue_full') ?? 0) + (counts.get('otlp export_busy') ?? 0) + (counts.get('otlp export_failed') ?? 0);
    expect(dropped).toBeGreaterThanOrEqual(1_000 - QUEUE - 10);
    expect(dropped).toBeLessThanOrEqual(1_000);
  });
});

describe.each(SENDERS)('a collector that is down, spans %s', (_, postTo) => {
  it('fails each batch, counted as export_failed; a collector that answers counts exported', async () => {
    const dead = await freePort();
    const { counts, count } = counting();
    tracing = await startTracing(options(`http://127.0.0.1:${dead}/v1/traces`), SILENT, count, postTo);
    await calls(5, tracing);
    await until(() => (counts.get('otlp export_failed') ?? 0) === 10, 'the batch to fail');
    await tracing.shutdown();
    // The control: the same spans to a collector that answers 200 are counted exported.
    const ok = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    await new Promise<void>((resolve) => ok.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => ok.close());
    const good = counting();
    tracing = await startTracing(options(`http://127.0.0.1:${(ok.address() as { port: number }).port}/v1/traces`), SILENT, good.count, postTo);
    await calls(5, tracing);
    await until(() => good.counts.get('otlp exported') === 10, 'the batch to be exported');
    expect(good.counts.get('otlp export_failed')).toBeUndefined();
  });
});

describe('a collector that is down, seen from the sidecar', () => {
  it('shows in the sidecar\'s metrics', async () => {
    const echo = await startUpstream();
    const [proxy, admin, dead] = [await freePort(), await freePort(), await freePort()];
    const sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${admin} }
tracing: { sampler: 1, otlp: { endpoint: "http://127.0.0.1:${dead}/v1/traces" }, flushIntervalMs: 20, exportTimeoutMs: 500 }
listeners:
  - { name: http-egress, protocol: http1, address: 127.0.0.1:${proxy}, routes: [{ match: { host: echo.local }, cluster: echo }] }
clusters:
  - { name: echo, protocol: http1, endpoints: [${echo.address}] }
`);
    try {
      const answer = await request(`http://127.0.0.1:${proxy}/probe`, { method: 'POST', headers: { host: 'echo.local', 'content-length': '2' }, body: '{}' });
      expect(answer.statusCode).toBe(200);
      await answer.body.dump();
      let page = '';
      await until(() => /pmesh_tracing_spans_dropped_total\{exporter="otlp",reason="export_failed"\} 2\b/.test(page), 'the metric to count the failed batch', async () => {
        page = await (await request(`http://127.0.0.1:${admin}/metrics`)).body.text();
      });
    } finally {
      await sidecar.stop(200);
      await echo.close();
    }
  });
});

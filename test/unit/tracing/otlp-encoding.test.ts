/**
 * The OTLP/HTTP export's encoding: protobuf by default (`application/x-protobuf`, what a
 * collector expects when nothing is said), JSON when `otlp.protocol` is `http/json`.
 * The spans are the SDK's exporters' own encoding of the spans this sidecar records: the
 * test checks the request a collector would get carries them (the trace id as 16 raw
 * bytes in protobuf, as hex in JSON, and the span names).
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { telemetryOf } from '../../../src/codecs/index.js';
import { Cancel, type Invocation, type Result } from '../../../src/core/index.js';
import { compose, observeCalls, type CallContext } from '../../../src/proxy/filter.js';
import { attemptSpanFilter, serverSpanFilter } from '../../../src/proxy/filters/tracing.js';
import { startTracing, type Tracing } from '../../../src/tracing/index.js';

const ANSWER: Result = { status: 'ok', protocolStatus: 200, attachments: {}, body: { kind: 'empty' } };
const SILENT = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => SILENT } as unknown as CallContext['log'];
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALL: Invocation = {
  protocol: 'http1', service: { interface: 'com.example.EchoService' }, method: 'echo',
  attachments: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }, oneway: false, body: { kind: 'empty' },
};

interface Received {
  readonly contentType: string;
  readonly body: Buffer;
}

function collector(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      // An empty ExportTraceServiceResponse, in the request's encoding.
      if (req.headers['content-type'] === 'application/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, received })),
  );
}

let tracing: Tracing | undefined;
let server: Server | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  server?.close();
});

async function export_(protocol: 'http/protobuf' | 'http/json' | undefined): Promise<Received> {
  const sink = await collector();
  server = sink.server;
  tracing = await startTracing(
    { sampler: 1, serviceName: 'test', otlp: { endpoint: sink.url, ...(protocol ? { protocol } : {}) }, propagate: ['w3c'], queueSize: 64, batchSize: 2, flushIntervalMs: 20, exportTimeoutMs: 5_000 },
    SILENT,
  );
  const handler = compose([observeCalls([]), serverSpanFilter({ tracer: tracing.tracer, telemetry: telemetryOf }), attemptSpanFilter({ telemetry: telemetryOf })], () => Promise.resolve(ANSWER));
  await handler(CALL, { listener: 'in', startedAt: 0, log: SILENT, cancel: new Cancel(), cluster: 'out' });
  for (let waited = 0; sink.received.length === 0; waited += 20) {
    if (waited > 20_000) throw new Error('timed out waiting for the export');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return sink.received[0]!;
}

describe('OTLP/HTTP export encoding', () => {
  it('is protobuf by default: the trace id as its 16 bytes, the span names as they are', async () => {
    const { contentType, body } = await export_(undefined);
    expect(contentType).toBe('application/x-protobuf');
    expect(body.includes(Buffer.from(TRACE, 'hex'))).toBe(true);
    expect(body.includes(Buffer.from('com.example.EchoService/echo'))).toBe(true);
    expect(() => JSON.parse(body.toString())).toThrow();
  });

  it('is JSON with `protocol: http/json`', async () => {
    const { contentType, body } = await export_('http/json');
    expect(contentType).toBe('application/json');
    const spans = (JSON.parse(body.toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string; name: string }> }> }> }).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(spans.map((span) => span.traceId)).toEqual([TRACE, TRACE]);
    expect(spans.map((span) => span.name)).toEqual(['com.example.EchoService/echo', 'com.example.EchoService/echo']);
  });
});

/**
 * The access log as the operator reads it (the real CLI's stdout): a path is logged
 * without its query string, which carries tokens and secrets, unless
 * `logging.accessLogQuery` asks for it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { freePort, refusedPort } from '../support/ports.js';
import { stopAllPeers } from '../support/process.js';
import { startChild } from '../support/sidecar.js';

let upstream: TestUpstream | undefined;
afterEach(async () => {
  await stopAllPeers();
  await upstream?.close();
  upstream = undefined;
});
afterAll(stopAllPeers);

/** Starts a sidecar, makes one call with secrets in its query, returns the access log line. */
async function accessLineFor(logging: string): Promise<Record<string, unknown>> {
  upstream = await startUpstream();
  const proxyPort = await freePort();
  const adminPort = await freePort();
  const { peer } = await startChild(
    `
admin: { address: 127.0.0.1:${adminPort} }
logging: { ${logging} }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:${proxyPort}
    routes: [{ match: { host: echo.local }, cluster: echo }]
clusters:
  - { name: echo, protocol: http1, endpoints: [${upstream.address}] }
`,
    adminPort,
  );
  const response = await request(`http://127.0.0.1:${proxyPort}/orders/7?token=tk-123&secret=s3cr3t&page=2`, { headers: { host: 'echo.local' } });
  await response.body.dump();
  expect(response.statusCode).toBe(200);
  const line = await peer.waitFor(/\{[^\n]*"msg":"access"[^\n]*\}/, 10_000);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('access log', () => {
  it('logs the path without its query string by default, so tokens and secrets stay out of the log', async () => {
    const line = await accessLineFor('accessLog: true');
    expect(line.path).toBe('/orders/7');
    expect(JSON.stringify(line)).not.toMatch(/tk-123|s3cr3t|token=|secret=/);
  });

  it('logs the query string when logging.accessLogQuery is on', async () => {
    const line = await accessLineFor('accessLog: true, accessLogQuery: true');
    expect(line.path).toBe('/orders/7?token=tk-123&secret=s3cr3t&page=2');
  });
});

describe('access log with tracing on', () => {
  /** A sidecar whose `dead` cluster's endpoint refuses connections; tracing on, no exporter (spans are made and dropped). */
  async function start(): Promise<{ proxyPort: number; lines: (count: number) => Promise<Array<Record<string, unknown>>> }> {
    upstream = await startUpstream();
    const [proxyPort, adminPort, deadPort] = [await freePort(), await freePort(), await refusedPort()];
    const { peer } = await startChild(
      `
admin: { address: 127.0.0.1:${adminPort} }
tracing: { sampler: 1 }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:${proxyPort}
    routes: [{ match: { host: echo.local }, cluster: echo }, { match: { host: dead.local }, cluster: dead }]
clusters:
  - { name: echo, protocol: http1, endpoints: [${upstream.address}] }
  - { name: dead, protocol: http1, endpoints: [127.0.0.1:${deadPort}] }
`,
      adminPort,
    );
    const lines = async (count: number): Promise<Array<Record<string, unknown>>> => {
      const pattern = new RegExp(`(?:\\{[^\\n]*"msg":"access"[^\\n]*\\}[\\s\\S]*){${count}}`);
      await peer.waitFor(pattern, 10_000);
      return [...peer.output().matchAll(/\{[^\n]*"msg":"access"[^\n]*\}/g)].map((match) => JSON.parse(match[0]) as Record<string, unknown>);
    };
    return { proxyPort, lines };
  }

  it('carries the trace id the caller sent and the server span id, with ISO times', async () => {
    const { proxyPort, lines } = await start();
    const response = await request(`http://127.0.0.1:${proxyPort}/orders/7`, {
      headers: { host: 'echo.local', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    await response.body.dump();
    const [line] = await lines(1);
    expect(line).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', status: 200 });
    expect(line?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(line?.spanId).not.toBe('00f067aa0ba902b7');
    expect(String(line?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('logs a failed call with the HTTP status the caller got and the mesh reason, not "error"', async () => {
    const { proxyPort, lines } = await start();
    const response = await request(`http://127.0.0.1:${proxyPort}/x`, { headers: { host: 'dead.local' } });
    await response.body.dump();
    const [line] = await lines(1);
    expect(line).toMatchObject({ status: response.statusCode, reason: 'PMESH_UPSTREAM_CONNECT_FAILED' });
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(line?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

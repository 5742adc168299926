/**
 * The access log as the operator reads it (the real CLI's stdout): a path is logged
 * without its query string, which carries tokens and secrets, unless
 * `logging.accessLogQuery` asks for it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { freePort } from '../support/ports.js';
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

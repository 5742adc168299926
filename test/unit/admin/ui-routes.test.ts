/** /ui's guards: loopback callers only, a fixed list of files, peers only from config or loopback. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../../src/admin/metrics.js';
import { handleUi, type DashboardSources } from '../../../src/admin/ui/routes.js';
import { TapHub } from '../../../src/admin/ui/tap-hub.js';

const TAP = { redact: [], maxSubscribers: 1, maxEventsPerSecond: 1, samplePercent: 100, maxBodyBytes: 1, subscriberBufferBytes: 1, recentErrors: 1 };

const metrics = new PrometheusMetrics();
const sources: DashboardSources = {
  tap: new TapHub(TAP, () => ({ request: {}, response: {} }), () => {}),
  metrics: () => metrics.registry,
  address: () => '127.0.0.1:15000',
  topology: () => ({ listeners: [], clusters: [], apps: [] }),
  registry: () => ({}),
  peers: () => ['10.1.2.3:15000'],
};

async function get(path: string, remoteAddress = '127.0.0.1'): Promise<{ status: number; type: string; body: string }> {
  let status = 0;
  let type = '';
  let body = '';
  const res = {
    headersSent: false,
    writeHead(code: number, headers: Record<string, string>) {
      status = code;
      type = headers['content-type'] ?? '';
      return this;
    },
    write(chunk: string) {
      body += chunk;
      return true;
    },
    end(chunk?: string | Buffer) {
      if (chunk) body += chunk.toString();
    },
    on() {
      return this;
    },
  };
  const req = { socket: { remoteAddress } } as unknown as IncomingMessage;
  await handleUi(req, res as unknown as ServerResponse, new URL(path, 'http://admin'), sources);
  return { status, type, body };
}

describe('/ui routes', () => {
  it('serve the page and its modules to loopback callers, and nothing to others', async () => {
    expect(await get('/ui')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect((await get('/ui/static/app.js')).type).toContain('text/javascript');
    expect((await get('/ui', '::ffff:127.0.0.1')).status).toBe(200);
    expect(await get('/ui', '10.0.0.7')).toMatchObject({ status: 403, body: expect.stringContaining('loopback callers only') });
    expect((await get('/ui/api/topology', '192.168.1.1')).status).toBe(403);
  });

  it('serve only the listed files', async () => {
    expect((await get('/ui/static/routes.ts')).status).toBe(404);
    expect((await get('/ui/static/..%2Froutes.ts')).status).toBe(404);
    expect((await get('/ui/static/../../metrics.ts')).status).toBe(404);
  });

  it('fetch peers only when configured or on loopback, and refuse a second tap stream past the limit', async () => {
    expect(await get('/ui/api/peer?address=10.9.9.9:15000')).toMatchObject({ status: 403, body: expect.stringContaining('neither in admin.peers nor a loopback address') });
    expect((await get('/ui/api/peer?address=not-an-address')).status).toBe(400);
    expect((await get('/ui/api/peer?address=127.0.0.1:1&view=config')).status).toBe(400);
    expect((await get('/ui/api/tap')).status).toBe(200);
    expect(await get('/ui/api/tap')).toMatchObject({ status: 429, body: expect.stringContaining('tap.maxSubscribers') });
  });

  it('answer topology with RED totals read from the metrics', async () => {
    const answer = JSON.parse((await get('/ui/api/topology')).body) as Record<string, unknown>;
    expect(answer).toMatchObject({ self: '127.0.0.1:15000', listeners: [], red: { calls: [], attempts: [] }, peers: ['10.1.2.3:15000'] });
  });
});

/**
 * Apps publish and look up services through their sidecar over HTTP/JSON (issue 5):
 * the sidecar registers its own ingress address and routes the service to the app's
 * port; a health check withdraws the publication when the app goes; publications
 * survive a sidecar restart (embedded registry snapshot + app-publications file).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { setup, type Running } from '../../src/main.js';
import { FAKE_PLUGIN_YAML } from '../support/fake-codec.js';
import { FakeClient, startFakeServer, type FakeServer } from '../support/fake-rpc.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pmesh-apps-'));
let sidecar: Running;
let app: FakeServer;
let httpPort: number;
let ingressPort: number;
let adminPort: number;

async function config(): Promise<string> {
  return `
${FAKE_PLUGIN_YAML}
registry: { dataDir: ${JSON.stringify(dataDir)} }
admin: { address: 127.0.0.1:${adminPort} }
defaults: { appHealthCheckMs: 100, appHealthMaxFailures: 3 }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort} }
  - { name: fake-ingress, protocol: fake, address: 127.0.0.1:${ingressPort}, ingress: true }
`;
}

beforeAll(async () => {
  setup();
  app = await startFakeServer();
  [httpPort, ingressPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  sidecar = await startInProcess(await config());
});

afterAll(async () => {
  await sidecar?.stop(200);
  await app?.close();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(`http://127.0.0.1:${httpPort}${path}`, {
    // A connection per request: a kept-alive one may still be the old sidecar's right after a restart.
    reset: true,
    method: method as 'GET',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

async function callIngress(id: bigint): Promise<{ payload: string; reason?: string }> {
  const client = await FakeClient.connect(ingressPort);
  const reply = await client.call({ kind: 'REQ', id, service: 'app.Svc', method: 'm', headers: {}, payload: `p${id}` });
  client.close();
  return { payload: reply.payload, reason: reply.headers.reason };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('app publications over HTTP', () => {
  it('publishing registers the sidecar ingress, and remote callers reach the app through it', async () => {
    const published = await api('POST', '/v1/services', { service: 'app.Svc', protocol: 'fake', port: app.port, methods: ['m'] });
    expect(published).toMatchObject({ status: 201, json: { address: `127.0.0.1:${ingressPort}` } });
    expect(await callIngress(1n)).toEqual({ payload: 'echo:p1', reason: undefined });

    const found = await api('GET', '/v1/services/app.Svc');
    expect(found.json).toMatchObject({ service: 'app.Svc', endpoints: [{ address: `127.0.0.1:${ingressPort}` }], origin: 'registry' });
  });

  it('watch streams the endpoint set as server-sent events', async () => {
    const response = await request(`http://127.0.0.1:${httpPort}/v1/services/app.Svc?watch=sse`);
    expect(response.headers['content-type']).toBe('text/event-stream');
    let text = '';
    for await (const chunk of response.body) {
      text += (chunk as Buffer).toString();
      if (text.includes('\n\n')) break;
    }
    response.body.destroy();
    expect(text).toMatch(/^event: endpoints\ndata: /);
    expect(JSON.parse(text.split('data: ')[1]!)).toMatchObject({ endpoints: [{ address: `127.0.0.1:${ingressPort}` }] });
  });

  it('refuses a bad publication with every problem named, and a protocol with no ingress with the fix', async () => {
    const invalid = await api('POST', '/v1/services', { service: 'bad name', protocol: 'fake', port: 70000 });
    expect(invalid.status).toBe(400);
    expect(String(invalid.json.message)).toContain('service: expected a Java interface name');
    expect(String(invalid.json.message)).toContain('port: Number must be less than or equal to 65535');
    const noIngress = await api('POST', '/v1/services', { service: 'x.Svc', protocol: 'dubbo', port: app.port });
    expect(noIngress).toMatchObject({ status: 400, json: { message: expect.stringContaining('no ingress listener for protocol dubbo') } });
  });

  it('survives a sidecar restart', async () => {
    await sidecar.stop(200);
    sidecar = await startInProcess(await config());
    expect((await api('GET', '/v1/services/app.Svc')).json).toMatchObject({ endpoints: [{ address: `127.0.0.1:${ingressPort}` }] });
    expect((await callIngress(2n)).payload).toBe('echo:p2');
  });

  it('withdraws the publication when the app goes away', async () => {
    await app.close();
    await until(async () => ((await api('GET', '/v1/services/app.Svc')).json.endpoints as unknown[]).length === 0, 'withdrawal');
    expect((await callIngress(3n)).reason).toBe('PMESH_NO_ROUTE');
  });

  it('unpublishes on DELETE, and says so when there is nothing to unpublish', async () => {
    app = await startFakeServer();
    const { json } = await api('POST', '/v1/services', { service: 'app.Svc', protocol: 'fake', port: app.port });
    expect(await api('DELETE', `/v1/services/app.Svc?token=${json.token}`)).toMatchObject({ status: 200, json: { unpublished: 1 } });
    expect(await api('DELETE', `/v1/services/app.Svc?token=${json.token}`)).toMatchObject({ status: 404 });
    expect((await api('GET', '/v1/services/app.Svc')).json.endpoints).toEqual([]);
  });

  it('a publication is owned: another caller can neither replace nor withdraw it (403), its token can, also after a restart', async () => {
    const first = await api('POST', '/v1/services', { service: 'owned.Svc', protocol: 'fake', port: app.port });
    expect(first).toMatchObject({ status: 201, json: { token: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    const token = first.json.token as string;
    const notOwner = { status: 403, json: { error: 'PMESH_NOT_OWNER', message: expect.stringContaining('owned.Svc is published by another owner') } };

    const other = await startFakeServer();
    expect(await api('POST', '/v1/services', { service: 'owned.Svc', protocol: 'fake', port: other.port })).toMatchObject(notOwner);
    expect(await api('POST', '/v1/services', { service: 'owned.Svc', protocol: 'fake', port: other.port, token: 'someone-else-entirely' })).toMatchObject(notOwner);
    expect(await api('DELETE', '/v1/services/owned.Svc')).toMatchObject(notOwner);
    expect(await api('DELETE', '/v1/services/owned.Svc?token=someone-else-entirely')).toMatchObject(notOwner);
    expect(await api('DELETE', '/v1/services/owned.Svc?token=bad')).toMatchObject({ status: 400, json: { message: expect.stringContaining('token: expected') } });
    // Callers still reach the owner's app, not the other one.
    const client = await FakeClient.connect(ingressPort);
    expect((await client.call({ kind: 'REQ', id: 7n, service: 'owned.Svc', method: 'm', headers: {}, payload: 'p' })).payload).toBe('echo:p');
    client.close();
    await other.close();

    expect(await api('POST', '/v1/services', { service: 'owned.Svc', protocol: 'fake', port: app.port, methods: ['m'], token })).toMatchObject({ status: 201, json: { token } });
    await sidecar.stop(200);
    sidecar = await startInProcess(await config());
    expect(await api('DELETE', '/v1/services/owned.Svc')).toMatchObject(notOwner);
    expect(await api('DELETE', `/v1/services/owned.Svc?token=${token}`)).toMatchObject({ status: 200, json: { unpublished: 1 } });
  });

  it("refuses a publication of the sidecar's own ports (admin, listeners), also one saved before a restart", async () => {
    for (const [port, what] of [[adminPort, 'admin'], [httpPort, 'listener http'], [ingressPort, 'listener fake-ingress']] as const) {
      expect(await api('POST', '/v1/services', { service: 'own.Svc', protocol: 'fake', port })).toMatchObject({
        status: 400,
        json: { error: 'PMESH_BAD_REQUEST', message: `port ${port} is this sidecar's own (${what}): publish the port your app listens on` },
      });
    }
    await sidecar.stop(200);
    const file = join(dataDir, 'app-publications.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    writeFileSync(file, JSON.stringify([...saved, { service: 'own.Svc', protocol: 'fake', port: adminPort, owner: 'x'.repeat(32) }]));
    sidecar = await startInProcess(await config());
    expect((await api('GET', '/v1/services/own.Svc')).json).toMatchObject({ endpoints: [] });
  });
});

/**
 * The app-facing control APIs bound beyond loopback (issue 13, item 5): the HTTP app API and
 * the gRPC Registry on listeners bound to 0.0.0.0 (reached here on 127.0.0.1 only), and
 * SOFARPC's mesh registry API. They take TLS and the bearer token, or refuse with 401 (no or
 * wrong token) or a TLS refusal (plaintext); a state-changing call without the publication's
 * lease token is 403 / PERMISSION_DENIED. Every refusal is counted per API and reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, credentials, loadPackageDefinition, type Client, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type Running } from '../../src/main.js';
import { REGISTRY_PROTO } from '../../src/registry/index.js';
import { FAKE_PLUGIN_YAML } from '../support/fake-codec.js';
import { startFakeServer, type FakeServer } from '../support/fake-rpc.js';
import { makeTestCa, type TestCa } from '../support/mesh-ca.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const TOKEN = 'app-api-token-0123456789';
const MESH_TOKEN = 'mesh-api-token-0123456789';
let ca: TestCa;
let sidecar: Running;
let app: FakeServer;
let ports: { http: number; grpc: number; ingress: number; admin: number; mesh: number; httpOff: number; grpcOff: number };
/** An app on another host: its certificate from the trust domain (the listeners take mTLS). */
let client: { cert: string; key: string; ca: string };
let mtls: Agent;
let meshTls: Agent;

beforeAll(async () => {
  setup();
  app = await startFakeServer();
  ca = await makeTestCa('mesh.test');
  const sidecarCert = await ca.issue('orders');
  const appCert = await ca.issue('web');
  const meshCert = await ca.issue('mesh-api');
  client = { cert: readFileSync(appCert.certFile, 'utf8'), key: readFileSync(appCert.keyFile, 'utf8'), ca: readFileSync(ca.caFile, 'utf8') };
  const tokenFile = join(ca.dir, '..', 'app.token');
  const meshTokenFile = join(ca.dir, '..', 'mesh.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(meshTokenFile, `${MESH_TOKEN}\n`, { mode: 0o600 });
  ports = {
    http: await freePort(),
    grpc: await freePort(),
    ingress: await freePort(),
    admin: await freePort(),
    mesh: await freePort(),
    httpOff: await freePort(),
    grpcOff: await freePort(),
  };
  // Bound to every interface (the guarded path); the test connects to 127.0.0.1 only.
  sidecar = await startInProcess(`
${FAKE_PLUGIN_YAML}
allowNonLoopback: true
admin: { address: 127.0.0.1:${ports.admin} }
identity: { certFile: ${sidecarCert.certFile}, keyFile: ${sidecarCert.keyFile}, caFile: ${ca.caFile} }
sofaMeshApi: { address: 0.0.0.0:${ports.mesh}, tls: { certFile: ${meshCert.certFile}, keyFile: ${meshCert.keyFile} }, tokenFile: ${meshTokenFile} }
listeners:
  - { name: http-api, protocol: http1, address: 0.0.0.0:${ports.http}, tls: { mode: permissive }, appApi: { tokenFile: ${tokenFile} } }
  - { name: grpc-api, protocol: grpc, address: 0.0.0.0:${ports.grpc}, tls: { mode: permissive }, appApi: { tokenFile: ${tokenFile} } }
  - { name: fake-ingress, protocol: fake, address: 127.0.0.1:${ports.ingress}, ingress: true }
  - { name: http-off, protocol: http1, address: 127.0.0.1:${ports.httpOff}, appApi: { enabled: false } }
  - { name: grpc-off, protocol: grpc, address: 127.0.0.1:${ports.grpcOff}, appApi: { enabled: false } }
`);
  // The sidecars' certificates name a SPIFFE id, no host: these clients check the chain only.
  mtls = new Agent({ connect: { ...client, checkServerIdentity: () => undefined } });
  meshTls = new Agent({ connect: { ca: client.ca, checkServerIdentity: () => undefined } });
});

afterAll(async () => {
  await mtls?.close();
  await meshTls?.close();
  await sidecar?.stop(200);
  await app?.close();
});

async function appApi(method: string, path: string, options: { tls?: boolean; authorization?: string; body?: unknown } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(`${options.tls === false ? 'http' : 'https'}://127.0.0.1:${ports.http}${path}`, {
    dispatcher: options.tls === false ? undefined : mtls,
    method: method as 'GET',
    headers: { 'content-type': 'application/json', ...(options.authorization ? { authorization: options.authorization } : {}) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

/** pmesh_control_refusals_total by api and reason, from the admin API. */
async function refusals(): Promise<Record<string, number>> {
  const text = await (await request(`http://127.0.0.1:${ports.admin}/metrics`)).body.text();
  const counts: Record<string, number> = {};
  for (const [, api, reason, value] of text.matchAll(/^pmesh_control_refusals_total\{api="([^"]+)",reason="([^"]+)"\} (\d+)$/gm)) counts[`${api}/${reason}`] = Number(value);
  return counts;
}

describe('the HTTP app API beyond loopback', () => {
  it('no token or a wrong one: 401; plaintext: refused; TLS and the token: served', async () => {
    const before = await refusals();
    expect(await appApi('GET', '/v1/services/app.Svc')).toMatchObject({ status: 401, json: { error: 'PMESH_UNAUTHENTICATED' } });
    expect(await appApi('GET', '/v1/services/app.Svc', { authorization: 'Bearer wrong-token' })).toMatchObject({ status: 401, json: { error: 'PMESH_UNAUTHENTICATED' } });
    expect(await appApi('GET', '/v1/services/app.Svc', { tls: false, authorization: `Bearer ${TOKEN}` })).toMatchObject({
      status: 403,
      json: { error: 'PMESH_TLS_REQUIRED', message: expect.stringContaining('served over TLS only') },
    });
    expect(await appApi('GET', '/v1/services/app.Svc', { authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 200, json: { service: 'app.Svc' } });
    const after = await refusals();
    expect((after['app_api/unauthorized'] ?? 0) - (before['app_api/unauthorized'] ?? 0)).toBe(2);
    expect((after['app_api/plaintext'] ?? 0) - (before['app_api/plaintext'] ?? 0)).toBe(1);
  });

  it('unpublish without the lease token, or with another one, is 403 PMESH_NOT_OWNER and counted; with it, withdrawn', async () => {
    const authorization = `Bearer ${TOKEN}`;
    const published = await appApi('POST', '/v1/services', { authorization, body: { service: 'owned.Svc', protocol: 'fake', port: app.port } });
    expect(published).toMatchObject({ status: 201, json: { token: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    const before = await refusals();
    expect(await appApi('DELETE', '/v1/services/owned.Svc', { authorization })).toMatchObject({
      status: 403,
      json: { error: 'PMESH_NOT_OWNER', message: expect.stringContaining('no token was sent') },
    });
    expect(await appApi('DELETE', '/v1/services/owned.Svc?token=another-owners-token', { authorization })).toMatchObject({ status: 403, json: { error: 'PMESH_NOT_OWNER' } });
    expect(await appApi('POST', '/v1/services', { authorization, body: { service: 'owned.Svc', protocol: 'fake', port: app.port } })).toMatchObject({ status: 403 });
    expect(((await refusals())['app_api/not_owner'] ?? 0) - (before['app_api/not_owner'] ?? 0)).toBe(3);
    expect(await appApi('DELETE', `/v1/services/owned.Svc?token=${published.json.token as string}`, { authorization })).toMatchObject({ status: 200, json: { unpublished: 1 } });
  });

  it('the rest of the listener is not guarded: a path that is not the app API goes to routing', async () => {
    // No route on this listener: the proxy answers, not the guard.
    const response = await appApi('GET', '/not-the-app-api', {});
    expect(response.status).not.toBe(401);
  });
});

describe('the gRPC Registry beyond loopback', () => {
  let secure: Client & Record<string, (...args: unknown[]) => unknown>;
  let plain: Client & Record<string, (...args: unknown[]) => unknown>;
  beforeAll(() => {
    const v1 = (loadPackageDefinition(loadSync(REGISTRY_PROTO, { keepCase: false, defaults: true })).pmesh as GrpcObject).v1 as GrpcObject;
    const Registry = v1.Registry as ServiceClientConstructor;
    const ssl = credentials.createSsl(Buffer.from(client.ca), Buffer.from(client.key), Buffer.from(client.cert), { checkServerIdentity: () => undefined });
    secure = new Registry(`127.0.0.1:${ports.grpc}`, ssl) as typeof secure;
    plain = new Registry(`127.0.0.1:${ports.grpc}`, credentials.createInsecure()) as typeof plain;
  });
  afterAll(() => {
    secure?.close();
    plain?.close();
  });

  const call = <T>(on: typeof secure, method: string, message: object, token?: string): Promise<T> => {
    const metadata = new Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) => on[method]!(message, metadata, (error: Error | null, reply: T) => (error ? reject(error) : resolve(reply))));
  };

  it('no token or a wrong one: UNAUTHENTICATED; plaintext: PERMISSION_DENIED; TLS and the token: served', async () => {
    expect(await call(secure, 'List', { service: 'app.Svc' }).catch((e: unknown) => e)).toMatchObject({ code: 16, details: expect.stringContaining('PMESH_UNAUTHENTICATED') });
    expect(await call(secure, 'List', { service: 'app.Svc' }, 'wrong').catch((e: unknown) => e)).toMatchObject({ code: 16 });
    expect(await call(plain, 'List', { service: 'app.Svc' }, TOKEN).catch((e: unknown) => e)).toMatchObject({ code: 7, details: expect.stringContaining('PMESH_TLS_REQUIRED') });
    expect(await call(secure, 'List', { service: 'app.Svc' }, TOKEN)).toMatchObject({ service: 'app.Svc' });
  });

  it('Unpublish without the lease token is PERMISSION_DENIED; with it, withdrawn', async () => {
    const { token } = await call<{ token: string }>(secure, 'Publish', { service: 'grpc.Owned', protocol: 'fake', port: app.port }, TOKEN);
    expect(await call(secure, 'Unpublish', { service: 'grpc.Owned' }, TOKEN).catch((e: unknown) => e)).toMatchObject({ code: 7, details: expect.stringContaining('PMESH_NOT_OWNER') });
    expect(await call(secure, 'Unpublish', { service: 'grpc.Owned', token }, TOKEN)).toEqual({ unpublished: 1 });
  });
});

describe('appApi.enabled: false', () => {
  it('the listener serves no app API: /v1/services and pmesh.v1.Registry are routed as any other call (no route here)', async () => {
    const response = await request(`http://127.0.0.1:${ports.httpOff}/v1/services/app.Svc`);
    const body = (await response.body.json()) as Record<string, unknown>;
    expect(response.statusCode).toBe(404);
    expect(body).not.toHaveProperty('endpoints');
    const v1 = (loadPackageDefinition(loadSync(REGISTRY_PROTO, { keepCase: false, defaults: true })).pmesh as GrpcObject).v1 as GrpcObject;
    const registry = new (v1.Registry as ServiceClientConstructor)(`127.0.0.1:${ports.grpcOff}`, credentials.createInsecure()) as Client & Record<string, (...args: unknown[]) => unknown>;
    try {
      const outcome = await new Promise((resolve) => registry.List!({ service: 'app.Svc' }, (error: Error | null, reply: unknown) => resolve(error ?? reply)));
      expect(outcome).toMatchObject({ code: expect.any(Number), details: expect.stringContaining('PMESH_NO_') });
    } finally {
      registry.close();
    }
  });
});

describe("SOFARPC's mesh registry API beyond loopback", () => {
  const post = async (options: { tls?: boolean; authorization?: string }): Promise<number> => {
    const response = await request(`${options.tls === false ? 'http' : 'https'}://127.0.0.1:${ports.mesh}/configs/application`, {
      dispatcher: options.tls === false ? undefined : meshTls,
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...(options.authorization ? { authorization: options.authorization } : {}) },
      body: JSON.stringify({ appName: 'guarded' }),
    });
    await response.body.dump();
    return response.statusCode;
  };

  it('no token or a wrong one: 401; plaintext: refused; HTTPS and the token: served', async () => {
    const before = await refusals();
    expect(await post({})).toBe(401);
    expect(await post({ authorization: 'Bearer wrong' })).toBe(401);
    await expect(post({ tls: false, authorization: `Bearer ${MESH_TOKEN}` })).rejects.toThrow();
    expect(await post({ authorization: `Bearer ${MESH_TOKEN}` })).toBe(200);
    const after = await refusals();
    expect((after['sofa_mesh_api/unauthorized'] ?? 0) - (before['sofa_mesh_api/unauthorized'] ?? 0)).toBe(2);
    expect(after['sofa_mesh_api/tls_handshake'] ?? 0).toBeGreaterThan(before['sofa_mesh_api/tls_handshake'] ?? 0);
  });
});

/**
 * SOFARPC's mesh registry API handlers against a recording AppRegistry: the bodies SOFARPC
 * 5.13.2's MeshApiClient sends (field for field, nulls included), the answers it can read (a
 * `success` boolean always present), and refusals in the same result shape.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createRootLogger, MeshError } from '../../../src/core/index.js';
import { callerToken, handleSofaMeshApi, SOFA_MESH_OWNER, type AppPublication, type AppRegistry, type ServiceQuery, type SofaMeshDeps } from '../../../src/registry/index.js';

const published: AppPublication[] = [];
const unpublished: ServiceQuery[] = [];
const owners: Array<string | undefined> = [];
const apps: AppRegistry = {
  async publish(publication, owner) {
    if (publication.protocol !== 'bolt') throw new MeshError('PMESH_BAD_REQUEST', `no ingress listener for protocol ${publication.protocol}`);
    if (publication.service === 'com.example.Taken') throw new MeshError('PMESH_NOT_OWNER', 'com.example.Taken is published by another owner');
    owners.push(owner);
    published.push(publication);
    return { address: '127.0.0.1:12221', token: 'unused-by-the-mesh-api' };
  },
  async unpublish(query, owner) {
    owners.push(owner);
    unpublished.push(query);
    return query.service === 'com.example.EchoService' ? 1 : 0;
  },
  lookup: () => Promise.resolve(undefined),
  watch: () => () => undefined,
};
let deps: SofaMeshDeps;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => handleSofaMeshApi(req, res, deps));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  published.length = 0;
  unpublished.length = 0;
  owners.length = 0;
  deps = { apps, boltEgress: '127.0.0.1:12220', appPort: 12200, log: createRootLogger('silent') };
});

async function post(path: string, body: unknown, method = 'POST'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(`${base}${path}`, {
    method: method as 'POST',
    // What MeshApiClient sends: text/plain, whatever the body.
    headers: { 'content-type': 'text/plain' },
    body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

/** A PublishServiceRequest as sofa-rpc-all 5.13.2 serializes it (no port: that client does not send one). */
const publishBody = {
  serviceName: 'com.example.EchoService:1.0',
  protocolType: 'bolt',
  providerMetaInfo: { protocol: 'bolt', version: '4.0', serializeType: 'hessian2', appName: 'mesh-provider', properties: { 'sofa.group': 'SOFA', weight: 100 } },
  onlyPublishInCloud: false,
  group: null,
};

describe('SOFARPC mesh API', () => {
  it('accepts the application registration, with or without a name', async () => {
    expect(await post('/configs/application', { appName: 'mesh-provider' })).toEqual({ status: 200, json: { success: true } });
    expect(await post('/configs/application', { appName: null })).toEqual({ status: 200, json: { success: true } });
  });

  it('publishes the app\'s Bolt port (from config: the client does not send it) as a publication of its sidecar', async () => {
    expect(await post('/services/publish', publishBody)).toEqual({ status: 200, json: { success: true, address: '127.0.0.1:12221' } });
    expect(published).toEqual([
      // Non-string properties are dropped: publication metadata is text.
      { service: 'com.example.EchoService', version: '1.0', protocol: 'bolt', port: 12200, application: 'mesh-provider', metadata: { 'sofa.group': 'SOFA' } },
    ]);
  });

  it('takes the port and uniqueId when the request carries them', async () => {
    await post('/services/publish', { ...publishBody, serviceName: 'com.example.EchoService:2.0:blue', port: '12345', providerMetaInfo: null });
    expect(published).toEqual([{ service: 'com.example.EchoService', version: '2.0', group: 'blue', protocol: 'bolt', port: 12345 }]);
  });

  it('unpublishes by service, version, uniqueId and protocol; nothing left to withdraw is still success', async () => {
    expect(await post('/services/unpublish', { serviceName: 'com.example.EchoService:1.0', protocolType: 'bolt', group: null })).toEqual({
      status: 200,
      json: { success: true, unpublished: 1 },
    });
    expect(await post('/services/unpublish', { serviceName: 'com.example.Other:1.0:u1', protocolType: null })).toEqual({ status: 200, json: { success: true, unpublished: 0 } });
    expect(unpublished).toEqual([
      { service: 'com.example.EchoService', version: '1.0', protocol: 'bolt' },
      { service: 'com.example.Other', version: '1.0', group: 'u1' },
    ]);
  });

  it('publishes and unpublishes as the mesh API\'s own owner (SOFARPC apps send no token); a service another owner holds is 403', async () => {
    await post('/services/publish', publishBody);
    await post('/services/unpublish', { serviceName: 'com.example.EchoService:1.0', protocolType: 'bolt' });
    expect(owners).toEqual([SOFA_MESH_OWNER, SOFA_MESH_OWNER]);
    // No caller of the HTTP or gRPC API can send this owner as its token.
    expect(() => callerToken(SOFA_MESH_OWNER)).toThrow('token: expected');
    expect(await post('/services/publish', { ...publishBody, serviceName: 'com.example.Taken:1.0' })).toEqual({
      status: 403,
      json: { success: false, errorMessage: 'com.example.Taken is published by another owner' },
    });
  });

  it('answers a subscription with the Bolt egress, which the client reads as a Bolt provider', async () => {
    const body = { serviceName: 'com.example.EchoService:1.0', protocolType: 'bolt', targetAppAddress: null, vipEnforce: false, vipOnly: false, localCloudFirst: false, group: null, properties: null };
    expect(await post('/services/subscribe', body)).toEqual({
      status: 200,
      json: { serviceName: 'com.example.EchoService:1.0', datas: ['127.0.0.1:12220?v=4.0&p=1'], success: true },
    });
    expect(await post('/services/unsubscribe', { serviceName: 'com.example.EchoService:1.0', protocolType: 'bolt', targetAppAddress: null, group: null })).toEqual({
      status: 200,
      json: { success: true },
    });
  });

  it('refuses a subscription it cannot carry: no Bolt egress (503), or not Bolt (400)', async () => {
    deps = { ...deps, boltEgress: undefined };
    const noEgress = await post('/services/subscribe', { serviceName: 'com.example.EchoService:1.0', protocolType: 'bolt' });
    expect(noEgress.status).toBe(503);
    expect(noEgress.json).toEqual({ success: false, errorMessage: expect.stringMatching(/no Bolt egress listener/) });
    deps = { ...deps, boltEgress: '127.0.0.1:12220' };
    const h2c = await post('/services/subscribe', { serviceName: 'com.example.EchoService:1.0', protocolType: 'h2c' });
    expect(h2c).toEqual({ status: 400, json: { success: false, errorMessage: 'protocolType: only bolt calls go through the sidecar, not h2c' } });
  });

  it.each([
    ['/services/publish', 'not json', /^body is not JSON: /],
    ['/services/publish', '', /^empty body: expected a JSON object$/],
    ['/services/publish', '[1]', /^\(body\): Expected object, received array$/],
    ['/services/publish', '{"protocolType":"bolt"}', /^serviceName: required$/],
    ['/services/publish', '{"serviceName":42}', /^serviceName: expected interface:version\[:uniqueId\]$/],
    ['/services/publish', '{"serviceName":"bad name:1.0"}', /^serviceName: expected interface:version\[:uniqueId\]$/],
    ['/services/publish', '{"serviceName":"a.B:1.0","port":"99999"}', /^port: Number must be less than or equal to 65535$/],
    ['/services/publish', '{"serviceName":"a.B:1.0","protocolType":"dubbo"}', /^no ingress listener for protocol dubbo$/],
    ['/services/unpublish', '{}', /^serviceName: required$/],
    ['/services/subscribe', '{"serviceName":null}', /^serviceName: expected interface:version\[:uniqueId\]$/],
    ['/configs/application', '{"appName":7}', /^appName: Expected string, received number$/],
  ])('%s refuses %j with 400 and the client\'s result shape', async (path, body, message) => {
    const { status, json } = await post(path, body);
    expect(status).toBe(400);
    expect(json).toEqual({ success: false, errorMessage: expect.stringMatching(message) });
    expect(published).toEqual([]);
  });

  it('answers unknown paths with 404 and other methods with 405, in the same shape', async () => {
    expect(await post('/services/list', {})).toEqual({ status: 404, json: { success: false, errorMessage: expect.stringMatching(/^no SOFARPC mesh API at \/services\/list \(known: \/configs\/application, /) } });
    expect(await post('/services/publish', undefined, 'GET')).toEqual({ status: 405, json: { success: false, errorMessage: 'GET is not allowed on /services/publish; the mesh API takes POST' } });
  });
});

/**
 * No request of any kind ends the process (issue 9, item 1). The sidecar runs as a real
 * child process, so a crash is seen; every shape the APIs refuse is sent to each of them
 * (HTTP /v1/services with its SSE watch, the gRPC Registry API, the SOFARPC mesh API) and
 * each answer must be a refusal with a reason. Then the process must still be alive past
 * the lookups' 2 s fallback timer (where the crash happened) and /ready.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, loadPackageDefinition, type Client, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { request } from 'undici';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startChild } from '../support/sidecar.js';

let peer: Peer;
let ports: { admin: number; http: number; grpc: number; bolt: number; sofa: number };
let client: Client & Record<string, (...args: unknown[]) => unknown>;

/** Names the registry API refuses, each with the rule its refusal must name. */
const BAD_SERVICES: ReadonlyArray<[string, RegExp]> = [
  ['a@b', /not an interface name \(letters, digits and _ \$ \. - only\)/],
  ['a b', /not an interface name/],
  ['<script>', /not an interface name/],
  ['é', /not an interface name/],
  ['x'.repeat(300) + '!', /not an interface name/],
];
const BAD_QUERIES: ReadonlyArray<[string, RegExp]> = [
  ['version=1%262', /version "1&2" has a forbidden character/],
  ['group=a%2Fb', /group "a\/b" has a forbidden character/],
  ['protocol=a%20b', /protocol "a b" has a forbidden character/],
];

beforeAll(async () => {
  ports = { admin: await freePort(), http: await freePort(), grpc: await freePort(), bolt: await freePort(), sofa: await freePort() };
  const yaml = `
admin: { address: 127.0.0.1:${ports.admin} }
logging: { accessLog: false }
sofaMeshApi: { address: 127.0.0.1:${ports.sofa} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${ports.http} }
  - { name: grpc, protocol: grpc, address: 127.0.0.1:${ports.grpc} }
  - { name: bolt-in, protocol: bolt, address: 127.0.0.1:${ports.bolt}, ingress: true }
`;
  ({ peer } = await startChild(yaml, ports.admin));
  const loaded = loadSync(join(REPO_ROOT, 'proto/pmesh/v1/registry.proto'), { keepCase: false, longs: String, defaults: true });
  const Registry = ((loadPackageDefinition(loaded).pmesh as GrpcObject).v1 as GrpcObject).Registry as ServiceClientConstructor;
  client = new Registry(`127.0.0.1:${ports.grpc}`, credentials.createInsecure()) as typeof client;
}, 60_000);

afterAll(async () => {
  client?.close();
  await stopAllPeers();
});

async function http(port: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const response = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET', body, headers: { 'content-type': 'application/json' } });
  return { status: response.statusCode, text: await response.body.text() };
}

function unary(method: string, message: Record<string, unknown>): Promise<ServiceError | undefined> {
  return new Promise((resolve) => client[method]!(message, (error: ServiceError | null) => resolve(error ?? undefined)));
}

function watch(message: Record<string, unknown>): Promise<ServiceError | 'streaming'> {
  return new Promise((resolve) => {
    const call = client.Watch!(message) as NodeJS.EventEmitter & { cancel(): void };
    call.once('error', (error: ServiceError) => resolve(error));
    call.once('data', () => {
      call.cancel();
      resolve('streaming');
    });
  });
}

/** Resolves with the exit code if the process ends within `ms`, or 'alive'. */
function exitWithin(ms: number): Promise<number | null | 'alive'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('alive'), ms);
    peer.child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('refused requests leave the process unharmed', () => {
  it('every API answers each refused shape with a 400-class reason, and the sidecar is still ready after', async () => {
    for (const [service, rule] of BAD_SERVICES) {
      const path = `/v1/services/${encodeURIComponent(service)}`;
      for (const [method, suffix] of [['GET', ''], ['GET', '?watch=sse'], ['DELETE', '']] as const) {
        const answer = await http(ports.http, method, path + suffix);
        expect(answer.status, `${method} ${path}${suffix}`).toBe(400);
        expect(JSON.parse(answer.text)).toMatchObject({ error: 'PMESH_BAD_REQUEST', message: expect.stringMatching(rule) });
      }
      for (const method of ['List', 'Unpublish']) {
        const error = await unary(method, { service });
        expect(error?.code, `${method} ${service}`).toBe(3);
        expect(error?.details).toMatch(rule);
      }
      expect(await unary('Publish', { service, protocol: 'bolt', port: 20880 })).toMatchObject({ code: 3, details: expect.stringContaining('expected a Java interface name') });
      expect(await unary('Unpublish', { service: 'a.B', token: service })).toMatchObject({ code: 3, details: expect.stringContaining('token: expected') });
      const watched = await watch({ service });
      expect(watched).toMatchObject({ code: 3, details: expect.stringMatching(rule) });
      const sofa = await http(ports.sofa, 'POST', '/services/subscribe', JSON.stringify({ serviceName: service, protocolType: 'bolt' }));
      expect(sofa.status).toBe(400);
      expect(JSON.parse(sofa.text)).toMatchObject({ success: false, errorMessage: expect.stringContaining('serviceName') });
    }
    for (const [query, rule] of BAD_QUERIES) {
      for (const suffix of ['', '&watch=sse']) {
        const answer = await http(ports.http, 'GET', `/v1/services/com.example.Svc?${query}${suffix}`);
        expect(answer.status, query + suffix).toBe(400);
        expect(JSON.parse(answer.text).message).toMatch(rule);
      }
    }
    const malformed: ReadonlyArray<[string, string, string | undefined, RegExp]> = [
      ['GET', '/v1/services/%E0%A4%A', undefined, /not valid percent-encoding/],
      ['GET', '/v1/services/', undefined, /expected \/v1\/services\/\{service\}/],
      ['GET', '/v1/services/a/b', undefined, /expected \/v1\/services\/\{service\}/],
      ['PUT', '/v1/services/com.example.Svc', undefined, /PUT is not allowed/],
      ['POST', '/v1/services', '{not json', /body is not JSON/],
      ['POST', '/v1/services', '[]', /invalid publication/],
      ['POST', '/v1/services', JSON.stringify({ service: 'a@b', protocol: 'bolt', port: 1 }), /expected a Java interface name/],
      ['POST', '/v1/services', JSON.stringify({ service: 'a.B', protocol: 'bolt', port: 70000 }), /port/],
      ['POST', '/v1/services', JSON.stringify({ service: 'a.B', protocol: 'bolt', port: 20880, token: 42 }), /token: expected/],
      ['POST', '/v1/services', JSON.stringify({ service: 'a.B', protocol: 'bolt', port: ports.admin }), /is this sidecar's own \(admin\)/],
      ['DELETE', '/v1/services/a.B?token=internal:sofa-mesh-api', undefined, /token: expected/],
    ];
    for (const [method, path, body, rule] of malformed) {
      const answer = await http(ports.http, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(JSON.parse(answer.text).message).toMatch(rule);
    }
    for (const [path, body] of [
      ['/services/publish', '{'],
      ['/services/publish', '"text"'],
      ['/services/publish', JSON.stringify({ serviceName: 42 })],
      ['/services/unpublish', JSON.stringify({ serviceName: 'a b:1.0' })],
      ['/configs/application', ''],
    ] as const) {
      const answer = await http(ports.sofa, 'POST', path, body);
      expect(answer.status, `${path} ${body}`).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ success: false });
    }
    expect((await http(ports.sofa, 'GET', '/services/publish')).status).toBe(405);

    // The lookups' fallback timer ran 2 s after each refusal: that is where the process died.
    expect(await exitWithin(3_000)).toBe('alive');
    expect((await http(ports.admin, 'GET', '/ready')).status).toBe(200);
    expect(peer.output()).not.toMatch(/ReferenceError|ERR_HTTP_HEADERS_SENT/);
  }, 60_000);
});

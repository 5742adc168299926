/**
 * The registry API over gRPC (proto/pmesh/v1/registry.proto) on the sidecar's gRPC
 * listener, and the registry's state in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type Client } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { request } from 'undici';
import { setup, type Running } from '../../src/main.js';
import { REGISTRY_PROTO } from '../../src/registry/index.js';
import { FAKE_PLUGIN_YAML } from '../support/fake-codec.js';
import { FakeClient, startFakeServer, type FakeServer } from '../support/fake-rpc.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let sidecar: Running;
let app: FakeServer;
let grpcPort: number;
let ingressPort: number;
let adminPort: number;
let client: Client & Record<string, (...args: unknown[]) => unknown>;

beforeAll(async () => {
  setup();
  app = await startFakeServer();
  [grpcPort, ingressPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  sidecar = await startInProcess(`
${FAKE_PLUGIN_YAML}
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - { name: grpc, protocol: grpc, address: 127.0.0.1:${grpcPort} }
  - { name: fake-ingress, protocol: fake, address: 127.0.0.1:${ingressPort}, ingress: true }
`);
  const v1 = (loadPackageDefinition(loadSync(REGISTRY_PROTO, { keepCase: false, defaults: true })).pmesh as GrpcObject).v1 as GrpcObject;
  const Registry = v1.Registry as ServiceClientConstructor;
  client = new Registry(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as typeof client;
});

afterAll(async () => {
  client?.close();
  await sidecar?.stop(200);
  await app?.close();
});

function unary<T>(method: string, message: object): Promise<T> {
  return new Promise((resolve, reject) => client[method]!(message, (error: Error | null, reply: T) => (error ? reject(error) : resolve(reply))));
}

describe('registry over gRPC', () => {
  it('Publish registers the ingress, List and Watch see it, calls reach the app, Unpublish withdraws it', async () => {
    const published = await unary<{ address: string; token: string }>('Publish', { service: 'grpc.Svc', protocol: 'fake', port: app.port, methods: ['m'] });
    expect(published.address).toBe(`127.0.0.1:${ingressPort}`);
    expect(published.token).toMatch(/^[0-9a-f]{32}$/);

    const listed = await unary<{ endpoints: { address: string }[]; origin: string }>('List', { service: 'grpc.Svc' });
    expect(listed).toMatchObject({ endpoints: [{ address: `127.0.0.1:${ingressPort}` }], origin: 'registry' });

    const watch = client.Watch!({ service: 'grpc.Svc' }) as NodeJS.EventEmitter & { cancel(): void };
    const first = await new Promise<{ endpoints: unknown[] }>((resolve) => watch.once('data', resolve));
    expect(first.endpoints).toHaveLength(1);
    watch.on('error', () => {});
    watch.cancel();

    const caller = await FakeClient.connect(ingressPort);
    expect((await caller.call({ kind: 'REQ', id: 1n, service: 'grpc.Svc', method: 'm', headers: {}, payload: 'x' })).payload).toBe('echo:x');
    caller.close();

    expect(await unary<{ unpublished: number }>('Unpublish', { service: 'grpc.Svc', token: published.token })).toEqual({ unpublished: 1 });
  });

  it('a publication is owned: Publish or Unpublish without its token is PERMISSION_DENIED, with it succeeds', async () => {
    const { token } = await unary<{ token: string }>('Publish', { service: 'grpc.Owned', protocol: 'fake', port: app.port });
    const denied = { code: 7, details: expect.stringContaining('PMESH_NOT_OWNER: grpc.Owned is published by another owner') };
    expect(await unary('Publish', { service: 'grpc.Owned', protocol: 'fake', port: app.port }).catch((e: unknown) => e)).toMatchObject(denied);
    expect(await unary('Unpublish', { service: 'grpc.Owned' }).catch((e: unknown) => e)).toMatchObject(denied);
    expect(await unary('Unpublish', { service: 'grpc.Owned', token: 'another-owners-token' }).catch((e: unknown) => e)).toMatchObject(denied);
    expect(await unary('Publish', { service: 'grpc.Owned', protocol: 'fake', port: app.port, token })).toMatchObject({ token });
    expect(await unary('Unpublish', { service: 'grpc.Owned', token })).toEqual({ unpublished: 1 });
  });

  it("refuses a publication of the sidecar's own admin port with INVALID_ARGUMENT", async () => {
    const error = await unary('Publish', { service: 'grpc.Own', protocol: 'fake', port: adminPort }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 3, details: expect.stringContaining(`port ${adminPort} is this sidecar's own (admin)`) });
  });

  it('refuses a bad publication with INVALID_ARGUMENT naming the problem', async () => {
    const error = (await unary('Publish', { service: 'bad name', protocol: 'fake', port: 1 }).catch((e: unknown) => e)) as { code: number; details: string };
    expect(error.code).toBe(3);
    expect(error.details).toContain('service: expected a Java interface name');
  });

  it('/metrics shows the registry', async () => {
    const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
    expect(text).toContain('pmesh_registry_connected{backend="embedded"} 1');
    expect(text).toMatch(/pmesh_registry_events_total\{backend="embedded",event="[a-z]+"\} \d+/);
  });
});

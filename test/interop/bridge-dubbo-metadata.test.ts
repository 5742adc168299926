/**
 * Plain JSON to a Dubbo service whose types nobody configured (issue 6): a real Dubbo
 * 3.3.6 provider reports its service definition (every method's parameter and return
 * types, with field definitions) to ZooKeeper's metadata report, and the sidecar takes
 * the types from there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { runPmesh } from '../support/cli.js';
import { TYPES_SERVICE, changedFields } from '../support/types-schema.js';
import { listChildren, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

let zk: ZooKeeperServer;
let sidecar: Running;
let httpPort: number;
let adminPort: number;

beforeAll(async () => {
  zk = await startZooKeeper();
  const providerPort = await freePort();
  const provider = startJava('zk-peers/dubbo', 'com.example.zk.DubboZkTypesProvider', [zk.address, String(providerPort)], 'types provider');
  await provider.waitFor(/PROVIDER READY/, 180_000);
  // Dubbo writes its metadata report in the background, after it says READY.
  const reported = `/dubbo/metadata/${TYPES_SERVICE}/1.0.0/provider`;
  for (const until = Date.now() + 30_000; (await listChildren(zk.address, reported).catch(() => [])).length === 0; ) {
    if (Date.now() > until) throw new Error(`the provider reported no service definition at ${reported}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  [httpPort, adminPort] = [await freePort(), await freePort()];
  // No bridge section: the types come from the provider's own report.
  sidecar = await startInProcess(`
registry: { type: zookeeper, address: ${zk.address}, sessionTimeoutMs: 4000, retryMs: 300, spinDelayMs: 200 }
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort}, routes: [{ match: { service: ${TYPES_SERVICE} }, cluster: types }] }
clusters:
  - { name: types, protocol: dubbo, service: ${TYPES_SERVICE}, version: 1.0.0 }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await stopAllPeers();
  await zk?.destroy();
});

async function invoke(method: string, body: string): Promise<{ status: number; text: string }> {
  const response = await request(`http://127.0.0.1:${httpPort}/${TYPES_SERVICE}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-pmesh-version': '1.0.0' },
    body,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

describe('types from Dubbo\'s metadata report', () => {
  it('plain JSON numbers get their declared Java types (long, not a guess)', async () => {
    expect(await invoke('echoLong', '[9223372036854775807]')).toEqual({ status: 200, text: '{"$type":"long","$value":"9223372036854775807"}' });
    const date = await invoke('echoDate', '[1700000000123]');
    expect(date.status, date.text).toBe(200);
    expect(date.text).toMatch(/1700000000123|2023-11-14T22:13:20\.123Z/);
  });


  it('a POJO of every type, nested three deep, goes out as JSON and comes back as Java had it', async () => {
    const sample = await invoke('sampleOrder', '[]');
    expect(sample.status, sample.text).toBe(200);
    expect(sample.text).toContain('"id":{"$type":"long","$value":"9223372036854775807"}');
    const checked = await invoke('checkOrder', `[${sample.text}]`);
    expect(checked.status, checked.text).toBe(200);
    // Only the float field: Dubbo's hessian-lite loses it even between Java peers.
    for (const field of changedFields(checked.text)) expect(['ratio']).toContain(field);
  });
});

describe('what the registry knows, at the bridge entry', () => {
  it('a method the metadata report does not list is answered 404 naming the reported ones, before anything is sent', async () => {
    const answer = await invoke('echoLongg', '[1]');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'PMESH_UNKNOWN_METHOD', method: 'echoLongg' });
    expect(JSON.parse(answer.text).message).toMatch(new RegExp(`^${TYPES_SERVICE} has no method echoLongg; its methods: .*\\bcheckOrder\\b.*\\bechoLong\\b`));
  });

  it('a wrong version is answered 404 naming the versions ZooKeeper has providers of', async () => {
    const response = await request(`http://127.0.0.1:${httpPort}/${TYPES_SERVICE}/sampleOrder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pmesh-version': '2.0.0' },
      body: '[]',
    });
    const answer = (await response.body.json()) as { error: string; message: string };
    expect(response.statusCode).toBe(404);
    expect(answer.error).toBe('PMESH_UNKNOWN_SERVICE');
    expect(answer.message).toBe(
      `the provider has no sampleOrder() in ${TYPES_SERVICE}:2.0.0 (version 2.0.0, group (none)): the version, the group or the method is wrong; the registry and config know ${TYPES_SERVICE}:1.0.0`,
    );
  });
});

describe('pmesh doctor with a ZooKeeper registry', () => {
  it("lists the provider ZooKeeper knows, what it speaks, and its method signatures from Dubbo's metadata report", async () => {
    const { code, out } = await runPmesh('doctor', TYPES_SERVICE, '--version', '1.0.0', '--admin', `127.0.0.1:${adminPort}`, '--timeout', '5000');
    expect(out).toContain(`registry zookeeper at ${zk.address} lists 1 provider of ${TYPES_SERVICE}`);
    expect(out).toContain(`listener http routes ${TYPES_SERVICE} to cluster types (dubbo, 1 endpoint, 1 healthy)`);
    expect(out).toMatch(/speaks Dubbo, serialization hessian2/);
    expect(out).toMatch(/metadata report \(application [^)]+\): \d+ methods/);
    expect(out).toContain('java.lang.String checkOrder(com.example.types.Order)');
    expect(out).toContain('long echoLong(long)');
    expect(code, out).toBe(0);
  });
});

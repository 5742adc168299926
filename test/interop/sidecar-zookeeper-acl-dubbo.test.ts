/**
 * A sidecar with ZooKeeper digest auth (`registry.auth`, issue 13 item 6) publishes an app; a
 * plain Java Dubbo 3.3 consumer using Dubbo's ZooKeeper registry with no credentials at all
 * still finds it (everyone may read the sidecar's nodes) and calls it through the sidecar's
 * ingress, while the provider node is the sidecar's to delete.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { listChildren, openZkClient, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

const SERVICE = 'com.example.EchoService';
let zk: ZooKeeperServer;
let dir: string;
let sidecar: Running;
let httpPort: number;
let ingressPort: number;

beforeAll(async () => {
  zk = await startZooKeeper();
  dir = mkdtempSync(join(tmpdir(), 'pmesh-zkacl-dubbo-'));
  const passwordFile = join(dir, 'zk-password');
  writeFileSync(passwordFile, 's3cret-for-zk\n', { mode: 0o600 });
  [httpPort, ingressPort] = [await freePort(), await freePort()];
  sidecar = await startInProcess(`
registry: { type: zookeeper, address: ${zk.address}, sessionTimeoutMs: 4000, retryMs: 300, spinDelayMs: 200, auth: { scheme: digest, username: mesh, passwordFile: ${passwordFile} } }
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort} }
  - { name: dubbo-ingress, protocol: dubbo, address: 127.0.0.1:${ingressPort}, ingress: true }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await stopAllPeers();
  await zk?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a sidecar with ZooKeeper digest ACLs and a plain Java Dubbo consumer', () => {
  it('the consumer, without credentials, finds the provider the sidecar published and calls it through the ingress', async () => {
    const appPort = await freePort();
    const app = startJava('dubbo', 'com.example.dubbo.Provider', [String(appPort), '1.0.0', 'acl'], 'published app');
    await app.waitFor(/PROVIDER READY/, 180_000);
    const published = await request(`http://127.0.0.1:${httpPort}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: SERVICE, protocol: 'dubbo', port: appPort, version: '1.0.0', group: 'acl', methods: ['echo'] }),
    });
    expect(await published.body.json()).toMatchObject({ address: `127.0.0.1:${ingressPort}` });

    // The node is protected: a client without the credentials cannot delete it.
    const providers = `/dubbo/${SERVICE}/providers`;
    let ours: string | undefined;
    for (const until = Date.now() + 15_000; !ours && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      ours = (await listChildren(zk.address, providers)).find((node) => node.includes(`127.0.0.1:${ingressPort}`));
    }
    expect(ours).toBeDefined();
    const anonymous = await openZkClient(zk.address);
    try {
      const raw = (await anonymous.run<string[]>((c, done) => c.getChildren(providers, done))).find((node) => decodeURIComponent(node).includes(`127.0.0.1:${ingressPort}`));
      const removed = await anonymous.run((c, done) => c.remove(`${providers}/${raw}`, -1, done)).then(
        () => 'deleted',
        (error: { getCode?: () => number }) => error.getCode?.(),
      );
      expect(removed).toBe(zookeeper.Exception.NO_AUTH);
    } finally {
      anonymous.close();
    }

    const consumer = startJava('zk-peers/dubbo', 'com.example.zk.DubboZkConsumer', [zk.address, '--version', '1.0.0', '--group', 'acl', '--wait', '20000', 'through an ACL'], 'zk dubbo consumer');
    await consumer.waitFor(/^DONE$/m, 120_000);
    expect(consumer.output()).toMatch(/RESULT\tok\tthrough an ACL/);
  }, 400_000);
});

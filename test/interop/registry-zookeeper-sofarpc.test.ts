/**
 * ZooKeeper backend, SOFARPC layout (/sofa-rpc/<interface>/providers), against real SOFARPC
 * 5.13.2 peers using SOFARPC's own zookeeper registry (clients/java/zk-peers/sofarpc).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, setup, type ZooKeeperRegistry } from '../../src/registry/index.js';
import { startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers } from '../support/process.js';
import { addresses, updateLog } from '../support/registry.js';
import { listChildren, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

setup();
const SERVICE = 'com.example.EchoService';
const PEERS = 'zk-peers/sofarpc';

describe('ZooKeeper registry, SOFARPC layout, with real SOFARPC 5.13.2 peers', () => {
  let zk: ZooKeeperServer;
  let dataDir: string;
  let registry: ZooKeeperRegistry;

  beforeAll(async () => {
    zk = await startZooKeeper();
    dataDir = mkdtempSync(join(tmpdir(), 'pmesh-zkreg-'));
    registry = createRegistry({ type: 'zookeeper', address: zk.address, sessionTimeoutMs: 4_000, retryMs: 300, spinDelayMs: 200, emptyConfirmMs: 500 }, { dataDir }) as ZooKeeperRegistry;
    await registry.start();
  });
  afterAll(async () => {
    await registry?.close();
    await stopAllPeers();
    await zk?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('sees a real SOFARPC server that registers itself, and drops it when the server is killed', async () => {
    const port = await freePort();
    const server = startJava(PEERS, 'com.example.zk.SofaZkServer', [zk.address, String(port)]);
    await server.waitFor(/READY/, 90_000);
    const log = updateLog();
    const sub = registry.subscribe({ service: SERVICE, protocol: 'bolt' }, log.listener);
    const seen = await log.until((u) => addresses(u).includes(`127.0.0.1:${port}`), 30_000, 'with the SOFARPC server');
    expect(seen.origin).toBe('registry');
    expect(seen.endpoints.find((e) => e.port === port)?.metadata).toMatchObject({
      service: SERVICE,
      protocol: 'bolt',
      layout: 'sofa-rpc',
      group: '',
      serialization: 'hessian2',
      interface: SERVICE,
    });

    await server.kill();
    await log.next((u) => !addresses(u).includes(`127.0.0.1:${port}`), 60_000, 'without the killed server');
    sub.unsubscribe();
  }, 120_000);

  it('a real SOFARPC client using the ZooKeeper registry finds and calls a server we published', async () => {
    const port = await freePort();
    // The peers' direct-connect server (clients/java/sofarpc) registers nowhere: only our publication points at it.
    const server = startJava('sofarpc', 'com.example.Server', [String(port)]);
    await server.waitFor(/READY/, 90_000);
    const publication = { service: SERVICE, protocol: 'bolt', host: '127.0.0.1', port, application: 'pmesh-app' };
    await registry.publish(publication);
    await registry.settle();
    const nodes = await listChildren(zk.address, `/sofa-rpc/${SERVICE}/providers`);
    expect(nodes.find((n) => n.startsWith(`bolt://127.0.0.1:${port}?version=1.0&`))).toMatch(
      new RegExp(`&pid=${process.pid}&interface=com\\.example\\.EchoService&timeout=0&serialization=hessian2&protocol=bolt&dynamic=true&startTime=\\d+&uniqueId=&appName=pmesh-app&rpcVer=51302$`),
    );

    const client = startJava(PEERS, 'com.example.zk.SofaZkClient', [zk.address, '--wait', '30000', 'hello'], 'sofa zk client');
    await client.waitFor(/^DONE$/m, 90_000);
    // clients/java/sofarpc's EchoServiceImpl answers echo(text) with the text itself.
    expect(client.output()).toMatch(/^RESULT\tok\thello$/m);

    await registry.unpublish(publication);
    await registry.settle();
    expect((await listChildren(zk.address, `/sofa-rpc/${SERVICE}/providers`)).some((n) => n.includes(`:${port}?`))).toBe(false);
  }, 120_000);
});

/**
 * Two ZooKeeper-backed registries (two sidecars) on one real ZooKeeper: what one publishes in
 * Dubbo's and SOFARPC's layouts the other sees, per protocol or across both; withdrawals and a
 * closed sidecar's session end its providers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '../../src/core/index.js';
import { createRegistry, setup, type Publication, type ZooKeeperRegistry } from '../../src/registry/index.js';
import { addresses, updateLog } from '../support/registry.js';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

setup();
const SERVICE = 'com.example.OrderService';

describe('ZooKeeper registry between two sidecars', () => {
  let zk: ZooKeeperServer;
  const dirs: string[] = [];
  const registries: ZooKeeperRegistry[] = [];

  const open = async (): Promise<ZooKeeperRegistry> => {
    const dir = mkdtempSync(join(tmpdir(), 'pmesh-zkreg-'));
    dirs.push(dir);
    const registry = createRegistry({ type: 'zookeeper', address: zk.address, sessionTimeoutMs: 4_000, retryMs: 300, spinDelayMs: 200, emptyConfirmMs: 300 }, { dataDir: dir }) as ZooKeeperRegistry;
    registries.push(registry);
    await registry.start();
    return registry;
  };

  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(async () => {
    for (const registry of registries) await registry.close();
    await zk?.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('sees the other side in both layouts, per protocol and across protocols', async () => {
    const a = await open();
    const b = await open();
    const dubbo: Publication = { service: SERVICE, version: '1.0.0', protocol: 'dubbo', host: '127.0.0.1', port: 20880, methods: ['order'] };
    const bolt: Publication = { service: SERVICE, protocol: 'bolt', host: '127.0.0.1', port: 12200, group: 'blue' };
    await a.publish(dubbo);
    await a.publish(bolt);

    const every = updateLog();
    const onlyBolt = updateLog();
    const sub = b.subscribe({ service: SERVICE, group: '*' }, every.listener);
    b.subscribe({ service: SERVICE, protocol: 'bolt', group: 'blue' }, onlyBolt.listener);
    const both = await every.until((u) => addresses(u).length === 2, 15_000, 'with both publications');
    expect(both.origin).toBe('registry');
    expect(Object.fromEntries(both.endpoints.map((e) => [e.port, [e.metadata.protocol, e.metadata.layout]]))).toEqual({
      12200: ['bolt', 'sofa-rpc'],
      20880: ['dubbo', 'dubbo'],
    });
    expect(addresses(await onlyBolt.until((u) => u.endpoints.length === 1, 15_000, 'with the bolt one'))).toEqual(['127.0.0.1:12200']);

    await a.unpublish(bolt);
    expect(addresses(await every.until((u) => addresses(u).length === 1, 15_000, 'without the bolt one'))).toEqual(['127.0.0.1:20880']);
    expect(b.state()).toMatchObject({ status: 'connected', subscriptions: 2 });

    // A sidecar that closes ends its session: its providers go away for everyone.
    await a.close();
    await every.until((u) => u.endpoints.length === 0, 15_000, 'empty once the publishing sidecar closed');
    sub.unsubscribe();
    expect(b.state().subscriptions).toBe(1);
  }, 60_000);

  it('refuses a bad publication before touching ZooKeeper', async () => {
    const c = await open();
    await expect(c.publish({ service: SERVICE, protocol: 'dubbo', host: '127.0.0.1', port: 70_000 })).rejects.toSatisfy(
      (e: unknown) => MeshError.is(e) && e.reason === 'PMESH_BAD_REQUEST',
    );
    expect(c.state().publications).toBe(0);
  });
});

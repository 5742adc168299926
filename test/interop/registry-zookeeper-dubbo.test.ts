/**
 * ZooKeeper backend against real Apache Dubbo 3.3.6 peers using Dubbo's ZooKeeper registry
 * (clients/java/zk-peers/dubbo) and a real ZooKeeper (test/support/zookeeper.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, setup, type ZooKeeperRegistry } from '../../src/registry/index.js';
import { startJava } from '../support/java-peers.js';
import { javaClasspath } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers } from '../support/process.js';
import { addresses, updateLog } from '../support/registry.js';
import { listChildren, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

setup();
const SERVICE = 'com.example.EchoService';
const PEERS = 'zk-peers/dubbo';

describe('ZooKeeper registry, Dubbo layout, with real Dubbo 3.3.6 peers', () => {
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

  it('sees a real Dubbo provider that registers itself, and drops it when the provider is killed', async () => {
    const port = await freePort();
    const provider = startJava(PEERS, 'com.example.zk.DubboZkProvider', [zk.address, String(port), '1.0.0']);
    await provider.waitFor(/PROVIDER READY/, 90_000);
    const log = updateLog();
    const sub = registry.subscribe({ service: SERVICE, version: '1.0.0', protocol: 'dubbo' }, log.listener);
    const seen = await log.until((u) => addresses(u).includes(`127.0.0.1:${port}`), 30_000, 'with the Java provider');
    expect(seen.origin).toBe('registry');
    const endpoint = seen.endpoints.find((e) => e.port === port);
    expect(endpoint).toMatchObject({ host: '127.0.0.1', port, source: 'registry' });
    expect(endpoint?.metadata).toMatchObject({ service: SERVICE, version: '1.0.0', methods: 'echo', protocol: 'dubbo', side: 'provider', application: 'pmesh-zk-dubbo-provider', release: '3.3.6' });

    // SIGKILL: no unregister; ZooKeeper removes the ephemeral node when Dubbo's session times out.
    await provider.kill();
    await log.next((u) => !addresses(u).includes(`127.0.0.1:${port}`), 40_000, 'without the killed provider');
    sub.unsubscribe();
  }, 120_000);

  it("reads a 3.3.6 provider in Dubbo's default register-mode=all (interface- and application-level)", async () => {
    const port = await freePort();
    const provider = startPeer('dubbo zk provider (all)', 'java', [
      '-Ddubbo.application.register-mode=all',
      '-XX:+UseSerialGC',
      '-cp',
      javaClasspath(PEERS),
      'com.example.zk.DubboZkProvider',
      zk.address,
      String(port),
      '3.0.0',
      'blue',
    ]);
    await provider.waitFor(/PROVIDER READY/, 90_000);
    // Application-level: /services/<application>/<host:port>; we read the interface-level tree.
    expect(await listChildren(zk.address, '/services/pmesh-zk-dubbo-provider')).toContain(`127.0.0.1:${port}`);
    const log = updateLog();
    const sub = registry.subscribe({ service: SERVICE, version: '3.0.0', group: 'blue', protocol: 'dubbo' }, log.listener);
    const seen = await log.until((u) => addresses(u).includes(`127.0.0.1:${port}`), 30_000, 'with the register-mode=all provider');
    expect(seen.endpoints.find((e) => e.port === port)?.metadata).toMatchObject({ version: '3.0.0', group: 'blue', methods: 'echo' });
    // Another group or version does not match it.
    const other = updateLog();
    const otherSub = registry.subscribe({ service: SERVICE, version: '3.0.0', group: 'green', protocol: 'dubbo' }, other.listener);
    expect(addresses(await other.until(() => true, 10_000, 'for group green'))).not.toContain(`127.0.0.1:${port}`);
    otherSub.unsubscribe();
    sub.unsubscribe();
    await provider.stop();
  }, 120_000);

  it('a real Dubbo consumer using the ZooKeeper registry finds and calls a provider we published', async () => {
    const port = await freePort();
    // A provider with no registry: only our publication tells consumers where it is.
    const provider = startJava(PEERS, 'com.example.zk.DubboZkProvider', ['N/A', String(port), '2.0.0']);
    await provider.waitFor(/PROVIDER READY/, 90_000);
    const publication = { service: SERVICE, version: '2.0.0', protocol: 'dubbo', host: '127.0.0.1', port, methods: ['echo'], application: 'pmesh-app' };
    await registry.publish(publication);
    await registry.settle();
    const nodes = await listChildren(zk.address, `/dubbo/${SERVICE}/providers`);
    expect(nodes.find((n) => n.startsWith(`dubbo://127.0.0.1:${port}/${SERVICE}?`))).toMatch(/&side=provider&/);

    const consumer = startJava(PEERS, 'com.example.zk.DubboZkConsumer', [zk.address, '--version', '2.0.0', '--wait', '30000', 'hello'], 'dubbo zk consumer');
    await consumer.waitFor(/^DONE$/m, 90_000);
    expect(consumer.output()).toContain(`RESULT\tok\tdubbo@${port}:hello`);

    await registry.unpublish(publication);
    await registry.settle();
    expect((await listChildren(zk.address, `/dubbo/${SERVICE}/providers`)).some((n) => n.includes(`:${port}/`))).toBe(false);
  }, 120_000);

  it('registers a subscriber under consumers/ when asked, and removes it on unsubscribe', async () => {
    const log = updateLog();
    const sub = registry.subscribe({ service: SERVICE, version: '1.0.0', protocol: 'dubbo' }, log.listener, { consumer: { host: '127.0.0.1', application: 'pmesh-app' } });
    await registry.settle();
    // Only our node: a Java consumer of an earlier test may still be listed until its session ends.
    const ours = (nodes: string[]): boolean => nodes.some((n) => n.startsWith(`consumer://127.0.0.1/${SERVICE}?application=pmesh-app&category=consumers`));
    expect(ours(await listChildren(zk.address, `/dubbo/${SERVICE}/consumers`))).toBe(true);
    sub.unsubscribe();
    await registry.settle();
    expect(ours(await listChildren(zk.address, `/dubbo/${SERVICE}/consumers`))).toBe(false);
  }, 120_000);
});

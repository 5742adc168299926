/**
 * Nothing lost when ZooKeeper is not there (RELIABILITY.md F5, F6, F7): ZooKeeper stopped and
 * restarted, our session expired, flapping, and a backend started while ZooKeeper is down. Throughout,
 * the subscription keeps its last endpoints (never fewer than the providers that stayed up)
 * and our ephemeral publications come back, once each.
 *
 * The Java provider must stay up through all of it, so its session must outlast the outages.
 * Dubbo asks for 60 s; under the test server's default 10 s cap, a ZooKeeper restart slower than
 * 10 s (a loaded CI host) made Curator end its session: its node then vanished when the old
 * session expired on the restarted server, about 10 s later, in the middle of the flapping test,
 * and was created again by Dubbo a second after. Our registry rightly reported that gap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stat } from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, setup, type Publication, type RegistryUpdate, type Subscription, type ZooKeeperRegistry } from '../../src/registry/index.js';
import { startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers } from '../support/process.js';
import { addresses, updateLog, type UpdateLog } from '../support/registry.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { listChildren, openZkClient, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

setup();
const SERVICE = 'com.example.EchoService';
const PROVIDERS = `/dubbo/${SERVICE}/providers`;

async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}

describe('ZooKeeper registry outages', () => {
  let zk: ZooKeeperServer;
  let dataDir: string;
  let registry: ZooKeeperRegistry;
  let javaPort: number;
  let ourPort: number;
  let publication: Publication;
  let log: UpdateLog;
  let sub: Subscription;
  let both: string[];
  /** The Java provider's node as first seen (owner session and creation zxid). */
  let javaNode: string;

  let proxy: TcpProxy;
  // Through a relay the test can cut (session expiry), straight to ZooKeeper otherwise.
  const options = (): Record<string, unknown> => ({ type: 'zookeeper', address: proxy.address, sessionTimeoutMs: 4_000, retryMs: 300, spinDelayMs: 200, emptyConfirmMs: 500 });
  const ourNodes = async (): Promise<string[]> => (await listChildren(zk.address, PROVIDERS)).filter((n) => n.includes(`:${ourPort}/`));
  /** The Java provider's node: `owner/czxid` (a new value means it was registered again), or 'none'. */
  const javaRegistration = async (): Promise<string> => {
    const client = await openZkClient(zk.address);
    try {
      const names = await client.run<string[]>((c, done) => c.getChildren(PROVIDERS, done));
      const name = names.find((n) => n.includes(`%3A${javaPort}%2F`));
      if (name === undefined) return 'none';
      const stat = await client.run<Stat | undefined>((c, done) => c.exists(`${PROVIDERS}/${name}`, (error, found) => done(error, found ?? undefined)));
      return stat ? `${stat.ephemeralOwner.toString('hex')}/${stat.czxid.toString('hex')}` : 'none';
    } finally {
      client.close();
    }
  };
  /** The premise of "never fewer": the Java provider kept its session and its one registration. */
  const expectJavaStayedUp = async (): Promise<void> => {
    expect(await javaRegistration(), `the Java provider :${javaPort} was registered again (its session ended), so it did not stay up`).toBe(javaNode);
  };
  /** Every update after the set first held both providers still holds both. */
  const neverLost = (updates: readonly RegistryUpdate[]): void => {
    const first = updates.findIndex((u) => both.every((a) => addresses(u).includes(a)));
    expect(first).toBeGreaterThanOrEqual(0);
    for (const u of updates.slice(first)) expect(addresses(u), `update (${u.origin})`).toEqual(expect.arrayContaining(both));
  };

  beforeAll(async () => {
    // Java sessions as long as Dubbo asks (60 s); ours asks 4 s (options) and gets it.
    zk = await startZooKeeper({ maxSessionTimeoutMs: 60_000 });
    proxy = await startTcpProxy(zk.port);
    dataDir = mkdtempSync(join(tmpdir(), 'pmesh-zkreg-'));
    javaPort = await freePort();
    ourPort = await freePort();
    both = [`127.0.0.1:${javaPort}`, `127.0.0.1:${ourPort}`].sort();
    const provider = startJava('zk-peers/dubbo', 'com.example.zk.DubboZkProvider', [zk.address, String(javaPort), '1.0.0']);
    await provider.waitFor(/PROVIDER READY/, 90_000);
    registry = createRegistry(options(), { dataDir }) as ZooKeeperRegistry;
    await registry.start();
    publication = { service: SERVICE, version: '1.0.0', protocol: 'dubbo', host: '127.0.0.1', port: ourPort, methods: ['echo'] };
    await registry.publish(publication);
    log = updateLog();
    sub = registry.subscribe({ service: SERVICE, version: '1.0.0', protocol: 'dubbo' }, log.listener);
    await log.until((u) => u.origin === 'registry' && addresses(u).join() === both.join(), 30_000, 'with both providers');
    javaNode = await javaRegistration();
  });
  afterAll(async () => {
    await registry?.close();
    await stopAllPeers();
    await proxy?.close();
    await zk?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('ZooKeeper stopped for 11 s: keeps the last-known endpoints; restarted: converges and our publication is there', async () => {
    const mark = log.updates.length;
    await zk.stop();
    const kept = await log.until((u) => log.updates.indexOf(u) >= mark && u.origin === 'last-known', 15_000, 'marked last-known');
    expect(addresses(kept)).toEqual(both);
    expect(registry.state().status).toBe('disconnected');
    // Longer than the test server's default session cap (10 s): the slow restart that once cost the Java provider its session.
    await sleep(11_000);
    expect(addresses(sub.current())).toEqual(both);

    const down = log.updates.length;
    await zk.start();
    await log.until((u) => log.updates.indexOf(u) >= down && u.origin === 'registry', 15_000, 'from the registry again');
    await eventually('our node is back', async () => (await ourNodes()).length === 1);
    expect(registry.state().status).toBe('connected');
    expect(addresses(sub.current())).toEqual(both);
    neverLost(log.updates);
    await expectJavaStayedUp();
  }, 120_000);

  it('session expired (cut off longer than the session timeout): publication re-created once in the new session, endpoints kept throughout', async () => {
    const before = registry.state().events;
    const session = registry.sessionCredentials()?.id.toString('hex');
    expect(session).toBeDefined();
    proxy.block();
    // The server expires our 4 s session and deletes our ephemeral node; nothing tells us yet.
    await eventually('ZooKeeper deleted our node', async () => (await ourNodes()).length === 0, 15_000);
    expect(addresses(sub.current())).toEqual(both);
    proxy.unblock();
    await eventually('our client saw the expiry and opened a new session', () => {
      const events = registry.state().events;
      return (events.expired ?? 0) > (before.expired ?? 0) && (events.session ?? 0) > (before.session ?? 0) && registry.state().status === 'connected';
    });
    expect(registry.sessionCredentials()?.id.toString('hex')).not.toBe(session);
    await eventually('our node is back, once', async () => (await ourNodes()).length === 1);
    await registry.settle();
    await sleep(1_000);
    expect(await ourNodes()).toHaveLength(1);
    expect(addresses(sub.current())).toEqual(both);
    expect(sub.current()?.origin).toBe('registry');
    neverLost(log.updates);
    await expectJavaStayedUp();
  }, 120_000);

  it('flapping (10 cycles of 1 s cut / 1 s open, shorter than the session): same session, no re-registration, endpoints kept', async () => {
    const before = registry.state().events;
    const session = registry.sessionCredentials()?.id.toString('hex');
    const mark = log.updates.length;
    for (let cycle = 0; cycle < 10; cycle++) {
      proxy.block();
      await sleep(1_000);
      proxy.unblock();
      await sleep(1_000);
    }
    await eventually('connected again', () => registry.state().status === 'connected', 10_000);
    const after = registry.state().events;
    expect(registry.sessionCredentials()?.id.toString('hex')).toBe(session);
    expect(after.session ?? 0).toBe(before.session ?? 0);
    expect(after.register ?? 0).toBe(before.register ?? 0);
    expect(await ourNodes()).toHaveLength(1);
    await expectJavaStayedUp();
    // Names the update, its origin and whose address is whose (an update without the Java provider once came from its lapsed session; see the header).
    for (const u of log.updates.slice(mark)) expect(addresses(u), `update ${log.updates.indexOf(u)} (${u.origin}); ours :${ourPort}, Java :${javaPort}`).toEqual(both);
    await log.until((u) => log.updates.indexOf(u) >= mark && u.origin === 'registry', 10_000, 'from the registry after flapping');
  }, 120_000);

  it('a backend started while ZooKeeper is down serves the cached endpoints, registers what was published meanwhile, then converges', async () => {
    await registry.close();
    await zk.stop();
    const restarted = createRegistry(options(), { dataDir }) as ZooKeeperRegistry;
    try {
      await restarted.start();
      const cachedLog = updateLog();
      restarted.subscribe({ service: SERVICE, version: '1.0.0', protocol: 'dubbo' }, cachedLog.listener);
      const cached = await cachedLog.until(() => true, 5_000, 'from the cache');
      expect(cached.origin).toBe('cache');
      expect(addresses(cached)).toEqual(both);
      expect(cached.endpoints.every((e) => e.source === 'cache')).toBe(true);
      expect(restarted.state().status).toBe('connecting');
      // Published while ZooKeeper is down: registered once it is back.
      const later = { ...publication, port: ourPort + 1 === 65536 ? ourPort - 1 : ourPort + 1 };
      await restarted.publish(later);

      await zk.start();
      await eventually('the publication made during the outage is registered', async () =>
        (await listChildren(zk.address, PROVIDERS)).some((n) => n.includes(`:${later.port}/`)),
      );
      // The first backend closed its session: the Java provider and the publication made during the outage remain.
      const fresh = await cachedLog.until((u) => u.origin === 'registry' && !addresses(u).includes(`127.0.0.1:${ourPort}`), 20_000, 'from the registry').catch((error: Error) => {
        throw new Error(`${error.message}; state ${JSON.stringify(restarted.state())}`);
      });
      expect(addresses(fresh)).toEqual([`127.0.0.1:${javaPort}`, `127.0.0.1:${later.port}`].sort());
      expect(fresh.endpoints.every((e) => e.source === 'registry')).toBe(true);
    } finally {
      await restarted.close();
    }
  }, 120_000);
});

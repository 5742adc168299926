/**
 * The sidecar on a real ZooKeeper, with real Dubbo 3.3.6 apps on both sides (issue 5):
 *  - a provider that registers itself in ZooKeeper is found by the sidecar and called
 *    through its Dubbo egress by a consumer that knows only the sidecar;
 *  - an app published through the sidecar's HTTP API is found in ZooKeeper by a Java
 *    consumer using Dubbo's ZooKeeper registry, which calls it through the sidecar's ingress;
 *  - ZooKeeper stopped and started again while calls run: none of them fails;
 *  - the sidecar's session expired (its link to ZooKeeper cut for longer than the session
 *    timeout) while calls run: none fails, and its publication is back in ZooKeeper after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { runDubboConsumer, startJava } from '../support/java-peers.js';
import { dubbo2js } from '../support/dubbo2js.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { listChildren, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

let zk: ZooKeeperServer;
/** The sidecar reaches ZooKeeper through this relay, so a test can cut the link. */
let link: TcpProxy;
let sidecar: Running;
let httpPort: number;
let egressPort: number;
let ingressPort: number;
let zkProviderPort: number;

beforeAll(async () => {
  // The Java provider's session outlasts the outage below even on a slow host: under the default 10 s cap, a restart
  // slower than that ended it, and its node went and came back while the calls ran (as in registry-zookeeper-outage).
  zk = await startZooKeeper({ maxSessionTimeoutMs: 60_000 });
  link = await startTcpProxy(zk.port);
  [httpPort, egressPort, ingressPort, zkProviderPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const provider = startJava('zk-peers/dubbo', 'com.example.zk.DubboZkProvider', [zk.address, String(zkProviderPort)], 'zk dubbo provider');
  await provider.waitFor(/PROVIDER READY/, 180_000);
  sidecar = await startInProcess(`
registry: { type: zookeeper, address: ${link.address}, sessionTimeoutMs: 4000, retryMs: 300, spinDelayMs: 200, emptyConfirmMs: 500 }
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort} }
  - { name: dubbo-egress, protocol: dubbo, address: 127.0.0.1:${egressPort} }
  - { name: dubbo-ingress, protocol: dubbo, address: 127.0.0.1:${ingressPort}, ingress: true }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await stopAllPeers();
  await link?.close();
  await zk?.destroy();
});

describe('the sidecar on ZooKeeper with Dubbo apps', () => {
  it('a provider registered in ZooKeeper is called through the sidecar egress', async () => {
    // No route names the service: the egress finds its providers in ZooKeeper.
    const { results } = await runDubboConsumer([`127.0.0.1:${egressPort}`, 'echo', 'via zk']);
    expect(results[0]).toMatchObject({ outcome: 'ok', value: `dubbo@${zkProviderPort}:via zk` });
  });

  it('an app published through the sidecar API is found by a ZooKeeper consumer and reached through the ingress', async () => {
    const appPort = await freePort();
    // The app has no registry at all; its group keeps the ZooKeeper provider out of the way.
    const app = startJava('dubbo', 'com.example.dubbo.Provider', [String(appPort), '1.0.0', 'via-sidecar'], 'published app');
    await app.waitFor(/PROVIDER READY/, 180_000);
    const published = await request(`http://127.0.0.1:${httpPort}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'com.example.EchoService', protocol: 'dubbo', port: appPort, version: '1.0.0', group: 'via-sidecar', methods: ['echo'] }),
    });
    expect(await published.body.json()).toMatchObject({ address: `127.0.0.1:${ingressPort}` });

    const consumer = startJava('zk-peers/dubbo', 'com.example.zk.DubboZkConsumer', [zk.address, '--version', '1.0.0', '--group', 'via-sidecar', '--wait', '20000', 'found through zk'], 'zk dubbo consumer');
    await consumer.waitFor(/^DONE$/m, 120_000);
    expect(consumer.output()).toMatch(/RESULT\tok\tfound through zk/);
  });

  it('ZooKeeper stopped and restarted with calls running: none of them fails', async () => {
    const results = await callsDuring(async () => {
      await zk.stop();
      await sleep(3_000);
      await zk.start();
      await sleep(2_000);
    });
    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((r) => r.err !== null).map((r) => String(r.err))).toEqual([]);
  });

  it('the session expired with calls running: none fails, and the publication comes back', async () => {
    const providers = '/dubbo/com.example.EchoService/providers';
    const ours = (nodes: string[]): boolean => nodes.some((node) => decodeURIComponent(node).includes(`127.0.0.1:${ingressPort}`));
    expect(ours(await listChildren(zk.address, providers))).toBe(true);
    const results = await callsDuring(async () => {
      link.block();
      // Longer than the 4 s session: ZooKeeper expires it and deletes its ephemeral nodes.
      await sleep(7_000);
      expect(ours(await listChildren(zk.address, providers))).toBe(false);
      link.unblock();
      const until = Date.now() + 15_000;
      while (!ours(await listChildren(zk.address, providers)) && Date.now() < until) await sleep(200);
    });
    expect(ours(await listChildren(zk.address, providers))).toBe(true);
    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((r) => r.err !== null).map((r) => String(r.err))).toEqual([]);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls echo through the sidecar egress every 20 ms while `during` runs; returns every answer. */
async function callsDuring(during: () => Promise<void>): Promise<Array<{ res: unknown; err: unknown }>> {
  const { echo, close } = dubbo2js(egressPort, 5000);
  let running = true;
  const results: Array<{ res: unknown; err: unknown }> = [];
  const loop = (async () => {
    for (let i = 0; running && i < 5_000; i++) {
      results.push(await echo.echo(`call ${i}`));
      await sleep(20);
    }
  })();
  try {
    await sleep(500);
    await during();
  } finally {
    running = false;
    await loop;
    close();
  }
  return results;
}

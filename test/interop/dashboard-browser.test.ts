/**
 * The /ui dashboard in a real browser (Debian's Chromium driven by playwright-core) against
 * sidecars with real Java providers (Dubbo 3.3.6 and SOFARPC 5.13.2): the topology shows the
 * providers, and a call made by the Python client (clients/python) appears in the tap with its
 * decoded, typed arguments. A second sidecar is joined through admin.peers: the first one's
 * endpoint is shown as the second one's listener. Screenshots go to test/results/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Running } from '../../src/main.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { exitCodeOf, startPeer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = join(REPO_ROOT, 'test/results');

let servers: JavaEchoServers | undefined;
let front: Running | undefined;
let back: Running | undefined;
let browser: Browser | undefined;
let page: Page;
const ports = { frontAdmin: 0, backAdmin: 0, sofaHttp: 0, dubboHttp: 0, peerHttp: 0, backBolt: 0 };

/** Runs a few lines of Python against the HTTP listener on `port`, with the client from the source tree. */
async function python(port: number, lines: string): Promise<string> {
  const script = `import sys\nimport pmesh\nclient = pmesh.Client("127.0.0.1:${port}")\n${lines}\nprint("DONE")\n`;
  const peer = startPeer('python client', 'python3', ['-c', script], { cwd: join(REPO_ROOT, 'clients/python') });
  await peer.waitFor(/^DONE$/m, 60_000);
  expect(await exitCodeOf(peer), peer.output()).toBe(0);
  return peer.output();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  mkdirSync(RESULTS, { recursive: true });
  servers = await startJavaEchoServers();
  for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
  back = await startInProcess(`
admin: { address: 127.0.0.1:${ports.backAdmin} }
listeners:
  - { name: bolt-ingress, protocol: bolt, address: 127.0.0.1:${ports.backBolt}, routes: [{ match: { service: "com.example.EchoService:1.0" }, cluster: sofa-local }] }
clusters:
  - { name: sofa-local, protocol: bolt, endpoints: [127.0.0.1:${servers.sofaPort}] }
`);
  front = await startInProcess(`
admin: { address: 127.0.0.1:${ports.frontAdmin}, peers: [127.0.0.1:${ports.backAdmin}] }
tap: { redact: [secret] }
listeners:
  - { name: http-sofa, protocol: http1, address: 127.0.0.1:${ports.sofaHttp}, routes: [{ match: { service: com.example.EchoService }, cluster: sofa }] }
  - { name: http-dubbo, protocol: http1, address: 127.0.0.1:${ports.dubboHttp}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo }] }
  - { name: http-peer, protocol: http1, address: 127.0.0.1:${ports.peerHttp}, routes: [{ match: { service: com.example.EchoService }, cluster: via-peer }] }
clusters:
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${servers.sofaPort}] }
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${servers.dubboPort}] }
  - { name: via-peer, protocol: bolt, endpoints: [127.0.0.1:${ports.backBolt}] }
`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await front?.stop(500);
  await back?.stop(500);
  await servers?.stop();
});

describe('the /ui dashboard in Chromium', () => {
  it('shows the Java providers in the topology, joined with a second sidecar', async () => {
    await page.goto(`http://127.0.0.1:${ports.frontAdmin}/ui`);
    const sofa = page.locator(`[data-node="e:sofa|127.0.0.1:${servers!.sofaPort}"]`).first();
    const dubbo = page.locator(`[data-node="e:dubbo|127.0.0.1:${servers!.dubboPort}"]`).first();
    await sofa.waitFor({ timeout: 30_000 });
    await dubbo.waitFor({ timeout: 30_000 });
    expect(await sofa.getAttribute('class')).toContain('healthy');
    // The endpoint of via-peer is the second sidecar's Bolt listener, and its block shows the SOFARPC provider behind it.
    await expect.poll(() => page.locator(`[data-node="e:via-peer|127.0.0.1:${ports.backBolt}"]`).first().textContent(), { timeout: 30_000 })
      .toContain(`sidecar 127.0.0.1:${ports.backAdmin}, listener bolt-ingress`);
    await page.locator(`[data-sidecar="127.0.0.1:${ports.backAdmin}"] [data-node="e:sofa-local|127.0.0.1:${servers!.sofaPort}"]`).waitFor({ timeout: 30_000 });
  }, 120_000);

  it('shows a Python client call in the tap with its decoded, typed arguments and answer', async () => {
    await page.locator('nav button[data-view="tap"]').click();
    await page.locator('#tap-form input[name="service"]').fill('EchoService');
    await page.locator('#tap-toggle').click();
    await page.locator('#tap-state', { hasText: 'tapping:' }).waitFor({ timeout: 30_000 });
    await python(ports.sofaHttp, [
      'print(client.invoke("com.example.EchoService", "echo", "tapped from python", version="1.0"))',
      'print(client.invoke("com.example.EchoService", "addLong", pmesh.Long(2**62), pmesh.Long(5), version="1.0"))',
    ].join('\n'));
    await python(ports.dubboHttp, 'print(client.invoke("com.example.EchoService", "echo", "via dubbo", version="1.0.0"))');

    const echo = page.locator('tr.call[data-method="echo"]', { hasText: 'http1 → bolt' }).first();
    await echo.waitFor({ timeout: 30_000 });
    const echoDetail = echo.locator('xpath=following-sibling::tr[1]');
    expect(await echoDetail.locator('pre.args').textContent()).toContain('"tapped from python"');
    expect(await echoDetail.locator('pre.answer').textContent()).toContain('"tapped from python"');

    // The long keeps its Java type: a typed wrapper, exact beyond 2^53.
    const addLong = page.locator('tr.call[data-method="addLong"]').first();
    await addLong.waitFor({ timeout: 30_000 });
    const longArgs = await addLong.locator('xpath=following-sibling::tr[1]').locator('pre.args').textContent();
    expect(longArgs).toContain('4611686018427387904');
    expect(longArgs).toMatch(/"\$type": "(long|java\.lang\.Long)"/);
    expect(await addLong.locator('xpath=following-sibling::tr[1]').locator('pre.answer').textContent()).toContain('4611686018427387909');

    const dubboCall = page.locator('tr.call[data-method="echo"]', { hasText: 'http1 → dubbo' }).first();
    await dubboCall.waitFor({ timeout: 30_000 });
    expect(await dubboCall.locator('xpath=following-sibling::tr[1]').locator('pre.args').textContent()).toContain('"via dubbo"');
    await page.screenshot({ path: join(RESULTS, 'dashboard-tap.png'), fullPage: true });
  }, 180_000);

  it('shows RED numbers on the topology edges after the calls', async () => {
    await page.locator('nav button[data-view="topology"]').click();
    const edge = page.locator(`svg.edges text[data-edge="ce|sofa|127.0.0.1:${servers!.sofaPort}"]`).first();
    await expect.poll(() => edge.textContent(), { timeout: 30_000 }).toMatch(/(calls|\/s) · \d+% err/);
    await page.screenshot({ path: join(RESULTS, 'dashboard-topology.png'), fullPage: true });
    expect(existsSync(join(RESULTS, 'dashboard-topology.png'))).toBe(true);
  }, 60_000);

  it('lists a failed call under recent errors, and shows the registry and config views', async () => {
    await python(ports.sofaHttp, [
      'try:',
      '    client.invoke("com.example.Missing", "nothing", version="1.0")',
      'except Exception as error:',
      '    print("failed as expected:", type(error).__name__)',
    ].join('\n'));
    await page.locator('nav button[data-view="errors"]').click();
    const failed = page.locator('#view-errors tr', { hasText: 'com.example.Missing:1.0#nothing' });
    await failed.waitFor({ timeout: 30_000 });
    expect(await failed.textContent()).toContain('PMESH_NO_ROUTE');
    await page.screenshot({ path: join(RESULTS, 'dashboard-errors.png'), fullPage: true });
    await page.locator('nav button[data-view="registry"]').click();
    await expect.poll(() => page.locator('#view-registry').textContent(), { timeout: 30_000 }).toContain('Registry: embedded');
    await page.locator('nav button[data-view="config"]').click();
    await expect.poll(() => page.locator('#config-json').textContent(), { timeout: 30_000 }).toContain(`127.0.0.1:${ports.backAdmin}`);
  }, 120_000);
});

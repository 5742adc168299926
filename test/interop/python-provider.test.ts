/**
 * The reverse direction of the bridge: real Java callers (a Dubbo 3.3.6 consumer and a
 * SOFARPC 5.13.2 client) call com.example.EchoService, which a Python app provides over
 * plain HTTP/JSON (clients/python/example_provider.py), through the sidecar's ingress.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { runDubboConsumer, runJavaCli } from '../support/java-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

let python: Peer;
let sidecar: Running;
let dubboIngress: number;
let boltIngress: number;

beforeAll(async () => {
  const pythonPort = await freePort();
  python = startPeer('python provider', 'python3', [join(REPO_ROOT, 'clients/python/example_provider.py'), String(pythonPort)], {
    cwd: join(REPO_ROOT, 'clients/python'),
  });
  await python.waitFor(/PYTHON PROVIDER READY/, 30_000);
  [dubboIngress, boltIngress] = [await freePort(), await freePort()];
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: dubbo-in, protocol: dubbo, address: 127.0.0.1:${dubboIngress}, ingress: true, routes: [{ match: { service: com.example.EchoService }, cluster: python }] }
  - { name: bolt-in, protocol: bolt, address: 127.0.0.1:${boltIngress}, ingress: true, routes: [{ match: { service: com.example.EchoService }, cluster: python }] }
clusters:
  - { name: python, protocol: http1, endpoints: [127.0.0.1:${pythonPort}] }
`);
}, 300_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await python?.stop();
});

describe('Java callers -> sidecar -> Python provider (HTTP/JSON)', () => {
  it('a Java Dubbo consumer: String, int, long beyond 2^53, and the app failing', async () => {
    const at = `127.0.0.1:${dubboIngress}`;
    const echo = await runDubboConsumer([at, 'echo', 'from Java']);
    expect(echo.results[0], echo.output).toMatchObject({ call: 'echo', outcome: 'ok', value: 'from Java' });
    const add = await runDubboConsumer([at, 'add', '20', '22']);
    expect(add.results[0], add.output).toMatchObject({ outcome: 'ok', value: 42 });
    const long = await runDubboConsumer([at, 'addLong', '9007199254740993', '1']);
    expect(long.output).toMatch(/"value":9007199254740994[,}]/);
    const fail = await runDubboConsumer([at, 'fail', 'no thanks']);
    expect(fail.results[0], fail.output).toMatchObject({ outcome: 'error', type: 'java.lang.RuntimeException' });
    expect(fail.results[0]?.message).toContain('python provider refused: no thanks');
  });

  it('a Java SOFARPC client, over Bolt', async () => {
    const run = await runJavaCli('sofarpc', 'com.example.Client', [
      `bolt://127.0.0.1:${boltIngress}`, 'echo', 'from SOFARPC', '--', 'addLong', '9007199254740993', '1', '--', 'fail', 'nope',
    ]);
    const byCommand = Object.fromEntries(run.results.map((r) => [r.command, r.fields]));
    expect(byCommand.echo, run.output).toEqual(['ok', 'from SOFARPC']);
    expect(byCommand.addLong).toEqual(['ok', '9007199254740994']);
    expect(byCommand.fail?.[0]).toBe('exception');
    expect(byCommand.fail?.join(' ')).toContain('python provider refused: nope');
  });
});

describe('a Python provider published through the sidecar (no route in the config)', () => {
  it('publishes itself with pmesh.publish, and a Java Dubbo consumer calls it through the sidecar ingress', async () => {
    const [httpPort, ingressPort, appPort] = [await freePort(), await freePort(), await freePort()];
    const published = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort} }
  - { name: dubbo-ingress, protocol: dubbo, address: 127.0.0.1:${ingressPort}, ingress: true }
`);
    const provider = startPeer('published python provider', 'python3', [
      join(REPO_ROOT, 'clients/python/example_provider.py'), String(appPort), `127.0.0.1:${httpPort}`,
    ], { cwd: join(REPO_ROOT, 'clients/python') });
    try {
      await provider.waitFor(/PUBLISHED at 127\.0\.0\.1:\d+/, 30_000);
      expect(provider.output()).toContain(`PUBLISHED at 127.0.0.1:${ingressPort}`);
      const at = `127.0.0.1:${ingressPort}`;
      const echo = await runDubboConsumer([at, 'echo', 'found you']);
      expect(echo.results[0], echo.output).toMatchObject({ outcome: 'ok', value: 'found you' });
      // The published signature says long: the answer is typed from it.
      const long = await runDubboConsumer([at, 'addLong', '9007199254740993', '1']);
      expect(long.output).toMatch(/"value":9007199254740994[,}]/);
    } finally {
      await provider.stop();
      await published.stop(500);
    }
  });
});

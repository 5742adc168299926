/**
 * The reverse direction of the bridge: real Java callers (a Dubbo 3.3.6 consumer and a
 * SOFARPC 5.13.2 client) call com.example.EchoService, which a Python app provides over
 * plain HTTP/JSON (clients/python/example_provider.py), through the sidecar's ingress.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
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
  let published: Running;
  let provider: Peer;
  let dubboAt: string;
  let boltAt: string;

  beforeAll(async () => {
    const [httpPort, ingressPort, boltIngressPort, appPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    published = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${httpPort} }
  - { name: dubbo-ingress, protocol: dubbo, address: 127.0.0.1:${ingressPort}, ingress: true }
  - { name: bolt-ingress, protocol: bolt, address: 127.0.0.1:${boltIngressPort}, ingress: true }
`);
    // Another version of the same interface, published first, whose signatures say echo returns an
    // int: they must not type the calls to version 1.0.0 (signatures are keyed by interface, version and group).
    const other = await request(`http://127.0.0.1:${httpPort}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        service: 'com.example.EchoService', protocol: 'dubbo', port: appPort, version: 'py', appProtocol: 'http',
        signatures: [{ name: 'echo', params: ['java.lang.String'], returns: 'int' }, { name: 'forget', params: ['java.lang.String'], returns: 'void' }],
      }),
    });
    expect(other.statusCode, await other.body.text()).toBe(201);
    provider = startPeer('published python provider', 'python3', [
      join(REPO_ROOT, 'clients/python/example_provider.py'), String(appPort), `127.0.0.1:${httpPort}`, '--bolt',
    ], { cwd: join(REPO_ROOT, 'clients/python') });
    await provider.waitFor(/PUBLISHED at 127\.0\.0\.1:\d+/, 30_000);
    expect(provider.output()).toContain(`PUBLISHED at 127.0.0.1:${ingressPort}`);
    [dubboAt, boltAt] = [`127.0.0.1:${ingressPort}`, `bolt://127.0.0.1:${boltIngressPort}`];
  }, 120_000);

  afterAll(async () => {
    await provider?.stop();
    await published?.stop(500);
  });

  it('publishes itself with pmesh.publish, and a Java Dubbo consumer calls it through the sidecar ingress', async () => {
    const echo = await runDubboConsumer([dubboAt, 'echo', 'found you']);
    expect(echo.results[0], echo.output).toMatchObject({ outcome: 'ok', value: 'found you' });
    // The published signature says long: the answer is typed from it.
    const long = await runDubboConsumer([dubboAt, 'addLong', '9007199254740993', '1']);
    expect(long.output).toMatch(/"value":9007199254740994[,}]/);
  });

  it('signatures are the publication\'s own: version 1.0.0 calls are typed by 1.0.0\'s, not by the "py" publication of the interface', async () => {
    // Typed by "py" (echo returns int), the app's string answer would be refused.
    const echo = await runDubboConsumer([dubboAt, 'echo', 'typed by 1.0.0']);
    expect(echo.results[0], echo.output).toMatchObject({ call: 'echo', outcome: 'ok', value: 'typed by 1.0.0' });
  });

  it('the service\'s own POJO (named in its signatures) reaches a Java Dubbo consumer and a Java SOFARPC client', async () => {
    const greet = await runDubboConsumer([dubboAt, 'greet']);
    expect(greet.results[0], greet.output).toMatchObject({
      call: 'greet', outcome: 'ok', value: { name: 'Hello Ada', age: 37, id: 2 ** 40, tags: ['math', 'engines', 'greeted'] },
    });
    const run = await runJavaCli('sofarpc', 'com.example.Client', [boltAt, 'older', 'Grace', '45', '7', '5']);
    const older = run.results.find((r) => r.command === 'older');
    expect(older?.fields, run.output).toEqual(['ok', 'Person{name=Grace,age=50,id=7,tags=[cli]}']);
  });

  it('a void method the app answers with JSON null returns normally to Java Dubbo and SOFARPC callers', async () => {
    const dubbo = await runDubboConsumer([dubboAt, 'forget', 'k1']);
    expect(dubbo.results[0], dubbo.output).toMatchObject({ call: 'forget', outcome: 'ok', value: 'void' });
    const run = await runJavaCli('sofarpc', 'com.example.Client', [boltAt, 'forget', 'k2']);
    expect(run.results.find((r) => r.command === 'forget')?.fields, run.output).toEqual(['ok', 'void']);
  });
});

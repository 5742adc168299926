/**
 * `pmesh doctor` and `pmesh status`, run as the CLI a user runs, against a real Java Dubbo
 * 3.3.6 provider and a real SOFARPC 5.13.2 server and a running test sidecar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { runPmesh } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let servers: JavaEchoServers | undefined;
let sidecar: Running;
let adminPort: number;
let httpPort: number;
let ingressPort: number;

beforeAll(async () => {
  servers = await startJavaEchoServers();
  const { dubboPort, sofaPort } = servers;
  [adminPort, httpPort, ingressPort] = [await freePort(), await freePort(), await freePort()];
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${httpPort}
    routes:
      - { match: { service: com.example.EchoService }, cluster: dubbo }
      - { match: { service: com.example.Mislabelled }, cluster: mislabelled }
  - { name: dubbo-in, protocol: dubbo, address: 127.0.0.1:${ingressPort}, ingress: true }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${sofaPort}] }
  - { name: mislabelled, protocol: bolt, endpoints: [127.0.0.1:${dubboPort}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await servers?.stop();
});

const pmesh = runPmesh;

describe('pmesh doctor host:port names the protocol a real provider speaks', () => {
  it('a Java Dubbo provider: Dubbo, hessian2, a heartbeat round trip; exit 0', async () => {
    const { code, out } = await pmesh('doctor', `127.0.0.1:${servers!.dubboPort}`);
    expect(out).toContain(`127.0.0.1:${servers!.dubboPort} speaks Dubbo, serialization hessian2`);
    expect(out).toMatch(/round trip \d+\.\d ms \(heartbeat\)/);
    expect(out).toContain('healthy');
    expect(code).toBe(0);
  });

  it('a Java SOFARPC server: Bolt, hessian2; exit 0', async () => {
    const { code, out } = await pmesh('doctor', `127.0.0.1:${servers!.sofaPort}`);
    expect(out).toContain(`127.0.0.1:${servers!.sofaPort} speaks Bolt (SOFARPC), serialization hessian2`);
    expect(code).toBe(0);
  });

  it('the sidecar HTTP listener: HTTP/1', async () => {
    const { out } = await pmesh('doctor', `127.0.0.1:${httpPort}`);
    expect(out).toContain(`127.0.0.1:${httpPort} speaks HTTP/1`);
  });

  it('a port nothing listens on: a problem with its fix; exit 1', async () => {
    const port = await freePort();
    const { code, out } = await pmesh('doctor', `127.0.0.1:${port}`);
    expect(out).toContain(`PROBLEM 127.0.0.1:${port}: nothing accepts connections`);
    expect(out).toContain('fix: start the provider, or correct the address');
    expect(code).toBe(1);
  });
});

describe('pmesh doctor <service> asks the running sidecar', () => {
  it('a routed service: the route, the cluster health, and what the provider speaks; exit 0', async () => {
    const { code, out } = await pmesh('doctor', 'com.example.EchoService', '--admin', `127.0.0.1:${adminPort}`);
    expect(out).toContain('listener http routes com.example.EchoService to cluster dubbo (dubbo, 1 endpoint, 1 healthy)');
    expect(out).toContain(`127.0.0.1:${servers!.dubboPort} speaks Dubbo`);
    expect(code).toBe(0);
  });

  it('a published service: the registry lists it with its protocol, version and group, and the address answers Dubbo; exit 0', async () => {
    const published = await fetch(`http://127.0.0.1:${httpPort}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'com.example.Published', protocol: 'dubbo', port: servers!.dubboPort, version: '2.0.0', group: 'blue' }),
    });
    expect(published.status).toBe(201);
    const { code, out } = await pmesh('doctor', 'com.example.Published', '--version', '2.0.0', '--group', 'blue', '--admin', `127.0.0.1:${adminPort}`);
    expect(out).toContain(`ok      registry embedded lists 1 provider of com.example.Published: 127.0.0.1:${ingressPort} (dubbo, version 2.0.0, group blue)`);
    expect(out).toContain(`127.0.0.1:${ingressPort} speaks Dubbo, serialization hessian2`);
    expect(code).toBe(0);
  });

  it('an unknown service: no provider, no route, and the fix says how to publish or route it; exit 1', async () => {
    const { code, out } = await pmesh('doctor', 'com.example.Nowhere', '--admin', `127.0.0.1:${adminPort}`);
    expect(out).toContain('PROBLEM no provider registered for com.example.Nowhere, and no route or cluster reaches it from this sidecar');
    expect(out).toContain('fix: publish it from the provider\'s app (pmesh.publish("com.example.Nowhere", "dubbo", PORT) in Python, or POST /v1/services)');
    expect(out).toContain('add a cluster { name: NAME, protocol: dubbo, endpoints: [HOST:PORT] } and a route { match: { service: com.example.Nowhere }, cluster: NAME }');
    expect(code).toBe(1);
  });

  it('a cluster whose protocol is wrong for its provider: the fix names the protocol to set', async () => {
    const { code, out } = await pmesh('doctor', 'com.example.Mislabelled', '--admin', `127.0.0.1:${adminPort}`);
    expect(out).toContain(`PROBLEM cluster mislabelled says 127.0.0.1:${servers!.dubboPort} speaks bolt, but it speaks dubbo`);
    expect(out).toContain('fix: set protocol: dubbo on cluster mislabelled');
    expect(code).toBe(1);
  });

  it('no sidecar at --admin: the problem and how to fix it; exit 1', async () => {
    const { code, out } = await pmesh('doctor', 'com.example.EchoService', '--admin', `127.0.0.1:${await freePort()}`);
    expect(out).toMatch(/PROBLEM no sidecar admin API at 127\.0\.0\.1:\d+/);
    expect(out).toContain('fix: start the sidecar (pmesh start --config FILE), or pass its admin address with --admin host:port');
    expect(code).toBe(1);
  });

  it('usage mistakes exit 2 with the usage text', async () => {
    expect(await pmesh('doctor')).toMatchObject({ code: 2, out: expect.stringContaining('usage: pmesh doctor') });
    expect(await pmesh('doctor', 'x', '--bogus')).toMatchObject({ code: 2, out: expect.stringContaining("Unknown option '--bogus'") });
    expect(await pmesh('doctor', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('exit codes: 0 healthy, 1 a problem found, 2 usage') });
  });
});

describe('pmesh status', () => {
  it("lists the running sidecar's listeners and clusters with their endpoints' health; exit 0", async () => {
    const { code, out } = await pmesh('status', '--admin', `127.0.0.1:${adminPort}`);
    expect(out).toContain(`sidecar (admin 127.0.0.1:${adminPort}): ready`);
    expect(out).toMatch(new RegExp(`http +http1 +127\\.0\\.0\\.1:${httpPort} +listening +routes: com\\.example\\.EchoService -> dubbo`));
    expect(out).toMatch(/dubbo +dubbo +1\/1 healthy/);
    expect(out).toMatch(/sofa +bolt +1\/1 healthy/);
    expect(out).toContain(`127.0.0.1:${servers!.sofaPort}`);
    expect(out).toContain('errors since start:');
    expect(code).toBe(0);
  });

  it('shows the errors counted since start, by reason', async () => {
    await fetch(`http://127.0.0.1:${httpPort}/com.example.Nowhere/x`, { method: 'POST', body: '[]' });
    const { out } = await pmesh('status', '--admin', `127.0.0.1:${adminPort}`);
    expect(out).toMatch(/\d+ +request errors: PMESH_NO_ROUTE/);
  });

  it('no sidecar: exit 1 with the fix; a bad option: exit 2', async () => {
    const none = await pmesh('status', '--admin', `127.0.0.1:${await freePort()}`);
    expect(none.code).toBe(1);
    expect(none.out).toContain('fix: start the sidecar');
    expect((await pmesh('status', 'extra')).code).toBe(2);
  });
});

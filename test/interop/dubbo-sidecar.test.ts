/**
 * Apache Dubbo (org.apache.dubbo:dubbo 3.3.6 and 2.7.23 from Maven Central, dubbo
 * protocol, hessian2) through the sidecar: real Java consumers direct-connected to the
 * sidecar's Dubbo listener, a real Java provider behind it, the npm dubbo2.js consumer,
 * two sidecars in a row, and a provider killed with calls in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { runDubboConsumer, startJava } from '../support/java-peers.js';
import { dubbo2js } from '../support/dubbo2js.js';
import { javaClasspath } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import type { Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { expectHeartbeatsAnswered } from '../support/heartbeat-check.js';

let provider: Peer;
let providerPort: number;
let egress: Running;
let ingress: Running;
let egressPort: number;
let egressAdminPort: number;
let twoHopPort: number;
let nowherePort: number;

beforeAll(async () => {
  providerPort = await freePort();
  provider = startJava('dubbo', 'com.example.dubbo.Provider', [String(providerPort)], 'dubbo provider');
  await provider.waitFor(/PROVIDER READY/, 180_000);
  javaClasspath('dubbo27');
  const ingressPort = await freePort();
  [egressPort, twoHopPort, nowherePort] = [await freePort(), await freePort(), await freePort()];
  ingress = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: dubbo-ingress
    protocol: dubbo
    address: 127.0.0.1:${ingressPort}
    routes: [{ match: { service: com.example.EchoService }, cluster: echo-local }]
clusters:
  - { name: echo-local, protocol: dubbo, endpoints: [127.0.0.1:${providerPort}] }
`);
  egressAdminPort = await freePort();
  egress = await startInProcess(`
admin: { address: 127.0.0.1:${egressAdminPort} }
listeners:
  - name: dubbo-egress
    protocol: dubbo
    address: 127.0.0.1:${egressPort}
    routes: [{ match: { service: com.example.EchoService:1.0.0 }, cluster: echo }]
  - name: dubbo-via-ingress
    protocol: dubbo
    address: 127.0.0.1:${twoHopPort}
    routes: [{ match: { service: com.example.EchoService }, cluster: echo-remote }]
  - name: dubbo-nowhere
    protocol: dubbo
    address: 127.0.0.1:${nowherePort}
    routeByRegistry: false
clusters:
  - { name: echo, protocol: dubbo, endpoints: [127.0.0.1:${providerPort}], heartbeatIntervalMs: 200 }
  - { name: echo-remote, protocol: dubbo, endpoints: [127.0.0.1:${ingressPort}] }
`);
}, 900_000);

afterAll(async () => {
  await egress?.stop(500);
  await ingress?.stop(500);
  await provider?.stop();
});

describe('Java Dubbo 3.3.6 consumer -> sidecar -> Java Dubbo 3.3.6 provider', () => {
  it('every kind of call: several methods and argument types, null, a provider exception, generic $invoke', async () => {
    const { results, output } = await runDubboConsumer([`127.0.0.1:${egressPort}`, 'suite']);
    const byCall = Object.fromEntries(results.map((r) => [r.call, r]));
    expect(byCall.echo, output).toMatchObject({ outcome: 'ok', value: 'hello' });
    expect(byCall.add).toMatchObject({ outcome: 'ok', value: 42 });
    expect(byCall.addLong).toMatchObject({ outcome: 'ok' });
    // Read from the raw line: JSON.parse would round 2^53 + 1 itself.
    expect(output).toMatch(/"call":"addLong","outcome":"ok","value":9007199254740993[,}]/);
    expect(byCall.greet).toMatchObject({ outcome: 'ok', value: { name: 'Hello Ada', age: 37 } });
    expect(byCall.mixed?.outcome).toBe('ok');
    expect(byCall.nothing).toMatchObject({ outcome: 'ok' });
    expect(byCall.fail).toMatchObject({ outcome: 'exception', type: 'com.example.EchoException', message: 'fail: boom' });
    expect(byCall.generic).toMatchObject({ outcome: 'ok', value: 'generic hi' });
    expect(byCall.genericGreet).toMatchObject({ outcome: 'ok', value: { name: 'Hello Grace' } });
    expect(output).toContain('DONE ok=10 failed=0');
  });

  it('a timeout, and 1,000 concurrent calls each answered with their own nonce', async () => {
    const slow = await runDubboConsumer(['--timeout', '300', `127.0.0.1:${egressPort}`, 'sleep', '1500']);
    expect(slow.results[0], slow.output).toMatchObject({ call: 'sleep', outcome: 'timeout' });
    const many = await runDubboConsumer([`127.0.0.1:${egressPort}`, 'concurrent', '1000']);
    expect(many.results[0], many.output).toMatchObject({ outcome: 'ok', value: { calls: 1000, matched: 1000, mismatched: 0, errors: 0 } });
  });

  it('two sidecars in a row (egress -> ingress -> provider)', async () => {
    const { results, output } = await runDubboConsumer([`127.0.0.1:${twoHopPort}`, 'suite']);
    expect(output).toContain('DONE ok=10 failed=0');
    expect(results.find((r) => r.call === 'generic')).toMatchObject({ outcome: 'ok', value: 'generic hi' });
  });

  it('no route: the consumer shows an error naming the service and the reason', async () => {
    const { results, output } = await runDubboConsumer([`127.0.0.1:${nowherePort}`, 'echo', 'lost']);
    expect(results[0], output).toMatchObject({ call: 'echo', outcome: 'error' });
    expect(results[0]?.message).toContain('com.example.EchoService:1.0.0#echo');
    expect(results[0]?.message).toContain('PMESH_NO_ROUTE');
  });
});

describe('other consumers through the sidecar', () => {
  it('a Dubbo 2.7.23 consumer reaches the 3.3.6 provider', async () => {
    const { results, output } = await runDubboConsumer([`127.0.0.1:${egressPort}`, 'echo', 'from 2.7'], 'dubbo27');
    expect(results[0], output).toMatchObject({ call: 'echo', outcome: 'ok', value: 'from 2.7' });
  });

  it('the npm dubbo2.js consumer', async () => {
    const { echo, close } = dubbo2js(egressPort);
    try {
      expect(await echo.echo('from node')).toEqual({ res: 'from node', err: null });
      expect(await echo.add(20, 22)).toEqual({ res: 42, err: null });
      expect(String((await echo.fail('node boom')).err)).toContain('fail: node boom');
    } finally {
      close();
    }
  });
});

describe('faults', () => {
  it('a provider killed with calls in flight: each call gets an error, the other provider keeps serving', async () => {
    const victimPort = await freePort();
    const victim = startJava('dubbo', 'com.example.dubbo.Provider', [String(victimPort)], 'victim provider');
    await victim.waitFor(/PROVIDER READY/, 180_000);
    const listenPort = await freePort();
    const pair = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: dubbo-egress
    protocol: dubbo
    address: 127.0.0.1:${listenPort}
    routes: [{ match: { service: com.example.EchoService }, cluster: pair }]
clusters:
  - { name: pair, protocol: dubbo, endpoints: [127.0.0.1:${victimPort}, 127.0.0.1:${providerPort}] }
`);
    const { echo, close } = dubbo2js(listenPort);
    try {
      const calls = Array.from({ length: 20 }, () => echo.sleep(1500));
      await new Promise((resolve) => setTimeout(resolve, 700));
      await victim.kill();
      const results = await Promise.all(calls);
      const failed = results.filter((r) => r.err !== null);
      expect(failed.length).toBeGreaterThan(0);
      expect(results.length - failed.length).toBeGreaterThan(0);
      for (const r of failed) expect(String(r.err)).toMatch(/connection to 127\.0\.0\.1:\d+ lost/);
      const after = await runDubboConsumer([`127.0.0.1:${listenPort}`, 'concurrent', '100']);
      expect(after.results[0], after.output).toMatchObject({ outcome: 'ok', value: { matched: 100 } });
    } finally {
      close();
      await pair.stop(500);
      await victim.stop();
    }
  });
});

describe('heartbeats', () => {
  it('the Java peer answers the sidecar\'s heartbeats on an idle upstream connection', async () => {
    await expectHeartbeatsAnswered(egressAdminPort, 'echo');
  });
});

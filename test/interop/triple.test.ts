/**
 * Dubbo 3 Triple through the sidecar, with Apache Dubbo 3.3.6 peers (clients/java/triple):
 * a Java Triple consumer calls Java Triple providers in both of Triple's modes (protobuf,
 * and the non-IDL mode with Hessian2 arguments in Triple's wrapper), routed by version and
 * group; the deadline headers are honoured and forwarded; providers registered in
 * ZooKeeper as tri:// URLs are found; server-, client- and bidi streams pass every
 * message in order and a consumer's cancel reaches the provider; and the HTTP/JSON
 * bridge, the gRPC Invoke API and the Python client reach a Triple provider in both
 * modes through Triple's own JSON calls.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrpcTimeout } from '../../src/codecs/grpc/index.js';
import type { Running } from '../../src/main.js';
import { callBridge, grpcInvoke } from '../support/bridge-entry.js';
import { rawCall, rawSession } from '../support/grpc-raw.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { runTripleConsumer, startTripleProvider, type TripleProvider } from '../support/triple-peers.js';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.js';

const GREETER = 'com.example.triple.Greeter';
const PB_GREETER = 'com.example.triple.PbGreeter';

let zk: ZooKeeperServer;
/** Registered in ZooKeeper. */
let blue: TripleProvider;
/** Direct only: the route for version 2.0.0 / group green goes here. */
let green: TripleProvider;
let sidecar: Running;
let capture: { server: Http2Server; port: number; seen: Array<{ headers: IncomingHttpHeaders; body: Buffer }> };
const ports = { triple: 0, egress: 0, capture: 0, http: 0, grpc: 0 };

/** An HTTP/2 server standing in for a provider: keeps what it was sent, answers UNIMPLEMENTED. */
async function startCapture(): Promise<typeof capture> {
  const port = await freePort();
  const seen: typeof capture.seen = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      seen.push({ headers, body: Buffer.concat(chunks) });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'captured' }, { endStream: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, seen };
}

beforeAll(async () => {
  zk = await startZooKeeper();
  [blue, green, capture] = await Promise.all([startTripleProvider(zk.address), startTripleProvider(), startCapture()]);
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const byVersion = (service: string): string =>
    `{ match: { service: ${service}, version: 2.0.0, group: green }, cluster: green }, { match: { service: ${service} }, cluster: blue }`;
  sidecar = await startInProcess(`
registry: { type: zookeeper, address: ${zk.address}, sessionTimeoutMs: 4000, retryMs: 300 }
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: triple
    protocol: triple
    address: 127.0.0.1:${ports.triple}
    routeByRegistry: false
    routes: [${byVersion(GREETER)}, ${byVersion(PB_GREETER)}]
  - { name: egress, protocol: triple, address: 127.0.0.1:${ports.egress} }
  - { name: capture, protocol: triple, address: 127.0.0.1:${ports.capture}, routeByRegistry: false, routes: [{ match: { service: ${GREETER} }, cluster: capture }] }
  - { name: http, protocol: http1, address: 127.0.0.1:${ports.http}, routes: [${byVersion(GREETER)}, ${byVersion(PB_GREETER)}] }
  - { name: grpc, protocol: grpc, address: 127.0.0.1:${ports.grpc}, routes: [${byVersion(GREETER)}, ${byVersion(PB_GREETER)}] }
clusters:
  - { name: blue, protocol: triple, endpoints: [127.0.0.1:${blue.port}] }
  - { name: green, protocol: triple, endpoints: [127.0.0.1:${green.port}] }
  - { name: capture, protocol: triple, endpoints: [127.0.0.1:${capture.port}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  capture?.server.close();
  await stopAllPeers();
  await zk?.destroy();
});

describe('Java Triple consumer -> sidecar -> Java Triple provider (Dubbo 3.3.6)', () => {
  const via = (): string => `127.0.0.1:${ports.triple}`;

  it('non-IDL mode (Hessian2 in the Triple wrapper): version and group pick the route', async () => {
    const [oneBlue, twoGreen, sum] = await Promise.all([
      runTripleConsumer(['--version', '1.0.0', '--group', 'blue', via(), 'greet', 'bob']),
      runTripleConsumer(['--version', '2.0.0', '--group', 'green', via(), 'greet', 'bob']),
      runTripleConsumer(['--version', '1.0.0', '--group', 'blue', via(), 'add', '2', '40']),
    ]);
    expect(oneBlue).toMatchObject({ outcome: 'ok', value: `blue/1.0.0@${blue.port} hello bob` });
    expect(twoGreen).toMatchObject({ outcome: 'ok', value: `green/2.0.0@${green.port} hello bob` });
    expect(sum).toMatchObject({ outcome: 'ok', value: 42 });
  }, 180_000);

  it('protobuf mode: version and group pick the route', async () => {
    const [oneBlue, twoGreen] = await Promise.all([
      runTripleConsumer(['--version', '1.0.0', '--group', 'blue', via(), 'pbGreet', 'ann']),
      runTripleConsumer(['--version', '2.0.0', '--group', 'green', via(), 'pbGreet', 'ann']),
    ]);
    expect(oneBlue).toMatchObject({ outcome: 'ok', value: `blue/1.0.0@${blue.port} hello ann` });
    expect(twoGreen).toMatchObject({ outcome: 'ok', value: `green/2.0.0@${green.port} hello ann` });
  }, 180_000);

  it("the provider's exception reaches the consumer as the provider sent it", async () => {
    const failed = await runTripleConsumer(['--version', '1.0.0', '--group', 'blue', via(), 'fail', 'on purpose']);
    expect(failed).toMatchObject({ outcome: 'error', type: 'java.lang.IllegalStateException', message: 'fail: on purpose' });
  }, 120_000);

  it("the consumer's timeout is the deadline: the budget left is forwarded, Triple's headers pass as sent", async () => {
    const before = capture.seen.length;
    const answer = await runTripleConsumer(['--version', '1.0.0', '--group', 'blue', '--timeout', '5000', `127.0.0.1:${ports.capture}`, 'sleep', '2000']);
    expect(answer).toMatchObject({ outcome: 'error' });
    const { headers } = capture.seen[before]!;
    expect(headers).toMatchObject({ ':path': `/${GREETER}/sleep`, 'tri-service-version': '1.0.0', 'tri-service-group': 'blue', 'content-type': 'application/grpc+proto' });
    // The consumer sent grpc-timeout 5000000u; what is left of it is forwarded, never more.
    const forwarded = String(headers['grpc-timeout']);
    expect(forwarded).toMatch(/^\d+[mun]$/);
    expect(parseGrpcTimeout(forwarded)).toBeGreaterThan(0);
    expect(parseGrpcTimeout(forwarded)).toBeLessThanOrEqual(5000);
  }, 120_000);

  it('tri-service-timeout alone is a deadline: a call the provider holds longer gets DEADLINE_EXCEEDED from the sidecar', async () => {
    // The body is the consumer's own (captured above): Greeter.sleep(2000) as a Dubbo 3.3.6 consumer wraps it.
    const sleepCall = capture.seen.find((c) => c.headers[':path'] === `/${GREETER}/sleep`)!;
    const session = rawSession(ports.triple);
    try {
      const reply = await rawCall(session, `/${GREETER}/sleep`, sleepCall.body, {
        'content-type': 'application/grpc+proto',
        'tri-service-version': '1.0.0',
        'tri-service-group': 'blue',
        'tri-service-timeout': '300',
      });
      expect(reply.status).toBe(4);
      expect(reply.message).toMatch(/^PMESH_DEADLINE_EXCEEDED: /);
    } finally {
      session.close();
    }
  }, 60_000);
});

describe("Triple streaming through the sidecar (Dubbo's StreamObserver API, Java consumer and provider)", () => {
  const via = (): string => `127.0.0.1:${ports.triple}`;

  it('server streaming: every message arrives, in order, from the export the version and group name', async () => {
    const answer = await runTripleConsumer(['--version', '2.0.0', '--group', 'green', via(), 'serverStream', '500']);
    expect(answer.outcome).toBe('ok');
    expect(answer.value).toEqual(Array.from({ length: 500 }, (_, i) => `green/2.0.0@${green.port} #${i + 1}`));
  }, 120_000);

  it('client streaming: the provider reads every message, in order, and answers once', async () => {
    const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
    const answer = await runTripleConsumer(['--version', '1.0.0', '--group', 'blue', via(), 'clientStream', ...sent]);
    expect(answer).toMatchObject({ outcome: 'ok', value: [`blue/1.0.0@${blue.port} got 200: ${sent.join(',')}`] });
  }, 120_000);

  it('bidi: an echo of every message, in order', async () => {
    const sent = Array.from({ length: 200 }, (_, i) => `b${i}`);
    const answer = await runTripleConsumer(['--version', '1.0.0', '--group', 'blue', via(), 'bidi', ...sent]);
    expect(answer).toMatchObject({ outcome: 'ok', value: sent.map((m) => `blue/1.0.0@${blue.port} echo ${m}`) });
  }, 120_000);

  it('protobuf mode (IDL): server streaming and bidi, every message in order', async () => {
    const [served, echoed] = await Promise.all([
      runTripleConsumer(['--version', '2.0.0', '--group', 'green', via(), 'pbServerStream', '300']),
      runTripleConsumer(['--version', '1.0.0', '--group', 'blue', via(), 'pbBidi', ...Array.from({ length: 100 }, (_, i) => `p${i}`)]),
    ]);
    expect(served).toMatchObject({ outcome: 'ok', value: Array.from({ length: 300 }, (_, i) => `green/2.0.0@${green.port} #${i + 1}`) });
    expect(echoed).toMatchObject({ outcome: 'ok', value: Array.from({ length: 100 }, (_, i) => `blue/1.0.0@${blue.port} echo p${i}`) });
  }, 120_000);

  it("the consumer's cancel reaches the provider, and the connection serves the next stream", async () => {
    const before = green.peer.output().length;
    const answer = await runTripleConsumer(['--version', '2.0.0', '--group', 'green', via(), 'bidiCancel', 'first']);
    expect(answer).toMatchObject({ outcome: 'ok', value: [`green/2.0.0@${green.port} echo first`, `green/2.0.0@${green.port} echo after`] });
    // The cancel arrived as the stream's own reset, not as the end of the consumer's
    // connection: before the provider completed the next stream on that connection.
    await green.peer.waitFor(/PROVIDER COMPLETED bidi green\/2\.0\.0/, 30_000);
    const seen = green.peer.output().slice(before);
    expect(seen).toMatch(/PROVIDER CANCELLED bidi green\/2\.0\.0[^\n]*\n(.*\n)*PROVIDER COMPLETED bidi green\/2\.0\.0/);
  }, 120_000);
});

describe('Triple providers registered in ZooKeeper (tri:// URLs)', () => {
  it('an egress Triple listener with no route finds the provider of the version and group asked for', async () => {
    const answer = await runTripleConsumer(['--version', '1.0.0', '--group', 'blue', `127.0.0.1:${ports.egress}`, 'greet', 'zk']);
    expect(answer).toMatchObject({ outcome: 'ok', value: `blue/1.0.0@${blue.port} hello zk` });
  }, 120_000);

  it('a version no provider registered is answered UNAVAILABLE by the sidecar, not passed anywhere', async () => {
    const answer = await runTripleConsumer(['--version', '9.9.9', `127.0.0.1:${ports.egress}`, 'greet', 'zk']);
    expect(answer.outcome).toBe('error');
    expect(answer.message).toMatch(/UNAVAILABLE|PMESH_NO_HEALTHY_ENDPOINT/);
  }, 120_000);
});

describe("the bridge to Triple providers (Triple's application/json calls)", () => {
  it('HTTP/JSON: value, version and group, an exception, an unknown method', async () => {
    const headers = { 'content-type': 'application/json', 'x-pmesh-version': '2.0.0', 'x-pmesh-group': 'green' };
    const greeted = await callBridge(ports.http, `/${GREETER}/greet`, '["json"]', headers);
    expect(greeted).toMatchObject({ status: 200, text: `"green/2.0.0@${green.port} hello json"` });
    const sum = await callBridge(ports.http, `/${GREETER}/add`, '[20, 22]', { 'content-type': 'application/json' });
    expect(sum).toMatchObject({ status: 200, text: '42' });
    const failed = await callBridge(ports.http, `/${GREETER}/fail`, '["bridged"]', { 'content-type': 'application/json' });
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ message: 'fail: bridged' });
    const unknown = await callBridge(ports.http, `/${GREETER}/nope`, '[]', { 'content-type': 'application/json' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: 'PMESH_UNKNOWN_SERVICE' });
  }, 60_000);

  it('HTTP/JSON into a protobuf-mode (IDL) service: the message as proto3 JSON, version and group pick the route', async () => {
    const greenHeaders = { 'content-type': 'application/json', 'x-pmesh-version': '2.0.0', 'x-pmesh-group': 'green' };
    const greeted = await callBridge(ports.http, `/${PB_GREETER}/greet`, '["pb"]', greenHeaders);
    expect(greeted).toMatchObject({ status: 200, text: `"green/2.0.0@${green.port} hello pb"` });
    const blueGreeted = await callBridge(ports.http, `/${PB_GREETER}/greet`, '["pb"]', { 'content-type': 'application/json', 'x-pmesh-version': '1.0.0', 'x-pmesh-group': 'blue' });
    expect(blueGreeted).toMatchObject({ status: 200, text: `"blue/1.0.0@${blue.port} hello pb"` });
    // A message whose JSON is an object (google.protobuf.Struct): every field arrives.
    const described = await callBridge(ports.http, `/${PB_GREETER}/describe`, '[{"name": "ann", "langs": ["ts", "java"]}]', greenHeaders);
    expect(described.status).toBe(200);
    expect(described.json).toEqual({ name: 'ann', langs: ['ts', 'java'], tag: `green/2.0.0@${green.port}` });
  }, 60_000);

  it('gRPC pmesh.v1.Invoker/Invoke, into both modes', async () => {
    const answer = await grpcInvoke(ports.grpc, { service: GREETER, method: 'greet', version: '1.0.0', group: 'blue', argumentsJson: '["invoke"]' });
    expect(answer).toMatchObject({ resultJson: `"blue/1.0.0@${blue.port} hello invoke"` });
    const pb = await grpcInvoke(ports.grpc, { service: PB_GREETER, method: 'greet', version: '2.0.0', group: 'green', argumentsJson: '["invoke"]' });
    expect(pb).toMatchObject({ resultJson: `"green/2.0.0@${green.port} hello invoke"` });
  }, 60_000);

  it('the Python client (clients/python) calls the Triple provider through the bridge', async () => {
    const script = [
      'import sys, pmesh',
      `c = pmesh.Client("127.0.0.1:${ports.http}", format="json")`,
      `print("ok", c.invoke("${GREETER}", "greet", "py", version="2.0.0", group="green"))`,
      `print("ok", c.invoke("${GREETER}", "add", 1, 2))`,
      'try:',
      `    c.invoke("${GREETER}", "fail", "py")`,
      'except pmesh.JavaException as e:',
      '    print("thrown", e)',
      'print("END")',
    ].join('\n');
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    const peer = startPeer('python client', 'python3', ['-c', script], { env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'clients/python') } });
    await peer.waitFor(/^(END|Traceback)/m, 60_000);
    await peer.stop();
    const lines = peer.output().trim().split('\n');
    expect(lines[0]).toBe(`ok green/2.0.0@${green.port} hello py`);
    expect(lines[1]).toBe('ok 3');
    expect(lines[2]).toMatch(/^thrown .*fail: py/);
  }, 60_000);

  it('the Python client calls a protobuf-mode (IDL) Triple service through the bridge, by version and group', async () => {
    const script = [
      'import json, pmesh',
      `c = pmesh.Client("127.0.0.1:${ports.http}", format="json")`,
      `print("ok", c.invoke("${PB_GREETER}", "greet", "py", version="2.0.0", group="green"))`,
      `print("ok", c.invoke("${PB_GREETER}", "greet", "py", version="1.0.0", group="blue"))`,
      `print("ok", json.dumps(c.invoke("${PB_GREETER}", "describe", {"name": "py", "n": 3}, version="2.0.0", group="green"), sort_keys=True))`,
      'print("END")',
    ].join('\n');
    const peer = startPeer('python client', 'python3', ['-c', script], { env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'clients/python') } });
    await peer.waitFor(/^(END|Traceback)/m, 60_000);
    await peer.stop();
    const lines = peer.output().trim().split('\n');
    expect(lines[0]).toBe(`ok green/2.0.0@${green.port} hello py`);
    expect(lines[1]).toBe(`ok blue/1.0.0@${blue.port} hello py`);
    expect(lines[2]).toBe(`ok {"n": 3.0, "name": "py", "tag": "green/2.0.0@${green.port}"}`);
  }, 60_000);
});

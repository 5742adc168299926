/**
 * The ingress class scan, driven by peers we did not write: the Java Dubbo 3.3.6
 * consumer (a generic call whose argument map names com.sun.rowset.JdbcRowSetImpl, the
 * JNDI gadget, in its "class" entry) and npm sofa-rpc-node (a JdbcRowSetImpl object, in
 * both Hessian dialects). On an ingress listener the sidecar refuses it with the
 * protocol's error naming the class and the provider never sees it; an egress listener,
 * where the scan is off unless asked, forwards it as before.
 */
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCodec, type AnyCodec } from '../../src/codecs/index.js';
import { DEFAULT_LIMITS, MeshError } from '../../src/core/index.js';
import { setup, type Running } from '../../src/main.js';
import { startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

const require = createRequire(import.meta.url);
const GADGET = 'com.sun.rowset.JdbcRowSetImpl';
const REFUSED = `class not allowed: "${GADGET}" (deny list: com.sun.)`;
const gadgetFields = { dataSourceName: 'ldap://127.0.0.1:1389/Exploit', autoCommit: true };

/** A provider that records every request and answers each with an error saying it saw it. */
async function recordingProvider(codec: AnyCodec): Promise<{ server: Server; port: number; seen: number }> {
  const state = { server: undefined as unknown as Server, port: 0, seen: 0 };
  state.server = createServer((socket) => {
    const decoder = codec.newDecoder(DEFAULT_LIMITS);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        const kind = codec.kind(frame);
        if (kind === 'heartbeat') socket.write(Buffer.concat(codec.encode(codec.heartbeatReply(frame))));
        if (kind !== 'request') continue;
        state.seen += 1;
        socket.write(Buffer.concat(codec.encode(codec.localReply(frame, new MeshError('PMESH_INTERNAL', 'the provider received the call')))));
      }
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

/** The Java Dubbo consumer's generic call carrying the gadget; resolves with its RESULT line. */
async function dubboGadgetCall(port: number): Promise<{ outcome: string; message?: string; output: string }> {
  const peer = startJava('dubbo', 'com.example.dubbo.Consumer', [`127.0.0.1:${port}`, 'genericGadget'], 'dubbo consumer');
  try {
    await peer.waitFor(/DONE ok=\d+ failed=\d+/, 120_000);
  } finally {
    await peer.stop();
  }
  const line = peer.output().split('\n').find((l) => l.startsWith('RESULT '));
  const result = JSON.parse(line?.slice(7) ?? '{"outcome":"none"}') as { outcome: string; message?: string };
  return { ...result, output: peer.output() };
}

interface SofaConsumer {
  ready(): Promise<void>;
  invoke(method: string, args: unknown[], options: { responseTimeout: number }): Promise<unknown>;
}
const { RpcClient } = require('sofa-rpc-node').client as {
  RpcClient: new (options: Record<string, unknown>) => { createConsumer(options: Record<string, unknown>): SofaConsumer; close(): Promise<void> | void };
};
const bolt = require('sofa-bolt-node') as { setOptions(options: { hessianVersion: string }): void };
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

/** sofa-rpc-node calls EchoService.echo with a JdbcRowSetImpl in the given Hessian dialect. */
async function boltGadgetCall(port: number, hessianVersion: string): Promise<string> {
  bolt.setOptions({ hessianVersion });
  const client = new RpcClient({ logger: quiet });
  try {
    const consumer = client.createConsumer({ interfaceName: 'com.example.EchoService', version: '1.0', serverHost: `127.0.0.1:${port}` });
    await consumer.ready();
    const answer = await consumer.invoke('echo', [{ $class: GADGET, $: gadgetFields }], { responseTimeout: 10_000 }).then(
      (res) => `answered ${JSON.stringify(res)}`,
      (error: Error) => error.message,
    );
    return answer;
  } finally {
    await client.close();
    bolt.setOptions({ hessianVersion: '3.0' });
  }
}

describe('ingress class scan', () => {
  let sidecar: Running;
  let dubboProvider: Awaited<ReturnType<typeof recordingProvider>>;
  let boltProvider: Awaited<ReturnType<typeof recordingProvider>>;
  const ports = { dubboIn: 0, boltIn: 0, dubboOut: 0 };

  beforeAll(async () => {
    setup();
    dubboProvider = await recordingProvider(getCodec('dubbo')!);
    boltProvider = await recordingProvider(getCodec('bolt')!);
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: dubbo-in, protocol: dubbo, ingress: true, address: 127.0.0.1:${ports.dubboIn}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo-app }] }
  - { name: bolt-in, protocol: bolt, ingress: true, address: 127.0.0.1:${ports.boltIn}, routes: [{ match: { service: com.example.EchoService:1.0 }, cluster: bolt-app }] }
  - { name: dubbo-out, protocol: dubbo, address: 127.0.0.1:${ports.dubboOut}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo-app }] }
clusters:
  - { name: dubbo-app, protocol: dubbo, endpoints: [127.0.0.1:${dubboProvider.port}] }
  - { name: bolt-app, protocol: bolt, endpoints: [127.0.0.1:${boltProvider.port}] }
`);
  });

  afterAll(async () => {
    await stopAllPeers();
    await sidecar?.stop(200);
    for (const provider of [dubboProvider, boltProvider]) await new Promise<void>((resolve) => provider?.server.close(() => resolve()));
  });

  it('a Java generic call naming JdbcRowSetImpl is refused on the Dubbo ingress with a message naming the class; the provider never sees it', async () => {
    const seenBefore = dubboProvider.seen;
    const answer = await dubboGadgetCall(ports.dubboIn);
    expect(answer.outcome, answer.output).not.toBe('ok');
    expect(answer.message ?? '', answer.output).toContain(REFUSED);
    expect(dubboProvider.seen).toBe(seenBefore);
  });

  it.each(['3.0', '4.0'])('a SOFARPC call carrying JdbcRowSetImpl (hessian %s) is refused on the ingress; the provider never sees it', async (hessianVersion) => {
    const seenBefore = boltProvider.seen;
    expect(await boltGadgetCall(ports.boltIn, hessianVersion)).toContain(REFUSED);
    expect(boltProvider.seen).toBe(seenBefore);
  });

  it('an egress listener does not scan unless asked: the same call reaches the provider', async () => {
    const seenBefore = dubboProvider.seen;
    const answer = await dubboGadgetCall(ports.dubboOut);
    expect(answer.message ?? '', answer.output).toContain('the provider received the call');
    expect(dubboProvider.seen).toBe(seenBefore + 1);
  });
});

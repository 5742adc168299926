/**
 * `protocol: auto`: one port serving Bolt (sofa-rpc-node), Dubbo (dubbo2.js to a Java
 * Dubbo 3.3.6 provider), gRPC (grpc-go client and server) and HTTP/1 (undici, bridged to
 * the Dubbo provider) from real peers, each connection handed to its protocol by its
 * first bytes; garbage, a caller that stays undecided and a silent caller are closed
 * and counted.
 */
import { createRequire } from 'node:module';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { dubbo2js } from '../support/dubbo2js.js';
import { buildGoPeer, runGrpcClient, startGrpcServer } from '../support/grpc-peers.js';
import { startJava } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { stopAllPeers, type Peer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';

const require = createRequire(import.meta.url);
const { RpcServer } = (require('sofa-rpc-node') as { server: { RpcServer: SofaServerClass } }).server;
const { RpcClient } = (require('sofa-rpc-node') as { client: { RpcClient: SofaClientClass } }).client;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

let sidecar: Running;
let sofaServer: InstanceType<SofaServerClass>;
let goServer: { peer: Peer; port: number };
let autoPort: number;
let strictPort: number;
let adminPort: number;
let dubboPort: number;

/** A sofa-rpc-node server bound to 127.0.0.1 only (it binds every interface unless told). */
async function startSofaServer(port: number): Promise<InstanceType<SofaServerClass>> {
  class LoopbackServer extends RpcServer {
    _startServer(listenPort: number): Server {
      const server = createServer((socket) => this._handleSocket(socket));
      server.listen(listenPort, '127.0.0.1');
      return server;
    }
  }
  const server = new LoopbackServer({ logger: quiet, port });
  server.addService({ interfaceName: 'com.example.EchoService', version: '1.0' }, { async echo(text: string) { return `bolt:${text}`; } });
  await server.start();
  return server;
}

beforeAll(async () => {
  buildGoPeer();
  dubboPort = await freePort();
  const dubbo = startJava('dubbo', 'com.example.dubbo.Provider', [String(dubboPort)], 'dubbo provider');
  [sofaServer, goServer] = await Promise.all([startSofaServer(await freePort()), startGrpcServer('go')]);
  await dubbo.waitFor(/PROVIDER READY/, 180_000);
  [autoPort, strictPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: one-port
    protocol: auto
    address: 127.0.0.1:${autoPort}
    routeByRegistry: false
    auto: { sniffTimeoutMs: 1000 }
    routes:
      - { match: { service: "com.example.EchoService:1.0" }, cluster: sofa }
      - { match: { service: com.example.EchoService }, cluster: dubbo }
      - { match: { service: helloworld.Greeter }, cluster: go }
      - { match: { service: examples.streaming.Streamer }, cluster: go }
  - { name: strict, protocol: auto, address: 127.0.0.1:${strictPort}, auto: { protocols: [dubbo, http1], maxSniffBytes: 4 } }
clusters:
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${sofaServer.publishPort}] }
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
  - { name: go, protocol: grpc, endpoints: [127.0.0.1:${goServer.port}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await sofaServer?.close();
  await stopAllPeers();
});

async function codecErrors(reason: string): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  const line = new RegExp(`^pmesh_codec_errors_total\\{protocol="auto",reason="${reason}",side="downstream"\\} (\\d+)`, 'm').exec(text);
  return Number(line?.[1] ?? 0);
}

/** Sends `bytes` on a fresh connection and resolves when the sidecar closes it, with what it answered. */
function closedAfter(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
  });
}

describe('one auto port, every protocol from real peers', () => {
  it('Bolt: sofa-rpc-node client -> auto -> sofa-rpc-node server', async () => {
    const client = new RpcClient({ logger: quiet });
    try {
      const consumer = client.createConsumer({ interfaceName: 'com.example.EchoService', version: '1.0', serverHost: `127.0.0.1:${autoPort}` });
      await consumer.ready();
      expect(await consumer.invoke('echo', ['one port'], { responseTimeout: 10_000 })).toBe('bolt:one port');
    } finally {
      client.close();
    }
  }, 60_000);

  it('Dubbo: dubbo2.js -> auto -> Java Dubbo 3.3.6 provider', async () => {
    const { echo, close } = dubbo2js(autoPort);
    try {
      expect(await echo.echo('one port')).toMatchObject({ res: 'one port', err: null });
    } finally {
      close();
    }
  }, 60_000);

  it('gRPC: grpc-go client -> auto -> grpc-go server, every call kind', async () => {
    const cases = ['unary', 'server-stream', 'client-stream', 'bidi'];
    expect(await runGrpcClient('go', `127.0.0.1:${autoPort}`, cases)).toEqual(cases.map((c) => `ok ${c}`));
  }, 240_000);

  it('HTTP/1: undici -> auto -> the bridge -> Java Dubbo provider, keep-alive kept', async () => {
    for (const text of ['first', 'second']) {
      const answer = await request(`http://127.0.0.1:${autoPort}/com.example.EchoService/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-pmesh-version': '1.0.0' },
        body: JSON.stringify([text]),
      });
      expect(answer.statusCode).toBe(200);
      expect(await answer.body.json()).toBe(text);
    }
  }, 60_000);
});

describe('connections the auto listener refuses', () => {
  it('first bytes no protocol claims: closed at once, counted', async () => {
    const before = await codecErrors('PMESH_UNKNOWN_PROTOCOL');
    expect(await closedAfter(autoPort, Buffer.from('\x16\x03\x01garbage', 'latin1'))).toBe('');
    expect(await closedAfter(autoPort, Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toBe('');
    expect(await codecErrors('PMESH_UNKNOWN_PROTOCOL')).toBe(before + 2);
  });

  it('a protocol the listener does not serve is unknown there (Bolt on a dubbo/http1 port)', async () => {
    const before = await codecErrors('PMESH_UNKNOWN_PROTOCOL');
    expect(await closedAfter(strictPort, Buffer.from([0x01, 0x01, 0x00, 0x01]))).toBe('');
    expect(await codecErrors('PMESH_UNKNOWN_PROTOCOL')).toBe(before + 1);
  });

  it('still undecided after maxSniffBytes: closed, counted', async () => {
    const before = await codecErrors('PMESH_SNIFF_UNDECIDED');
    expect(await closedAfter(strictPort, Buffer.from('OPTI'))).toBe('');
    expect(await codecErrors('PMESH_SNIFF_UNDECIDED')).toBe(before + 1);
  });

  it('a slow sender that never finishes its first bytes: closed after sniffTimeoutMs, counted', async () => {
    const before = await codecErrors('PMESH_SNIFF_TIMEOUT');
    // One byte of Dubbo's magic, then silence.
    expect(await closedAfter(autoPort, Buffer.from([0xda]))).toBe('');
    expect(await codecErrors('PMESH_SNIFF_TIMEOUT')).toBe(before + 1);
  }, 30_000);
});

interface SofaConsumer {
  ready(): Promise<void>;
  invoke(method: string, args: unknown[], options: { responseTimeout: number }): Promise<unknown>;
}
type SofaServerClass = new (options: { logger: object; port: number }) => {
  addService(info: { interfaceName: string; version: string }, impl: Record<string, (...args: never[]) => Promise<unknown>>): void;
  start(): Promise<void>;
  close(): Promise<void>;
  _handleSocket(socket: Socket): void;
  readonly publishPort: number;
};
type SofaClientClass = new (options: { logger: object }) => {
  createConsumer(options: { interfaceName: string; version: string; serverHost: string }): SofaConsumer;
  close(): void;
};

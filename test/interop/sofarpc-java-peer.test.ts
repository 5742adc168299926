/**
 * The real Java SOFARPC peers (clients/java/sofarpc) run directly against each other,
 * so `npx vitest run` proves the peer build before any sidecar exists; then the Java
 * client talks to a tiny server made of our codec, proving a Java SOFARPC client shows
 * the message of our localReply. A missing java/mvn fails (test/support/maven.ts).
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boltCodec } from '../../src/codecs/bolt/index.js';
import { MeshError } from '../../src/core/errors.js';
import { javaClasspath } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers, type Peer } from '../support/process.js';

let classpath = '';
let server: Peer | undefined;
let port = 0;

/** Runs the client CLI to completion and returns its RESULT/CONCURRENT lines, split on tabs. */
async function runClient(url: string, args: string[], timeoutMs = 60_000): Promise<string[][]> {
  const client = startPeer('sofarpc-client', 'java', ['-cp', classpath, 'com.example.Client', url, ...args]);
  await client.waitFor(/^DONE$/m, timeoutMs);
  await client.stop();
  return client
    .output()
    .split('\n')
    .filter((line) => line.startsWith('RESULT\t') || line.startsWith('CONCURRENT\t'))
    .map((line) => line.split('\t'));
}

beforeAll(async () => {
  classpath = javaClasspath('sofarpc');
  port = await freePort();
  server = startPeer('sofarpc-server', 'java', ['-cp', classpath, 'com.example.Server', String(port)]);
  await server.waitFor(/^READY \d+$/m, 60_000);
}, 600_000);

afterAll(async () => {
  await stopAllPeers();
});

describe('Java SOFARPC client -> Java SOFARPC server (peer build check)', () => {
  it('calls every method kind and prints parseable results', async () => {
    // A generous client timeout: a cold JVM on a busy machine can take seconds over its first call.
    const lines = await runClient(`bolt://127.0.0.1:${port}`, [
      '--timeout', '20000', 'echo', 'hi there', '--', 'add', '2', '40', '--', 'addLong', '9007199254740993', '1', '--',
      'older', 'Ada', '36', '9007199254740993', '1', '--', 'fail', 'boom', '--', 'nonce', 'n-1', '--', 'concurrent', '200',
    ]);
    expect(lines).toEqual([
      ['RESULT', 'echo', 'ok', 'hi there'],
      ['RESULT', 'add', 'ok', '42'],
      ['RESULT', 'addLong', 'ok', '9007199254740994'],
      ['RESULT', 'older', 'ok', 'Person{name=Ada,age=37,id=9007199254740993,tags=[cli, older]}'],
      ['RESULT', 'fail', 'exception', 'com.example.EchoException', 'boom'],
      ['RESULT', 'nonce', 'ok', 'n-1'],
      ['CONCURRENT', 'ok=200', 'mismatch=0', 'error=0'],
    ]);
  }, 120_000);

  it('a call slower than the client timeout ends in a SOFARPC timeout error', async () => {
    const lines = await runClient(`bolt://127.0.0.1:${port}`, ['--timeout', '300', 'sleep', '1500']);
    expect(lines).toHaveLength(1);
    const [tag, cmd, outcome, cls] = lines[0] ?? [];
    expect([tag, cmd, outcome]).toEqual(['RESULT', 'sleep', 'error']);
    expect(cls).toMatch(/SofaTimeOutException/);
  }, 120_000);
});

describe('Java SOFARPC client -> a server built from our codec', () => {
  let fake: Server | undefined;

  afterAll(() => {
    fake?.close();
  });

  it('shows the message of our localReply (SofaResponse isError in the legacy dialect)', async () => {
    fake = createServer((socket) => {
      const decoder = boltCodec.newDecoder();
      socket.on('data', (chunk) => {
        try {
          for (const frame of decoder.push(chunk)) {
            const kind = boltCodec.kind(frame);
            if (kind === 'heartbeat') socket.write(Buffer.concat(boltCodec.encode(boltCodec.heartbeatReply(frame))));
            else if (kind === 'request') {
              const error = new MeshError('PMESH_NO_HEALTHY_ENDPOINT', 'no healthy endpoint in cluster echo');
              socket.write(Buffer.concat(boltCodec.encode(boltCodec.localReply(frame, error))));
            }
          }
        } catch {
          socket.destroy();
        }
      });
      socket.on('error', () => socket.destroy());
    });
    const fakePort = await freePort();
    await new Promise<void>((resolve) => fake?.listen(fakePort, '127.0.0.1', resolve));
    const lines = await runClient(`bolt://127.0.0.1:${fakePort}`, ['echo', 'hi']);
    expect(lines).toHaveLength(1);
    const [, cmd, outcome, cls, , message] = lines[0] ?? [];
    expect([cmd, outcome, cls]).toEqual(['echo', 'error', 'com.alipay.sofa.rpc.core.exception.SofaRpcException']);
    expect(message).toContain(
      '[polyglot-mesh] com.example.EchoService:1.0#echo: no healthy endpoint in cluster echo (PMESH_NO_HEALTHY_ENDPOINT)',
    );
  }, 120_000);
});

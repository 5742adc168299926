/**
 * The real peers the Dubbo interop tests build on, proven here without a sidecar:
 * the Java 3.3.6 provider and consumer CLI of clients/java/dubbo (built by Maven on
 * first use; a missing java or mvn fails with an install hint, never skips), npm
 * dubbo2.js calling the Java provider directly, and the Java consumer reading our
 * local replies (so it shows our message naming the service and the cause).
 */
import { createServer, type Server } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MeshError } from '../../src/core/index.js';
import { dubboCodec, readRequestHead } from '../../src/codecs/dubbo/index.js';
import { javaClasspath } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers, type Peer } from '../support/process.js';

interface CallLine {
  call: string;
  outcome: 'ok' | 'exception' | 'timeout' | 'error';
  value?: unknown;
  type?: string;
  message?: string;
}

let classpath = '';
let providerPort = 0;
let provider: Peer;

/** Runs the consumer CLI to completion and returns its RESULT lines. */
async function consumer(args: string[]): Promise<{ results: CallLine[]; output: string }> {
  const peer = startPeer('dubbo-consumer', 'java', ['-cp', classpath, 'com.example.dubbo.Consumer', ...args]);
  await peer.waitFor(/DONE ok=\d+ failed=\d+/, 90_000);
  await peer.stop();
  const output = peer.output();
  const results = output
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice(7)) as CallLine);
  return { results, output };
}

beforeAll(async () => {
  classpath = javaClasspath('dubbo');
  providerPort = await freePort();
  provider = startPeer('dubbo-provider', 'java', ['-cp', classpath, 'com.example.dubbo.Provider', String(providerPort)]);
  await provider.waitFor(/PROVIDER READY/, 90_000);
});

afterAll(async () => {
  await stopAllPeers();
});

describe('Java Dubbo 3.3.6 peers, direct', () => {
  it('the consumer suite covers every kind of call', async () => {
    const { results, output } = await consumer([`127.0.0.1:${providerPort}`, 'suite']);
    const byCall = Object.fromEntries(results.map((r) => [r.call, r]));
    expect(byCall.echo, output).toMatchObject({ outcome: 'ok', value: 'hello' });
    expect(byCall.add).toMatchObject({ outcome: 'ok', value: 42 });
    expect(byCall.addLong).toMatchObject({ outcome: 'ok' });
    expect(byCall.greet).toMatchObject({ outcome: 'ok', value: { name: 'Hello Ada', age: 37 } });
    expect(byCall.nothing).toMatchObject({ outcome: 'ok' });
    expect(byCall.fail).toMatchObject({ outcome: 'exception', type: 'com.example.EchoException', message: 'fail: boom' });
    expect(byCall.generic).toMatchObject({ outcome: 'ok', value: 'generic hi' });
    expect(byCall.genericGreet).toMatchObject({ outcome: 'ok', value: { name: 'Hello Grace', class: 'com.example.Person' } });
    expect(output).toContain('DONE ok=10 failed=0');
  }, 120_000);

  it('timeouts and concurrent calls', async () => {
    const slow = await consumer(['--timeout', '300', `127.0.0.1:${providerPort}`, 'sleep', '1500']);
    expect(slow.results[0]).toMatchObject({ call: 'sleep', outcome: 'timeout' });
    const many = await consumer([`127.0.0.1:${providerPort}`, 'concurrent', '200']);
    expect(many.results[0]).toMatchObject({ outcome: 'ok', value: { calls: 200, matched: 200, mismatched: 0, errors: 0 } });
  }, 180_000);

  it('npm dubbo2.js calls the Java provider directly', async () => {
    const require = createRequire(import.meta.url);
    const { DirectlyDubbo, java } = require('dubbo2.js') as Dubbo2Js;
    // dubboInvokeTimeout is in seconds and has no default (NaN fails every call at once).
    const dubbo = DirectlyDubbo.from({ dubboAddress: `127.0.0.1:${providerPort}`, dubboVersion: '2.0.2', dubboInvokeTimeout: 10 });
    const echo = dubbo.proxyService<EchoProxy>({
      dubboInterface: 'com.example.EchoService',
      version: '1.0.0',
      timeout: 5000,
      methods: {
        echo: (text: string) => [java.String(text)],
        add: (a: number, b: number) => [java.int(a), java.int(b)],
        fail: (reason: string) => [java.String(reason)],
      },
    });
    try {
      expect(await echo.echo('from node')).toEqual({ res: 'from node', err: null });
      expect(await echo.add(20, 22)).toEqual({ res: 42, err: null });
      const failed = await echo.fail('node boom');
      expect(String(failed.err)).toContain('fail: node boom');
    } finally {
      const worker = (dubbo as unknown as { _socketWorker: { _retry: number; _socket: { destroy(): void } } })._socketWorker;
      worker._retry = 0;
      worker._socket.destroy();
    }
  }, 60_000);
});

describe('the Java consumer reads our local replies', () => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    // A stand-in provider that answers every call with a mesh-made error.
    server = createServer((socket) => {
      const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
      socket.on('data', (chunk) => {
        for (const frame of decoder.push(chunk)) {
          const kind = dubboCodec.kind(frame);
          if (kind === 'heartbeat') socket.write(Buffer.concat(dubboCodec.encode(dubboCodec.heartbeatReply(frame))));
          if (kind !== 'request') continue;
          const method = readRequestHead(frame).method;
          const error =
            method === 'sleep'
              ? new MeshError('PMESH_DEADLINE_EXCEEDED', 'deadline of 300 ms spent')
              : new MeshError('PMESH_NO_ROUTE', 'no route matches this call');
          socket.write(Buffer.concat(dubboCodec.encode(dubboCodec.localReply(frame, error))));
        }
      });
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('shows our message naming the service, the method and the cause', async () => {
    const { results, output } = await consumer([`127.0.0.1:${port}`, 'echo', 'hi']);
    expect(results[0], output).toMatchObject({ call: 'echo', outcome: 'error' });
    expect(results[0]?.message).toContain(
      'polyglot-mesh: com.example.EchoService:1.0.0#echo failed: no route matches this call [PMESH_NO_ROUTE]',
    );
  }, 120_000);

  it('sees SERVER_TIMEOUT as a timeout', async () => {
    const { results } = await consumer([`127.0.0.1:${port}`, 'sleep', '10']);
    expect(results[0]).toMatchObject({ call: 'sleep', outcome: 'timeout' });
    expect(results[0]?.message).toContain('deadline of 300 ms spent [PMESH_DEADLINE_EXCEEDED]');
  }, 120_000);
});

interface CallResult {
  res: unknown;
  err: unknown;
}
interface EchoProxy {
  echo(text: string): Promise<CallResult>;
  add(a: number, b: number): Promise<CallResult>;
  fail(reason: string): Promise<CallResult>;
}
interface Dubbo2Js {
  DirectlyDubbo: {
    from(props: { dubboAddress: string; dubboVersion: string; dubboInvokeTimeout: number }): {
      proxyService<T>(param: { dubboInterface: string; version: string; timeout: number; methods: Record<string, (...args: never[]) => unknown[]> }): T;
    };
  };
  java: { String(v: string): unknown; int(v: number): unknown };
}

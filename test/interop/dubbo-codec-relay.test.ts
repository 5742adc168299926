/**
 * The codec on real traffic: a minimal Node relay between the Java 3.3.6 consumer
 * and provider that decodes every frame with our decoder, rewrites the request id
 * (mapped back on the reply) and the `timeout` attachment, and re-encodes. The Java
 * peers must not notice: the suite, 200 concurrent calls and a timeout all behave
 * as when direct. (The real proxy with routing and pools is tested elsewhere.)
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { dubboCodec, type DubboFrame } from '../../src/codecs/dubbo/index.js';
import { javaClasspath } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers } from '../support/process.js';

let classpath = '';
let relayPort = 0;
let relay: Server;
const seen = { requests: 0, rewrittenTimeouts: 0 };

function pipeFrames(from: Socket, to: Socket, onFrame: (frame: DubboFrame) => DubboFrame): void {
  const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
  from.on('data', (chunk: Buffer) => {
    try {
      for (const frame of decoder.push(chunk)) to.write(Buffer.concat(dubboCodec.encode(onFrame(frame))));
    } catch {
      from.destroy();
      to.destroy();
    }
  });
  from.on('close', () => to.destroy());
  from.on('error', () => to.destroy());
}

function startRelay(upstreamPort: number): Server {
  let nextId = 1000;
  return createServer((downstream) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    const original = new Map<number | bigint, number | bigint>();
    pipeFrames(downstream, upstream, (frame) => {
      const kind = dubboCodec.kind(frame);
      if (kind !== 'request' && kind !== 'heartbeat') return frame;
      const id = nextId++;
      original.set(id, dubboCodec.requestId(frame));
      if (kind === 'request') {
        seen.requests++;
        const shorter = dubboCodec.withTimeout(frame, 2500);
        if (shorter !== frame) seen.rewrittenTimeouts++;
        return dubboCodec.withRequestId(shorter, id);
      }
      return dubboCodec.withRequestId(frame, id);
    });
    pipeFrames(upstream, downstream, (frame) => {
      const id = dubboCodec.requestId(frame);
      const back = original.get(id);
      if (back === undefined) return frame; // events from the provider (READONLY)
      original.delete(id);
      return dubboCodec.withRequestId(frame, back);
    });
  });
}

async function consumer(args: string[]): Promise<{ results: Array<Record<string, unknown>>; output: string }> {
  const peer = startPeer('dubbo-consumer', 'java', ['-cp', classpath, 'com.example.dubbo.Consumer', ...args]);
  await peer.waitFor(/DONE ok=\d+ failed=\d+/, 90_000);
  await peer.stop();
  const output = peer.output();
  const results = output
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice(7)) as Record<string, unknown>);
  return { results, output };
}

beforeAll(async () => {
  classpath = javaClasspath('dubbo');
  const providerPort = await freePort();
  const provider = startPeer('dubbo-provider', 'java', ['-cp', classpath, 'com.example.dubbo.Provider', String(providerPort)]);
  await provider.waitFor(/PROVIDER READY/, 90_000);
  relayPort = await freePort();
  relay = startRelay(providerPort);
  await new Promise<void>((resolve) => relay.listen(relayPort, '127.0.0.1', resolve));
});

afterAll(async () => {
  relay.close();
  await stopAllPeers();
});

describe('dubbo codec relaying real Java traffic (ids and timeouts rewritten)', () => {
  it('the consumer suite passes unchanged', async () => {
    const { output, results } = await consumer([`127.0.0.1:${relayPort}`, 'suite']);
    expect(output).toContain('DONE ok=10 failed=0');
    expect(results.find((r) => r.call === 'greet')).toMatchObject({ value: { name: 'Hello Ada', age: 37 } });
    expect(seen.rewrittenTimeouts).toBe(seen.requests); // every Java request carried timeout=3000
  }, 120_000);

  it('200 concurrent calls come back to their callers, and a slow call still times out', async () => {
    const many = await consumer([`127.0.0.1:${relayPort}`, 'concurrent', '200']);
    expect(many.results[0]).toMatchObject({ outcome: 'ok', value: { calls: 200, matched: 200 } });
    const slow = await consumer(['--timeout', '300', `127.0.0.1:${relayPort}`, 'sleep', '1500']);
    expect(slow.results[0]).toMatchObject({ outcome: 'timeout' });
  }, 180_000);
});

/**
 * The Dubbo 2.7.23 peers of clients/java/dubbo27 (the 2.7 interop requirement of
 * issue 4), proven here without a sidecar: the 2.7 consumer suite against the 2.7
 * provider, and each version's consumer against the other's provider.
 *
 * Dubbo 2.7 compiles adaptive classes with javassist, which on JDK 17 needs
 * java.lang opened to the unnamed module (JAVA_OPENS below).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaClasspath } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers } from '../support/process.js';

const JAVA_OPENS = ['--add-opens', 'java.base/java.lang=ALL-UNNAMED', '--add-opens', 'java.base/java.math=ALL-UNNAMED', '--add-opens', 'java.base/java.util=ALL-UNNAMED'];

let cp27 = '';
let cp33 = '';
let port27 = 0;
let port33 = 0;

async function run(name: string, args: string[]): Promise<{ results: Array<Record<string, unknown>>; output: string }> {
  const peer = startPeer(name, 'java', args);
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
  cp27 = javaClasspath('dubbo27');
  cp33 = javaClasspath('dubbo');
  [port27, port33] = [await freePort(), await freePort()];
  const p27 = startPeer('dubbo27-provider', 'java', [...JAVA_OPENS, '-cp', cp27, 'com.example.dubbo27.Provider', String(port27)]);
  const p33 = startPeer('dubbo-provider', 'java', ['-cp', cp33, 'com.example.dubbo.Provider', String(port33)]);
  await Promise.all([p27.waitFor(/PROVIDER READY/, 90_000), p33.waitFor(/PROVIDER READY/, 90_000)]);
});

afterAll(async () => {
  await stopAllPeers();
});

describe('Java Dubbo 2.7.23 peers, direct', () => {
  it('2.7 consumer -> 2.7 provider: the suite', async () => {
    const { results, output } = await run('dubbo27-consumer', [...JAVA_OPENS, '-cp', cp27, 'com.example.dubbo27.Consumer', `127.0.0.1:${port27}`, 'suite']);
    expect(output).toContain('DONE ok=10 failed=0');
    expect(results.find((r) => r.call === 'fail')).toMatchObject({ outcome: 'exception', message: 'fail: boom' });
    expect(results.find((r) => r.call === 'generic')).toMatchObject({ outcome: 'ok', value: 'generic hi' });
  }, 120_000);

  it('3.3 consumer -> 2.7 provider and 2.7 consumer -> 3.3 provider', async () => {
    const a = await run('dubbo-consumer', ['-cp', cp33, 'com.example.dubbo.Consumer', `127.0.0.1:${port27}`, 'echo', 'to 2.7']);
    expect(a.results[0], a.output).toMatchObject({ outcome: 'ok', value: 'to 2.7' });
    const b = await run('dubbo27-consumer', [...JAVA_OPENS, '-cp', cp27, 'com.example.dubbo27.Consumer', `127.0.0.1:${port33}`, 'echo', 'to 3.3']);
    expect(b.results[0], b.output).toMatchObject({ outcome: 'ok', value: 'to 3.3' });
  }, 120_000);
});

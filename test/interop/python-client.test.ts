/**
 * The stdlib Python client (clients/python/pmesh.py) calls the Java Dubbo provider and
 * the Java SOFARPC server through the sidecar's HTTP/JSON bridge.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer } from '../support/process.js';
import { startInProcess } from '../support/sidecar.js';
import { TYPES_SCHEMA, TYPES_SERVICE, changedFields } from '../support/types-schema.js';

let servers: JavaEchoServers | undefined;
let sidecar: Running;
let dubboHttp: number;
let sofaHttp: number;

beforeAll(async () => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('python3 is required for the Python client test: apt-get install -y python3');
  }
  servers = await startJavaEchoServers();
  const { dubboPort, sofaPort } = servers;
  [dubboHttp, sofaHttp] = [await freePort(), await freePort()];
  sidecar = await startInProcess(`${TYPES_SCHEMA}
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: http-dubbo, protocol: http1, address: 127.0.0.1:${dubboHttp}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo }, { match: { service: ${TYPES_SERVICE} }, cluster: dubbo }] }
  - { name: http-sofa, protocol: http1, address: 127.0.0.1:${sofaHttp}, routes: [{ match: { service: com.example.EchoService }, cluster: sofa }, { match: { service: ${TYPES_SERVICE} }, cluster: sofa }] }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${sofaPort}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await servers?.stop();
});

async function runPython(port: number, version: string, script = 'test_client.py'): Promise<string[]> {
  const peer = startPeer('python client', 'python3', [join(REPO_ROOT, 'clients/python', script), `127.0.0.1:${port}`, version], {
    cwd: join(REPO_ROOT, 'clients/python'),
  });
  await peer.waitFor(/^DONE$/m, 60_000);
  await peer.stop();
  return peer.output().split('\n').filter((line) => /^(ok|FAIL|VERDICT) /.test(line));
}

describe('Python client -> sidecar -> Java', () => {
  it.each([
    ['Dubbo 3.3.6', () => dubboHttp, '1.0.0'],
    ['SOFARPC 5.13.2', () => sofaHttp, '1.0'],
  ])('%s: String, int, long 2^63-1 and a Java exception', async (_name, port, version) => {
    const lines = await runPython(port(), version);
    expect(lines).toEqual(['ok echo', 'ok add', 'ok long', 'ok exception']);
  });
});

describe('Python client, every type (clients/python/test_types.py)', () => {
  it.each([
    ['Dubbo 3.3.6', () => dubboHttp, '1.0.0'],
    ['SOFARPC 5.13.2', () => sofaHttp, '1.0'],
  ])('%s: what Java returned, read in Python and sent back, is what Java had', async (name, port, version) => {
    const lines = await runPython(port(), version, 'test_types.py');
    expect(lines.filter((line) => !line.startsWith('VERDICT'))).toEqual([
      'ok long 2^63-1', 'ok BigDecimal, 30 digits', 'ok null inside a list', 'ok Date to the ms', 'ok enum', 'ok char', 'ok nested three deep', 'ok map with int keys',
    ]);
    const verdict = lines.find((line) => line.startsWith('VERDICT '))?.slice(8) ?? '';
    if (name.startsWith('SOFARPC')) expect(verdict).toBe('equal');
    // Dubbo's hessian-lite loses float POJO fields even between Java peers (see bridge-types).
    else for (const field of changedFields(JSON.stringify(verdict))) expect(['ratio', 'grade']).toContain(field);
  });
});

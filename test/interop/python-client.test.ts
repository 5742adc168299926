/**
 * The stdlib Python client (clients/python, package pmesh) calls the Java Dubbo provider
 * and the Java SOFARPC server through the sidecar's HTTP bridge: from the source tree with
 * the system python3 (JSON), and installed with `pip install ./clients/python` into a fresh
 * venv together with the msgpack package (MessagePack).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { exitCodeOf, startPeer } from '../support/process.js';
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

async function runPython(port: number, version: string, script = 'test_client.py', python = 'python3', dir = join(REPO_ROOT, 'clients/python')): Promise<string[]> {
  const peer = startPeer('python client', python, [join(dir, script), `127.0.0.1:${port}`, version], { cwd: dir });
  await peer.waitFor(/^DONE$/m, 60_000);
  const code = await exitCodeOf(peer);
  const lines = peer.output().split('\n').filter((line) => /^(ok|FAIL|VERDICT) /.test(line));
  // The scripts exit 1 when a check failed: the exit code agrees with the lines.
  expect(code, peer.output()).toBe(lines.some((line) => line.startsWith('FAIL')) ? 1 : 0);
  return lines;
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

describe('pip install ./clients/python into a fresh venv, with msgpack (MessagePack on the wire)', () => {
  let venv: string;
  let python: string;
  let scripts: string;

  beforeAll(() => {
    venv = mkdtempSync(join(tmpdir(), 'pmesh-venv-'));
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'ignore' });
    python = join(venv, 'bin', 'python');
    // PyPI is reachable: setuptools (the build backend) and msgpack come from there.
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', './clients/python', 'msgpack'], {
      cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000,
    });
    // The check scripts, away from the source tree, so `import pmesh` finds the installed package.
    scripts = mkdtempSync(join(tmpdir(), 'pmesh-scripts-'));
    for (const script of ['test_client.py', 'test_types.py']) copyFileSync(join(REPO_ROOT, 'clients/python', script), join(scripts, script));
  }, 400_000);

  afterAll(() => {
    for (const dir of [venv, scripts]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports the installed package: typed, version 0.1.0, MessagePack chosen because msgpack is there', () => {
    const out = execFileSync(python, ['-c', 'import os, pmesh; print(pmesh.__version__, pmesh.default_format(), os.path.dirname(pmesh.__file__))'], {
      cwd: scripts, encoding: 'utf8',
    }).trim().split(' ');
    expect(out.slice(0, 2)).toEqual(['0.1.0', 'msgpack']);
    expect(out[2]).toContain(join(venv, 'lib'));
    expect(existsSync(join(out[2] ?? '', 'py.typed'))).toBe(true);
  });

  it.each([
    ['Dubbo 3.3.6', () => dubboHttp, '1.0.0'],
    ['SOFARPC 5.13.2', () => sofaHttp, '1.0'],
  ])('%s over MessagePack: String, int, long 2^63-1, a Java exception; every type read and sent back', async (name, port, version) => {
    expect(await runPython(port(), version, 'test_client.py', python, scripts)).toEqual(['ok echo', 'ok add', 'ok long', 'ok exception']);
    const lines = await runPython(port(), version, 'test_types.py', python, scripts);
    expect(lines.filter((line) => !line.startsWith('VERDICT'))).toEqual([
      'ok long 2^63-1', 'ok BigDecimal, 30 digits', 'ok null inside a list', 'ok Date to the ms', 'ok enum', 'ok char', 'ok nested three deep', 'ok map with int keys',
    ]);
    const verdict = lines.find((line) => line.startsWith('VERDICT '))?.slice(8) ?? '';
    if (name.startsWith('SOFARPC')) expect(verdict).toBe('equal');
    else for (const field of changedFields(JSON.stringify(verdict))) expect(['ratio', 'grade']).toContain(field);
  });
});

/**
 * The Go client (clients/go, google.golang.org/grpc with stubs generated from
 * proto/pmesh/v1/invoke.proto) calls Java Dubbo and SOFARPC services through the
 * sidecar's gRPC Invoke API.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const GO_DIR = join(REPO_ROOT, 'clients/go');
let servers: JavaEchoServers | undefined;
let sidecar: Running;
let dubboGrpc: number;
let sofaGrpc: number;

beforeAll(async () => {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('Go is required for the Go client test: install it from go.dev or apt-get install -y golang');
  }
  // Build once (downloads the module's dependencies from the Go module proxy on first use).
  for (const program of ['example', 'typescheck']) {
    execFileSync('go', ['build', '-o', join(GO_DIR, 'bin', program), `./${program}`], { cwd: GO_DIR, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  }
  servers = await startJavaEchoServers();
  const { dubboPort, sofaPort } = servers;
  [dubboGrpc, sofaGrpc] = [await freePort(), await freePort()];
  sidecar = await startInProcess(`${TYPES_SCHEMA}
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: grpc-dubbo, protocol: grpc, address: 127.0.0.1:${dubboGrpc}, routes: [{ match: { service: com.example.EchoService }, cluster: dubbo }, { match: { service: ${TYPES_SERVICE} }, cluster: dubbo }] }
  - { name: grpc-sofa, protocol: grpc, address: 127.0.0.1:${sofaGrpc}, routes: [{ match: { service: com.example.EchoService }, cluster: sofa }, { match: { service: ${TYPES_SERVICE} }, cluster: sofa }] }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${sofaPort}] }
`);
}, 900_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await servers?.stop();
});

async function runGoWithCode(port: number, version: string, program = 'example'): Promise<{ lines: string[]; code: number | null }> {
  const peer = startPeer('go client', join(GO_DIR, 'bin', program), [`127.0.0.1:${port}`, version]);
  await peer.waitFor(/^DONE$/m, 60_000);
  const code = await exitCodeOf(peer);
  return { lines: peer.output().split('\n').filter((line) => /^(ok|FAIL|VERDICT) /.test(line)), code };
}

async function runGo(port: number, version: string, program = 'example'): Promise<string[]> {
  const { lines, code } = await runGoWithCode(port, version, program);
  expect(code, lines.join('\n')).toBe(0);
  return lines;
}

describe('Go client (gRPC) -> sidecar -> Java', () => {
  it.each([
    ['Dubbo 3.3.6', () => dubboGrpc, '1.0.0'],
    ['SOFARPC 5.13.2', () => sofaGrpc, '1.0'],
  ])('%s: String, int, long 2^63-1, a Java exception, no route', async (_name, port, version) => {
    expect(await runGo(port(), version)).toEqual(['ok echo', 'ok add', 'ok long', 'ok exception', 'ok no route']);
  });
});

describe('Go client (gRPC), every type (clients/go/typescheck)', () => {
  it.each([
    ['Dubbo 3.3.6', () => dubboGrpc, '1.0.0'],
    ['SOFARPC 5.13.2', () => sofaGrpc, '1.0'],
  ])('%s: what Java returned, read in Go and sent back, is what Java had', async (name, port, version) => {
    const lines = await runGo(port(), version, 'typescheck');
    expect(lines.filter((line) => !line.startsWith('VERDICT'))).toEqual([
      'ok long 2^63-1', 'ok BigDecimal, 30 digits', 'ok null inside a list', 'ok enum', 'ok char', 'ok nested three deep',
    ]);
    const verdict = lines.find((line) => line.startsWith('VERDICT '))?.slice(8) ?? '';
    if (name.startsWith('SOFARPC')) expect(verdict).toBe('equal');
    // Dubbo's hessian-lite loses float POJO fields even between Java peers (see bridge-types).
    else for (const field of changedFields(JSON.stringify(verdict))) expect(['ratio', 'grade']).toContain(field);
  });
});

describe('Go client: the example fails loudly, and the module is usable from outside the repository', () => {
  it('the example exits 1 when its checks fail (a version no provider has)', async () => {
    const { lines, code } = await runGoWithCode(dubboGrpc, '9.9.9');
    expect(lines.some((line) => line.startsWith('FAIL echo'))).toBe(true);
    expect(code).toBe(1);
  });

  it("a module elsewhere builds against clients/go with the README's require + replace", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmesh-go-app-'));
    try {
      const modulePath = 'github.com/polyglot-mesh/polyglot-mesh/clients/go';
      writeFileSync(join(dir, 'go.mod'), `module example.com/app\n\ngo 1.23.0\n\nrequire ${modulePath} v0.0.0\n\nreplace ${modulePath} => ${GO_DIR}\n`);
      writeFileSync(join(dir, 'main.go'), `package main\n\nimport (\n\t"fmt"\n\n\tpmesh "${modulePath}"\n)\n\nfunc main() { fmt.Println(pmesh.Long(9223372036854775807)["$value"]) }\n`);
      // The dependencies' checksums as clients/go pins them; the modules come from the local cache.
      copyFileSync(join(GO_DIR, 'go.sum'), join(dir, 'go.sum'));
      const out = execFileSync('go', ['run', '-mod=mod', '.'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
      expect(out.trim()).toBe('9223372036854775807');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

/**
 * `pmesh status` and `pmesh doctor` against an admin API served over HTTPS with a bearer token
 * (admin.tls, admin.tokenFile): they connect with --token-file and --ca-file, or with the
 * sidecar's own config (--config), and say plainly what is wrong on a 401, a certificate they
 * cannot trust, or plaintext to the HTTPS port: one PROBLEM line and its fix, no stack trace.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/main.js';
import { runPmesh } from '../support/cli.js';
import { makeTestCa, type TestCa } from '../support/mesh-ca.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let ca: TestCa;
let sidecar: Running & { configPath: string };
let admin: string;
let tokenFile: string;
let wrongTokenFile: string;
let otherCaFile: string;

beforeAll(async () => {
  ca = await makeTestCa('mesh.test');
  const adminCert = await ca.issue('admin');
  const workload = await ca.issue('orders');
  otherCaFile = (await makeTestCa('other.test')).caFile;
  tokenFile = join(ca.dir, '..', 'admin.token');
  wrongTokenFile = join(ca.dir, '..', 'wrong.token');
  writeFileSync(tokenFile, 'cli-admin-token-0123456789\n', { mode: 0o600 });
  writeFileSync(wrongTokenFile, 'not-the-token\n', { mode: 0o600 });
  const port = await freePort();
  admin = `127.0.0.1:${port}`;
  sidecar = await startInProcess(`
admin: { address: ${admin}, tls: { certFile: ${adminCert.certFile}, keyFile: ${adminCert.keyFile} }, tokenFile: ${tokenFile} }
identity: { certFile: ${workload.certFile}, keyFile: ${workload.keyFile}, caFile: ${ca.caFile} }
listeners:
  - { name: http, protocol: http1, address: 127.0.0.1:${await freePort()} }
`);
});

afterAll(async () => {
  await sidecar?.stop(0);
});

/** One PROBLEM line with its fix, and nothing that looks like a stack trace. */
function expectProblem(out: string, problem: RegExp, fix: RegExp): void {
  expect(out).toMatch(problem);
  expect(out).toMatch(fix);
  expect(out).not.toMatch(/^\s+at /m);
}

describe('pmesh status against a guarded admin API', () => {
  it('with --token-file and --ca-file: the status, exit 0', async () => {
    const { code, out } = await runPmesh('status', '--admin', admin, '--token-file', tokenFile, '--ca-file', ca.caFile);
    expect(out).toMatch(new RegExp(`sidecar \\(admin ${admin}\\): ready`));
    expect(code).toBe(0);
  });

  it('with --config: address, HTTPS, token and CA come from the sidecar\'s config', async () => {
    const { code, out } = await runPmesh('status', '--config', sidecar.configPath);
    expect(out).toMatch(/: ready/);
    expect(code).toBe(0);
  });

  it('no token: the 401, and the flag that fixes it; exit 1', async () => {
    const { code, out } = await runPmesh('status', '--admin', admin, '--ca-file', ca.caFile);
    expectProblem(out, /PROBLEM the admin API at 127\.0\.0\.1:\d+ refused the request \(401\): it needs a bearer token and none was given/, /fix: pass the admin token with --token-file FILE/);
    expect(code).toBe(1);
  });

  it('a wrong token: the 401 says the token is not its token', async () => {
    const { code, out } = await runPmesh('status', '--admin', admin, '--ca-file', ca.caFile, '--token-file', wrongTokenFile);
    expectProblem(out, /refused the request \(401\): the token given is not its token/, /--token-file/);
    expect(code).toBe(1);
  });

  it('plaintext to the HTTPS port: says it is served over HTTPS', async () => {
    const { code, out } = await runPmesh('status', '--admin', admin, '--token-file', tokenFile);
    expectProblem(out, /PROBLEM the admin API at 127\.0\.0\.1:\d+ closed the connection/, /served over HTTPS \(admin\.tls\): pass --ca-file FILE/);
    expect(code).toBe(1);
  });

  it('a CA that did not sign its certificate: not trusted, with the fix', async () => {
    const { code, out } = await runPmesh('status', '--admin', admin, '--token-file', tokenFile, '--ca-file', otherCaFile);
    expectProblem(out, /PROBLEM the admin API's certificate at https:\/\/127\.0\.0\.1:\d+ is not trusted \(\w+\)/, /pass the CA that signed it with --ca-file FILE/);
    expect(code).toBe(1);
  });

  it('the refusals the admin API counted show among the errors since start', async () => {
    const { out } = await runPmesh('status', '--config', sidecar.configPath);
    expect(out).toMatch(/^\s+\d+\s+control refusals: unauthorized$/m);
  });

  it('a token file that cannot be read: usage error naming it, exit 2', async () => {
    const { code, out } = await runPmesh('status', '--admin', admin, '--token-file', join(ca.dir, 'nope.token'));
    expect(out).toMatch(/pmesh status: --token-file .*nope\.token: cannot read it \(ENOENT\)/);
    expect(code).toBe(2);
  });
});

describe('pmesh doctor against a guarded admin API', () => {
  it('with --config it reads the sidecar (the admin API finding is ok)', async () => {
    const { out } = await runPmesh('doctor', 'com.example.Nobody', '--config', sidecar.configPath);
    expect(out).toMatch(new RegExp(`sidecar admin API at ${admin}`));
    expect(out).not.toMatch(/401|not trusted/);
  });

  it('without the token: the 401 as its problem, with the fix; exit 1', async () => {
    const { code, out } = await runPmesh('doctor', 'com.example.Nobody', '--admin', admin, '--ca-file', ca.caFile);
    expectProblem(out, /refused the request \(401\)/, /--token-file FILE/);
    expect(code).toBe(1);
  });
});

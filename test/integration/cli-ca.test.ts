/**
 * `pmesh ca init` and `pmesh cert issue` as a user runs them: the files they write, checked
 * with node:crypto's X.509 (chain, SPIFFE id, lifetime, usages), and clear refusals.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/maven.js';

const exec = promisify(execFile);

async function pmesh(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(REPO_ROOT, 'bin/pmesh.js'), ...args], { cwd: REPO_ROOT, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('pmesh ca init and pmesh cert issue', () => {
  it('make a root and a workload certificate that chains to it, with the SPIFFE id and lifetime asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmesh-cli-ca-'));
    const caDir = join(dir, 'ca');
    const init = await pmesh(['ca', 'init', '--trust-domain', 'example.org', '--dir', caDir]);
    expect(init, init.stderr).toMatchObject({ code: 0 });
    expect(statSync(join(caDir, 'ca.key')).mode & 0o777).toBe(0o600);
    const issue = await pmesh(['cert', 'issue', '--app', 'orders', '--ca-dir', caDir, '--out', dir, '--ttl', '2h']);
    expect(issue, issue.stderr).toMatchObject({ code: 0 });
    expect(issue.stdout).toContain('spiffe://example.org/app/orders');

    const root = new X509Certificate(readFileSync(join(caDir, 'ca.crt')));
    const leaf = new X509Certificate(readFileSync(join(dir, 'orders.crt')));
    expect(root.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/app/orders');
    expect(leaf.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(leaf.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    const lifetime = Date.parse(leaf.validTo) - Date.now();
    expect(lifetime).toBeGreaterThan(1.9 * 3600_000);
    expect(lifetime).toBeLessThanOrEqual(2 * 3600_000);
    expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'orders.key'))))).toBe(true);
    expect(statSync(join(dir, 'orders.key')).mode & 0o777).toBe(0o600);

    const defaultTtl = await pmesh(['cert', 'issue', '--app', 'web', '--ca-dir', caDir, '--out', dir]);
    expect(defaultTtl.code).toBe(0);
    const day = Date.parse(new X509Certificate(readFileSync(join(dir, 'web.crt'))).validTo) - Date.now();
    expect(day).toBeGreaterThan(23.9 * 3600_000);
  }, 300_000);

  it('refuses to overwrite a CA, a bad app name, a bad ttl, and a missing CA, each with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmesh-cli-ca-'));
    expect((await pmesh(['ca', 'init', '--trust-domain', 'example.org', '--dir', dir])).code).toBe(0);
    expect(await pmesh(['ca', 'init', '--trust-domain', 'example.org', '--dir', dir])).toMatchObject({ code: 1, stderr: expect.stringContaining('a CA is already there') });
    expect(await pmesh(['ca', 'init', '--trust-domain', 'Not A Domain', '--dir', join(dir, 'x')])).toMatchObject({ code: 1, stderr: expect.stringContaining('trust domain') });
    expect(await pmesh(['cert', 'issue', '--app', 'bad name', '--ca-dir', dir])).toMatchObject({ code: 2, stderr: expect.stringContaining('app name "bad name"') });
    expect(await pmesh(['cert', 'issue', '--app', 'web', '--ca-dir', dir, '--ttl', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--ttl soon') });
    expect(await pmesh(['cert', 'issue', '--app', 'web', '--ca-dir', join(dir, 'nowhere')])).toMatchObject({ code: 1, stderr: expect.stringContaining('run pmesh ca init') });
    expect(await pmesh(['ca', 'init', '--dir', dir])).toMatchObject({ code: 2, stderr: expect.stringContaining('--trust-domain is required') });
  }, 300_000);
});

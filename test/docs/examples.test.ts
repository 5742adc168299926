/** Every config under examples/ (and pmesh.yaml) is valid: `pmesh validate` exits 0 on each. */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/maven.js';

const run = promisify(execFile);
const PMESH = join(REPO_ROOT, 'bin/pmesh.js');
const files = ['pmesh.yaml', ...readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

describe('example configs', () => {
  it('covers the common cases', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'examples/python-app-dubbo-zookeeper.yaml',
        'examples/gateway-http-to-sofarpc.yaml',
        'examples/two-sidecars-caller.yaml',
        'examples/two-sidecars-provider.yaml',
        'examples/publish-python-provider.yaml',
      ]),
    );
  });

  it('pmesh validate exits 0 on every one of them', async () => {
    // One run checks them all: every file is reported, and the exit code is 0 only if all are valid.
    const { stdout, stderr } = await run(process.execPath, [PMESH, 'validate', ...files], { cwd: REPO_ROOT });
    expect(stdout).toBe(files.map((file) => `${file}: ok\n`).join(''));
    expect(stderr).toBe('');
  });
});

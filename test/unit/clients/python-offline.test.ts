/**
 * The Python client's own behaviour, against a stub sidecar in the same script
 * (clients/python/test_offline.py): the lease token publish returns goes back on
 * unpublish, failures raise pmesh.RemoteError with the Java class or the mesh reason,
 * and pmesh.Provider serves calls as the reverse bridge sends them.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/maven.js';

it('clients/python/test_offline.py: every check passes and the script exits 0', async () => {
  const dir = join(REPO_ROOT, 'clients/python');
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile('python3', [join(dir, 'test_offline.py')], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout + stderr });
    });
  });
  expect(out.split('\n').filter((line) => /^(ok|FAIL) /.test(line)), out).toEqual([
    'ok publish returns the address',
    'ok unpublish sends the lease token from publish',
    'ok a Java exception raises RemoteError',
    'ok a mesh error raises RemoteError',
    'ok provider: hints decoded, exact long answer',
    'ok provider: an exception is a 500 with its message',
    'ok provider: an unknown method is a 404',
  ]);
  expect(code).toBe(0);
});

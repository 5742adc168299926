/** Running the `pmesh` CLI as a user does, as a child process (an in-process sidecar keeps answering meanwhile). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './maven.js';

export function runPmesh(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin/pmesh.js'), ...args], { cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

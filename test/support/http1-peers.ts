/**
 * HTTP/1 peers we did not write the HTTP of: an upstream on Go's net/http
 * (test/support/http1-go, built with `go build` on first use; standard library only),
 * and clients run as child processes: curl and Python's http.client.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './maven.js';
import { freePort } from './ports.js';
import { startPeer, type Peer } from './process.js';

const GO_DIR = join(REPO_ROOT, 'test/support/http1-go');
const GO_BIN = join(REPO_ROOT, '.cache/bin/http1-peer');

let built = false;

/** Starts the Go upstream on a free port. */
export async function startGoHttpUpstream(): Promise<{ peer: Peer; port: number }> {
  if (!built) {
    mkdirSync(join(REPO_ROOT, '.cache/bin'), { recursive: true });
    execFileSync('go', ['build', '-o', GO_BIN, '.'], { cwd: GO_DIR, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    built = true;
  }
  const port = await freePort();
  const peer = startPeer('http1-go', GO_BIN, [String(port)]);
  await peer.waitFor(/listening/);
  return { peer, port };
}

/** Runs a command to its end; its stdout (latin1, so bodies compare byte for byte). */
export function runClient(command: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'latin1', timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A Python 3 program (its text) run with `args`: what it prints. */
export function runPython(program: string, args: readonly string[] = []): Promise<string> {
  return runClient('python3', ['-c', program, ...args]);
}

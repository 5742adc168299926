/**
 * How the real CLI ends on signals, whatever became of the process reading its logs:
 * SIGTERM ends a sidecar whose stdout reader has died (it used to retry the broken pipe
 * for ever: seen with a sidecar started through npx whose npx was gone), a second
 * SIGTERM ends a sidecar at once while the first is still draining, and a shutdown that
 * overruns the drain deadline ends the process anyway.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers } from '../support/process.js';
import { startChild, writeConfig } from '../support/sidecar.js';

/** A parent that starts the sidecar with stdout and stderr piped to itself and says its pid once ready. */
const PARENT = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, process.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.on('data', (d) => { if (/pmesh sidecar ready/.test(d)) console.log('SIDECAR ' + child.pid); });
child.stderr.on('data', () => {});
`;

/** True while `pid` runs (a zombie waiting for its reaper has exited). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (running(pid) && Date.now() < until) await sleep(100);
  return !running(pid);
}

let orphan: number | undefined;
let upstream: TestUpstream | undefined;
afterEach(async () => {
  if (orphan !== undefined && running(orphan)) process.kill(orphan, 'SIGKILL');
  orphan = undefined;
  await stopAllPeers();
  await upstream?.close();
  upstream = undefined;
});

/** A process serving (src/cli/serve.ts) a sidecar whose shutdown never finishes, with a 200 ms drain. */
const HANGING_SHUTDOWN = `
import { pino } from 'pino';
import { serveUntil, stopSignal } from './src/cli/serve.ts';
const never = { log: pino(), sidecar: { config: { defaults: { drainTimeoutMs: 200 } } }, stop: () => new Promise(() => {}) };
void serveUntil(stopSignal(), never);
setInterval(() => {}, 1000);
console.log('HANGING READY');
`;

describe('pmesh start and signals', () => {
  it('a shutdown that overruns the drain deadline still ends the process, with exit 1', async () => {
    const peer = startPeer('hanging-shutdown', process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HANGING_SHUTDOWN], { cwd: REPO_ROOT });
    await peer.waitFor(/HANGING READY/, 30_000);
    const exited = new Promise<number | null>((resolve) => peer.child.once('exit', (code) => resolve(code)));
    process.kill(peer.child.pid!, 'SIGTERM');
    // 200 ms of drain and the 5 s grace, with room for a busy machine.
    expect(await Promise.race([exited, sleep(30_000).then(() => 'still running')])).toBe(1);
    expect(peer.output()).toContain('shutdown overran the drain deadline');
  });


  it('SIGTERM ends the sidecar when the parent reading its stdout has died', async () => {
    const adminPort = await freePort();
    const config = writeConfig(`admin: { address: 127.0.0.1:${adminPort} }\nlisteners:\n  - { name: h, protocol: http1, address: 127.0.0.1:${await freePort()} }\n`);
    const parent = startPeer('stdout-parent', process.execPath, ['-e', PARENT, join(REPO_ROOT, 'bin/pmesh.js'), 'start', '--config', config], { cwd: REPO_ROOT });
    const pid = Number(/SIDECAR (\d+)/.exec(await parent.waitFor(/SIDECAR \d+/, 30_000))?.[1]);
    orphan = pid;
    // The parent alone dies (not its process group): the sidecar's stdout now leads nowhere.
    process.kill(parent.child.pid!, 'SIGKILL');
    await new Promise((resolve) => parent.child.once('exit', resolve));
    expect(running(pid)).toBe(true);
    process.kill(pid, 'SIGTERM');
    expect(await exitsWithin(pid, 20_000)).toBe(true);
  });

  it('a second SIGTERM ends a sidecar at once while the first is still draining', async () => {
    let arrived: () => void = () => {};
    const callArrived = new Promise<void>((resolve) => (arrived = resolve));
    upstream = await startUpstream(() => arrived()); // takes the call and never answers
    const adminPort = await freePort();
    const proxyPort = await freePort();
    const { peer } = await startChild(
      `
admin: { address: 127.0.0.1:${adminPort} }
defaults: { drainTimeoutMs: 120000 }
listeners:
  - { name: h, protocol: http1, address: 127.0.0.1:${proxyPort}, routes: [{ match: { host: slow.local }, cluster: slow }] }
clusters:
  - { name: slow, protocol: http1, endpoints: [${upstream.address}] }
`,
      adminPort,
    );
    const inFlight = request(`http://127.0.0.1:${proxyPort}/`, { headers: { host: 'slow.local' } }).catch((error: Error) => error);
    await callArrived;
    const pid = peer.child.pid!;
    process.kill(pid, 'SIGTERM');
    await peer.waitFor(/"msg":"draining"/, 10_000);
    expect(running(pid)).toBe(true);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => peer.child.once('exit', (_code, signal) => resolve(signal)));
    process.kill(pid, 'SIGTERM');
    // Ended by the signal itself (the default action), well before the 120 s drain.
    expect(await Promise.race([exited, sleep(10_000).then(() => 'still running')])).toBe('SIGTERM');
    await inFlight;
  });
});

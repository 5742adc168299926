/**
 * Start-up bench: how long `pmesh start` takes from spawn to a ready admin `/ready`, and
 * how much memory the idle sidecar holds, with the built-in config (its ports moved to
 * free ones, so a sidecar already running on the built-in ports does not matter). A bare
 * `node` process waiting on a timer is measured alongside as the floor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONFIG_YAML } from '../../src/config/defaults.js';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import { processStats } from './lib/process-stats.js';

const RUNS = 5;
/** How long the sidecar idles before its memory is read (lazy work, GC settling). */
const IDLE_MS = 3_000;
const READY_TIMEOUT_MS = 30_000;

interface StartRun {
  readonly readyMs: number;
  readonly idleRssMiB: number;
  readonly peakRssMiB: number;
}

/** The built-in config with every 127.0.0.1 port replaced by a free one. */
async function builtInConfigOnFreePorts(): Promise<{ yaml: string; admin: number }> {
  const ports = new Map<string, number>();
  let yaml = DEFAULT_CONFIG_YAML;
  for (const [, port] of DEFAULT_CONFIG_YAML.matchAll(/127\.0\.0\.1:(\d+)/g)) {
    if (!ports.has(port!)) ports.set(port!, await freePort());
  }
  yaml = yaml.replace(/127\.0\.0\.1:(\d+)/g, (_, port: string) => `127.0.0.1:${ports.get(port)}`);
  const admin = ports.get(/admin: \{ address: 127\.0\.0\.1:(\d+)/.exec(DEFAULT_CONFIG_YAML)![1]!)!;
  // Each run gets its own data dir so no run starts from another's registry cache.
  return { yaml, admin };
}

function readyAnswer(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/ready', timeout: 1_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('"ready": true')));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startOnce(): Promise<StartRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-startup-'));
  const { yaml, admin } = await builtInConfigOnFreePorts();
  const path = join(dir, 'pmesh.yaml');
  writeFileSync(path, `${yaml}registry: { dataDir: ${JSON.stringify(join(dir, 'data'))} }\nlogging: { level: warn }\n`);
  const started = performance.now();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/pmesh.js'), 'start', '--config', path], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    for (;;) {
      if (await readyAnswer(admin)) break;
      if (child.exitCode !== null) throw new Error(`pmesh start exited ${child.exitCode}: ${stderr.slice(-2000)}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`not ready after ${READY_TIMEOUT_MS} ms: ${stderr.slice(-2000)}`);
      await sleep(5);
    }
    const readyMs = performance.now() - started;
    await sleep(IDLE_MS);
    const stats = processStats(child.pid!);
    return { readyMs, idleRssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB };
  } finally {
    await stop(child);
  }
}

async function bareNodeRssMiB(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  await sleep(IDLE_MS);
  const rss = processStats(child.pid!).rssMiB;
  await stop(child);
  return rss;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchStartup(): Promise<void> {
  const runs: StartRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOnce());
  const bare = await bareNodeRssMiB();
  const result = {
    readyMs: median(runs.map((r) => r.readyMs)),
    idleRssMiB: median(runs.map((r) => r.idleRssMiB)),
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    bareNodeRssMiB: bare,
  };
  const lines = [
    `bench startup: pmesh start, built-in config on free ports, ${RUNS} runs (medians)`,
    `  ready after      ${result.readyMs.toFixed(0)} ms (spawn to /ready answering ready; runs: ${runs.map((r) => r.readyMs.toFixed(0)).join(', ')})`,
    `  idle RSS         ${result.idleRssMiB.toFixed(1)} MiB after ${IDLE_MS / 1000} s (peak ${result.peakRssMiB.toFixed(1)} MiB)`,
    `  bare node RSS    ${bare.toFixed(1)} MiB (node -e 'setInterval(...)', the floor)`,
    `  target: ready <= 300 ms, idle RSS <= 50 MB`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const resultsDir = join(REPO_ROOT, 'test/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'bench-startup.json');
  writeFileSync(file, `${JSON.stringify({ bench: 'startup', ...result, runs, node: process.version, at: new Date().toISOString() }, null, 2)}\n`);
  process.stdout.write(`  written: ${file}\n`);
}

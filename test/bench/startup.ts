/**
 * Start-up bench: how long `pmesh start` takes from spawn to a ready admin `/ready`, and
 * how much memory the idle sidecar holds, with the built-in config (its ports moved to
 * free ones, so a sidecar already running on the built-in ports does not matter). A bare
 * `node` process waiting on a timer is measured alongside as the floor.
 *
 * PMESH_BENCH_BASELINE names another checkout's bin/pmesh.js (main, say): its starts
 * alternate with this checkout's, so both see the same host, and a column shows each.
 * PMESH_BENCH_NODE_ARGS adds Node flags to this checkout's sidecar (lib/sidecar-child.ts).
 * PMESH_BENCH_SETTLE_S=20 reads each process's RSS once more that long after ready: V8's
 * memory reducer gives back what the start left (new-space pages, fragmented old space) once
 * allocation has been low for a while, 8 s after the start at the soonest (later on a busy
 * host), and the 3 s reading comes before it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONFIG_YAML } from '../../src/config/defaults.js';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import { processStats, runQueueWaitMs } from './lib/process-stats.js';
import { launchNodeArgs, sidecarNodeArgs } from './lib/sidecar-child.js';

const RUNS = 5;
/** How long the sidecar idles before its memory is read (lazy work, GC settling). */
const IDLE_MS = 3_000;
const READY_TIMEOUT_MS = 30_000;
/** 0: no settled reading (the default, to keep the bench short). */
const SETTLE_MS = Number(process.env.PMESH_BENCH_SETTLE_S ?? 0) * 1000;

interface StartRun {
  readonly readyMs: number;
  /** CPU the process used until ready: steadier than wall time on a busy machine. */
  readonly readyCpuMs: number;
  /** Time its main thread was runnable but waiting for a CPU until then: the host's share of the wall time. */
  readonly readyCpuWaitMs: number;
  readonly idleRssMiB: number;
  /** Of the idle RSS, what is not file-backed (heap, malloc, stacks): the node binary's pages are shared by every process. */
  readonly idleAnonMiB: number;
  readonly peakRssMiB: number;
  /** RSS and its anonymous part SETTLE_MS after ready (NaN without PMESH_BENCH_SETTLE_S). */
  readonly settledRssMiB: number;
  readonly settledAnonMiB: number;
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

function anonRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

async function startOnce(bin: string, nodeArgs: readonly string[]): Promise<StartRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-startup-'));
  const { yaml, admin } = await builtInConfigOnFreePorts();
  const path = join(dir, 'pmesh.yaml');
  writeFileSync(path, `${yaml}registry: { dataDir: ${JSON.stringify(join(dir, 'data'))} }\nlogging: { level: warn }\n`);
  const started = performance.now();
  const child = spawn(process.execPath, [...launchNodeArgs(bin), ...nodeArgs, bin, 'start', '--config', path], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
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
    const readyCpuMs = processStats(child.pid!).cpuSeconds * 1000;
    const readyCpuWaitMs = runQueueWaitMs(child.pid!);
    await sleep(IDLE_MS);
    const stats = processStats(child.pid!);
    const idleAnonMiB = anonRssMiB(child.pid!);
    const settled = await settledRss(child.pid!);
    return { readyMs, readyCpuMs, readyCpuWaitMs, idleRssMiB: stats.rssMiB, idleAnonMiB, peakRssMiB: stats.peakRssMiB, ...settled };
  } finally {
    await stop(child);
  }
}

/** RSS and its anonymous part SETTLE_MS after ready (IDLE_MS of it already waited). */
async function settledRss(pid: number): Promise<{ settledRssMiB: number; settledAnonMiB: number }> {
  if (SETTLE_MS <= 0) return { settledRssMiB: NaN, settledAnonMiB: NaN };
  await sleep(Math.max(0, SETTLE_MS - IDLE_MS));
  return { settledRssMiB: processStats(pid).rssMiB, settledAnonMiB: anonRssMiB(pid) };
}

/** A bare node answering `/ready` on an HTTP port: what any Node process costs, the floor. */
async function bareNode(): Promise<{ readyMs: number; readyCpuMs: number; readyCpuWaitMs: number; rssMiB: number; anonMiB: number; settledRssMiB: number; settledAnonMiB: number }> {
  const port = await freePort();
  const server = `require('node:http').createServer((q, s) => s.end('{"ready": true}')).listen(${port}, '127.0.0.1')`;
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', server], { stdio: 'ignore' });
  try {
    while (!(await readyAnswer(port))) {
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error('bare node did not answer');
      await sleep(5);
    }
    const readyMs = performance.now() - started;
    const readyCpuMs = processStats(child.pid!).cpuSeconds * 1000;
    const readyCpuWaitMs = runQueueWaitMs(child.pid!);
    await sleep(IDLE_MS);
    const idle = { rssMiB: processStats(child.pid!).rssMiB, anonMiB: anonRssMiB(child.pid!) };
    return { readyMs, readyCpuMs, readyCpuWaitMs, ...idle, ...(await settledRss(child.pid!)) };
  } finally {
    await stop(child);
  }
}

const fmtMs = (ms: number): string => `${ms.toFixed(0).padStart(6)} ms`;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Summary {
  readonly readyMs: number;
  readonly readyCpuMs: number;
  readonly readyCpuWaitMs: number;
  readonly idleRssMiB: number;
  readonly idleAnonMiB: number;
  readonly peakRssMiB: number;
  readonly settledRssMiB: number;
  readonly settledAnonMiB: number;
}

function summary(runs: readonly StartRun[]): Summary {
  const of = (field: keyof StartRun): number => median(runs.map((r) => r[field]));
  return {
    readyMs: of('readyMs'),
    readyCpuMs: of('readyCpuMs'),
    readyCpuWaitMs: of('readyCpuWaitMs'),
    idleRssMiB: of('idleRssMiB'),
    idleAnonMiB: of('idleAnonMiB'),
    peakRssMiB: of('peakRssMiB'),
    settledRssMiB: of('settledRssMiB'),
    settledAnonMiB: of('settledAnonMiB'),
  };
}

export async function benchStartup(): Promise<void> {
  // PMESH_BENCH_PMESH: another checkout's bin/pmesh.js in place of this one (lib/sidecar-child.ts).
  const bin = process.env.PMESH_BENCH_PMESH || join(REPO_ROOT, 'bin/pmesh.js');
  const baselineBin = process.env.PMESH_BENCH_BASELINE;
  const runs: StartRun[] = [];
  const baselineRuns: StartRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternated, so a change in the host's load falls on both alike.
    if (baselineBin) baselineRuns.push(await startOnce(baselineBin, []));
    runs.push(await startOnce(bin, sidecarNodeArgs()));
  }
  const bares = [];
  for (let i = 0; i < RUNS; i++) bares.push(await bareNode());
  const bare = {
    readyMs: median(bares.map((b) => b.readyMs)),
    readyCpuMs: median(bares.map((b) => b.readyCpuMs)),
    readyCpuWaitMs: median(bares.map((b) => b.readyCpuWaitMs)),
    rssMiB: median(bares.map((b) => b.rssMiB)),
    anonMiB: median(bares.map((b) => b.anonMiB)),
    settledRssMiB: median(bares.map((b) => b.settledRssMiB)),
    settledAnonMiB: median(bares.map((b) => b.settledAnonMiB)),
  };
  const result = { ...summary(runs), bareNode: bare, ...(baselineBin ? { baseline: { bin: baselineBin, ...summary(baselineRuns) } } : {}) };
  const base = baselineBin ? summary(baselineRuns) : undefined;
  const cell = (value: number, unit: string, digits: number): string => `${value.toFixed(digits).padStart(6)} ${unit.padEnd(3)}`;
  const row = (label: string, field: keyof Summary, unit: string, digits: number, bareValue: number, note: string): string =>
    `  ${label.padEnd(12)} ${base ? `${cell(base[field], unit, digits)}  ` : ''}${cell(result[field], unit, digits)}  ${cell(bareValue, unit, digits)}  ${note}`;
  const lines = [
    `bench startup: pmesh start, built-in config on free ports, ${RUNS} runs (medians)${baselineBin ? `, alternating with the baseline ${baselineBin}` : ''}`,
    `               ${base ? 'baseline    ' : ''}pmesh       bare node (an HTTP server answering /ready: the floor)`,
    row('ready, wall', 'readyMs', 'ms', 0, bare.readyMs, `spawn to /ready answering (pmesh runs: ${runs.map((r) => r.readyMs.toFixed(0)).join(', ')})`),
    row('ready, CPU', 'readyCpuMs', 'ms', 0, bare.readyCpuMs, 'user+system CPU until then (steadier on a busy machine)'),
    row('CPU wait', 'readyCpuWaitMs', 'ms', 0, bare.readyCpuWaitMs, "main thread runnable but waiting for a CPU until then: the host's share of the wall time"),
    row('idle RSS', 'idleRssMiB', 'MiB', 1, bare.rssMiB, `${IDLE_MS / 1000} s after ready (pmesh peak ${result.peakRssMiB.toFixed(1)} MiB)`),
    row('  anonymous', 'idleAnonMiB', 'MiB', 1, bare.anonMiB, 'of it not backed by a file: heap, malloc; the rest is mostly pages of the node binary'),
    ...(SETTLE_MS > 0
      ? [
          row('settled RSS', 'settledRssMiB', 'MiB', 1, bare.settledRssMiB, `${SETTLE_MS / 1000} s after ready, after V8's memory reducer if it ran by then`),
          row('  anonymous', 'settledAnonMiB', 'MiB', 1, bare.settledAnonMiB, 'of it not backed by a file'),
        ]
      : []),
    `  target: ready <= 300 ms, idle RSS <= 50 MB; host: 1-min load average ${loadavg()[0]!.toFixed(1)}`,
    // Node parses its root store and this file before any JavaScript, in every process measured here.
    ...(process.env.NODE_EXTRA_CA_CERTS ? [`  NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}): every start above, bare node's too, includes parsing it (docs/performance.md)`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const resultsDir = join(REPO_ROOT, 'test/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'bench-startup.json');
  writeFileSync(file, `${JSON.stringify({ bench: 'startup', ...result, runs, baselineRuns, node: process.version, at: new Date().toISOString() }, null, 2)}\n`);
  process.stdout.write(`  written: ${file}\n`);
}

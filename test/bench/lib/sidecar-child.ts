/** Starts the real CLI (`bin/pmesh.js start`) with a config for a bench, as a separate process. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startPeer, waitForPort, type Peer } from '../../support/process.js';
import { REPO_ROOT } from '../../support/maven.js';

/** Node options and environment for one sidecar only (the heap bench's variants). */
export interface SidecarExtras {
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * PMESH_BENCH_PMESH names another checkout's bin/pmesh.js, to measure a baseline (a clone of
 * main, say) with this checkout's bench. PMESH_BENCH_NODE_ARGS adds Node flags to the sidecar
 * alone, for a profile of it under load (`--cpu-prof --cpu-prof-dir=/tmp/prof`).
 * PMESH_BENCH_WORKERS=N runs the sidecar with `workers: N` (docs/workers.md); its CPU and
 * memory are then the primary's and the workers' together.
 */
export async function startSidecarChild(yaml: string, readyPort: number, pmeshBin?: string, extra: SidecarExtras = {}): Promise<Peer> {
  const path = join(mkdtempSync(join(tmpdir(), 'pmesh-bench-')), 'pmesh.yaml');
  const workers = process.env.PMESH_BENCH_WORKERS;
  writeFileSync(path, workers ? `workers: ${workers}\n${yaml}` : yaml);
  const bin = pmeshBin || process.env.PMESH_BENCH_PMESH || join(REPO_ROOT, 'bin/pmesh.js');
  // Said once per bin, with the first sidecar it starts (the tracing bench's report says it too).
  if (!bundled.has(bin) && !runsBundle(bin)) process.stdout.write(`note: ${bin} runs its sources through tsx, not the shipped bundle (dist/ is missing or older than src/: npm run build there first)\n`);
  const peer = startPeer('pmesh', process.execPath, [...launchNodeArgs(bin), ...sidecarNodeArgs(), ...(extra.nodeArgs ?? []), bin, 'start', '--config', path], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...extra.env },
  });
  await waitForPort(readyPort);
  return peer;
}

/**
 * Whether `bin` (a checkout's bin/pmesh.js) runs its dist/ bundle rather than its sources
 * through tsx, asked as bin/pmesh.js asks (scripts/freshness.cjs): figures from the sources
 * carry tsx's loader thread and transpiler, tens of MiB and more CPU per call.
 */
export function runsBundle(bin: string): boolean {
  let answer = bundled.get(bin);
  if (answer === undefined) {
    const script = "process.stdout.write(String(require('./scripts/freshness.cjs').isBuilt()))";
    answer = execFileSync(process.execPath, ['-e', script], { cwd: join(dirname(bin), '..'), encoding: 'utf8' }) === 'true';
    bundled.set(bin, answer);
  }
  return answer;
}

/** runsBundle's answer per bin, asked once per bench run (a node process each time), as the first sidecar of that bin starts. */
const bundled = new Map<string, boolean>();

/**
 * The node options `bin`'s first line launches it with (`#!/usr/bin/env -S node --initial-old-space-size=32`):
 * a bench starts a sidecar as `npm start` and `npx pmesh` do, and another checkout's bin with its own.
 */
export function launchNodeArgs(bin: string): string[] {
  const words = (readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '').split(/\s+/);
  const node = words.indexOf('node');
  return node < 0 ? [] : words.slice(node + 1);
}

/** PMESH_BENCH_NODE_ARGS (or `variable`): node options for the sidecar process only (`--max-semi-space-size=2`), to measure one. */
export function sidecarNodeArgs(variable = 'PMESH_BENCH_NODE_ARGS'): string[] {
  return (process.env[variable] ?? '').split(' ').filter(Boolean);
}

/** Starts a TypeScript bench server file in its own process and waits for its port. */
export async function startTsServer(name: string, file: string, port: number, args: string[] = []): Promise<Peer> {
  const peer = startPeer(name, process.execPath, ['--import', 'tsx', file, String(port), ...args], { cwd: REPO_ROOT });
  await waitForPort(port);
  return peer;
}

/**
 * Starts a TypeScript bench server compiled to plain JavaScript first (esbuild), under a bare
 * `node`: for a floor whose memory is compared, since the tsx loader alone holds some 15 MiB
 * (its thread arenas) that no sidecar carries.
 */
export async function startBareServer(name: string, file: string, port: number, args: string[] = []): Promise<Peer> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'pmesh-bench-')), `${name}.mjs`);
  // esbuild is tsx's (not a dependency of ours), as in rpc-garbage.ts.
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ entryPoints: [file], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
  const peer = startPeer(name, process.execPath, [outfile, String(port), ...args], { cwd: REPO_ROOT });
  await waitForPort(port);
  return peer;
}

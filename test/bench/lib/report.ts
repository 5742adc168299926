/**
 * Prints a direct-vs-sidecar comparison and writes it to test/results/bench-<name>.json.
 * Figures are reported, never asserted.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadResult {
  /** Calls (or requests) per second achieved. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly total: number;
}

export interface BenchReport {
  readonly bench: string;
  readonly tool: string;
  readonly load: string;
  readonly direct: LoadResult;
  readonly sidecar: LoadResult;
  readonly sidecarProcess: { rssMiB: number; peakRssMiB: number; cpuPercent: number };
  readonly target: string;
  /** Extra lines printed before the target (what drove the load, which frames). */
  readonly notes?: readonly string[];
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);

export function printReport(report: BenchReport, resultsDir: string): void {
  const { direct, sidecar } = report;
  const ratio = sidecar.rate / direct.rate;
  const lines = [
    `bench ${report.bench}: ${report.load} (${report.tool})`,
    `                 calls/s     p50 ms    p99 ms   errors`,
    `  direct      ${fmt(direct.rate, 0).padStart(10)} ${fmt(direct.p50Ms, 3).padStart(10)} ${fmt(direct.p99Ms, 3).padStart(9)} ${String(direct.errors).padStart(8)}`,
    `  sidecar     ${fmt(sidecar.rate, 0).padStart(10)} ${fmt(sidecar.p50Ms, 3).padStart(10)} ${fmt(sidecar.p99Ms, 3).padStart(9)} ${String(sidecar.errors).padStart(8)}`,
    `  ratio (sidecar/direct calls/s): ${fmt(ratio, 3)}`,
    `  added latency: p50 ${fmt(sidecar.p50Ms - direct.p50Ms, 3)} ms, p99 ${fmt(sidecar.p99Ms - direct.p99Ms, 3)} ms`,
    `  sidecar process: RSS ${fmt(report.sidecarProcess.rssMiB, 1)} MiB (peak ${fmt(report.sidecarProcess.peakRssMiB, 1)} MiB), CPU ${fmt(report.sidecarProcess.cpuPercent, 0)}% of one core`,
    ...(report.notes ?? []).map((note) => `  ${note}`),
    `  target: ${report.target}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(resultsDir, { recursive: true });
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the figures still stand
  }
  const file = join(resultsDir, `bench-${report.bench}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ...report, ratio, addedP50Ms: sidecar.p50Ms - direct.p50Ms, addedP99Ms: sidecar.p99Ms - direct.p99Ms, commit, node: process.version, at: new Date().toISOString() }, null, 2)}\n`,
  );
  process.stdout.write(`  written: ${file}\n`);
}

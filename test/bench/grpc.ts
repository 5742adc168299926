/**
 * `npm run bench -- grpc`: helloworld SayHello with a 1 KiB name, unary, straight at a
 * grpc-go server and through the sidecar's gRPC listener (pass-through over HTTP/2).
 * The load is grpc-go too (test/support/grpc-go `bench`): one connection, 64 calls in
 * flight, closed loop, in windows alternating between the two paths.
 */
import { execFile } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildGoPeer, startGrpcServer } from '../support/grpc-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import type { Peer } from '../support/process.js';
import { LatencyHistogram, type HistogramCounts } from './load/histogram.js';
import { processStats } from './lib/process-stats.js';
import { printReport, type LoadResult } from './lib/report.js';
import { startSidecarChild } from './lib/sidecar-child.js';

const run = promisify(execFile);
const CONCURRENCY = 64;
const MESSAGE_BYTES = 1024;
const WARM_UP_SECONDS = 3;
const MAX_ROUNDS = 5;

interface WindowResult {
  calls: number;
  errors: number;
  seconds: number;
  firstError: string;
  histogram: HistogramCounts;
}

class PathTotals {
  calls = 0;
  errors = 0;
  elapsed = 0;
  firstError = '';
  readonly histogram = new LatencyHistogram();
  /** CPU seconds of [server, sidecar] inside this path's windows. */
  readonly cpuSeconds = [0, 0];

  result(): LoadResult {
    return { rate: this.calls / this.elapsed, total: this.calls + this.errors, errors: this.errors, p50Ms: this.histogram.percentile(50), p99Ms: this.histogram.percentile(99) };
  }
}

async function loadWindow(port: number, seconds: number): Promise<WindowResult> {
  const { stdout } = await run(buildGoPeer(), ['bench', `127.0.0.1:${port}`, String(seconds), String(CONCURRENCY), String(MESSAGE_BYTES)], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as WindowResult;
}

async function measured(pids: readonly number[], port: number, seconds: number, totals: PathTotals): Promise<void> {
  const before = pids.map((pid) => processStats(pid).cpuSeconds);
  const window = await loadWindow(port, seconds);
  const after = pids.map((pid) => processStats(pid).cpuSeconds);
  totals.calls += window.calls;
  totals.errors += window.errors;
  totals.elapsed += window.seconds;
  totals.firstError ||= window.firstError;
  totals.histogram.addCounts(window.histogram);
  pids.forEach((_, i) => (totals.cpuSeconds[i]! += after[i]! - before[i]!));
}

export async function benchGrpc(seconds: number): Promise<void> {
  const server = await startGrpcServer('go');
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  let sidecar: Peer | undefined;
  try {
    sidecar = await startSidecarChild(
      `admin: { address: 127.0.0.1:${adminPort} }
logging: { level: warn, accessLog: false }
listeners:
  - name: grpc-egress
    protocol: grpc
    address: 127.0.0.1:${proxyPort}
    routes: [{ match: { service: helloworld.Greeter }, cluster: greeter }]
clusters:
  - { name: greeter, protocol: grpc, endpoints: [127.0.0.1:${server.port}] }
`,
      proxyPort,
    );
    const loadBefore = loadavg()[0]!;
    await loadWindow(server.port, WARM_UP_SECONDS);
    await loadWindow(proxyPort, WARM_UP_SECONDS);
    const pids = [server.peer.child.pid!, sidecar.child.pid!];
    const rounds = Math.min(MAX_ROUNDS, Math.max(1, Math.floor(seconds / 2)));
    const direct = new PathTotals();
    const through = new PathTotals();
    for (let round = 0; round < rounds; round++) {
      await measured(pids, server.port, seconds / rounds, direct);
      await measured(pids, proxyPort, seconds / rounds, through);
    }
    const stats = processStats(sidecar.child.pid!);
    const cpuUsPerCall = (through.cpuSeconds[1]! / through.calls) * 1e6;
    const serverCpu = (totals: PathTotals): string => ((totals.cpuSeconds[0]! / totals.elapsed) * 100).toFixed(0);
    printReport(
      {
        bench: 'grpc',
        tool: 'grpc-go 1.75.1 client (test/support/grpc-go bench)',
        load: `unary SayHello(1 KiB name), 1 connection x ${CONCURRENCY} calls in flight, closed loop, ${seconds} s each as ${rounds} alternating windows, after ${WARM_UP_SECONDS} s warm-up of each path`,
        direct: direct.result(),
        sidecar: through.result(),
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: (through.cpuSeconds[1]! / through.elapsed) * 100 },
        target: 'ratio >= 0.7',
        notes: [
          `sidecar CPU per call: ${cpuUsPerCall.toFixed(1)} µs`,
          `grpc-go server CPU: ${serverCpu(direct)}% (direct) / ${serverCpu(through)}% (sidecar) of one core`,
          `server: grpc-go 1.75.1 (test/support/grpc-go server); sidecar upstream: HTTP/2 sessions multiplexed, 1 per endpoint while its stream limit allows`,
          `host: ${availableParallelism()} CPUs shared by all processes, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
          ...(direct.firstError ? [`first direct error: ${direct.firstError}`] : []),
          ...(through.firstError ? [`first sidecar error: ${through.firstError}`] : []),
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await sidecar?.stop();
    await server.peer.stop();
  }
}

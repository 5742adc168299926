/**
 * `npm run bench -- grpc`: helloworld SayHello with a 1 KiB name, unary, straight at a
 * grpc-go server, through the sidecar's gRPC listener (pass-through over HTTP/2), and
 * through a bare node:http2 relay (servers/h2-relay.ts: what node:http2 alone costs,
 * the floor under any node:http2 pass-through) and through a TCP byte pump
 * (servers/tcp-relay.ts: what one more Node process in the path costs by itself), and
 * through the HTTP/2 frame relay on its own (servers/frame-relay.ts: src/proxy/h2-frames
 * with one upstream and no filter chain, what a pass-through without node:http2 costs). The
 * load is grpc-go too
 * (test/support/grpc-go `bench`), shaped like the other RPC benches: 4 connections x 16
 * calls in flight, closed loop, every reply checked, in windows alternating between the
 * paths. The generator's own CPU is reported so a run shows whether it, rather than the
 * path measured, was the limit. PMESH_BENCH_BASELINE names another checkout's bin/pmesh.js
 * (main, say): its sidecar, with the same config, takes its own windows in the same rounds,
 * for a before/after from one run.
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
import { startSidecarChild, startTsServer } from './lib/sidecar-child.js';

const run = promisify(execFile);
const CONNECTIONS = 4;
const IN_FLIGHT_PER_CONNECTION = 16;
const MESSAGE_BYTES = 1024;
/** Long enough for V8 to have optimized the sidecar's call path: after 3 s it was still compiling (about 7% of its CPU in the windows). */
const WARM_UP_SECONDS = 6;
const MAX_ROUNDS = 5;

interface WindowResult {
  calls: number;
  errors: number;
  seconds: number;
  firstError: string;
  /** The generator's own CPU seconds in the window. */
  cpuSeconds: number;
  histogram: HistogramCounts;
}

class PathTotals {
  calls = 0;
  errors = 0;
  elapsed = 0;
  firstError = '';
  loadCpuSeconds = 0;
  readonly histogram = new LatencyHistogram();
  /** CPU seconds of [server, sidecar, h2 relay, tcp relay, frame relay, baseline sidecar] inside this path's windows. */
  readonly cpuSeconds = [0, 0, 0, 0, 0, 0];

  result(): LoadResult {
    return { rate: this.calls / this.elapsed, total: this.calls + this.errors, errors: this.errors, p50Ms: this.histogram.percentile(50), p99Ms: this.histogram.percentile(99) };
  }

  /** CPU of the watched process `index` in these windows, in % of one core. */
  cpuPercent(index: number): number {
    return (this.cpuSeconds[index]! / this.elapsed) * 100;
  }

  /** CPU µs per call of the watched process `index`. */
  cpuMicrosPerCall(index: number): number {
    return (this.cpuSeconds[index]! / Math.max(1, this.calls)) * 1e6;
  }

  get loadCpuPercent(): number {
    return (this.loadCpuSeconds / this.elapsed) * 100;
  }
}

async function loadWindow(port: number, seconds: number): Promise<WindowResult> {
  const args = ['bench', `127.0.0.1:${port}`, String(seconds), String(CONNECTIONS), String(IN_FLIGHT_PER_CONNECTION), String(MESSAGE_BYTES)];
  const { stdout } = await run(buildGoPeer(), args, { maxBuffer: 16 * 1024 * 1024 });
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
  totals.loadCpuSeconds += window.cpuSeconds;
  totals.histogram.addCounts(window.histogram);
  pids.forEach((_, i) => (totals.cpuSeconds[i]! += after[i]! - before[i]!));
}

export async function benchGrpc(seconds: number): Promise<void> {
  const server = await startGrpcServer('go');
  const [proxyPort, relayPort, pumpPort, framePort, adminPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const baselineBin = process.env.PMESH_BENCH_BASELINE;
  const [baselinePort, baselineAdminPort] = [await freePort(), await freePort()];
  let baseline: Peer | undefined;
  let sidecar: Peer | undefined;
  let relay: Peer | undefined;
  let pump: Peer | undefined;
  let frames: Peer | undefined;
  try {
    const config = (port: number, admin: number): string => `admin: { address: 127.0.0.1:${admin} }
logging: { level: warn, accessLog: false }
listeners:
  - name: grpc-egress
    protocol: grpc
    address: 127.0.0.1:${port}
    routes: [{ match: { service: helloworld.Greeter }, cluster: greeter }]
clusters:
  - { name: greeter, protocol: grpc, endpoints: [127.0.0.1:${server.port}] }
`;
    sidecar = await startSidecarChild(config(proxyPort, adminPort), proxyPort);
    if (baselineBin) baseline = await startSidecarChild(config(baselinePort, baselineAdminPort), baselinePort, baselineBin);
    relay = await startTsServer('h2-relay', join(REPO_ROOT, 'test/bench/servers/h2-relay.ts'), relayPort, [String(server.port)]);
    pump = await startTsServer('tcp-relay', join(REPO_ROOT, 'test/bench/servers/tcp-relay.ts'), pumpPort, [String(server.port)]);
    frames = await startTsServer('frame-relay', join(REPO_ROOT, 'test/bench/servers/frame-relay.ts'), framePort, [String(server.port)]);
    const loadBefore = loadavg()[0]!;
    for (const port of [server.port, proxyPort, relayPort, pumpPort, framePort]) await loadWindow(port, WARM_UP_SECONDS);
    if (baseline) await loadWindow(baselinePort, WARM_UP_SECONDS);
    const pids = [server.peer.child.pid!, sidecar.child.pid!, relay.child.pid!, pump.child.pid!, frames.child.pid!, ...(baseline ? [baseline.child.pid!] : [])];
    const rounds = Math.min(MAX_ROUNDS, Math.max(1, Math.floor(seconds / 2)));
    const direct = new PathTotals();
    const through = new PathTotals();
    const bare = new PathTotals();
    const pumped = new PathTotals();
    const framed = new PathTotals();
    const based = new PathTotals();
    for (let round = 0; round < rounds; round++) {
      await measured(pids, server.port, seconds / rounds, direct);
      await measured(pids, proxyPort, seconds / rounds, through);
      await measured(pids, relayPort, seconds / rounds, bare);
      await measured(pids, pumpPort, seconds / rounds, pumped);
      await measured(pids, framePort, seconds / rounds, framed);
      if (baseline) await measured(pids, baselinePort, seconds / rounds, based);
    }
    const baselined = based.result();
    const stats = processStats(sidecar.child.pid!);
    const relayed = bare.result();
    const bytePumped = pumped.result();
    const frameRelayed = framed.result();
    const firstError = (name: string, totals: PathTotals): string[] => (totals.firstError ? [`first ${name} error: ${totals.firstError}`] : []);
    printReport(
      {
        bench: 'grpc',
        tool: 'grpc-go 1.75.1 client (test/support/grpc-go bench)',
        load: `unary SayHello(1 KiB name), ${CONNECTIONS} connections x ${IN_FLIGHT_PER_CONNECTION} calls in flight, closed loop, every reply checked, ${seconds} s each as ${rounds} alternating windows, after ${WARM_UP_SECONDS} s warm-up of each path`,
        direct: direct.result(),
        sidecar: through.result(),
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: through.cpuPercent(1) },
        target: 'ratio >= 0.7',
        notes: [
          `sidecar CPU per call: ${through.cpuMicrosPerCall(1).toFixed(1)} µs`,
          `bare node:http2 relay (test/bench/servers/h2-relay.ts, the floor of a node:http2 pass-through): ${relayed.rate.toFixed(0)} calls/s (ratio ${(relayed.rate / direct.result().rate).toFixed(3)}), p50 ${relayed.p50Ms.toFixed(3)} ms, p99 ${relayed.p99Ms.toFixed(3)} ms, ${relayed.errors} errors; CPU ${bare.cpuMicrosPerCall(2).toFixed(1)} µs per call, ${bare.cpuPercent(2).toFixed(0)}% of one core`,
          `TCP byte pump (test/bench/servers/tcp-relay.ts, one more Node process in the path and nothing else): ${bytePumped.rate.toFixed(0)} calls/s (ratio ${(bytePumped.rate / direct.result().rate).toFixed(3)}), p50 ${bytePumped.p50Ms.toFixed(3)} ms, p99 ${bytePumped.p99Ms.toFixed(3)} ms, ${bytePumped.errors} errors; CPU ${pumped.cpuMicrosPerCall(3).toFixed(1)} µs per call`,
          `HTTP/2 frame relay alone (test/bench/servers/frame-relay.ts: src/proxy/h2-frames, one upstream, no filter chain): ${frameRelayed.rate.toFixed(0)} calls/s (ratio ${(frameRelayed.rate / direct.result().rate).toFixed(3)}), p50 ${frameRelayed.p50Ms.toFixed(3)} ms, p99 ${frameRelayed.p99Ms.toFixed(3)} ms, ${frameRelayed.errors} errors; CPU ${framed.cpuMicrosPerCall(4).toFixed(1)} µs per call`,
          ...(baseline
            ? [
                `baseline sidecar (${baselineBin}, same config): ${baselined.rate.toFixed(0)} calls/s (ratio ${(baselined.rate / direct.result().rate).toFixed(3)}), p50 ${baselined.p50Ms.toFixed(3)} ms, p99 ${baselined.p99Ms.toFixed(3)} ms, ${baselined.errors} errors; CPU ${based.cpuMicrosPerCall(5).toFixed(1)} µs per call`,
              ]
            : []),
          `grpc-go server CPU: ${direct.cpuPercent(0).toFixed(0)}% (direct) / ${through.cpuPercent(0).toFixed(0)}% (sidecar) / ${bare.cpuPercent(0).toFixed(0)}% (h2 relay) / ${pumped.cpuPercent(0).toFixed(0)}% (byte pump) of one core`,
          `load generator CPU: ${direct.loadCpuPercent.toFixed(0)}% (direct) / ${through.loadCpuPercent.toFixed(0)}% (sidecar) / ${bare.loadCpuPercent.toFixed(0)}% (h2 relay) / ${pumped.loadCpuPercent.toFixed(0)}% (byte pump) of one core`,
          `server: grpc-go 1.75.1 (test/support/grpc-go server); sidecar upstream: the frame relay's pool, streams multiplexed on 1 connection per endpoint while its stream limit allows`,
          `host: ${availableParallelism()} CPUs shared by all processes, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
          ...firstError('direct', direct),
          ...firstError('sidecar', through),
          ...firstError('h2 relay', bare),
          ...firstError('byte pump', pumped),
          ...firstError('frame relay', framed),
          ...firstError('baseline sidecar', based),
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await frames?.stop();
    await pump?.stop();
    await relay?.stop();
    await sidecar?.stop();
    await baseline?.stop();
    await server.peer.stop();
  }
}

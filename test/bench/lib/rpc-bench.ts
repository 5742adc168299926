/**
 * One RPC bench run (Bolt or Dubbo): a Java server, a sidecar child process with a
 * listener routing to it, and the same closed-loop load from a separate load
 * generator process, straight at the server, through the sidecar and through its
 * ingress listener (class scan on) and through a listener with every traffic policy on,
 * in alternating windows.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/ports.js';
import { REPO_ROOT } from '../../support/maven.js';
import type { Peer } from '../../support/process.js';
import { loadProtocol } from '../load/protocols.js';
import { LatencyHistogram } from '../load/histogram.js';
import type { LoadOptions, RpcLoadResult } from '../load/rpc-load.js';
import { startJavaServer } from './java-server.js';
import { noThreadCpu, processTreeStats, threadCpu, type ThreadCpu } from './process-stats.js';
import { printReport, type LoadResult } from './report.js';
import { rpcLoadTool, runRpcLoad } from './rpc-load.js';
import { classScanMicros } from './class-scan-cost.js';
import { startSidecarChild } from './sidecar-child.js';

export interface RpcBenchSpec {
  readonly bench: 'bolt' | 'dubbo';
  /** clients/java/<project>, its main class, the line it prints once it serves. */
  readonly javaProject: string;
  readonly mainClass: string;
  readonly ready: RegExp;
  /** Who answers, for the report. */
  readonly server: string;
  /**
   * The sidecar config: a listener on `proxy` routing to the server, and the same route on
   * an ingress listener on `ingress` (class scan on, as for calls from other hosts), and one
   * on `policies` with every traffic policy on (policiesYaml).
   */
  readonly sidecarYaml: (ports: { proxy: number; ingress: number; policies: number; admin: number; server: number }) => string;
}

const CONNECTIONS = 4;
const IN_FLIGHT_PER_CONNECTION = 16;
/** Warm-up per path: a cold JVM runs several times slower for its first seconds (C2 compiles). */
const WARM_UP_SECONDS = 5;

/** Each path's load is split into this many windows, alternated with the other path's. */
const MAX_ROUNDS = 5;

/** What one path accumulates over its windows. */
export class PathTotals {
  ok = 0;
  errors = 0;
  elapsed = 0;
  loadCpuSeconds = 0;
  firstError: string | undefined;
  readonly histogram = new LatencyHistogram();
  /** CPU seconds of the watched pids (server, sidecar) inside the windows. */
  readonly cpuSeconds: number[];
  /** The same, each pid's own threads split (main thread, other threads, kernel); not its children's. */
  readonly threads: ThreadCpu[];

  constructor(pids: number) {
    this.cpuSeconds = new Array<number>(pids).fill(0);
    this.threads = Array.from({ length: pids }, noThreadCpu);
  }

  result(): LoadResult {
    return {
      rate: this.ok / this.elapsed,
      total: this.ok + this.errors,
      errors: this.errors,
      p50Ms: this.histogram.percentile(50),
      p99Ms: this.histogram.percentile(99),
    };
  }

  cpuPercent(index: number): number {
    return (this.cpuSeconds[index]! / this.elapsed) * 100;
  }
}

/** One load window; adds its calls and each pid's CPU use over exactly the measured window to `totals`; returns the generator's result. */
export async function loadWindow(pids: readonly number[], options: LoadOptions, totals: PathTotals): Promise<RpcLoadResult> {
  let before: number[] = [];
  let after: number[] = [];
  let threadsBefore: ThreadCpu[] = [];
  let threadsAfter: ThreadCpu[] = [];
  const result = await runRpcLoad(options, {
    // Trees: with workers: N the sidecar is a primary and its workers.
    onStart: () => {
      before = pids.map((pid) => processTreeStats(pid).cpuSeconds);
      threadsBefore = pids.map(threadCpu);
    },
    onStop: () => {
      after = pids.map((pid) => processTreeStats(pid).cpuSeconds);
      threadsAfter = pids.map(threadCpu);
    },
  });
  totals.ok += result.ok;
  totals.errors += result.errors;
  totals.elapsed += result.elapsedSeconds;
  totals.loadCpuSeconds += (result.cpuPercent / 100) * result.elapsedSeconds;
  totals.firstError ??= result.firstError;
  totals.histogram.addCounts(result.histogram);
  pids.forEach((_, i) => {
    totals.cpuSeconds[i]! += after[i]! - before[i]!;
    const [sum, from, to] = [totals.threads[i]!, threadsBefore[i]!, threadsAfter[i]!];
    sum.mainUser += to.mainUser - from.mainUser;
    sum.otherUser += to.otherUser - from.otherUser;
    sum.system += to.system - from.system;
  });
  return result;
}

/**
 * The "policies" variant's listener and cluster: peak_ewma, retries on, outlier detection,
 * circuit breaker and a rate limit too high to trigger, so their cost per call shows.
 */
export function policiesYaml(protocol: 'bolt' | 'dubbo', service: string, ports: { policies: number; server: number }): { listener: string; cluster: string } {
  return {
    listener: `  - name: ${protocol}-policies
    protocol: ${protocol}
    address: 127.0.0.1:${ports.policies}
    routes:
      - match: { service: ${service} }
        cluster: echo-policies
        idempotent: true
        retry: { attempts: 3, on: [unavailable, reset, timeout, overloaded] }
        rateLimit: { perSecond: 10000000, perMethod: true }`,
    cluster: `  - name: echo-policies
    protocol: ${protocol}
    endpoints: [127.0.0.1:${ports.server}]
    balancer: peak_ewma
    outlierDetection: { consecutiveFailures: 5, successRate: { minRequests: 100 } }
    circuitBreaker: { maxRequests: 100000, maxRetries: 100 }`,
  };
}

export async function runRpcBench(spec: RpcBenchSpec, seconds: number): Promise<void> {
  // Build (and check) the request frame before starting anything.
  const { template } = loadProtocol(spec.bench);
  const frames = template.source;
  const scanMicros = classScanMicros(spec.bench, template.bytes);
  const serverPort = await freePort();
  const proxyPort = await freePort();
  const ingressPort = await freePort();
  const policiesPort = await freePort();
  const adminPort = await freePort();
  const server: Peer = await startJavaServer(spec.javaProject, spec.mainClass, [String(serverPort)], spec.ready);
  let sidecar: Peer | undefined;
  try {
    sidecar = await startSidecarChild(spec.sidecarYaml({ proxy: proxyPort, ingress: ingressPort, policies: policiesPort, admin: adminPort, server: serverPort }), proxyPort);
    const load = (port: number, duration: number): LoadOptions => ({
      protocol: spec.bench,
      host: '127.0.0.1',
      port,
      connections: CONNECTIONS,
      inFlight: IN_FLIGHT_PER_CONNECTION,
      seconds: duration,
    });
    // Other work on a shared host skews every figure; the load average says how much.
    const loadBefore = loadavg()[0]!;
    await runRpcLoad(load(serverPort, WARM_UP_SECONDS));
    await runRpcLoad(load(proxyPort, WARM_UP_SECONDS));
    await runRpcLoad(load(ingressPort, WARM_UP_SECONDS));
    await runRpcLoad(load(policiesPort, WARM_UP_SECONDS));

    // Windows alternate between the paths, so both see the same mix of whatever else
    // the host is running (a shared 2-CPU box swings by a factor of two otherwise).
    const pids = [server.child.pid!, sidecar.child.pid!];
    const rounds = Math.min(MAX_ROUNDS, Math.max(1, Math.floor(seconds / 2)));
    const direct = new PathTotals(pids.length);
    const through = new PathTotals(pids.length);
    const scanned = new PathTotals(pids.length);
    const policies = new PathTotals(pids.length);
    for (let round = 0; round < rounds; round++) {
      await loadWindow(pids, load(serverPort, seconds / rounds), direct);
      await loadWindow(pids, load(proxyPort, seconds / rounds), through);
      await loadWindow(pids, load(ingressPort, seconds / rounds), scanned);
      await loadWindow(pids, load(policiesPort, seconds / rounds), policies);
    }
    const ingress = scanned.result();
    const sidecarCpuMicrosPerCall = (totals: PathTotals): number => (totals.cpuSeconds[1]! / Math.max(1, totals.ok)) * 1e6;
    // What the traffic policies add is the difference from the plain path's CPU per call.
    const plainUs = sidecarCpuMicrosPerCall(through);
    const policiesUs = sidecarCpuMicrosPerCall(policies);
    const stats = processTreeStats(sidecar.child.pid!);
    const loadCpu = (totals: PathTotals): string => ((totals.loadCpuSeconds / totals.elapsed) * 100).toFixed(0);
    const firstError = (name: string, totals: PathTotals): string[] => (totals.firstError ? [`first ${name} error: ${totals.firstError}`] : []);
    printReport(
      {
        bench: spec.bench,
        tool: rpcLoadTool(),
        load: `echo(1 KiB String), ${CONNECTIONS} connections x ${IN_FLIGHT_PER_CONNECTION} calls in flight, closed loop, ${seconds} s each as ${rounds} alternating windows, after ${WARM_UP_SECONDS} s warm-up of each path`,
        direct: direct.result(),
        sidecar: through.result(),
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: through.cpuPercent(1) },
        target: 'ratio >= 0.7, added p99 < 0.5 ms',
        notes: [
          `load generator: ${rpcLoadTool()}, CPU ${loadCpu(direct)}% (direct) / ${loadCpu(through)}% (sidecar) of one core`,
          `Java server CPU: ${direct.cpuPercent(0).toFixed(0)}% (direct) / ${through.cpuPercent(0).toFixed(0)}% (sidecar) of one core`,
          `request frame: ${frames}`,
          `policies variant (peak_ewma, retries, outlier detection, circuit breaker, rate limit not triggering): ${policies.result().rate.toFixed(0)} calls/s, p99 ${policies.result().p99Ms.toFixed(2)} ms, ${policies.errors} errors; sidecar CPU ${plainUs.toFixed(1)} µs/call plain, ${policiesUs.toFixed(1)} µs/call with policies: +${(policiesUs - plainUs).toFixed(1)} µs (${(((policiesUs - plainUs) / plainUs) * 100).toFixed(1)} %, goal <= 10 %)`,
          `class scan alone: ${scanMicros.toFixed(2)} µs per call (codec.forEachClassName + deny list on the request frame, in-process)`,
          `through an ingress listener (class scan on): ${ingress.rate.toFixed(0)} calls/s, p50 ${ingress.p50Ms.toFixed(3)} ms, p99 ${ingress.p99Ms.toFixed(3)} ms, ${ingress.errors} errors; sidecar CPU ${sidecarCpuMicrosPerCall(scanned).toFixed(1)} µs per call vs ${sidecarCpuMicrosPerCall(through).toFixed(1)} µs on the egress listener`,
          `server: ${spec.server}, default JVM flags; sidecar upstream: 1 connection per endpoint (the default)`,
          `host: ${availableParallelism()} CPUs shared by all processes, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
          ...firstError('direct', direct),
          ...firstError('sidecar', through),
          ...firstError('ingress', scanned),
          ...firstError('policies', policies),
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await sidecar?.stop();
    await server.stop();
  }
}

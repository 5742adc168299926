/**
 * One RPC bench run (Bolt or Dubbo): a Java server, a sidecar child process with a
 * listener routing to it, and the same closed-loop load from a separate load
 * generator process, first straight at the server, then through the sidecar.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/ports.js';
import { REPO_ROOT } from '../../support/maven.js';
import type { Peer } from '../../support/process.js';
import { loadProtocol } from '../load/protocols.js';
import type { LoadOptions, RpcLoadResult } from '../load/rpc-load.js';
import { startJavaServer } from './java-server.js';
import { processStats } from './process-stats.js';
import { printReport } from './report.js';
import { rpcLoadTool, runRpcLoad } from './rpc-load.js';
import { startSidecarChild } from './sidecar-child.js';

export interface RpcBenchSpec {
  readonly bench: 'bolt' | 'dubbo';
  /** clients/java/<project>, its main class, the line it prints once it serves. */
  readonly javaProject: string;
  readonly mainClass: string;
  readonly ready: RegExp;
  /** Who answers, for the report. */
  readonly server: string;
  /** The sidecar config: a listener on proxyPort routing to the server. */
  readonly sidecarYaml: (ports: { proxy: number; admin: number; server: number }) => string;
}

const CONNECTIONS = 4;
const IN_FLIGHT_PER_CONNECTION = 16;
/** Warm-up per path: a cold JVM runs several times slower for its first seconds (C2 compiles). */
const WARM_UP_SECONDS = 5;

/** One load run, with each pid's CPU use over the generator's measured window, in % of one core. */
async function measured(pids: readonly number[], options: LoadOptions): Promise<{ result: RpcLoadResult; cpu: number[] }> {
  let before: number[] = [];
  let after: number[] = [];
  let started = 0;
  let elapsed = 0;
  const result = await runRpcLoad(options, {
    onStart() {
      before = pids.map((pid) => processStats(pid).cpuSeconds);
      started = performance.now();
    },
    onStop() {
      after = pids.map((pid) => processStats(pid).cpuSeconds);
      elapsed = (performance.now() - started) / 1000;
    },
  });
  return { result, cpu: pids.map((_, i) => ((after[i]! - before[i]!) / elapsed) * 100) };
}

export async function runRpcBench(spec: RpcBenchSpec, seconds: number): Promise<void> {
  // Build (and check) the request frame before starting anything.
  const frames = loadProtocol(spec.bench).template.source;
  const serverPort = await freePort();
  const proxyPort = await freePort();
  const adminPort = await freePort();
  const server: Peer = await startJavaServer(spec.javaProject, spec.mainClass, [String(serverPort)], spec.ready);
  let sidecar: Peer | undefined;
  try {
    sidecar = await startSidecarChild(spec.sidecarYaml({ proxy: proxyPort, admin: adminPort, server: serverPort }), proxyPort);
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

    const serverPid = server.child.pid!;
    const sidecarPid = sidecar.child.pid!;
    const direct = await measured([serverPid, sidecarPid], load(serverPort, seconds));
    const through = await measured([serverPid, sidecarPid], load(proxyPort, seconds));
    const stats = processStats(sidecarPid);
    const [serverCpuDirect, serverCpuThrough, sidecarCpu] = [direct.cpu[0]!, through.cpu[0]!, through.cpu[1]!];
    const firstError = (name: string, r: RpcLoadResult): string[] => (r.firstError ? [`first ${name} error: ${r.firstError}`] : []);
    printReport(
      {
        bench: spec.bench,
        tool: rpcLoadTool(),
        load: `echo(1 KiB String), ${CONNECTIONS} connections x ${IN_FLIGHT_PER_CONNECTION} calls in flight, closed loop, ${seconds} s each after ${WARM_UP_SECONDS} s warm-up of each path`,
        direct: direct.result,
        sidecar: through.result,
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: sidecarCpu },
        target: 'ratio >= 0.7, added p99 < 0.5 ms',
        notes: [
          `load generator: ${rpcLoadTool()}, CPU ${direct.result.cpuPercent.toFixed(0)}% (direct) / ${through.result.cpuPercent.toFixed(0)}% (sidecar) of one core`,
          `Java server CPU: ${serverCpuDirect.toFixed(0)}% (direct) / ${serverCpuThrough.toFixed(0)}% (sidecar) of one core`,
          `request frame: ${frames}`,
          `server: ${spec.server}, default JVM flags; sidecar upstream: 1 connection per endpoint (the default)`,
          `host: ${availableParallelism()} CPUs shared by all processes, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
          ...firstError('direct', direct.result),
          ...firstError('sidecar', through.result),
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await sidecar?.stop();
    await server.stop();
  }
}

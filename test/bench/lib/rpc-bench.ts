/**
 * One RPC bench run (Bolt or Dubbo): a Java server, a sidecar child process with a
 * listener routing to it, and the same closed-loop load from a separate load
 * generator process, first straight at the server, then through the sidecar.
 */
import { availableParallelism } from 'node:os';
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
/** Warm-up per path: JVM C2 and V8 both need a few seconds of traffic to settle. */
const WARM_UP_SECONDS = 3;

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
    await runRpcLoad(load(serverPort, WARM_UP_SECONDS));
    await runRpcLoad(load(proxyPort, WARM_UP_SECONDS));

    const direct = await runRpcLoad(load(serverPort, seconds));
    const pid = sidecar.child.pid!;
    const cpuBefore = processStats(pid).cpuSeconds;
    const started = performance.now();
    const through = await runRpcLoad(load(proxyPort, seconds));
    const elapsed = (performance.now() - started) / 1000;
    const stats = processStats(pid);
    const firstError = (name: string, r: RpcLoadResult): string[] => (r.firstError ? [`first ${name} error: ${r.firstError}`] : []);
    printReport(
      {
        bench: spec.bench,
        tool: rpcLoadTool(),
        load: `echo(1 KiB String), ${CONNECTIONS} connections x ${IN_FLIGHT_PER_CONNECTION} calls in flight, closed loop, ${seconds} s each after ${WARM_UP_SECONDS} s warm-up of each path`,
        direct,
        sidecar: through,
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: ((stats.cpuSeconds - cpuBefore) / elapsed) * 100 },
        target: 'ratio >= 0.7, added p99 < 0.5 ms',
        notes: [
          `load generator: ${rpcLoadTool()}, CPU ${direct.cpuPercent.toFixed(0)}% (direct) / ${through.cpuPercent.toFixed(0)}% (sidecar) of one core`,
          `request frame: ${frames}`,
          `server: ${spec.server}, default JVM flags; host has ${availableParallelism()} CPUs shared by all processes`,
          ...firstError('direct', direct),
          ...firstError('sidecar', through),
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await sidecar?.stop();
    await server.stop();
  }
}

/**
 * `npm run bench -- bolt-mtls`: the Bolt bench's echo through two sidecars (egress ->
 * ingress -> Java SOFARPC server), plaintext and mTLS between the sidecars, measured in the
 * same run as alternating windows. Reported: calls/s, p50/p99, and the CPU both sidecars
 * spend per call. Connections between the sidecars are reused, so the handshakes (counted
 * at the ingress) happen once per connection, not per call.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { makeTestCa } from '../support/mesh-ca.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import type { Peer } from '../support/process.js';
import { LatencyHistogram } from './load/histogram.js';
import type { LoadOptions } from './load/rpc-load.js';
import { startJavaServer } from './lib/java-server.js';
import { processStats } from './lib/process-stats.js';
import { printReport, type LoadResult } from './lib/report.js';
import { rpcLoadTool, runRpcLoad } from './lib/rpc-load.js';
import { startSidecarChild } from './lib/sidecar-child.js';

const SERVICE = 'com.example.EchoService:1.0';
const CONNECTIONS = 4;
const IN_FLIGHT = 16;
const WARM_UP_SECONDS = 5;
const MAX_ROUNDS = 5;

class Path {
  ok = 0;
  errors = 0;
  elapsed = 0;
  /** CPU seconds of the egress and ingress sidecars inside the windows. */
  sidecarCpu = 0;
  firstError: string | undefined;
  readonly histogram = new LatencyHistogram();

  result(): LoadResult {
    return { rate: this.ok / this.elapsed, total: this.ok + this.errors, errors: this.errors, p50Ms: this.histogram.percentile(50), p99Ms: this.histogram.percentile(99) };
  }

  microsPerCall(): number {
    return (this.sidecarCpu / Math.max(1, this.ok)) * 1e6;
  }
}

async function window(pids: readonly number[], options: LoadOptions, path: Path): Promise<void> {
  const cpu = (): number => pids.reduce((sum, pid) => sum + processStats(pid).cpuSeconds, 0);
  let before = 0;
  let after = 0;
  const result = await runRpcLoad(options, { onStart: () => (before = cpu()), onStop: () => (after = cpu()) });
  path.ok += result.ok;
  path.errors += result.errors;
  path.elapsed += result.elapsedSeconds;
  path.sidecarCpu += after - before;
  path.firstError ??= result.firstError;
  path.histogram.addCounts(result.histogram);
}

export async function benchBoltMtls(seconds: number): Promise<void> {
  const ca = await makeTestCa('bench.mesh');
  const [consumer, provider] = [await ca.issue('consumer'), await ca.issue('provider')];
  const port = { server: 0, plainIn: 0, mtlsIn: 0, plainOut: 0, mtlsOut: 0, inAdmin: 0, outAdmin: 0 };
  for (const key of Object.keys(port) as (keyof typeof port)[]) port[key] = await freePort();
  const server: Peer = await startJavaServer('sofarpc', 'com.example.Server', [String(port.server)], /READY \d+/);
  const sidecars: Peer[] = [];
  try {
    const route = (cluster: string) => `routeByRegistry: false, routes: [{ match: { service: ${SERVICE} }, cluster: ${cluster} }]`;
    sidecars.push(
      await startSidecarChild(
        `admin: { address: 127.0.0.1:${port.inAdmin} }
logging: { level: warn, accessLog: false }
identity: { certFile: ${provider.certFile}, keyFile: ${provider.keyFile}, caFile: ${ca.caFile} }
listeners:
  - { name: in-plain, protocol: bolt, address: 127.0.0.1:${port.plainIn}, ${route('echo')} }
  - { name: in-mtls, protocol: bolt, address: 127.0.0.1:${port.mtlsIn}, tls: { mode: strict }, ${route('echo')} }
clusters:
  - { name: echo, protocol: bolt, endpoints: [127.0.0.1:${port.server}] }
`,
        port.mtlsIn,
      ),
    );
    sidecars.push(
      await startSidecarChild(
        `admin: { address: 127.0.0.1:${port.outAdmin} }
logging: { level: warn, accessLog: false }
identity: { certFile: ${consumer.certFile}, keyFile: ${consumer.keyFile}, caFile: ${ca.caFile} }
listeners:
  - { name: out-plain, protocol: bolt, address: 127.0.0.1:${port.plainOut}, ${route('plain')} }
  - { name: out-mtls, protocol: bolt, address: 127.0.0.1:${port.mtlsOut}, ${route('mtls')} }
clusters:
  - { name: plain, protocol: bolt, mtls: off, endpoints: [127.0.0.1:${port.plainIn}] }
  - { name: mtls, protocol: bolt, mtls: on, endpoints: [127.0.0.1:${port.mtlsIn}] }
`,
        port.mtlsOut,
      ),
    );
    const load = (target: number, duration: number): LoadOptions => ({ protocol: 'bolt', host: '127.0.0.1', port: target, connections: CONNECTIONS, inFlight: IN_FLIGHT, seconds: duration });
    const loadBefore = loadavg()[0]!;
    await runRpcLoad(load(port.plainOut, WARM_UP_SECONDS));
    await runRpcLoad(load(port.mtlsOut, WARM_UP_SECONDS));
    const pids = sidecars.map((peer) => peer.child.pid!);
    const rounds = Math.min(MAX_ROUNDS, Math.max(1, Math.floor(seconds / 2)));
    const plain = new Path();
    const mtls = new Path();
    for (let round = 0; round < rounds; round++) {
      await window(pids, load(port.plainOut, seconds / rounds), plain);
      await window(pids, load(port.mtlsOut, seconds / rounds), mtls);
    }
    const metrics = await (await request(`http://127.0.0.1:${port.inAdmin}/metrics`)).body.text();
    const handshakes = Number(/^pmesh_tls_connections_total\{listener="in-mtls",outcome="mtls"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
    const egress = processStats(pids[0]!);
    printReport(
      {
        bench: 'bolt-mtls',
        tool: rpcLoadTool(),
        load: `echo(1 KiB String) through two sidecars, ${CONNECTIONS} connections x ${IN_FLIGHT} calls in flight, closed loop, ${seconds} s per path as ${rounds} alternating windows, after ${WARM_UP_SECONDS} s warm-up of each`,
        // "direct" is the plaintext two-sidecar path here, "sidecar" the mTLS one: the ratio is what mTLS keeps.
        direct: plain.result(),
        sidecar: mtls.result(),
        sidecarProcess: { rssMiB: egress.rssMiB, peakRssMiB: egress.peakRssMiB, cpuPercent: (mtls.sidecarCpu / mtls.elapsed) * 100 },
        target: 'mTLS keeps >= 0.8 of plaintext calls/s; handshakes once per connection, not per call',
        notes: [
          'rows: "direct" = two sidecars in plaintext, "sidecar" = two sidecars in mTLS (TLS 1.3, ECDSA P-256)',
          `both sidecars' CPU per call: ${plain.microsPerCall().toFixed(1)} µs plaintext, ${mtls.microsPerCall().toFixed(1)} µs mTLS (+${(mtls.microsPerCall() - plain.microsPerCall()).toFixed(1)} µs)`,
          `mTLS handshakes at the ingress over the whole run: ${handshakes} (for ${mtls.ok + mtls.errors} calls)`,
          `server: Java SOFARPC 5.13.2 Bolt server (clients/java/sofarpc com.example.Server); sidecar upstream: 1 connection per endpoint`,
          `host: ${availableParallelism()} CPUs shared by all processes, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
          ...(plain.firstError ? [`first plaintext error: ${plain.firstError}`] : []),
          ...(mtls.firstError ? [`first mTLS error: ${mtls.firstError}`] : []),
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    for (const peer of sidecars) await peer.stop();
    await server.stop();
  }
}

/**
 * `npm run bench -- tracing`: what tracing costs per call. Three sidecars in the same
 * run, each a child process passing SOFARPC echo(1 KiB String) through to the Java
 * SOFARPC server: tracing off, on at 1 % sampling, on at 100 % (spans exported over
 * OTLP/HTTP to a sink in this process that answers 200). Their load windows alternate, so
 * all three see the same mix of whatever else the host runs. Bolt is the dearest place to
 * propagate: each attempt rewrites the frame's header map (W3C plus SOFATracer's fields).
 * Reported: each sidecar's CPU µs per call, and what tracing adds over "off". Off has no
 * tracing filter in its stack and never loads the SDK (src/tracing is imported lazily).
 */
import { createServer, type Server } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import type { Peer } from '../support/process.js';
import type { LoadOptions } from './load/rpc-load.js';
import { startJavaServer } from './lib/java-server.js';
import { processStats } from './lib/process-stats.js';
import { printReport } from './lib/report.js';
import { PathTotals, loadWindow } from './lib/rpc-bench.js';
import { rpcLoadTool, runRpcLoad } from './lib/rpc-load.js';
import { startSidecarChild } from './lib/sidecar-child.js';

const SERVICE = 'com.example.EchoService:1.0';
const CONNECTIONS = 4;
const IN_FLIGHT_PER_CONNECTION = 16;
const WARM_UP_SECONDS = 5;
const MAX_ROUNDS = 5;

/** An OTLP/HTTP collector that keeps nothing: counts requests and bytes, answers 200. */
function startSink(port: number): Promise<{ server: Server; requests: () => number; bytes: () => number }> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    requests++;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, requests: () => requests, bytes: () => bytes })));
}

function sidecarYaml(proxy: number, admin: number, server: number, tracing: string): string {
  return `admin: { address: 127.0.0.1:${admin} }
logging: { level: warn, accessLog: false }
${tracing}
listeners:
  - { name: bolt-egress, protocol: bolt, address: 127.0.0.1:${proxy}, routes: [{ match: { service: ${SERVICE} }, cluster: echo }] }
clusters:
  - { name: echo, protocol: bolt, endpoints: [127.0.0.1:${server}] }
`;
}

export async function benchTracing(seconds: number): Promise<void> {
  const serverPort = await freePort();
  const sinkPort = await freePort();
  const sink = await startSink(sinkPort);
  const otlp = `otlp: { endpoint: "http://127.0.0.1:${sinkPort}/v1/traces" }`;
  const variants = [
    { name: 'off', tracing: '' },
    { name: '1 %', tracing: `tracing: { sampler: 0.01, ${otlp} }` },
    { name: '100 %', tracing: `tracing: { sampler: 1, ${otlp} }` },
  ];
  const server: Peer = await startJavaServer('sofarpc', 'com.example.Server', [String(serverPort)], /READY \d+/);
  const sidecars: Array<{ name: string; port: number; peer: Peer; totals: PathTotals }> = [];
  try {
    for (const variant of variants) {
      const [port, admin] = [await freePort(), await freePort()];
      const peer = await startSidecarChild(sidecarYaml(port, admin, serverPort, variant.tracing), port);
      sidecars.push({ name: variant.name, port, peer, totals: new PathTotals(1) });
    }
    const load = (port: number, duration: number): LoadOptions => ({
      protocol: 'bolt', host: '127.0.0.1', port, connections: CONNECTIONS, inFlight: IN_FLIGHT_PER_CONNECTION, seconds: duration,
    });
    const loadBefore = loadavg()[0]!;
    for (const sidecar of sidecars) await runRpcLoad(load(sidecar.port, WARM_UP_SECONDS));
    const rounds = Math.min(MAX_ROUNDS, Math.max(1, Math.floor(seconds / 2)));
    for (let round = 0; round < rounds; round++) {
      for (const sidecar of sidecars) await loadWindow([sidecar.peer.child.pid!], load(sidecar.port, seconds / rounds), sidecar.totals);
    }
    const micros = (totals: PathTotals): number => (totals.cpuSeconds[0]! / Math.max(1, totals.ok)) * 1e6;
    const [off, one, all] = sidecars as [typeof sidecars[0], typeof sidecars[0], typeof sidecars[0]];
    const offUs = micros(off.totals);
    const added = (s: typeof off): string => {
      const us = micros(s.totals);
      return `${us.toFixed(1)} µs/call, +${(us - offUs).toFixed(1)} µs (${(((us - offUs) / offUs) * 100).toFixed(1)} %)`;
    };
    const stats = processStats(all.peer.child.pid!);
    printReport(
      {
        bench: 'tracing',
        tool: rpcLoadTool(),
        load: `SOFARPC echo(1 KiB String) through three sidecars (tracing off, 1 %, 100 %), ${CONNECTIONS} connections x ${IN_FLIGHT_PER_CONNECTION} calls in flight, ${seconds} s each as ${rounds} alternating windows, after ${WARM_UP_SECONDS} s warm-up each`,
        direct: off.totals.result(),
        sidecar: all.totals.result(),
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: all.totals.cpuPercent(0) },
        target: 'added CPU <= 5 % per call at 1 % sampling; nothing when off',
        notes: [
          '"direct" above is the sidecar with tracing off, "sidecar" the one at 100 %',
          `sidecar CPU per call: off ${offUs.toFixed(1)} µs; 1 % sampling ${added(one)}; 100 % sampling ${added(all)}`,
          `1 %: ${one.totals.result().rate.toFixed(0)} calls/s, p99 ${one.totals.result().p99Ms.toFixed(2)} ms, ${one.totals.errors} errors`,
          `exported to the sink: ${sink.requests()} OTLP requests, ${(sink.bytes() / 1024 / 1024).toFixed(1)} MiB`,
          `host: ${availableParallelism()} CPUs shared by all processes, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    for (const sidecar of sidecars) await sidecar.peer.stop();
    await server.stop();
    sink.server.close();
  }
}

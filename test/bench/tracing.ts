/**
 * `npm run bench -- tracing`: what tracing and the tap cost per call. Four sidecars in the
 * same run, each a child process passing SOFARPC echo(1 KiB String) through to the Java
 * SOFARPC server: tracing off; on at 1 % sampling; on at 100 % (spans exported over
 * OTLP/HTTP to a sink in this process that answers 200); and tracing off with the
 * dashboard's tap open (a Server-Sent Events stream on /ui/api/tap, read and discarded).
 * Their load windows are interleaved, round after round, so all four see the same mix of
 * whatever else the host runs. The caller is SOFARPC's Java client's request, with
 * SOFATracer's fields in the Bolt header map and a trace id of its own per call, as a
 * SOFARPC app with SOFATracer sends (load/protocols.ts, bolt-traces): the sidecar samples
 * such calls by trace id, 1 % of them, and forwards the other 99 % as they came. Reported: each sidecar's CPU µs per call over all its windows, what each adds
 * over "off" (also as the median of the per-round differences, which a load swing moves
 * less), and the in-process tracing work per call (test/bench/lib/tracing-work.ts). Off
 * has no tracing filter in its stack and never loads the SDK (src/tracing is imported lazily).
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
import { tracingWorkPerCall } from './lib/tracing-work.js';

const SERVICE = 'com.example.EchoService:1.0';
const CONNECTIONS = 4;
const IN_FLIGHT_PER_CONNECTION = 16;
const WARM_UP_SECONDS = 5;
const MAX_ROUNDS = 10;

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

/** Opens the dashboard's tap stream on `admin` and reads it until the returned function is called; counts events. */
async function openTap(admin: number): Promise<{ events: () => number; close: () => void }> {
  const abort = new AbortController();
  const response = await fetch(`http://127.0.0.1:${admin}/ui/api/tap`, { signal: abort.signal });
  if (!response.ok || !response.body) throw new Error(`tap: HTTP ${response.status}`);
  let events = 0;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      events += decoder.decode(value, { stream: true }).split('\n\n').length - 1;
    }
  })();
  return { events: () => events, close: () => abort.abort() };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function benchTracing(seconds: number): Promise<void> {
  const serverPort = await freePort();
  const sinkPort = await freePort();
  const sink = await startSink(sinkPort);
  const otlp = `otlp: { endpoint: "http://127.0.0.1:${sinkPort}/v1/traces" }`;
  const variants = [
    { name: 'off', tracing: '', tap: false },
    { name: '1 %', tracing: `tracing: { sampler: 0.01, ${otlp} }`, tap: false },
    { name: '100 %', tracing: `tracing: { sampler: 1, ${otlp} }`, tap: false },
    { name: 'tap open', tracing: '', tap: true },
  ];
  const loadBefore = loadavg();
  const workBefore = await tracingWorkPerCall(0.01);
  const server: Peer = await startJavaServer('sofarpc', 'com.example.Server', [String(serverPort)], /READY \d+/);
  const sidecars: Array<{ name: string; port: number; admin: number; peer: Peer; totals: PathTotals; rounds: number[] }> = [];
  let tap: Awaited<ReturnType<typeof openTap>> | undefined;
  try {
    for (const variant of variants) {
      const [port, admin] = [await freePort(), await freePort()];
      const peer = await startSidecarChild(sidecarYaml(port, admin, serverPort, variant.tracing), port);
      sidecars.push({ name: variant.name, port, admin, peer, totals: new PathTotals(1), rounds: [] });
      if (variant.tap) tap = await openTap(admin);
    }
    const load = (port: number, duration: number): LoadOptions => ({
      protocol: 'bolt-traces', host: '127.0.0.1', port, connections: CONNECTIONS, inFlight: IN_FLIGHT_PER_CONNECTION, seconds: duration,
    });
    for (const sidecar of sidecars) await runRpcLoad(load(sidecar.port, WARM_UP_SECONDS));
    const rounds = Math.min(MAX_ROUNDS, Math.max(1, Math.floor(seconds / 2)));
    for (let round = 0; round < rounds; round++) {
      // Each round in a different order, so no variant always follows the same one.
      const order = sidecars.map((_, i) => sidecars[(i + round) % sidecars.length]!);
      for (const sidecar of order) {
        const window = new PathTotals(1);
        await loadWindow([sidecar.peer.child.pid!], load(sidecar.port, seconds / rounds), window);
        sidecar.rounds.push(micros(window));
        merge(sidecar.totals, window);
      }
    }
    const loadAfter = loadavg();
    const workAfter = await tracingWorkPerCall(0.01);
    const [off, one, all] = sidecars as [typeof sidecars[0], typeof sidecars[0], typeof sidecars[0]];
    const offUs = micros(off.totals);
    const column = (s: typeof off): string => {
      const us = micros(s.totals);
      const paired = median(s.rounds.map((value, i) => value - off.rounds[i]!));
      return `${s.name.padEnd(8)} ${us.toFixed(1).padStart(7)} µs/call  +${(us - offUs).toFixed(1).padStart(6)} µs (${(((us - offUs) / offUs) * 100).toFixed(1).padStart(5)} %)  median per round +${paired.toFixed(1)} µs (${((paired / median(off.rounds)) * 100).toFixed(1)} %)  ${s.totals.result().rate.toFixed(0)} calls/s, p99 ${s.totals.result().p99Ms.toFixed(2)} ms, ${s.totals.errors} errors`;
    };
    const onePaired = median(one.rounds.map((value, i) => value - off.rounds[i]!)) / median(off.rounds);
    const stats = processStats(all.peer.child.pid!);
    printReport(
      {
        bench: 'tracing',
        tool: rpcLoadTool(),
        load: `SOFARPC echo(1 KiB String, SOFATracer fields with a trace id per call) through four sidecars (tracing off, 1 %, 100 %, tap open), ${CONNECTIONS} connections x ${IN_FLIGHT_PER_CONNECTION} calls in flight, ${seconds} s each as ${rounds} interleaved windows, after ${WARM_UP_SECONDS} s warm-up each`,
        direct: off.totals.result(),
        sidecar: one.totals.result(),
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: all.totals.cpuPercent(0) },
        target: 'added CPU <= 5 % per call at 1 % sampling; nothing when off',
        notes: [
          '"direct" above is the sidecar with tracing off, "sidecar" the one at 1 %; process figures are the 100 % one\'s',
          'sidecar CPU per call, and what each adds over "off":',
          ...sidecars.map((s) => `  ${column(s)}`),
          `1 % sampling against the goal: +${(onePaired * 100).toFixed(1)} % (median per round) -> ${onePaired <= 0.05 ? 'met' : 'NOT met'} (goal <= 5 %)`,
          `tracing work per call in process (filters only, 1 % sampling, Bolt): with SOFATracer context ${workBefore.withContext.toFixed(1)} / ${workAfter.withContext.toFixed(1)} µs, with none ${workBefore.withoutContext.toFixed(1)} / ${workAfter.withoutContext.toFixed(1)} µs (measured before / after the load windows)`,
          `tap: ${tap?.events() ?? 0} events received by the open stream`,
          `exported to the sink: ${sink.requests()} OTLP requests, ${(sink.bytes() / 1024 / 1024).toFixed(1)} MiB`,
          `host: ${availableParallelism()} CPUs shared by all processes, load average (1/5/15 min) ${loadBefore.map((l) => l.toFixed(1)).join('/')} before, ${loadAfter.map((l) => l.toFixed(1)).join('/')} after`,
        ],
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    tap?.close();
    for (const sidecar of sidecars) await sidecar.peer.stop();
    await server.stop();
    sink.server.close();
  }
}

function micros(totals: PathTotals): number {
  return (totals.cpuSeconds[0]! / Math.max(1, totals.ok)) * 1e6;
}

function merge(into: PathTotals, window: PathTotals): void {
  into.ok += window.ok;
  into.errors += window.errors;
  into.elapsed += window.elapsed;
  into.loadCpuSeconds += window.loadCpuSeconds;
  into.firstError ??= window.firstError;
  into.histogram.addCounts(window.histogram.toJSON());
  into.cpuSeconds[0]! += window.cpuSeconds[0]!;
}

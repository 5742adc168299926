/**
 * `npm run bench -- heap [seconds]`: what `heap.maxSemiSpaceMiB` trades. One sidecar per
 * cap, all proxying Bolt calls (SOFARPC echo of 1 KiB, 4 connections x 16 in flight, the
 * compare bench's load) to the same Java server, in alternating windows so every cap sees
 * the same host. Per cap: calls/s, the sidecar's CPU per call, and its RSS (peak and at the
 * end). 16 MiB is V8's own maximum: no cap. PMESH_BENCH_CAPS picks the caps.
 * At the end, what the RSS holds, from the sidecar's own /metrics (prom-client's default
 * metrics): V8's new and old spaces as committed, and external memory (mostly ArrayBuffers:
 * bytes read or written, freed by the scavenge that finds them dead), and what the RSS held
 * when it peaked, from /proc/<pid>/smaps read every second (lib/rss-parts.ts).
 * PMESH_BENCH_HEAP_VARIANTS="pool1=--v8-pool-size=1;arenas1=MALLOC_ARENA_MAX=1;main=pmesh=/work/base/bin/pmesh.js" adds, at
 * the first cap (8 when PMESH_BENCH_CAPS is empty: no cap rows), one sidecar per variant: `--` words are node options for it, NAME=value
 * words its environment (what `pmesh start` cannot set from inside, measured before deciding).
 * PMESH_BENCH_IDLE_S (15) seconds after the load, the RSS parts are read again.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import type { Peer } from '../support/process.js';
import type { LoadOptions } from './load/rpc-load.js';
import { startJavaServer } from './lib/java-server.js';
import { processStats } from './lib/process-stats.js';
import { countGcs, describeGcs, noGcs, type GcCounts } from './lib/gc-trace.js';
import { PathTotals, loadWindow } from './lib/rpc-bench.js';
import { rpcLoadTool, runRpcLoad } from './lib/rpc-load.js';
import { startSidecarChild, type SidecarExtras } from './lib/sidecar-child.js';
import { describeRssParts, rssParts, type RssParts } from './lib/rss-parts.js';

const MiB = 1024 * 1024;

/** New space, old space (committed) and external memory in MiB, from a sidecar's /metrics. */
async function heapParts(admin: number): Promise<{ newMiB: number; oldMiB: number; externalMiB: number }> {
  const text = await new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port: admin, path: '/metrics', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? NaN) / MiB;
  return {
    newMiB: value(/^pmesh_nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)$/m),
    oldMiB: value(/^pmesh_nodejs_heap_space_size_total_bytes\{space="old"\} (\S+)$/m),
    externalMiB: value(/^pmesh_nodejs_external_memory_bytes (\S+)$/m),
  };
}

/** PMESH_BENCH_CAPS="8,16" measures only those (more windows each in the same time). */
const CAPS_MIB = (process.env.PMESH_BENCH_CAPS ?? '1,2,4,8,16').split(',').filter(Boolean).map(Number);
/** The cap of PMESH_BENCH_HEAP_VARIANTS's sidecars: the first of PMESH_BENCH_CAPS (none given: the config's default). */
const VARIANT_CAP_MIB = CAPS_MIB[0] ?? 8;
const SERVICE = 'com.example.EchoService:1.0';
const WARM_UP_SECONDS = 3;
const ROUNDS = 6;
/** PMESH_BENCH_IDLE_S: how long after the last window the RSS is read again. */
const IDLE_SECONDS = Number(process.env.PMESH_BENCH_IDLE_S ?? 15);

/** PMESH_BENCH_HEAP_VARIANTS: label=words;label=words, each word a node option (`--x`), `pmesh=<another checkout's bin/pmesh.js>` or NAME=value. */
function variantsFromEnv(): Array<{ label: string; pmesh: string | undefined; extras: SidecarExtras }> {
  return (process.env.PMESH_BENCH_HEAP_VARIANTS ?? '')
    .split(';')
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      const words = entry.slice(at + 1).split(' ').filter(Boolean);
      const pmesh = words.find((word) => word.startsWith('pmesh='))?.slice('pmesh='.length);
      const envWords = words.filter((word) => !word.startsWith('--') && !word.startsWith('pmesh='));
      const env = Object.fromEntries(envWords.map((word) => word.split('=', 2) as [string, string]));
      return { label: entry.slice(0, at), pmesh, extras: { nodeArgs: words.filter((word) => word.startsWith('--')), env } };
    });
}

interface Variant {
  readonly label: string;
  readonly capMiB: number;
  readonly port: number;
  readonly admin: number;
  readonly sidecar: Peer;
  readonly totals: PathTotals;
  /** GCs inside the windows, with PMESH_BENCH_NODE_ARGS="--trace-gc --trace-incremental-marking". */
  readonly gcs: GcCounts;
  /** The smaps reading with the largest RSS. */
  peak?: RssParts;
}

function sidecarYaml(capMiB: number, port: number, admin: number, server: number): string {
  return `admin: { address: 127.0.0.1:${admin} }
logging: { level: warn, accessLog: false }
heap: { maxSemiSpaceMiB: ${capMiB} }
listeners:
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:${port}
    routes: [{ match: { service: ${SERVICE} }, cluster: echo }]
clusters:
  - { name: echo, protocol: bolt, endpoints: [127.0.0.1:${server}] }
`;
}

export async function benchHeap(seconds: number): Promise<void> {
  const serverPort = await freePort();
  const server = await startJavaServer('sofarpc', 'com.example.Server', [String(serverPort)], /READY \d+/);
  const variants: Variant[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const kinds = [
      ...CAPS_MIB.map((capMiB) => ({ label: `cap ${capMiB}`, capMiB, pmesh: undefined, extras: {} })),
      ...variantsFromEnv().map((variant) => ({ ...variant, capMiB: VARIANT_CAP_MIB })),
    ];
    for (const { label, capMiB, pmesh, extras } of kinds) {
      const [port, admin] = [await freePort(), await freePort()];
      const sidecar = await startSidecarChild(sidecarYaml(capMiB, port, admin, serverPort), port, pmesh, extras);
      variants.push({ label, capMiB, port, admin, sidecar, totals: new PathTotals(1), gcs: noGcs() });
    }
    sampler = setInterval(() => {
      for (const variant of variants) {
        const parts = rssParts(variant.sidecar.child.pid!);
        if (!variant.peak || parts.rssMiB > variant.peak.rssMiB) variant.peak = parts;
      }
    }, 1_000);
    const load = (port: number, duration: number): LoadOptions => ({ protocol: 'bolt', host: '127.0.0.1', port, connections: 4, inFlight: 16, seconds: duration });
    const loadBefore = loadavg()[0]!;
    await runRpcLoad(load(serverPort, WARM_UP_SECONDS));
    for (const variant of variants) await runRpcLoad(load(variant.port, WARM_UP_SECONDS));
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of variants) {
        const from = variant.sidecar.output().length;
        await loadWindow([variant.sidecar.child.pid!], load(variant.port, seconds / ROUNDS), variant.totals);
        countGcs(variant.sidecar.output().slice(from), variant.gcs);
      }
    }
    clearInterval(sampler);
    const rows = [];
    for (const variant of variants) {
      const stats = processStats(variant.sidecar.child.pid!);
      const result = variant.totals.result();
      rows.push({
        label: variant.label,
        capMiB: variant.capMiB,
        callsPerSecond: result.rate,
        p99Ms: result.p99Ms,
        errors: result.errors,
        cpuMicrosPerCall: (variant.totals.cpuSeconds[0]! / Math.max(1, variant.totals.ok)) * 1e6,
        peakRssMiB: stats.peakRssMiB,
        endRssMiB: stats.rssMiB,
        ...(await heapParts(variant.admin)),
      });
    }
    // What each sidecar gives back once the load stops (V8's memory reducer, glibc's trimming).
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idle = variants.map((variant) => rssParts(variant.sidecar.child.pid!));
    const lines = [
      `bench heap: heap.maxSemiSpaceMiB under Bolt load (echo 1 KiB, 4 connections x 16 in flight, ${rpcLoadTool()}), ${seconds} s per cap in ${ROUNDS} alternating windows`,
      '  variant      calls/s   p99 ms   CPU us/call   peak RSS MiB   RSS at end MiB   of it: new space  old space  external   errors',
      ...rows.map(
        (row) =>
          `  ${row.label.padEnd(10)} ${row.callsPerSecond.toFixed(0).padStart(9)} ${row.p99Ms.toFixed(2).padStart(8)} ${row.cpuMicrosPerCall.toFixed(1).padStart(13)} ${row.peakRssMiB.toFixed(1).padStart(14)} ${row.endRssMiB.toFixed(1).padStart(16)} ${row.newMiB.toFixed(1).padStart(17)} ${row.oldMiB.toFixed(1).padStart(10)} ${row.externalMiB.toFixed(1).padStart(9)} ${String(row.errors).padStart(8)}`,
      ),
      // With PMESH_BENCH_NODE_ARGS="--trace-gc --trace-incremental-marking": the GCs inside the windows, per cap.
      ...variants.filter((variant) => variant.gcs.scavenges > 0).map((variant) => `  ${variant.label}: ${describeGcs(variant.gcs, variant.totals.ok)}`),
      ...variants.filter((variant) => variant.totals.firstError).map((variant) => `  ${variant.label}: first error: ${variant.totals.firstError}`),
      ...variants.filter((variant) => variant.peak).map((variant) => `  ${variant.label} at its sampled peak: ${describeRssParts(variant.peak!)}`),
      ...variants.map((variant, i) => `  ${variant.label} ${IDLE_SECONDS} s after the load: ${describeRssParts(idle[i]!)}`),
      `  16 MiB is V8's own maximum (no cap); host: ${availableParallelism()} CPUs, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const dir = join(REPO_ROOT, 'test/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bench-heap.json'), `${JSON.stringify({ bench: 'heap', seconds, rows, node: process.version, at: new Date().toISOString() }, null, 2)}\n`);
  } finally {
    clearInterval(sampler);
    for (const variant of variants) await variant.sidecar.stop();
    await server.stop();
  }
}

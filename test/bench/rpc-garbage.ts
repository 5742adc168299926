/**
 * `node --import tsx test/bench/run.ts rpc-garbage [seconds] [bolt|dubbo...]`: what one Bolt
 * or Dubbo pass-through call allocates in the sidecar, and where. The sidecar runs in this
 * process (the real listener, filter chain, cluster and multiplexed upstream, from a config
 * as `pmesh start` reads it); a fake upstream and the load (4 connections x 16 in flight,
 * 1 KiB echo) run in a worker thread, an isolate of their own, so this isolate's heap holds
 * only the sidecar's objects. Per protocol it prints, over measured windows: scavenges per
 * 1,000 calls, the main thread's CPU per call (the worker's excluded), the bytes allocated
 * per call (V8's sampling heap profiler, objects the young generation collected included),
 * and the allocation sites that make most of them.
 *
 * `PMESH_BENCH_TRACING="{ sampler: 0.01 }"` gives the sidecar that `tracing` section (no
 * exporter needed) and Bolt's load a SOFATracer trace id per call, as the tracing bench's
 * load has: what tracing adds to a call's garbage, sampled or not.
 *
 * `PMESH_BENCH_SRC=/other/checkout/src` runs another checkout's sidecar code under this
 * bench (a before/after). Run it with `node --enable-source-maps` to have the sites named
 * by their TypeScript source line (the line a function starts on).
 */
import { existsSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap, createRequire, findSourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Socket } from 'node:net';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { freePort } from '../support/ports.js';
import { waitForPort } from '../support/process.js';

const CONNECTIONS = 4;
const IN_FLIGHT = 16;
const WARM_UP_SECONDS = 3;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** utime + stime of this process's main thread, in seconds (Linux /proc). */
function mainThreadCpuSeconds(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The source map of a module: the bench's bundle's from its file beside it, tsx's from Node (--enable-source-maps). */
function sourceMapOf(url: string): SourceMap | undefined {
  if (!sourceMaps.has(url)) {
    const file = `${fileURLToPath(url)}.map`;
    sourceMaps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as SourceMapPayload) : findSourceMap(url));
  }
  return sourceMaps.get(url);
}

/** The allocation sites, each as `function file:line`, by bytes. */
function sites(profile: ProfileNode): Map<string, number> {
  const bySite = new Map<string, number>();
  const walk = (node: ProfileNode): void => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber, columnNumber } = node.callFrame;
      // Sources run through tsx, or a bundle: the line in the TypeScript source, where a source map says it (node --enable-source-maps).
      const entry = (url.startsWith('file:') ? sourceMapOf(url)?.findEntry(lineNumber, columnNumber) : undefined) as
        | { originalSource?: string; originalLine?: number }
        | undefined;
      const place = entry?.originalLine !== undefined ? `${entry.originalSource}:${entry.originalLine + 1}` : `${url}:${lineNumber + 1}`;
      const key = `${functionName || '(anonymous)'} ${place.replace(/^.*?\/(src|node_modules|test)\//, '$1/')}`;
      bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child);
  };
  walk(profile);
  return bySite;
}

/**
 * The sidecar's code as `npm run build` ships it: bundled by esbuild without keepNames (tsx
 * keeps names, which costs a defineProperty per named closure and would count garbage the
 * built sidecar does not make). Bundled from PMESH_BENCH_SRC's checkout, or this one; node_modules stay imports.
 */
async function sidecarCode(): Promise<typeof import('../../src/main.js')> {
  const root = process.env.PMESH_BENCH_SRC ? join(process.env.PMESH_BENCH_SRC, '..') : new URL('../..', import.meta.url).pathname;
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as typeof import('esbuild');
  // Beside this checkout's node_modules whichever checkout is bundled (the other is only read).
  const outdir = join(new URL('../..', import.meta.url).pathname, '.cache', 'bench-rpc-garbage', process.env.PMESH_BENCH_SRC ? 'other' : 'this');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'src/main.ts' },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  return (await import(pathToFileURL(join(outdir, 'main.js')).href)) as typeof import('../../src/main.js');
}

async function measure(protocol: 'bolt' | 'dubbo', seconds: number): Promise<void> {
  const tracing = process.env.PMESH_BENCH_TRACING;
  const counter = new Int32Array(new SharedArrayBuffer(4));
  // A worker's entry module is loaded before --import runs in it, so tsx is registered first by hand.
  const tsx = import.meta.resolve('tsx/esm/api');
  const peers = new URL('./lib/rpc-garbage-peers.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(peers)}, ${JSON.stringify(peers)}))`, {
    eval: true,
    workerData: { protocol, requests: tracing && protocol === 'bolt' ? 'bolt-traces' : protocol, connections: CONNECTIONS, inFlight: IN_FLIGHT, counter },
  });
  const { upstreamPort } = await new Promise<{ upstreamPort: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const port = await freePort();
  const service = protocol === 'bolt' ? 'com.example.EchoService:1.0' : 'com.example.EchoService';
  const yaml = `admin: { address: 127.0.0.1:${await freePort()} }
logging: { level: warn, accessLog: false }
listeners:
  - name: ${protocol}-egress
    protocol: ${protocol}
    address: 127.0.0.1:${port}
    routes: [{ match: { service: ${service} }, cluster: echo }]
clusters:
  - { name: echo, protocol: ${protocol}, endpoints: [127.0.0.1:${upstreamPort}] }
${tracing ? `tracing: ${tracing}\n` : ''}`;
  const path = join(mkdtempSync(join(tmpdir(), 'pmesh-garbage-')), 'pmesh.yaml');
  writeFileSync(path, yaml);
  const { run } = await sidecarCode();
  const running = await run(path);
  try {
    await waitForPort(port);
    worker.postMessage({ sidecarPort: port });
    await sleep(WARM_UP_SECONDS * 1000);

    // Window 1: scavenges and CPU, nothing else watching.
    let scavenges = 0;
    let markCompacts = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail: { kind: number } }).detail.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
        else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) markCompacts++;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    const calls0 = Atomics.load(counter, 0);
    const cpu0 = mainThreadCpuSeconds();
    const t0 = performance.now();
    await sleep((seconds * 1000) / 2);
    const calls = Atomics.load(counter, 0) - calls0;
    const cpu = mainThreadCpuSeconds() - cpu0;
    const elapsed = (performance.now() - t0) / 1000;
    await sleep(50);
    observer.disconnect();

    // Window 2: the sampling heap profiler, collected objects included.
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    // Socket reads (data events) counted in this window, not the timed one: counting wraps emit.
    let reads = 0;
    const emit = Socket.prototype.emit;
    Socket.prototype.emit = function countReads(this: Socket, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'data') reads++;
      return Reflect.apply(emit, this, [event, ...args]) as boolean;
    };
    const calls1 = Atomics.load(counter, 0);
    await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    await sleep((seconds * 1000) / 2);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
    const sampledCalls = Atomics.load(counter, 0) - calls1;
    Socket.prototype.emit = emit;
    session.disconnect();

    const bySite = [...sites(profile.head)].sort((a, b) => b[1] - a[1]);
    const total = bySite.reduce((sum, [, bytes]) => sum + bytes, 0);
    const out = (line: string): boolean => process.stdout.write(`${line}\n`);
    out(`${protocol}: ${calls} calls in ${elapsed.toFixed(1)} s (${Math.round(calls / elapsed)}/s); main thread ${((cpu / calls) * 1e6).toFixed(1)} µs CPU per call; ` +
      `${((scavenges / calls) * 1000).toFixed(2)} scavenges and ${((markCompacts / calls) * 1000).toFixed(3)} mark-compacts per 1,000 calls`);
    out(`  allocated: ${Math.round(total / sampledCalls)} bytes per call (sampled over ${sampledCalls} calls); ${(reads / sampledCalls).toFixed(2)} socket reads per call (both sides); top sites, bytes per call:`);
    for (const [site, bytes] of bySite.slice(0, Number(process.env.PMESH_BENCH_SITES ?? 25))) out(`    ${(bytes / sampledCalls).toFixed(0).padStart(6)}  ${site}`);
  } finally {
    worker.postMessage({ stop: true });
    await running.stop(0);
    await worker.terminate();
  }
}

export async function benchRpcGarbage(seconds: number, args: readonly string[]): Promise<void> {
  const protocols = (args.length > 0 ? args : ['bolt', 'dubbo']) as ('bolt' | 'dubbo')[];
  for (const protocol of protocols) await measure(protocol, seconds);
}

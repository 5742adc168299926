/**
 * `npm run bench -- compare [seconds]` (issue 14): our sidecar side by side with MOSN v0.27.0
 * (Bolt, Dubbo), HAProxy 2.6 and nginx 1.22 (HTTP/1), in one run, same load generators:
 *   Bolt, Dubbo  - our codec in a separate process, 4 connections x 16 calls in flight,
 *                  echo(1 KiB String) to a Java server, every reply checked; the same Node
 *                  TCP pump as for HTTP/1 is the floor (Node's own socket I/O per call);
 *   HTTP/1       - wrk, 64 connections, 1 KiB POST and 1 KiB answer; a Node TCP pump
 *                  (servers/tcp-relay.ts, no HTTP read) is the floor one more Node process sets;
 *   bridge       - wrk POSTing JSON to our HTTP listener, which calls the Java Dubbo
 *                  provider or the Java SOFARPC server (dubbo-go-pixiu, the other HTTP->Dubbo
 *                  proxy, is not served by the Go module proxy here), against each called directly.
 * Paths alternate in windows so all see the same share of a busy host. Proxy CPU per call is
 * utime+stime (/proc/<pid>/stat, children included) over the measured windows divided by the
 * calls; peak RSS is VmHWM. Proxies other than ours get `THREADS` threads. Reported, never asserted.
 *
 * PMESH_BENCH_BASELINE names another checkout's bin/pmesh.js (main, say): its sidecar gets a
 * Bolt, a Dubbo and a bridge row of its own, in the same windows, so a change is judged within one run.
 * Words after the seconds pick sections (`compare 20 bolt dubbo`; all four by default).
 */
import { availableParallelism, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import type { Peer } from '../support/process.js';
import { ARG_1KIB } from './load/frames.js';
import type { LoadOptions } from './load/rpc-load.js';
import { countGcs, describeGcs, noGcs } from './lib/gc-trace.js';
import { httpLoadTool, runHttpLoad, type HttpLoad } from './lib/http-load.js';
import { startJavaServer } from './lib/java-server.js';
import { processTreeStats, type ThreadCpu } from './lib/process-stats.js';
import type { LoadResult } from './lib/report.js';
import { PathTotals, loadWindow } from './lib/rpc-bench.js';
import { rpcLoadTool, runRpcLoad } from './lib/rpc-load.js';
import { sidecarNodeArgs, startBareServer, startSidecarChild, startTsServer } from './lib/sidecar-child.js';
import { startHaproxy, startNginx } from './compare/http-proxies.js';
import { buildMosn, startMosn } from './compare/mosn.js';
import { ensureDebianTools, ensureGo, versionOf } from './compare/tools.js';

/** Threads (GOMAXPROCS, nbthread, worker processes) of the proxies that are not ours. */
const THREADS = 2;
const WARM_UP_SECONDS = 5;
const ROUNDS = 3;
const RPC = { connections: 4, inFlight: 16 };
const HTTP_CONNECTIONS = 64;

interface Row {
  readonly path: string;
  readonly result: LoadResult;
  /** calls/s of the direct path this row is compared with, and its name when not the row's own section. */
  readonly directRate: number;
  readonly directNote?: string;
  readonly cpuMicrosPerCall?: number;
  readonly peakRssMiB?: number;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

const JAVA = {
  bolt: { project: 'sofarpc', main: 'com.example.Server', ready: /READY \d+/, service: 'com.example.EchoService:1.0' },
  dubbo: { project: 'dubbo', main: 'com.example.dubbo.Provider', ready: /PROVIDER READY port=\d+/, service: 'com.example.EchoService' },
} as const;

/** PMESH_BENCH_OURS_CONFIG: top-level YAML lines for this checkout's sidecars only (`heap: { reuseWriteBuffers: true }`), not the baseline's. */
const oursConfig = (): string => (process.env.PMESH_BENCH_OURS_CONFIG ? `${process.env.PMESH_BENCH_OURS_CONFIG}\n` : '');
/** PMESH_BENCH_OURS_NODE_ARGS: node options for this checkout's sidecars only (`--initial-old-space-size=32`), not the baseline's. */
const oursExtras = { nodeArgs: sidecarNodeArgs('PMESH_BENCH_OURS_NODE_ARGS') };

function sidecarYaml(admin: number, listeners: string, clusters: string, extra = ''): string {
  return `admin: { address: 127.0.0.1:${admin} }
logging: { level: warn, accessLog: false }
${extra}listeners:
${listeners}
clusters:
${clusters}
`;
}

/** Bolt or Dubbo: direct, through our sidecar, through MOSN, through a bare Node TCP pump. */
async function rpcSection(protocol: 'bolt' | 'dubbo', seconds: number, mosnBinary: string): Promise<Row[]> {
  const java = JAVA[protocol];
  const [serverPort, oursPort, mosnPort, adminPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const peers: Peer[] = [];
  try {
    const server = await startJavaServer(java.project, java.main, [String(serverPort)], java.ready);
    peers.push(server);
    const ours = await startSidecarChild(
      sidecarYaml(
        adminPort,
        `  - name: ${protocol}-egress\n    protocol: ${protocol}\n    address: 127.0.0.1:${oursPort}\n    routes: [{ match: { service: ${java.service} }, cluster: echo }]`,
        `  - { name: echo, protocol: ${protocol}, endpoints: [127.0.0.1:${serverPort}] }`,
        oursConfig(),
      ),
      oursPort,
      undefined,
      oursExtras,
    );
    peers.push(ours);
    const mosn = await startMosn(mosnBinary, protocol, mosnPort, serverPort, THREADS);
    peers.push(mosn);
    // The floor: one more Node process pumping bytes each way between the load and the server, no frame read.
    const pumpPort = await freePort();
    const pump = await startBareServer('tcp-pump', join(REPO_ROOT, 'test/bench/servers/tcp-relay.ts'), pumpPort, [String(serverPort)]);
    peers.push(pump);
    const baseline = await startBaseline(protocol, java.service, serverPort);
    if (baseline) peers.push(baseline.peer);
    const load = (port: number, duration: number): LoadOptions => ({ protocol, host: '127.0.0.1', port, ...RPC, seconds: duration });
    const name = protocol === 'bolt' ? 'Bolt' : 'Dubbo';
    // Each proxy's pid, its port and its row; the direct path watches no pid of its own.
    const pids = [ours.child.pid!, mosn.child.pid!, pump.child.pid!, ...(baseline ? [baseline.peer.child.pid!] : [])];
    const paths = [
      { path: `${name}, direct`, port: serverPort, pid: -1 },
      { path: `${name}, ours`, port: oursPort, pid: 0 },
      { path: `${name}, MOSN`, port: mosnPort, pid: 1 },
      { path: `${name}, Node TCP pump (floor)`, port: pumpPort, pid: 2 },
      ...(baseline ? [{ path: `${name}, baseline`, port: baseline.port, pid: 3 }] : []),
    ];
    for (const { port } of paths) await runRpcLoad(load(port, WARM_UP_SECONDS));
    const totals = paths.map(() => new PathTotals(pids.length));
    // With PMESH_BENCH_NODE_ARGS="--trace-gc --trace-incremental-marking" our sidecars print a line per GC:
    // the GCs inside the windows, per path, and why each mark-compact's marking started.
    const gcOutput = [undefined, ours, undefined, undefined, baseline?.peer];
    const gcs = paths.map(noGcs);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, { port }] of paths.entries()) {
        const from = gcOutput[i]?.output().length ?? 0;
        await loadWindow(pids, load(port, seconds / ROUNDS), totals[i]!);
        countGcs(gcOutput[i]?.output().slice(from) ?? '', gcs[i]!);
      }
    }
    for (const [i, { path, pid }] of paths.entries()) {
      if (totals[i]!.firstError) log(`  ${path}: first error: ${totals[i]!.firstError}`);
      if (gcs[i]!.scavenges > 0) log(`  ${path}: ${describeGcs(gcs[i]!, totals[i]!.ok)} (--trace-gc)`);
      if (pid >= 0) log(`  ${path}: ${describeThreadCpu(totals[i]!.threads[pid]!, totals[i]!.ok)}`);
    }
    // PMESH_BENCH_GC_LOG=<dir>: each sidecar's whole output (the GC trace lines), to read the heap sizes behind them.
    const gcLogDir = process.env.PMESH_BENCH_GC_LOG;
    if (gcLogDir) {
      mkdirSync(gcLogDir, { recursive: true });
      writeFileSync(join(gcLogDir, `${protocol}-ours.log`), ours.output());
      if (baseline) writeFileSync(join(gcLogDir, `${protocol}-baseline.log`), baseline.peer.output());
    }
    const perCall = (path: PathTotals, index: number): number => (path.cpuSeconds[index]! / Math.max(1, path.ok)) * 1e6;
    const directRate = totals[0]!.result().rate;
    return paths.map(({ path, pid }, i) => ({
      path,
      result: totals[i]!.result(),
      directRate,
      ...(pid < 0 ? {} : { cpuMicrosPerCall: perCall(totals[i]!, pid), peakRssMiB: processTreeStats(pids[pid]!).peakRssMiB }),
    }));
  } finally {
    for (const peer of peers.reverse()) await peer.stop();
  }
}

/** "CPU µs per call: main thread 21.0 user, other threads 5.1 user, kernel 3.2": where a proxy's CPU went (a Node process's other threads are mostly V8's GC helpers). */
function describeThreadCpu(cpu: ThreadCpu, calls: number): string {
  const micros = (seconds: number): string => ((seconds / Math.max(1, calls)) * 1e6).toFixed(1);
  return `CPU µs per call: main thread ${micros(cpu.mainUser)} user, other threads ${micros(cpu.otherUser)} user, kernel ${micros(cpu.system)}`;
}

/** PMESH_BENCH_BASELINE's sidecar with the same listener as ours, or undefined when it is not set. */
async function startBaseline(protocol: 'bolt' | 'dubbo', service: string, serverPort: number): Promise<{ peer: Peer; port: number } | undefined> {
  const bin = process.env.PMESH_BENCH_BASELINE;
  if (!bin) return undefined;
  const [port, admin] = [await freePort(), await freePort()];
  const peer = await startSidecarChild(
    sidecarYaml(
      admin,
      `  - name: ${protocol}-egress\n    protocol: ${protocol}\n    address: 127.0.0.1:${port}\n    routes: [{ match: { service: ${service} }, cluster: echo }]`,
      `  - { name: echo, protocol: ${protocol}, endpoints: [127.0.0.1:${serverPort}] }`,
    ),
    port,
    bin,
  );
  return { peer, port };
}

/** One wrk window against `url`, with the CPU `pid` (and its children) used meanwhile. */
async function httpWindow(load: HttpLoad, pid: number | undefined): Promise<{ result: LoadResult; cpuSeconds: number }> {
  const before = pid === undefined ? 0 : processTreeStats(pid).cpuSeconds;
  const result = await runHttpLoad(load);
  const after = pid === undefined ? 0 : processTreeStats(pid).cpuSeconds;
  return { result, cpuSeconds: after - before };
}

/** Adds up wrk windows: calls and time, latencies weighted by calls (wrk gives percentiles, not histograms). */
class HttpTotals {
  calls = 0;
  seconds = 0;
  errors = 0;
  cpuSeconds = 0;
  p50 = 0;
  p99 = 0;

  add(window: { result: LoadResult; cpuSeconds: number }, seconds: number): void {
    const calls = window.result.rate * seconds;
    this.p50 = (this.p50 * this.calls + window.result.p50Ms * calls) / Math.max(1, this.calls + calls);
    this.p99 = (this.p99 * this.calls + window.result.p99Ms * calls) / Math.max(1, this.calls + calls);
    this.calls += calls;
    this.seconds += seconds;
    this.errors += window.result.errors;
    this.cpuSeconds += window.cpuSeconds;
  }

  result(): LoadResult {
    return { rate: this.calls / this.seconds, p50Ms: this.p50, p99Ms: this.p99, errors: this.errors, total: Math.round(this.calls) };
  }

  cpuMicrosPerCall(): number {
    return (this.cpuSeconds / Math.max(1, this.calls)) * 1e6;
  }
}

/** HTTP/1: direct to the upstream, through our sidecar, HAProxy and nginx. */
async function httpSection(seconds: number): Promise<Row[]> {
  const [upstreamPort, oursPort, haproxyPort, nginxPort, adminPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const peers: Peer[] = [];
  try {
    peers.push(await startTsServer('upstream', join(REPO_ROOT, 'test/bench/servers/http-upstream.ts'), upstreamPort));
    const ours = await startSidecarChild(
      sidecarYaml(
        adminPort,
        `  - name: http-egress\n    protocol: http1\n    address: 127.0.0.1:${oursPort}\n    routes: [{ match: { host: echo.local }, cluster: echo }]`,
        `  - { name: echo, protocol: http1, endpoints: [127.0.0.1:${upstreamPort}] }`,
      ),
      oursPort,
      undefined,
      oursExtras,
    );
    peers.push(ours);
    const haproxy = await startHaproxy(haproxyPort, upstreamPort, THREADS);
    peers.push(haproxy);
    const nginx = await startNginx(nginxPort, upstreamPort, THREADS);
    peers.push(nginx);
    // What one more Node process in the path costs by itself: bytes pumped each way, no HTTP read.
    const pumpPort = await freePort();
    const pump = await startBareServer('tcp-pump', join(REPO_ROOT, 'test/bench/servers/tcp-relay.ts'), pumpPort, [String(upstreamPort)]);
    peers.push(pump);
    // `gc`: a sidecar of ours, whose --trace-gc lines (PMESH_BENCH_NODE_ARGS) are counted inside its windows.
    const paths: Array<{ path: string; port: number; pid: number | undefined; gc?: Peer }> = [
      { path: 'HTTP/1, direct', port: upstreamPort, pid: undefined },
      { path: 'HTTP/1, ours', port: oursPort, pid: ours.child.pid, gc: ours },
      { path: 'HTTP/1, HAProxy', port: haproxyPort, pid: haproxy.child.pid },
      { path: 'HTTP/1, nginx', port: nginxPort, pid: nginx.child.pid },
      { path: 'HTTP/1, Node TCP pump (floor)', port: pumpPort, pid: pump.child.pid },
    ];
    // PMESH_BENCH_BASELINE: another checkout's sidecar (bin/pmesh.js) in the same windows, for a before/after from one run.
    const baselineBin = process.env.PMESH_BENCH_BASELINE;
    if (baselineBin) {
      const [basePort, baseAdmin] = [await freePort(), await freePort()];
      const listener = `  - name: http-egress\n    protocol: http1\n    address: 127.0.0.1:${basePort}\n    routes: [{ match: { host: echo.local }, cluster: echo }]`;
      const baseline = await startSidecarChild(sidecarYaml(baseAdmin, listener, `  - { name: echo, protocol: http1, endpoints: [127.0.0.1:${upstreamPort}] }`), basePort, baselineBin);
      peers.push(baseline);
      paths.splice(2, 0, { path: 'HTTP/1, ours (baseline)', port: basePort, pid: baseline.child.pid, gc: baseline });
    }
    const load = (port: number, duration: number): HttpLoad => ({
      url: `http://127.0.0.1:${port}/`,
      host: 'echo.local',
      body: Buffer.alloc(1024, 'x'),
      connections: HTTP_CONNECTIONS,
      seconds: duration,
    });
    for (const { port } of paths) await runHttpLoad(load(port, WARM_UP_SECONDS));
    const totals = paths.map(() => new HttpTotals());
    const window = Math.max(1, Math.round(seconds / ROUNDS));
    const gcs = paths.map(noGcs);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, { port, pid, gc }] of paths.entries()) {
        const from = gc?.output().length ?? 0;
        totals[i]!.add(await httpWindow(load(port, window), pid), window);
        countGcs(gc?.output().slice(from) ?? '', gcs[i]!);
      }
    }
    for (const [i, { path }] of paths.entries()) {
      if (gcs[i]!.scavenges > 0) log(`  ${path}: ${describeGcs(gcs[i]!, totals[i]!.calls)} (--trace-gc)`);
    }
    const directRate = totals[0]!.result().rate;
    return paths.map(({ path, pid }, i) => ({
      path,
      result: totals[i]!.result(),
      directRate,
      ...(pid === undefined ? {} : { cpuMicrosPerCall: totals[i]!.cpuMicrosPerCall(), peakRssMiB: processTreeStats(pid).peakRssMiB }),
    }));
  } finally {
    for (const peer of peers.reverse()) await peer.stop();
  }
}

/** The bridge's listeners: HTTP/JSON to the Dubbo provider on one port, to the SOFARPC server on another. */
function bridgeYaml(admin: number, ports: { dubbo: number; sofa: number }, servers: { dubbo: number; sofa: number }): string {
  return sidecarYaml(
    admin,
    [
      `  - name: http-dubbo\n    protocol: http1\n    address: 127.0.0.1:${ports.dubbo}\n    routes: [{ match: { service: ${JAVA.dubbo.service} }, cluster: dubbo }]`,
      `  - name: http-sofa\n    protocol: http1\n    address: 127.0.0.1:${ports.sofa}\n    routes: [{ match: { service: com.example.EchoService }, cluster: sofa }]`,
    ].join('\n'),
    [`  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${servers.dubbo}] }`, `  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${servers.sofa}] }`].join('\n'),
  );
}

/**
 * HTTP/JSON -> Dubbo and -> SOFARPC through our bridge, against each server called directly
 * (Dubbo, Bolt); PMESH_BENCH_BASELINE's sidecar gets a row of its own on each.
 */
async function bridgeSection(seconds: number): Promise<Row[]> {
  const [dubboServer, sofaServer] = [await freePort(), await freePort()];
  const servers = { dubbo: dubboServer, sofa: sofaServer };
  const peers: Peer[] = [];
  try {
    peers.push(await startJavaServer(JAVA.dubbo.project, JAVA.dubbo.main, [String(dubboServer)], JAVA.dubbo.ready));
    peers.push(await startJavaServer(JAVA.bolt.project, JAVA.bolt.main, [String(sofaServer)], JAVA.bolt.ready));
    const sidecars: Array<{ name: string; pid: number; ports: { dubbo: number; sofa: number } }> = [];
    const baselineBin = process.env.PMESH_BENCH_BASELINE;
    for (const [name, bin] of [['ours', undefined], ...(baselineBin ? [['baseline', baselineBin] as const] : [])] as const) {
      const ports = { dubbo: await freePort(), sofa: await freePort() };
      const sidecar = await startSidecarChild(bridgeYaml(await freePort(), ports, servers), ports.sofa, bin, bin === undefined ? oursExtras : {});
      peers.push(sidecar);
      sidecars.push({ name, pid: sidecar.child.pid!, ports });
    }
    const http = (port: number, version: string, duration: number): HttpLoad => ({
      url: `http://127.0.0.1:${port}/com.example.EchoService/echo`,
      host: '127.0.0.1',
      body: Buffer.from(JSON.stringify([ARG_1KIB])),
      contentType: 'application/json',
      headers: { 'x-pmesh-version': version },
      connections: HTTP_CONNECTIONS,
      seconds: duration,
    });
    const targets = [
      { label: 'Dubbo', protocol: 'dubbo', server: dubboServer, version: '1.0.0', port: (ports: { dubbo: number }) => ports.dubbo },
      { label: 'SOFARPC', protocol: 'bolt', server: sofaServer, version: '1.0', port: (ports: { sofa: number }) => ports.sofa },
    ] as const;
    const rows: Row[] = [];
    for (const target of targets) {
      const rpc = (duration: number): LoadOptions => ({ protocol: target.protocol, host: '127.0.0.1', port: target.server, ...RPC, seconds: duration });
      await runRpcLoad(rpc(WARM_UP_SECONDS));
      for (const { ports } of sidecars) await runHttpLoad(http(target.port(ports), target.version, WARM_UP_SECONDS));
      const direct = new PathTotals(1);
      const bridged = sidecars.map(() => new HttpTotals());
      const window = Math.max(1, Math.round(seconds / ROUNDS));
      for (let round = 0; round < ROUNDS; round++) {
        await loadWindow([sidecars[0]!.pid], rpc(window), direct);
        for (const [i, { pid, ports }] of sidecars.entries()) bridged[i]!.add(await httpWindow(http(target.port(ports), target.version, window), pid), window);
      }
      const directRate = direct.result().rate;
      const directName = target.protocol === 'bolt' ? 'Bolt' : 'Dubbo';
      rows.push({ path: `${directName}, direct (bridge section)`, result: direct.result(), directRate });
      for (const [i, { name, pid }] of sidecars.entries()) {
        rows.push({
          path: `HTTP/JSON->${target.label}, ${name}`,
          result: bridged[i]!.result(),
          directRate,
          directNote: `of ${directName} direct`,
          cpuMicrosPerCall: bridged[i]!.cpuMicrosPerCall(),
          peakRssMiB: processTreeStats(pid).peakRssMiB,
        });
      }
    }
    return rows;
  } finally {
    for (const peer of peers.reverse()) await peer.stop();
  }
}

function table(rows: readonly Row[]): string {
  const header = ['path', 'calls/s', 'ratio to direct', 'p50 ms', 'p99 ms', 'proxy CPU µs/call', 'peak RSS MiB', 'errors'];
  const lines = rows.map((row) => [
    row.path,
    row.result.rate.toFixed(0),
    `${(row.result.rate / row.directRate).toFixed(2)}${row.directNote ? ` ${row.directNote}` : ''}`,
    row.result.p50Ms.toFixed(2),
    row.result.p99Ms.toFixed(2),
    row.cpuMicrosPerCall === undefined ? '' : row.cpuMicrosPerCall.toFixed(0),
    row.peakRssMiB === undefined ? '' : row.peakRssMiB.toFixed(0),
    String(row.result.errors),
  ]);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
}

/** `only`: the sections to run (`bolt`, `dubbo`, `http1`, `bridge`; all when empty). */
export async function benchCompare(seconds: number, only: readonly string[] = []): Promise<void> {
  const runs = (section: string): boolean => only.length === 0 || only.includes(section);
  ensureDebianTools(log);
  ensureGo();
  const mosn = buildMosn(log);
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  for (const protocol of (['bolt', 'dubbo'] as const).filter(runs)) {
    log(`compare: ${protocol} (direct, ours, MOSN, Node TCP pump)...`);
    rows.push(...(await rpcSection(protocol, seconds, mosn)));
  }
  if (runs('http1')) {
    log('compare: HTTP/1 (direct, ours, HAProxy, nginx)...');
    rows.push(...(await httpSection(seconds)));
  }
  if (runs('bridge')) {
    log('compare: HTTP/JSON -> Dubbo and -> SOFARPC (direct, ours)...');
    rows.push(...(await bridgeSection(seconds)));
  }
  const notes = [
    `RPC load: ${rpcLoadTool()}, ${RPC.connections} connections x ${RPC.inFlight} in flight, echo(1 KiB String), every reply checked; HTTP load: ${httpLoadTool()}, ${HTTP_CONNECTIONS} connections, 1 KiB POST and answer`,
    `${ROUNDS} alternating windows per path, ${seconds} s per path in all, after ${WARM_UP_SECONDS} s warm-up each; proxies other than ours: ${THREADS} threads (GOMAXPROCS, nbthread, worker_processes)`,
    `MOSN v0.27.0 (our main: bolt and dubbo codecs, proxy filter), ${versionOf('haproxy', ['-v'])}, ${versionOf('nginx', ['-v'])}, ${versionOf('wrk', ['--version'])}`,
    'HTTP/JSON->Dubbo, dubbo-go-pixiu: not run (not served by the Go module proxy)',
    `host: ${availableParallelism()} CPUs shared with everything else, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
  ];
  const text = `${table(rows)}\n\n${notes.map((note) => `- ${note}`).join('\n')}\n`;
  log(`\nbench compare\n\n${text}`);
  const dir = join(REPO_ROOT, 'test/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench-compare.md'), text);
  writeFileSync(join(dir, 'bench-compare.json'), `${JSON.stringify({ rows, notes, node: process.version, at: new Date().toISOString() }, null, 2)}\n`);
  log(`written: ${join(dir, 'bench-compare.md')}`);
}

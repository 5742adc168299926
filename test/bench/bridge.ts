/**
 * `npm run bench -- bridge` (issue 6, Performance): the same call, echo(1 KiB String),
 * made two ways against one Java Dubbo 3.3.6 provider in one run:
 *   direct  - Dubbo frames captured from the Java consumer, replayed by our codec from
 *             a separate process (4 connections x 16 in flight);
 *   bridge  - HTTP/JSON POST /com.example.EchoService/echo through the sidecar, which
 *             builds the Hessian2 call and turns the reply into JSON (wrk, 64 connections);
 *   msgpack - the same bridge call with a MessagePack body and answer (application/msgpack);
 *   sofarpc - the JSON bridge call to a Java SOFARPC 5.13 server (its own listener), beside
 *             the same server called directly with Bolt frames captured from Java.
 * Reported, never asserted.
 */
import { join } from 'node:path';
import { Packr, Unpackr } from 'msgpackr';
import { request } from 'undici';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import type { Peer } from '../support/process.js';
import { ARG_1KIB } from './load/frames.js';
import { httpLoadTool, runHttpLoad, type HttpLoad } from './lib/http-load.js';
import { startJavaServer } from './lib/java-server.js';
import { processStats } from './lib/process-stats.js';
import { printReport, type LoadResult } from './lib/report.js';
import { rpcLoadTool, runRpcLoad } from './lib/rpc-load.js';
import { startSidecarChild } from './lib/sidecar-child.js';

interface Ports {
  readonly http: number;
  /** The listener whose route goes to the SOFARPC server. */
  readonly sofaHttp: number;
  readonly admin: number;
  readonly provider: number;
  readonly sofaServer: number;
}

function sidecarYaml(ports: Ports): string {
  return `admin: { address: 127.0.0.1:${ports.admin} }
logging: { level: warn, accessLog: false }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${ports.http}
    routes: [{ match: { service: com.example.EchoService }, cluster: dubbo }]
  - name: http-sofa
    protocol: http1
    address: 127.0.0.1:${ports.sofaHttp}
    routes: [{ match: { service: com.example.EchoService }, cluster: sofa }]
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${ports.provider}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${ports.sofaServer}] }
`;
}

async function freePorts(provider: number, sofaServer: number): Promise<Ports> {
  return { http: await freePort(), sofaHttp: await freePort(), admin: await freePort(), provider, sofaServer };
}

/** The same load sent to another listener (its own port). */
function atPort(load: Omit<HttpLoad, 'seconds'>, port: number): Omit<HttpLoad, 'seconds'> {
  return { ...load, url: load.url.replace(/:\d+\//, `:${port}/`) };
}

/** One window of load, with the sidecar's CPU per call over it. */
async function measured(load: Omit<HttpLoad, 'seconds'>, pid: number, seconds: number): Promise<{ result: LoadResult; micros: number; rssMiB: number }> {
  const before = processStats(pid).cpuSeconds;
  const result = await runHttpLoad({ ...load, seconds });
  const stats = processStats(pid);
  return { result, micros: ((stats.cpuSeconds - before) * 1e6) / result.total, rssMiB: stats.rssMiB };
}

/**
 * PMESH_BENCH_BASELINE names another checkout's bin/pmesh.js (main, say): its sidecar is
 * measured in the same run against the same servers, alternating with ours, so a change
 * is judged within one run on a shared machine.
 */
async function compareWithBaseline(baselineBin: string, base: Ports, paths: ReadonlyArray<readonly [string, Omit<HttpLoad, 'seconds'>]>, oursPid: number, seconds: number): Promise<string[]> {
  const ports = await freePorts(base.provider, base.sofaServer);
  const baseline = await startSidecarChild(sidecarYaml(ports), ports.http, baselineBin);
  try {
    const lines = [`same run, JSON bridge, ours vs ${baselineBin} (alternating, ${seconds} s each):`];
    for (const [path, ours] of paths) {
      const theirs = atPort(ours, ours.url.includes(`:${base.sofaHttp}/`) ? ports.sofaHttp : ports.http);
      await runHttpLoad({ ...theirs, seconds: 3 });
      for (const [name, load, pid] of [['baseline', theirs, baseline.child.pid!], ['ours', ours, oursPid], ['baseline', theirs, baseline.child.pid!], ['ours', ours, oursPid]] as const) {
        const { result, micros, rssMiB } = await measured(load, pid, seconds);
        lines.push(`  ${path.padEnd(8)} ${name.padEnd(9)} ${result.rate.toFixed(0).padStart(7)} calls/s  p50 ${result.p50Ms.toFixed(3)} ms  p99 ${result.p99Ms.toFixed(3)} ms  CPU ${micros.toFixed(0)} us/call  RSS ${rssMiB.toFixed(1)} MiB  errors ${result.errors}`);
      }
    }
    return lines;
  } finally {
    await baseline.stop();
  }
}

export async function benchBridge(seconds: number): Promise<void> {
  const [providerPort, sofaServerPort] = [await freePort(), await freePort()];
  const provider: Peer = await startJavaServer('dubbo', 'com.example.dubbo.Provider', [String(providerPort)], /PROVIDER READY port=\d+/);
  let sofaServer: Peer | undefined;
  let sidecar: Peer | undefined;
  try {
    sofaServer = await startJavaServer('sofarpc', 'com.example.Server', [String(sofaServerPort)], /READY \d+/);
    const ports = await freePorts(providerPort, sofaServerPort);
    sidecar = await startSidecarChild(sidecarYaml(ports), ports.http);
    const body = Buffer.from(JSON.stringify([ARG_1KIB]));
    const http = {
      url: `http://127.0.0.1:${ports.http}/com.example.EchoService/echo`,
      host: '127.0.0.1',
      body,
      contentType: 'application/json',
      headers: { 'x-pmesh-version': '1.0.0' },
      connections: 64,
    };
    const sofa = { ...atPort(http, ports.sofaHttp), headers: { 'x-pmesh-version': '1.0' } };
    // One call first each: the bridge must answer exactly what Java returned.
    for (const load of [http, sofa]) {
      const probe = await request(load.url, { method: 'POST', headers: { 'content-type': 'application/json', ...load.headers }, body });
      const answer = await probe.body.text();
      if (probe.statusCode !== 200 || answer !== JSON.stringify(ARG_1KIB)) throw new Error(`bridge (${load.url}) answered ${probe.statusCode}: ${answer.slice(0, 200)}`);
    }

    const msgpackBody = new Packr({ useRecords: false }).pack([ARG_1KIB]);
    const msgpack = { ...http, body: msgpackBody, contentType: 'application/msgpack' };
    const msgpackProbe = await request(http.url, { method: 'POST', headers: { 'content-type': 'application/msgpack', 'x-pmesh-version': '1.0.0' }, body: msgpackBody });
    const msgpackAnswer = new Unpackr({ useRecords: false }).unpack(Buffer.from(await msgpackProbe.body.arrayBuffer())) as unknown;
    if (msgpackProbe.statusCode !== 200 || msgpackAnswer !== ARG_1KIB) throw new Error(`the MessagePack bridge answered ${msgpackProbe.statusCode}`);

    const rpc = { protocol: 'dubbo', host: '127.0.0.1', port: providerPort, connections: 4, inFlight: 16 };
    const boltRpc = { ...rpc, protocol: 'bolt', port: sofaServerPort };
    await runRpcLoad({ ...rpc, seconds: 5 });
    await runRpcLoad({ ...boltRpc, seconds: 3 });
    await runHttpLoad({ ...http, seconds: 5 });
    await runHttpLoad({ ...sofa, seconds: 3 });
    await runHttpLoad({ ...msgpack, seconds: 3 });
    const direct = await runRpcLoad({ ...rpc, seconds });
    const pid = sidecar.child.pid!;
    const cpuBefore = processStats(pid).cpuSeconds;
    const started = performance.now();
    const bridged = await runHttpLoad({ ...http, seconds });
    const elapsed = (performance.now() - started) / 1000;
    const stats = processStats(pid);
    const cpuMicrosPerCall = ((stats.cpuSeconds - cpuBefore) * 1e6) / bridged.total;
    const packed = await runHttpLoad({ ...msgpack, seconds });
    const boltDirect = await runRpcLoad({ ...boltRpc, seconds });
    const sofaBridged = await measured(sofa, pid, seconds);
    const baselineBin = process.env.PMESH_BENCH_BASELINE;
    const paths = [['dubbo', http], ['sofarpc', sofa]] as const;
    const comparison = baselineBin ? await compareWithBaseline(baselineBin, ports, paths, pid, seconds) : [];
    const line = (name: string, r: LoadResult): string =>
      `${name.padEnd(20)} ${r.rate.toFixed(0).padStart(8)} calls/s  p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  errors ${r.errors}`;
    printReport(
      {
        bench: 'bridge',
        tool: `direct: ${rpcLoadTool()}; bridge: ${httpLoadTool()}`,
        load: `echo(1 KiB String) against Java Dubbo 3.3.6 (and SOFARPC 5.13), direct (4 x 16 in flight) vs HTTP/JSON through the sidecar (64 connections), ${seconds} s each, closed loop`,
        direct,
        sidecar: bridged,
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: ((stats.cpuSeconds - cpuBefore) / elapsed) * 100 },
        notes: [
          `sidecar CPU per JSON bridge call: ${cpuMicrosPerCall.toFixed(0)} us (issue 14 goal: <= 100 us)`,
          `bridge p99 / direct p99: ${(bridged.p99Ms / direct.p99Ms).toFixed(2)} (goal: <= 2)`,
          'bridge body formats, same call and load:',
          line('  JSON', bridged),
          line('  MessagePack', packed),
          `  MessagePack/JSON calls/s: ${(packed.rate / bridged.rate).toFixed(3)}`,
          'HTTP/JSON -> SOFARPC, same run:',
          line('  Bolt direct', boltDirect),
          line('  JSON bridge', sofaBridged.result),
          `  sidecar CPU per call: ${sofaBridged.micros.toFixed(0)} us; calls/s ratio to direct Bolt: ${(sofaBridged.result.rate / boltDirect.rate).toFixed(3)}; p99 / direct p99: ${(sofaBridged.result.p99Ms / boltDirect.p99Ms).toFixed(2)}`,
          ...comparison,
        ],
        target: 'reported (issue 6 sets no target)',
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await sidecar?.stop();
    await sofaServer?.stop();
    await provider.stop();
  }
}

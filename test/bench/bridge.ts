/**
 * `npm run bench -- bridge` (issue 6, Performance): the same call, echo(1 KiB String),
 * made two ways against one Java Dubbo 3.3.6 provider in one run:
 *   direct  - Dubbo frames captured from the Java consumer, replayed by our codec from
 *             a separate process (4 connections x 16 in flight);
 *   bridge  - HTTP/JSON POST /com.example.EchoService/echo through the sidecar, which
 *             builds the Hessian2 call and turns the reply into JSON (wrk, 64 connections);
 *   msgpack - the same bridge call with a MessagePack body and answer (application/msgpack).
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
import { printReport } from './lib/report.js';
import { rpcLoadTool, runRpcLoad } from './lib/rpc-load.js';
import { startSidecarChild } from './lib/sidecar-child.js';

function sidecarYaml(httpPort: number, adminPort: number, providerPort: number): string {
  return `admin: { address: 127.0.0.1:${adminPort} }
logging: { level: warn, accessLog: false }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${httpPort}
    routes: [{ match: { service: com.example.EchoService }, cluster: dubbo }]
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${providerPort}] }
`;
}

/**
 * PMESH_BENCH_BASELINE names another checkout's bin/pmesh.js (main, say): its sidecar is
 * measured in the same run against the same provider, alternating with ours, so a change
 * is judged within one run on a shared machine.
 */
async function compareWithBaseline(baselineBin: string, providerPort: number, ours: Omit<HttpLoad, 'seconds'>, oursPid: number, seconds: number): Promise<string[]> {
  const [httpPort, adminPort] = [await freePort(), await freePort()];
  const baseline = await startSidecarChild(sidecarYaml(httpPort, adminPort, providerPort), httpPort, baselineBin);
  try {
    const theirs = { ...ours, url: ours.url.replace(/:\d+\//, `:${httpPort}/`) };
    await runHttpLoad({ ...theirs, seconds: 5 });
    const lines = [`same run, JSON bridge, ours vs ${baselineBin} (alternating, ${seconds} s each):`];
    for (const [name, load, pid] of [['baseline', theirs, baseline.child.pid!], ['ours', ours, oursPid], ['baseline', theirs, baseline.child.pid!], ['ours', ours, oursPid]] as const) {
      const before = processStats(pid).cpuSeconds;
      const result = await runHttpLoad({ ...load, seconds });
      const stats = processStats(pid);
      const micros = ((stats.cpuSeconds - before) * 1e6) / result.total;
      lines.push(`  ${name.padEnd(9)} ${result.rate.toFixed(0).padStart(7)} calls/s  p50 ${result.p50Ms.toFixed(3)} ms  p99 ${result.p99Ms.toFixed(3)} ms  CPU ${micros.toFixed(0)} us/call  RSS ${stats.rssMiB.toFixed(1)} MiB  errors ${result.errors}`);
    }
    return lines;
  } finally {
    await baseline.stop();
  }
}

export async function benchBridge(seconds: number): Promise<void> {
  const [providerPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const provider: Peer = await startJavaServer('dubbo', 'com.example.dubbo.Provider', [String(providerPort)], /PROVIDER READY port=\d+/);
  let sidecar: Peer | undefined;
  try {
    sidecar = await startSidecarChild(sidecarYaml(httpPort, adminPort, providerPort), httpPort);
    const body = Buffer.from(JSON.stringify([ARG_1KIB]));
    const http = {
      url: `http://127.0.0.1:${httpPort}/com.example.EchoService/echo`,
      host: '127.0.0.1',
      body,
      contentType: 'application/json',
      headers: { 'x-pmesh-version': '1.0.0' },
      connections: 64,
    };
    // One call first: the bridge must answer exactly what Java returned.
    const probe = await request(http.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pmesh-version': '1.0.0' }, body });
    const answer = await probe.body.text();
    if (probe.statusCode !== 200 || answer !== JSON.stringify(ARG_1KIB)) throw new Error(`bridge answered ${probe.statusCode}: ${answer.slice(0, 200)}`);

    const msgpackBody = new Packr({ useRecords: false }).pack([ARG_1KIB]);
    const msgpack = { ...http, body: msgpackBody, contentType: 'application/msgpack' };
    const msgpackProbe = await request(http.url, { method: 'POST', headers: { 'content-type': 'application/msgpack', 'x-pmesh-version': '1.0.0' }, body: msgpackBody });
    const msgpackAnswer = new Unpackr({ useRecords: false }).unpack(Buffer.from(await msgpackProbe.body.arrayBuffer())) as unknown;
    if (msgpackProbe.statusCode !== 200 || msgpackAnswer !== ARG_1KIB) throw new Error(`the MessagePack bridge answered ${msgpackProbe.statusCode}`);

    const rpc = { protocol: 'dubbo', host: '127.0.0.1', port: providerPort, connections: 4, inFlight: 16 };
    await runRpcLoad({ ...rpc, seconds: 5 });
    await runHttpLoad({ ...http, seconds: 5 });
    await runHttpLoad({ ...msgpack, seconds: 5 });
    const direct = await runRpcLoad({ ...rpc, seconds });
    const pid = sidecar.child.pid!;
    const cpuBefore = processStats(pid).cpuSeconds;
    const started = performance.now();
    const bridged = await runHttpLoad({ ...http, seconds });
    const elapsed = (performance.now() - started) / 1000;
    const stats = processStats(pid);
    const cpuMicrosPerCall = ((stats.cpuSeconds - cpuBefore) * 1e6) / bridged.total;
    const packed = await runHttpLoad({ ...msgpack, seconds });
    const baselineBin = process.env.PMESH_BENCH_BASELINE;
    const comparison = baselineBin ? await compareWithBaseline(baselineBin, providerPort, http, pid, seconds) : [];
    const line = (name: string, r: typeof bridged): string =>
      `${name.padEnd(20)} ${r.rate.toFixed(0).padStart(8)} calls/s  p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  errors ${r.errors}`;
    printReport(
      {
        bench: 'bridge',
        tool: `direct: ${rpcLoadTool()}; bridge: ${httpLoadTool()}`,
        load: `echo(1 KiB String) against Java Dubbo 3.3.6, direct (4 x 16 in flight) vs HTTP/JSON through the sidecar (64 connections), ${seconds} s each, closed loop`,
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
          ...comparison,
        ],
        target: 'reported (issue 6 sets no target)',
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await sidecar?.stop();
    await provider.stop();
  }
}

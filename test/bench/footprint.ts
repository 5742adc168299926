/**
 * `npm run bench -- footprint [seconds]`: how the sidecar grows with what it holds (issue 14:
 * flat in routes, linear in connections).
 *
 * - Idle connections: a sidecar with a Bolt, a Dubbo and an HTTP/1 listener; this process
 *   opens 1,000, then 5,000, then 10,000 connections to one listener at a time and leaves
 *   them idle. Reported: the sidecar's RSS at each step and what each connection added
 *   (goal: <= 10 KB each). The connections are real sockets in the kernel too, whose memory
 *   is not in the sidecar's RSS.
 * - Routes: sidecars whose Bolt listener has 1, 1,000 and 10,000 routes, each for another
 *   service, the one called (SOFARPC echo of 1 KiB to a Java server) matching the last
 *   route. The same load in alternating windows; reported: calls/s, p50, p99 and the
 *   sidecar's CPU per call and RSS (goal: the same latency at 10,000 routes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import type { Peer } from '../support/process.js';
import type { LoadOptions } from './load/rpc-load.js';
import { startJavaServer } from './lib/java-server.js';
import { processStats } from './lib/process-stats.js';
import { PathTotals, loadWindow } from './lib/rpc-bench.js';
import { rpcLoadTool, runRpcLoad } from './lib/rpc-load.js';
import { startSidecarChild } from './lib/sidecar-child.js';

const CONNECTION_STEPS = [1_000, 5_000, 10_000];
const ROUTE_COUNTS = [1, 1_000, 10_000];
const SERVICE = 'com.example.EchoService:1.0';
/** After opening connections, before RSS is read: the sidecar accepts them and V8 settles. */
const SETTLE_MS = 3_000;
const ROUNDS = 3;

/** Opens `count` TCP connections in batches (so the listen backlog never overflows), all idle. */
async function openIdle(port: number, count: number, into: Socket[]): Promise<void> {
  const BATCH = 200;
  for (let opened = 0; opened < count; opened += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - opened) }, () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.once('error', reject);
      }),
    );
    into.push(...(await Promise.all(batch)));
  }
}

interface ConnectionRow {
  readonly listener: string;
  readonly connections: number;
  readonly rssMiB: number;
  readonly kibPerConnection: number;
}

async function idleConnections(): Promise<ConnectionRow[]> {
  const ports = { bolt: await freePort(), dubbo: await freePort(), http1: await freePort(), admin: await freePort() };
  const yaml = `admin: { address: 127.0.0.1:${ports.admin} }
logging: { level: warn, accessLog: false }
defaults: { maxConnectionsPerListener: 20000 }
listeners:
  - { name: bolt, protocol: bolt, address: 127.0.0.1:${ports.bolt} }
  - { name: dubbo, protocol: dubbo, address: 127.0.0.1:${ports.dubbo} }
  - { name: http1, protocol: http1, address: 127.0.0.1:${ports.http1} }
`;
  const rows: ConnectionRow[] = [];
  for (const listener of ['bolt', 'dubbo', 'http1'] as const) {
    // A sidecar per listener, so each starts from the same idle heap.
    const sidecar = await startSidecarChild(yaml, ports[listener]);
    const sockets: Socket[] = [];
    try {
      await sleep(SETTLE_MS);
      const idleRss = processStats(sidecar.child.pid!).rssMiB;
      rows.push({ listener, connections: 0, rssMiB: idleRss, kibPerConnection: 0 });
      for (const step of CONNECTION_STEPS) {
        await openIdle(ports[listener], step - sockets.length, sockets);
        await sleep(SETTLE_MS);
        const rssMiB = processStats(sidecar.child.pid!).rssMiB;
        rows.push({ listener, connections: step, rssMiB, kibPerConnection: ((rssMiB - idleRss) * 1024) / step });
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await sidecar.stop();
    }
  }
  return rows;
}

function routesYaml(count: number, port: number, admin: number, server: number): string {
  const others = Array.from({ length: count - 1 }, (_, i) => `      - { match: { service: com.example.Other${i}:1.0 }, cluster: echo }`);
  return `admin: { address: 127.0.0.1:${admin} }
logging: { level: warn, accessLog: false }
listeners:
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:${port}
    routes:
${[...others, `      - { match: { service: ${SERVICE} }, cluster: echo }`].join('\n')}
clusters:
  - { name: echo, protocol: bolt, endpoints: [127.0.0.1:${server}] }
`;
}

interface RouteRow {
  readonly routes: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly cpuMicrosPerCall: number;
  readonly rssMiB: number;
}

async function manyRoutes(seconds: number): Promise<RouteRow[]> {
  const serverPort = await freePort();
  const server = await startJavaServer('sofarpc', 'com.example.Server', [String(serverPort)], /READY \d+/);
  const sidecars: Array<{ routes: number; port: number; sidecar: Peer; totals: PathTotals }> = [];
  try {
    for (const routes of ROUTE_COUNTS) {
      const port = await freePort();
      const sidecar = await startSidecarChild(routesYaml(routes, port, await freePort(), serverPort), port);
      sidecars.push({ routes, port, sidecar, totals: new PathTotals(1) });
    }
    const load = (port: number, duration: number): LoadOptions => ({ protocol: 'bolt', host: '127.0.0.1', port, connections: 4, inFlight: 16, seconds: duration });
    for (const one of sidecars) await runRpcLoad(load(one.port, 3));
    for (let round = 0; round < ROUNDS; round++) {
      for (const one of sidecars) await loadWindow([one.sidecar.child.pid!], load(one.port, seconds / ROUNDS), one.totals);
    }
    return sidecars.map((one) => {
      const result = one.totals.result();
      return {
        routes: one.routes,
        callsPerSecond: result.rate,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        errors: result.errors,
        cpuMicrosPerCall: (one.totals.cpuSeconds[0]! / Math.max(1, one.totals.ok)) * 1e6,
        rssMiB: processStats(one.sidecar.child.pid!).rssMiB,
      };
    });
  } finally {
    for (const one of sidecars) await one.sidecar.stop();
    await server.stop();
  }
}

export async function benchFootprint(seconds: number): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const connections = await idleConnections();
  const routes = await manyRoutes(seconds);
  const lines = [
    'bench footprint: idle connections (opened by this process, left idle)',
    '  listener   connections   sidecar RSS MiB   KiB per connection (goal <= 10 KB)',
    ...connections.map(
      (row) => `  ${row.listener.padEnd(8)} ${String(row.connections).padStart(13)} ${row.rssMiB.toFixed(1).padStart(17)} ${row.connections === 0 ? '' : row.kibPerConnection.toFixed(2).padStart(20)}`,
    ),
    `routes on one Bolt listener, the call matching the last (echo 1 KiB, 4 connections x 16 in flight, ${rpcLoadTool()}), ${seconds} s each in ${ROUNDS} alternating windows`,
    '   routes   calls/s   p50 ms   p99 ms   CPU us/call   RSS MiB   errors',
    ...routes.map(
      (row) =>
        `  ${String(row.routes).padStart(7)} ${row.callsPerSecond.toFixed(0).padStart(9)} ${row.p50Ms.toFixed(2).padStart(8)} ${row.p99Ms.toFixed(2).padStart(8)} ${row.cpuMicrosPerCall.toFixed(1).padStart(13)} ${row.rssMiB.toFixed(1).padStart(9)} ${String(row.errors).padStart(8)}`,
    ),
    `  host: ${availableParallelism()} CPUs, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = join(REPO_ROOT, 'test/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench-footprint.json'), `${JSON.stringify({ bench: 'footprint', connections, routes, node: process.version, at: new Date().toISOString() }, null, 2)}\n`);
}

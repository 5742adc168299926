/**
 * HTTP/1 bench: the same closed-loop load (64 connections, 1 KiB request and reply
 * bodies) straight at an upstream and through the sidecar, in one run.
 */
import { join } from 'node:path';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import { httpLoadTool, runHttpLoad } from './lib/http-load.js';
import { processStats } from './lib/process-stats.js';
import { printReport } from './lib/report.js';
import { startSidecarChild, startTsServer } from './lib/sidecar-child.js';

export async function benchHttp1(seconds: number): Promise<void> {
  const upstreamPort = await freePort();
  const proxyPort = await freePort();
  const adminPort = await freePort();
  const upstream = await startTsServer('upstream', join(REPO_ROOT, 'test/bench/servers/http-upstream.ts'), upstreamPort);
  const sidecar = await startSidecarChild(
    `admin: { address: 127.0.0.1:${adminPort} }
logging: { level: warn, accessLog: false }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:${proxyPort}
    routes: [{ match: { host: echo.local }, cluster: echo }]
clusters:
  - { name: echo, protocol: http1, endpoints: [127.0.0.1:${upstreamPort}] }
`,
    proxyPort,
  );
  try {
    const load = { host: 'echo.local', body: Buffer.alloc(1024, 'x'), connections: 64 };
    // Warm both paths (JIT, pools) before measuring.
    await runHttpLoad({ ...load, url: `http://127.0.0.1:${upstreamPort}/`, seconds: 2 });
    await runHttpLoad({ ...load, url: `http://127.0.0.1:${proxyPort}/`, seconds: 2 });

    const direct = await runHttpLoad({ ...load, url: `http://127.0.0.1:${upstreamPort}/`, seconds });
    const pid = sidecar.child.pid!;
    const cpuBefore = processStats(pid).cpuSeconds;
    const started = performance.now();
    const through = await runHttpLoad({ ...load, url: `http://127.0.0.1:${proxyPort}/`, seconds });
    const elapsed = (performance.now() - started) / 1000;
    const stats = processStats(pid);
    printReport(
      {
        bench: 'http1',
        tool: httpLoadTool(),
        load: `POST 1 KiB, 1 KiB reply, 64 connections, ${seconds} s each, closed loop`,
        direct,
        sidecar: through,
        sidecarProcess: { rssMiB: stats.rssMiB, peakRssMiB: stats.peakRssMiB, cpuPercent: ((stats.cpuSeconds - cpuBefore) / elapsed) * 100 },
        target: 'ratio >= 0.5, added p99 < 1 ms',
      },
      join(REPO_ROOT, 'test/results'),
    );
  } finally {
    await sidecar.stop();
    await upstream.stop();
  }
}

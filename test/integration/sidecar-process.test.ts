/**
 * The sidecar as a user runs it: the real CLI in a child process. Covers exit codes,
 * SIGTERM drain with a request in flight, and a 50 MiB body streamed in bounded
 * memory (the child's peak RSS, read from /proc, must not grow by the body's size).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, request } from 'undici';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import { stopAllPeers } from '../support/process.js';
import { startChild, writeConfig } from '../support/sidecar.js';

const run = promisify(execFile);
const PMESH = join(REPO_ROOT, 'bin/pmesh.js');
const MiB = 1024 * 1024;
const SIZE = Number(process.env.PMESH_STREAM_MIB ?? 50) * MiB;

let upstream: TestUpstream | undefined;
afterEach(async () => {
  await stopAllPeers();
  await upstream?.close();
  upstream = undefined;
});
afterAll(stopAllPeers);

async function sidecarConfig(upstreamAddress: string) {
  const proxyPort = await freePort();
  const adminPort = await freePort();
  const yaml = `
admin: { address: 127.0.0.1:${adminPort} }
logging: { accessLog: false }
defaults: { drainTimeoutMs: 5000, maxBodyBytes: ${1024 * MiB} }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:${proxyPort}
    routes: [{ match: { host: echo.local }, cluster: echo }]
clusters:
  - { name: echo, protocol: http1, endpoints: [${upstreamAddress}] }
`;
  return { yaml, proxyPort, adminPort };
}

function peakRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

describe('pmesh CLI', () => {
  it('validate refuses a broken config with exit 2, naming each problem by its path', async () => {
    const path = writeConfig('listeners:\n  - name: a\n    protocol: http1\n    address: nowhere\n');
    const failure = await run(process.execPath, [PMESH, 'validate', path]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('listeners[0].address: expected host:port');

    const good = writeConfig('listeners: []\n');
    const ok = await run(process.execPath, [PMESH, 'validate', good]);
    expect(ok.stdout).toContain(': ok');
  });

  it('start refuses a broken config with exit 2 and binds nothing', async () => {
    const path = writeConfig('clusters:\n  - { name: c, protocol: http1, endpoints: [bad] }\n');
    const failure = await run(process.execPath, [PMESH, 'start', '--config', path]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('clusters[0].endpoints[0]: expected host:port');
  });

  it('SIGTERM lets a request in flight finish, refuses new connections, and exits 0', async () => {
    let release: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      void startUpstream((_req, res) => {
        resolve();
        release = () => res.end('finished after SIGTERM');
      }).then((u) => (upstream = u));
    });
    while (!upstream) await new Promise((r) => setTimeout(r, 10));
    const { yaml, proxyPort } = await sidecarConfig(upstream.address);
    const { peer } = await startChild(yaml, Number(/admin: \{ address: 127\.0\.0\.1:(\d+)/.exec(yaml)?.[1]));

    const inFlight = request(`http://127.0.0.1:${proxyPort}/slow`, { headers: { host: 'echo.local' } });
    await arrived;
    const exited = peer.stop(10_000);
    await peer.waitFor(/"msg":"draining"/, 5_000);
    // The listener is closed now: a new connection is refused.
    const refused = await request(`http://127.0.0.1:${proxyPort}/new`, { headers: { host: 'echo.local' } }).catch((e: Error & { code?: string }) => e);
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    release();
    const response = await inFlight;
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('finished after SIGTERM');
    expect(await exited).toBe(0);
  });

  it('streams a 50 MiB body up and a 50 MiB body down without buffering it', async () => {
    upstream = await startUpstream((req, res) => {
      let received = 0;
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => {
        res.writeHead(200, { 'x-received': String(received) });
        const block = Buffer.alloc(64 * 1024, 7);
        let sent = 0;
        const pump = (): void => {
          while (sent < received) {
            sent += block.length;
            if (!res.write(block)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
    });
    const { yaml, proxyPort, adminPort } = await sidecarConfig(upstream.address);
    const { peer } = await startChild(yaml, adminPort);
    const pid = peer.child.pid!;

    async function* upload(size: number): AsyncGenerator<Buffer> {
      const block = Buffer.alloc(64 * 1024, 3);
      for (let sent = 0; sent < size; sent += block.length) yield block;
    }
    async function transfer(size: number): Promise<void> {
      const client = new Client(`http://127.0.0.1:${proxyPort}`);
      const response = await client.request({ path: '/big', method: 'PUT', headers: { host: 'echo.local' }, body: Readable.from(upload(size)) });
      expect(response.headers['x-received']).toBe(String(size));
      let downloaded = 0;
      for await (const chunk of response.body) downloaded += (chunk as Buffer).length;
      await client.close();
      expect(downloaded).toBe(size);
    }

    // The first 50 MiB grows the process to its working size (buffers awaiting GC, pools):
    // measured here, about 70 MiB whether 50, 200 or 400 MiB pass. Then 4 x 50 MiB more
    // must not grow it by a body: a sidecar that buffered one would grow by at least its
    // 50 MiB. Garbage the collector has not reached yet adds to the peak on a busy machine
    // (31 MiB seen once in CI, under 25 on a quiet one), hence the bound below one body.
    await transfer(SIZE);
    const warm = peakRssKiB(pid);
    await transfer(4 * SIZE);
    const growthMiB = (peakRssKiB(pid) - warm) / 1024;
    expect(growthMiB).toBeLessThan(40);
  });
});

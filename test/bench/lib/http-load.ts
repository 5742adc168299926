/**
 * Closed-loop HTTP/1 load: wrk (Debian) when installed, for its microsecond
 * percentiles and low CPU; autocannon (npm) otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { LoadResult } from './report.js';

export interface HttpLoad {
  readonly url: string;
  readonly host: string;
  /** The POST body (any bytes: wrk's Lua script gets it escaped). */
  readonly body: Buffer;
  readonly connections: number;
  readonly seconds: number;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

function luaHeaders(load: HttpLoad): string {
  const headers = { Host: load.host, 'Content-Type': load.contentType ?? 'application/octet-stream', ...load.headers };
  return Object.entries(headers)
    .map(([name, value]) => `wrk.headers["${name}"] = [==[${value}]==]\n`)
    .join('');
}

/** A Lua string literal holding exactly these bytes (binary bodies such as MessagePack included). */
function luaBytes(bytes: Buffer): string {
  let out = '"';
  for (const byte of bytes) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    out += printable ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version.
    return (error as { status?: number }).status === 1;
  }
}


async function runWrk(load: HttpLoad): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${luaBytes(load.body)}\n${luaHeaders(load)}` +
      `done = function(summary, latency, requests)\n  io.write(string.format("PMESH %d %d %d %d %d\\n", summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(99)))\nend\n`,
  );
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', ['-t', '1', '-c', String(load.connections), '-d', `${load.seconds}s`, '-s', script, load.url]);
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const line = /PMESH (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(output);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!line || !rate) throw new Error(`cannot read wrk output:\n${output}`);
  return {
    rate: Number(rate[1]),
    total: Number(line[1]),
    errors: Number(line[2]) + Number(line[3]),
    p50Ms: Number(line[4]) / 1000,
    p99Ms: Number(line[5]) / 1000,
  };
}

async function runAutocannon(load: HttpLoad): Promise<LoadResult> {
  const result = await autocannon({
    url: load.url,
    method: 'POST',
    headers: { host: load.host, 'content-type': load.contentType ?? 'application/octet-stream', ...load.headers },
    body: load.body,
    connections: load.connections,
    duration: load.seconds,
  });
  return {
    rate: result.requests.average,
    total: result.requests.total,
    errors: result.errors + result.non2xx + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

export function runHttpLoad(load: HttpLoad): Promise<LoadResult> {
  return hasWrk() ? runWrk(load) : runAutocannon(load);
}

export function httpLoadTool(): string {
  return hasWrk() ? 'wrk 4.1 (Debian), 1 thread' : 'autocannon 9';
}

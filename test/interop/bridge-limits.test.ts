/**
 * The bridge's body limits, in front of the real Java Dubbo 3.3.6 provider: bodies are
 * refused from Content-Length before they are read and as they stream past the limit
 * (which defaults to the frame limit), JSON value counts and depth stop the read long
 * before a parse, the deadline runs while the body is read, and a frame the bridge builds
 * past the frame limit is refused, never sent. Memory is bounded and other callers are
 * answered meanwhile; the limits show in /config and count in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { callBridge, rawRequest, startTrap, type Trap } from '../support/bridge-entry.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const ECHO = 'com.example.EchoService';
const MiB = 1024 * 1024;
let servers: JavaEchoServers | undefined;
let trap: Trap;
let sidecar: Running;
let httpPort: number;
let adminPort: number;
/** defaults.maxFrameBytes 1 MiB, bridge.maxBodyBytes 4 MiB: a body the bridge reads can make a frame it must refuse. */
let small: Running;
let smallPort: number;

function yaml(http: number, admin: number, extra = ''): string {
  return `${extra}
admin: { address: 127.0.0.1:${admin} }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${http}
    routes:
      - { match: { headers: { x-target: trap } }, cluster: trap }
      - { match: { service: ${ECHO} }, cluster: dubbo }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${servers!.dubboPort}] }
  - { name: trap, protocol: dubbo, endpoints: [127.0.0.1:${trap.port}] }
`;
}

beforeAll(async () => {
  servers = await startJavaEchoServers();
  trap = await startTrap();
  [httpPort, adminPort, smallPort] = [await freePort(), await freePort(), await freePort()];
  sidecar = await startInProcess(yaml(httpPort, adminPort));
  small = await startInProcess(yaml(smallPort, await freePort(), `defaults: { maxFrameBytes: ${MiB} }\nbridge: { maxBodyBytes: ${4 * MiB} }`));
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await small?.stop(500);
  await servers?.stop();
  await trap?.close();
});

const HEAD = `POST /${ECHO}/echo HTTP/1.1\r\nhost: sidecar\r\ncontent-type: application/json\r\nx-pmesh-version: 1.0.0\r\n`;

/** `[` + `"aaa...` in 1 MiB chunks: a JSON string argument as large as `total`. */
function* bigString(total: number, chunked: boolean): Generator<Buffer> {
  const chunk = Buffer.alloc(MiB, 'a');
  const frame = (data: Buffer): Buffer[] => (chunked ? [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')] : [data]);
  yield* frame(Buffer.from('["'));
  for (let sent = 0; sent < total; sent += chunk.length) yield* frame(chunk);
}

/** Largest RSS seen while `run` runs, less the RSS before it. */
async function rssGrowth<T>(run: () => Promise<T>): Promise<{ growth: number; result: T }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { growth: peak - before, result };
  } finally {
    clearInterval(sampler);
  }
}

async function limitCount(limit: string): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  const line = text.split('\n').find((l) => l.startsWith(`pmesh_limit_exceeded_total{limit="${limit}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

const echo = (text: string): Promise<{ status: number; text: string }> => callBridge(httpPort, `/${ECHO}/echo`, JSON.stringify([text]), { 'x-pmesh-version': '1.0.0' });

describe('bridged bodies over the limit', () => {
  it('five 50 MiB bodies with Content-Length are refused with 413 before they are read; memory stays bounded, other callers are answered', async () => {
    const before = await limitCount('bridge_max_body_bytes');
    const { growth, result } = await rssGrowth(() =>
      Promise.all([
        ...Array.from({ length: 5 }, () => rawRequest(httpPort, `${HEAD}content-length: ${50 * MiB + 4}\r\n\r\n`, () => bigString(50 * MiB, false))),
        echo('still here'),
      ]),
    );
    const answers = result.slice(0, 5) as string[];
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain(`"message":"a bridged call's body of ${50 * MiB + 4} bytes exceeds the limit of ${8 * MiB} bytes (bridge.maxBodyBytes)"`);
    }
    expect(result[5]).toMatchObject({ status: 200, text: '"still here"' });
    expect(growth).toBeLessThan(128 * MiB);
    expect(await limitCount('bridge_max_body_bytes')).toBe(before + 5);
  }, 120_000);

  it('five 50 MiB chunked bodies are refused as they pass the limit (413, or the upload cut); memory stays bounded', async () => {
    const before = await limitCount('bridge_max_body_bytes');
    const { growth, result } = await rssGrowth(() =>
      Promise.all(Array.from({ length: 5 }, () => rawRequest(httpPort, `${HEAD}transfer-encoding: chunked\r\n\r\n`, () => bigString(50 * MiB, true)))),
    );
    for (const answer of result) {
      if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 413 [\s\S]*exceeds the limit of 8388608 bytes \(bridge\.maxBodyBytes\)/);
    }
    expect(growth).toBeLessThan(256 * MiB);
    expect(await limitCount('bridge_max_body_bytes')).toBe(before + 5);
    expect(await echo('after')).toMatchObject({ status: 200, text: '"after"' });
  }, 120_000);

  it('a 9 MiB string is refused with 413 by the default body limit, the frame limit', async () => {
    const answer = await rawRequest(httpPort, `${HEAD}content-length: ${9 * MiB + 4}\r\n\r\n`, () => bigString(9 * MiB, false));
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('exceeds the limit of 8388608 bytes (bridge.maxBodyBytes)');
  });

  it('a 10-million-element array is stopped at the value limit while another caller is answered', async () => {
    const before = await limitCount('bridge_max_json_values');
    function* elements(): Generator<Buffer> {
      const chunk = Buffer.from('0,'.repeat(64 * 1024));
      const framed = [Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')];
      yield Buffer.from('1\r\n[\r\n');
      for (let i = 0; i < 10_000_000 / (64 * 1024); i++) yield* framed;
    }
    const [answer, other] = await Promise.all([rawRequest(httpPort, `${HEAD}transfer-encoding: chunked\r\n\r\n`, elements), echo('meanwhile')]);
    if (answer !== '') {
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('the arguments hold more than 100000 JSON values (bridge.maxJsonValues)');
    }
    expect(other).toMatchObject({ status: 200, text: '"meanwhile"' });
    expect(await limitCount('bridge_max_json_values')).toBe(before + 1);
  }, 120_000);

  it('arguments nested past the depth limit are refused with 400', async () => {
    const answer = await callBridge(httpPort, `/${ECHO}/echo`, `[${'['.repeat(10_000)}${']'.repeat(10_000)}]`, { 'x-pmesh-version': '1.0.0' });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'PMESH_BAD_REQUEST', message: 'the arguments nest deeper than 64 (bridge.maxJsonDepth)', limit: 'bridge_max_json_depth' });
  });
});

describe('the deadline while the body is read', () => {
  it('a body that stops coming is answered 504 at the deadline, and the connection is closed', async () => {
    const answer = await rawRequest(httpPort, `${HEAD}x-pmesh-timeout-ms: 300\r\ncontent-length: 1000\r\n\r\n`, function* () {
      yield Buffer.from('["only the start');
    }, { untilClosed: true });
    expect(answer).toMatch(/^HTTP\/1\.1 504 /);
    expect(answer).toContain('"error":"PMESH_DEADLINE_EXCEEDED"');
    expect(answer.toLowerCase()).toContain('connection: close');
  }, 60_000);
});

describe('a frame the bridge builds past the frame limit', () => {
  it('is refused with 413 and never sent', async () => {
    const bytesBefore = trap.bytes();
    const answer = await callBridge(smallPort, `/${ECHO}/echo`, JSON.stringify(['a'.repeat(2 * MiB)]), { 'x-pmesh-version': '1.0.0', 'x-target': 'trap' });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: 'PMESH_BODY_TOO_LARGE', limit: 'max_frame_bytes' });
    expect(answer.json.message).toMatch(/^the dubbo frame for this call would be \d+ bytes, over the limit of 1048576 bytes \(defaults\.maxFrameBytes\)$/);
    expect(trap.bytes()).toBe(bytesBefore);
  });
});

describe('the limits in /config', () => {
  it('shows the bridge limits in force, the body limit defaulting to the frame limit', async () => {
    const config = (await (await request(`http://127.0.0.1:${adminPort}/config`)).body.json()) as { bridge: Record<string, unknown> };
    expect(config.bridge).toMatchObject({ maxBodyBytes: 8 * MiB, maxJsonValues: 100_000, maxJsonDepth: 64, allowGenericInvoke: false });
  });
});

/**
 * The protocol registry (src/codecs/index.ts): every built-in plug-in registered once,
 * and each one's `match` claiming the first bytes its real peers send: Bolt and Dubbo
 * requests recorded from SOFARPC and Dubbo (test/golden), an HTTP/1 request and an
 * HTTP/2 connection preface from Node's own clients. Every prefix shorter than the
 * decision point is 'need-more', never a wrong 'yes'.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as connectHttp2 } from 'node:http2';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectProtocol, getCodec, getProtocol, protocolForApp, protocolNames, setupProtocols } from '../../../src/codecs/index.js';

const GOLDEN = join(import.meta.dirname, '../../golden');

let server: Server;
let port: number;
const firstBytes: Buffer[] = [];

/** The first bytes a real client sends to a port that never answers. */
async function firstBytesOf(send: () => () => void): Promise<Buffer> {
  const seen = firstBytes.length;
  const stop = send();
  await expect.poll(() => firstBytes.length, { timeout: 10_000 }).toBeGreaterThan(seen);
  stop();
  return firstBytes[seen] as Buffer;
}

beforeAll(async () => {
  setupProtocols();
  server = createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      firstBytes.push(chunk);
      socket.destroy();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function expectClaimed(bytes: Buffer, name: string): void {
  expect((detectProtocol(bytes) as { name: string } | undefined)?.name).toBe(name);
  const plugin = getProtocol(name)!;
  // Fewer bytes never give another protocol's 'yes'.
  for (let length = 0; length < bytes.length; length += 1) {
    const answer = detectProtocol(bytes.subarray(0, length));
    if (answer !== 'need-more') {
      expect((answer as { name: string } | undefined)?.name).toBe(name);
      break;
    }
  }
  expect(plugin.match(bytes)).toBe('yes');
}

describe('protocol registry', () => {
  it('registers the built-in protocols, each with both sides', () => {
    expect(protocolNames().sort()).toEqual(['bolt', 'dubbo', 'grpc', 'http1', 'triple']);
    expect(getProtocol('bolt')?.client).toMatchObject({ transport: 'framed', pool: 'multiplexed', probe: 'heartbeat' });
    expect(getProtocol('http1')?.client).toMatchObject({ transport: 'node:http', pool: 'pooled', probe: 'http-get' });
    expect(getProtocol('grpc')?.client).toMatchObject({ transport: 'node:http2', pool: 'streams' });
    expect(getProtocol('grpc')?.server.transport).toBe('node:http2');
    expect(getCodec('dubbo')?.name).toBe('dubbo');
    expect(getCodec('http1')).toBeUndefined();
    expect(protocolForApp('http')?.name).toBe('http1');
  });

  it('declares bridge abilities instead of leaving them to be inferred from names', () => {
    expect(getProtocol('dubbo')?.bridge).toMatchObject({ genericCall: true, callerGenericInvoke: true, registryRoutable: true });
    expect(getProtocol('bolt')?.bridge.typed).toBeDefined();
    expect(getProtocol('bolt')?.bridge.genericCall).toBeUndefined();
    expect(getProtocol('http1')?.bridge).toMatchObject({ jsonEntry: { method: 'POST', streamedArguments: true }, jsonApp: true });
    expect(getProtocol('grpc')?.bridge).toMatchObject({ jsonEntry: { streamedArguments: false }, registryRoutable: true });
  });

  it('claims Bolt and Dubbo requests recorded from their Java peers', () => {
    expectClaimed(readFileSync(join(GOLDEN, 'bolt/node-final-echo-request.bin')), 'bolt');
    expectClaimed(readFileSync(join(GOLDEN, 'dubbo/echo-request.bin')), 'dubbo');
  });

  it("claims node:http's request as HTTP/1", async () => {
    const bytes = await firstBytesOf(() => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/a.B/c', agent: false });
      req.on('error', () => {});
      req.end('[]');
      return () => req.destroy();
    });
    expectClaimed(bytes, 'http1');
  });

  it("claims node:http2's connection preface as gRPC", async () => {
    const bytes = await firstBytesOf(() => {
      const session = connectHttp2(`http://127.0.0.1:${port}`);
      session.on('error', () => {});
      return () => session.destroy();
    });
    expectClaimed(bytes, 'grpc');
  });

  it('claims nothing for unknown first bytes', () => {
    expect(detectProtocol(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'))).toBeUndefined();
    expect(detectProtocol(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toBeUndefined();
  });
});

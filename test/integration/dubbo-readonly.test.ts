/**
 * Graceful shutdown, Dubbo's way (READONLY event, RELIABILITY.md F8), in both
 * directions: a draining sidecar tells its Dubbo callers to send nothing new, and a
 * provider that says READONLY (the golden frame was captured from a Java 3.3.6
 * provider shutting down) gets no new calls on that connection while the calls in
 * flight on it still get their answers.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dubboCodec, isReadonlyEvent, type DubboFrame } from '../../src/codecs/dubbo/index.js';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { setup } from '../../src/main.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

const golden = (name: string): Buffer => readFileSync(join(REPO_ROOT, 'test/golden/dubbo', name));
const encode = (frame: DubboFrame): Buffer => Buffer.concat(dubboCodec.encode(frame));

/** A provider stand-in: answers each call with the captured echo response, or sends READONLY first. */
async function startProvider(): Promise<{ server: Server; port: number; connections: number; sayReadonly: boolean; close(): Promise<void> }> {
  const reply = dubboCodec.newDecoder(DEFAULT_LIMITS).push(golden('echo-response.bin'))[0]!;
  const sockets = new Set<Socket>();
  const state = {
    server: undefined as unknown as Server,
    port: 0,
    connections: 0,
    sayReadonly: false,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      state.server.close(() => resolve());
    }),
  };
  state.server = createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (dubboCodec.kind(frame) !== 'request') continue;
        if (state.sayReadonly) socket.write(golden('readonly-event.bin'));
        socket.write(encode(dubboCodec.withRequestId(reply, dubboCodec.requestId(frame))));
      }
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

function call(port: number, id: number): Promise<{ frames: DubboFrame[]; socket: Socket }> {
  const request = dubboCodec.withRequestId(dubboCodec.newDecoder(DEFAULT_LIMITS).push(golden('echo-request.bin'))[0]!, id);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
    const frames: DubboFrame[] = [];
    socket.on('data', (chunk) => {
      frames.push(...decoder.push(chunk));
      if (frames.some((f) => dubboCodec.kind(f) === 'response')) resolve({ frames, socket });
    });
    socket.on('error', () => {});
    socket.write(encode(request));
  });
}

let provider: Awaited<ReturnType<typeof startProvider>>;
beforeAll(async () => {
  setup();
  provider = await startProvider();
});
afterAll(async () => provider?.close());

async function sidecarFor(port: number) {
  return startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: in, protocol: dubbo, address: 127.0.0.1:${port}, routes: [{ match: { service: com.example.EchoService }, cluster: up }] }
clusters:
  - { name: up, protocol: dubbo, endpoints: [127.0.0.1:${provider.port}] }
`);
}

describe('Dubbo READONLY', () => {
  it('a provider saying READONLY gets no new calls on that connection; the call in flight is answered', async () => {
    const port = await freePort();
    const sidecar = await sidecarFor(port);
    try {
      provider.connections = 0;
      provider.sayReadonly = true;
      const first = await call(port, 1);
      provider.sayReadonly = false;
      expect(dubboCodec.toResult(first.frames.find((f) => dubboCodec.kind(f) === 'response')!).status).toBe('ok');
      const second = await call(port, 2);
      expect(dubboCodec.kind(second.frames[0]!)).toBe('response');
      expect(provider.connections).toBe(2);
      first.socket.destroy();
      second.socket.destroy();
    } finally {
      await sidecar.stop(200);
    }
  });

  it('a draining sidecar sends READONLY to its Dubbo callers', async () => {
    const port = await freePort();
    const sidecar = await sidecarFor(port);
    const { socket } = await call(port, 3);
    const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
    const received: DubboFrame[] = [];
    socket.on('data', (chunk) => received.push(...decoder.push(chunk)));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await sidecar.stop(200);
    await closed;
    expect(received.some((frame) => isReadonlyEvent(frame))).toBe(true);
  });
});

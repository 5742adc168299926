/**
 * The relay's receive windows are enforced: a peer that sends DATA past the window it was
 * given (here while its call is still being routed, so nothing is passed on) gets GOAWAY
 * FLOW_CONTROL_ERROR instead of making the relay hold what it sends.
 */
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameReader, FrameType, PREFACE, frameHeader, settingsFrame } from '../../../../src/proxy/h2-frames/frames.js';
import { HpackEncoder } from '../../../../src/proxy/h2-frames/hpack.js';
import { RelayServerConnection, type FrameRelayOptions } from '../../../../src/proxy/h2-frames/relay-server.js';
import { grpcRelayWire } from '../../../support/grpc-relay-wire.js';

const limits = { maxMessageBytes: 4 * 1024 * 1024, maxConcurrentStreams: 100, maxHeaderListBytes: 16_384, maxPingsPer10s: 100, maxSettingsPer10s: 100, maxResetsPer10s: 100 };
// Never routes: every request byte stays held by the relay.
const options: FrameRelayOptions = { wire: grpcRelayWire, limits, dispatch: () => {}, onCallEnd: () => {}, onLimit: () => {}, onClose: () => {} };

let server: Server;
beforeAll(async () => {
  server = createServer((socket) => new RelayServerConnection(socket, options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function goawayCode(sent: (write: (bytes: Buffer) => void) => void): Promise<number> {
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  return new Promise((resolve, reject) => {
    const reader = new FrameReader(
      { onFrame: (type, _flags, _id, bytes, start) => type === FrameType.GOAWAY && resolve(bytes.readUInt32BE(start + 4)) },
      1 << 24,
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed without GOAWAY')));
    sent((bytes) => socket.write(bytes));
  });
}

const head = new HpackEncoder().encode([':method', 'POST', ':scheme', 'http', ':path', '/helloworld.Greeter/SayHello', ':authority', 'x', 'content-type', 'application/grpc']);

describe('frame relay receive windows', () => {
  it('a stream sent past its 64 KiB window: GOAWAY FLOW_CONTROL_ERROR', async () => {
    const code = await goawayCode((write) => {
      write(Buffer.concat([PREFACE, settingsFrame([]), frameHeader(FrameType.HEADERS, 0x4, 1, head.length), head]));
      const chunk = Buffer.alloc(16_384);
      for (let i = 0; i < 5; i++) write(Buffer.concat([frameHeader(FrameType.DATA, 0, 1, chunk.length), chunk]));
    });
    expect(code).toBe(ErrorCode.FLOW_CONTROL_ERROR);
  });

  it('within the window nothing is refused (the same stream, 48 KiB)', async () => {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const frames: number[] = [];
    const reader = new FrameReader({ onFrame: (type) => frames.push(type) }, 1 << 24);
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    const chunk = Buffer.alloc(16_384);
    socket.write(Buffer.concat([PREFACE, settingsFrame([]), frameHeader(FrameType.HEADERS, 0x4, 1, head.length), head]));
    for (let i = 0; i < 3; i++) socket.write(Buffer.concat([frameHeader(FrameType.DATA, 0, 1, chunk.length), chunk]));
    // A PING answered after the DATA shows the DATA was read and accepted.
    socket.write(Buffer.concat([frameHeader(FrameType.PING, 0, 0, 8), Buffer.alloc(8)]));
    await expect.poll(() => frames.includes(FrameType.PING), { timeout: 10_000 }).toBe(true);
    expect(frames).not.toContain(FrameType.GOAWAY);
    socket.destroy();
  });
});

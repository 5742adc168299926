/**
 * Frames as the relay reads them, in place in the bytes read: a header block padded and
 * with priority fields, or split over CONTINUATION frames, decodes to the same head; a
 * WINDOW_UPDATE or GOAWAY of the wrong length is a connection error FRAME_SIZE_ERROR
 * (RFC 9113 sections 6.8 and 6.9), never a read past the frame into the next one.
 */
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameReader, FrameType, PREFACE, frameHeader, settingsFrame } from '../../../../src/proxy/h2-frames/frames.js';
import { HpackEncoder } from '../../../../src/proxy/h2-frames/hpack.js';
import { RelayServerConnection, type FrameRelayOptions } from '../../../../src/proxy/h2-frames/relay-server.js';
import { grpcRelayWire } from '../../../support/grpc-relay-wire.js';

const limits = { maxMessageBytes: 4 * 1024 * 1024, maxConcurrentStreams: 100, maxHeaderListBytes: 16_384, maxPingsPer10s: 100, maxSettingsPer10s: 100, maxResetsPer10s: 100 };
const dispatched: (readonly string[])[] = [];
const options: FrameRelayOptions = { wire: grpcRelayWire, limits, dispatch: (_call, headers) => dispatched.push(headers), onCallEnd: () => {}, onLimit: () => {}, onClose: () => {} };

let server: Server;
beforeAll(async () => {
  server = createServer((socket) => new RelayServerConnection(socket, options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function goawayCode(bytes: Buffer): Promise<number> {
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  return new Promise((resolve, reject) => {
    const reader = new FrameReader({ onFrame: (type, _flags, _id, payload, start) => type === FrameType.GOAWAY && resolve(payload.readUInt32BE(start + 4)) }, 1 << 24);
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed without GOAWAY')));
    socket.write(Buffer.concat([PREFACE, settingsFrame([]), bytes]));
  });
}

const FIELDS = [':method', 'POST', ':scheme', 'http', ':path', '/helloworld.Greeter/SayHello', ':authority', 'x', 'content-type', 'application/grpc'];
const frame = (type: number, flags: number, stream: number, payload: Buffer): Buffer => Buffer.concat([frameHeader(type, flags, stream, payload.length), payload]);

describe('frames read in place', () => {
  it('a HEADERS frame padded and with priority fields, and a block split over CONTINUATION, decode to the head sent', async () => {
    dispatched.length = 0;
    const block = new HpackEncoder().encode(FIELDS);
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    // PADDED (0x8) | PRIORITY (0x20) | END_HEADERS (0x4): pad length 3, 5 bytes of priority, the block, 3 bytes of padding.
    const padded = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 15]), block, Buffer.alloc(3, 0xee)]);
    const split = Math.floor(block.length / 2);
    socket.write(
      Buffer.concat([
        PREFACE,
        settingsFrame([]),
        frame(FrameType.HEADERS, 0x8 | 0x20 | 0x4, 1, padded),
        frame(FrameType.HEADERS, 0, 3, block.subarray(0, split)),
        frame(FrameType.CONTINUATION, 0x4, 3, block.subarray(split)),
      ]),
    );
    await expect.poll(() => dispatched.length, { timeout: 10_000 }).toBe(2);
    expect(dispatched[0]).toEqual(FIELDS);
    expect(dispatched[1]).toEqual(FIELDS);
    socket.destroy();
  });

  it('a WINDOW_UPDATE that is not 4 bytes: GOAWAY FRAME_SIZE_ERROR', async () => {
    expect(await goawayCode(frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1, 0, 0])))).toBe(ErrorCode.FRAME_SIZE_ERROR);
    expect(await goawayCode(frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1])))).toBe(ErrorCode.FRAME_SIZE_ERROR);
  });

  it('a GOAWAY under 8 bytes: GOAWAY FRAME_SIZE_ERROR', async () => {
    expect(await goawayCode(frame(FrameType.GOAWAY, 0, 0, Buffer.from([0, 0, 0, 1])))).toBe(ErrorCode.FRAME_SIZE_ERROR);
  });
});

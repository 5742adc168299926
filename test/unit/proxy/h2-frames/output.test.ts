/**
 * What an H2Connection writes: the frames of a turn gathered in its output buffer and
 * written at once, in the order they were sent, whatever their sizes (a header block
 * split into CONTINUATIONs at the peer's frame size, DATA that outgrows the buffer in
 * the middle of a turn), and bytes already handed to the socket never written over by
 * the next turn's frames.
 */
import { connect, createServer, type AddressInfo } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { H2Connection, type ConnectionEvents } from '../../../../src/proxy/h2-frames/connection.js';
import { Flag, FrameReader, FrameType } from '../../../../src/proxy/h2-frames/frames.js';
import { HpackDecoder } from '../../../../src/proxy/h2-frames/hpack.js';

interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

const ignore = (): void => {};
const events: ConnectionEvents = {
  onHeaders: ignore,
  onData: ignore,
  onReset: ignore,
  onWindow: ignore,
  onInitialWindow: ignore,
  onGoaway: ignore,
  onPing: ignore,
  onSettings: ignore,
  onClose: ignore,
};

/** A client-side connection whose writes are kept (chunk by chunk, as the socket got them) and read back as frames. */
function connection(): { conn: H2Connection; writes: Buffer[]; frames: () => Frame[] } {
  const toPeer = new PassThrough();
  const writes: Buffer[] = [];
  toPeer.on('data', (chunk: Buffer) => writes.push(chunk));
  const socket = Duplex.from({ readable: new PassThrough(), writable: toPeer });
  const conn = new H2Connection(socket, false, events, [], 16_384);
  const frames = (): Frame[] => {
    const out: Frame[] = [];
    const reader = new FrameReader({ onFrame: (type, flags, stream, bytes, start, end) => out.push({ type, flags, stream, payload: Buffer.from(bytes.subarray(start, end)) }) }, 1 << 24);
    // The client preface comes first; frames after it.
    reader.push(Buffer.concat(writes).subarray(24));
    return out;
  };
  return { conn, writes, frames };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('H2Connection output', () => {
  it('writes a turn of frames at once, in order: a header block over the frame size split into CONTINUATIONs, DATA past the buffer size', async () => {
    const { conn, writes, frames } = connection();
    await turn();
    const before = writes.length;
    const big = 'v'.repeat(40_000);
    const data = Array.from({ length: 5 }, (_, i) => Buffer.alloc(16_000, i + 1));
    conn.sendHeaders(1, [':path', '/a.B/c', 'x-big', big], false);
    for (const [i, payload] of data.entries()) conn.sendData(1, payload, i === data.length - 1);
    conn.sendReset(3, 8);
    await turn();
    expect(writes.length).toBe(before + 1);

    const sent = frames().filter((f) => f.type !== FrameType.SETTINGS && f.type !== FrameType.WINDOW_UPDATE);
    const block = sent.filter((f) => f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION);
    expect(block.map((f) => f.type)).toEqual([FrameType.HEADERS, FrameType.CONTINUATION, FrameType.CONTINUATION]);
    expect(block.map((f) => f.flags & Flag.END_HEADERS)).toEqual([0, 0, Flag.END_HEADERS]);
    expect(block.every((f) => f.payload.length <= 16_384)).toBe(true);
    const headers = new HpackDecoder().decode(Buffer.concat(block.map((f) => f.payload)));
    expect(headers.length).toBe(4);
    expect(headers[3] === big && headers[2] === 'x-big' && headers[1] === '/a.B/c').toBe(true);

    const dataFrames = sent.filter((f) => f.type === FrameType.DATA);
    // Compared as booleans: a diff of 16 KB buffers would take the report minutes to print.
    expect(dataFrames.map((f, i) => f.payload.equals(data[i]!))).toEqual([true, true, true, true, true]);
    expect(dataFrames.map((f) => f.flags & Flag.END_STREAM)).toEqual([0, 0, 0, 0, Flag.END_STREAM]);
    const reset = sent.at(-1)!;
    expect([reset.type, reset.stream, reset.payload.readUInt32BE(0)]).toEqual([FrameType.RST_STREAM, 3, 8]);
  });

  it('every connection given frames in a turn writes once that turn, and again in each later turn it is given frames', async () => {
    const all = [connection(), connection(), connection()];
    await turn();
    for (let round = 0; round < 3; round++) {
      const before = all.map(({ writes }) => writes.length);
      // The first and last get frames every turn; the middle one every other turn.
      all.forEach(({ conn }, i) => (i !== 1 || round % 2 === 0) && conn.sendData(1, Buffer.alloc(100, round), false));
      all[0]!.conn.sendReset(3, round);
      await turn();
      expect(all.map(({ writes }, i) => writes.length - before[i]!)).toEqual([1, round % 2 === 0 ? 1 : 0, 1]);
    }
    const resets = all[0]!.frames().filter((f) => f.type === FrameType.RST_STREAM);
    expect(resets.map((f) => f.payload.readUInt32BE(0))).toEqual([0, 1, 2]);
  });

  it('never writes over bytes already handed to the socket', async () => {
    const { conn, writes } = connection();
    await turn();
    const turns: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      conn.sendData(1, Buffer.alloc(3_000, i), false);
      await turn();
      turns.push(Buffer.from(writes.at(-1)!));
    }
    // What each write held when it was made is what it still holds after the turns that followed.
    const kept = writes.slice(-20);
    expect(kept.map((written, i) => written.equals(turns[i]!))).toEqual(turns.map(() => true));
    expect(turns.map((written, i) => written.length === 9 + 3_000 && written.subarray(9).every((byte) => byte === i))).toEqual(turns.map(() => true));
  });

  it('on a TCP socket, writes over its buffer only after the kernel took a write whole: every frame arrives intact past a reader that stalls', async () => {
    const received: Buffer[] = [];
    let stalled!: () => void;
    const server = createServer((socket) => {
      // Not read at first: the kernel's buffers fill and the client socket holds writes.
      socket.pause();
      stalled = () => socket.resume();
      socket.on('data', (chunk: Buffer) => received.push(chunk));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const conn = new H2Connection(socket, false, events, [], 16_384);
    // 16 MB while the reader stalls (more than loopback's socket buffers hold), then small frames.
    const turns = 1_400;
    const sizeOf = (i: number): number => (i < 1_000 ? 16_000 : 700);
    let held = 0;
    for (let i = 0; i < turns; i++) {
      conn.sendData(1 + 2 * (i % 50), Buffer.alloc(sizeOf(i), i % 251), false);
      await new Promise((resolve) => setImmediate(resolve));
      if (socket.writableLength > 0) held += 1;
      if (i === 1_000) stalled();
    }
    let total = 0;
    for (let i = 0; i < turns; i++) total += 9 + sizeOf(i);
    // The SETTINGS and WINDOW_UPDATE sent first come too: more than the DATA alone.
    for (let waited = 0; received.reduce((a, b) => a + b.length, 0) < 24 + total && waited < 400; waited++) await new Promise((resolve) => setTimeout(resolve, 50));
    conn.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Both ways were taken: writes the socket held (the stalled reader), and writes taken at once.
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(turns);
    const data: Frame[] = [];
    const reader = new FrameReader({ onFrame: (type, flags, stream, bytes, start, end) => type === FrameType.DATA && data.push({ type, flags, stream, payload: Buffer.from(bytes.subarray(start, end)) }) }, 1 << 24);
    reader.push(Buffer.concat(received).subarray(24));
    expect(data.length).toBe(turns);
    const wrong = data.filter((f, i) => f.stream !== 1 + 2 * (i % 50) || f.payload.length !== sizeOf(i) || !f.payload.every((byte) => byte === i % 251));
    expect(wrong.length).toBe(0);
  });
});

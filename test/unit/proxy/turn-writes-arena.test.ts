/**
 * The turn's write arena (core/joined-writes.ts, used by transport/turn-writes.ts, on with
 * `heap.reuseWriteBuffers`): frame
 * copies written this turn are carved from one buffer that is used again once the turn's
 * writes have left. A byte handed out again while a write may still read it would be sent
 * overwritten, so each case checks the bytes a real peer receives: a slow reader whose
 * writes Node could not finish at once (plain TCP, TLS, and the `auto` listener's replayed
 * socket), and a copy carved but never written. Real sockets on 127.0.0.1.
 */
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reuseTurnBuffers, turnBuffer } from '../../../src/core/joined-writes.js';
import { ReplayedSocket } from '../../../src/proxy/listeners/replayed-socket.js';
import { writeThisTurn } from '../../../src/proxy/transport/index.js';
import { makeTestCa, type TestCa } from '../../support/mesh-ca.js';

const FRAME = 3000;
const closers: Array<() => void> = [];
let ca: TestCa;

beforeAll(async () => {
  ca = await makeTestCa('mesh.test');
  // heap.reuseWriteBuffers, which `pmesh start` reads; off by default.
  reuseTurnBuffers(true);
});

afterAll(() => reuseTurnBuffers(false));

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

/** A frame of `FRAME` bytes from the arena: a 4-byte sequence number, then its low byte repeated. */
function frameOf(seq: number): Buffer {
  const out = turnBuffer(FRAME);
  out.writeUInt32BE(seq, 0);
  out.fill(seq & 0xff, 4);
  return out;
}

/** Every frame in `bytes` (their concatenation) is whole and in order from `first`; returns how many. */
function checkFrames(bytes: Buffer, first: number): number {
  expect(bytes.length % FRAME).toBe(0);
  for (let at = 0, seq = first; at < bytes.length; at += FRAME, seq++) {
    expect(bytes.readUInt32BE(at)).toBe(seq);
    const body = bytes.subarray(at + 4, at + FRAME);
    // One compare per frame: expect() per byte would take minutes.
    if (!body.equals(Buffer.alloc(FRAME - 4, seq & 0xff))) throw new Error(`frame ${seq} was overwritten`);
  }
  return bytes.length / FRAME;
}

interface Pair {
  /** Our side: what writeThisTurn writes to. */
  readonly ours: Socket;
  /** The peer's side: paused until the test reads it. */
  readonly peer: Duplex;
}

async function tcpPair(): Promise<Pair> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const peer = connect(port, '127.0.0.1');
  peer.pause();
  const [ours] = (await once(server, 'connection')) as [Socket];
  closers.push(() => {
    ours.destroy();
    peer.destroy();
    server.close();
  });
  return { ours, peer };
}

async function tlsPair(): Promise<Pair> {
  const leaf = await ca.material('arena');
  const server = createTlsServer({ key: leaf.key, cert: leaf.cert });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  // The bytes are what is checked here, not the certificate.
  const peer: TLSSocket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  await once(peer, 'secureConnect');
  peer.pause();
  const [ours] = await accepted;
  closers.push(() => {
    ours.destroy();
    peer.destroy();
    server.close();
  });
  return { ours, peer };
}

async function replayedPair(): Promise<Pair> {
  const { ours, peer } = await tcpPair();
  // The `auto` listener hands a listener this Duplex around the accepted socket.
  return { ours: new ReplayedSocket(ours, Buffer.alloc(0)) as unknown as Socket, peer };
}

/** Everything `peer` receives until `bytes` have arrived. */
async function readAll(peer: Duplex, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  peer.resume();
  for await (const chunk of peer) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
    if (got >= bytes) break;
  }
  return Buffer.concat(chunks);
}

describe.each([
  ['plain TCP', tcpPair],
  ['TLS', tlsPair],
  ['the auto listener replayed socket', replayedPair],
])('the turn write arena, over %s', (_name, makePair) => {
  it('never hands out again the bytes of a write the kernel has not taken yet', async () => {
    const slow = await makePair();
    const fast = await tcpPair();
    // Turns of frames to a caller that does not read, until Node holds some of them back.
    let slowFrames = 0;
    for (let turn = 0; turn < 2000 && slow.ours.writableLength === 0; turn++) {
      writeThisTurn(slow.ours, Array.from({ length: 32 }, () => frameOf(slowFrames++)));
      await endOfTurn();
    }
    expect(slow.ours.writableLength).toBeGreaterThan(0);
    // More turns of frames to a reader that keeps up, each larger than a slow turn: were the arena reset under the
    // slow caller's bytes still queued (the last turn's tail), these would overwrite them.
    let fastFrames = 0;
    const fastBytes = readAll(fast.peer, 50 * 40 * FRAME);
    for (let turn = 0; turn < 50; turn++) {
      writeThisTurn(fast.ours, Array.from({ length: 40 }, () => frameOf(1_000_000 + fastFrames++)));
      await endOfTurn();
    }
    expect(checkFrames(await fastBytes, 1_000_000)).toBe(fastFrames);
    expect(checkFrames(await readAll(slow.peer, slowFrames * FRAME), 0)).toBe(slowFrames);
  }, 60_000);
});

describe('the turn write arena', () => {
  it('never hands out again a copy that was carved but not written', async () => {
    const kept = frameOf(7);
    const { ours, peer } = await tcpPair();
    const received = readAll(peer, 50 * 4 * FRAME);
    for (let turn = 0; turn < 50; turn++) {
      writeThisTurn(ours, Array.from({ length: 4 }, () => frameOf(100 + turn * 4)));
      await endOfTurn();
    }
    await received;
    expect(checkFrames(kept, 7)).toBe(1);
  });

  it('uses its bytes again once a turn written to a reader that keeps up has left', async () => {
    const { ours, peer } = await tcpPair();
    peer.resume();
    // A turn of its own first: what an earlier test left behind is settled.
    writeThisTurn(ours, [frameOf(0)]);
    await endOfTurn();
    const first = frameOf(1);
    writeThisTurn(ours, [first]);
    await endOfTurn();
    const second = frameOf(2);
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset);
  });

  it('is off unless heap.reuseWriteBuffers turns it on: each copy is memory of its own', async () => {
    reuseTurnBuffers(false);
    try {
      const { ours, peer } = await tcpPair();
      peer.resume();
      const first = frameOf(1);
      writeThisTurn(ours, [first]);
      await endOfTurn();
      const second = frameOf(2);
      expect(second.buffer === first.buffer && second.byteOffset === first.byteOffset).toBe(false);
      expect(checkFrames(first, 1)).toBe(1);
    } finally {
      reuseTurnBuffers(true);
    }
  });
});

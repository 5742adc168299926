/**
 * Upstream connections dialed with `CopiedReads` read into one buffer shared by all of them:
 * what a read delivers must be a copy the reader can keep, untouched by later reads of the
 * same connection or of another one, and pausing the socket must stop the reads.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEndpoint } from '../../../src/core/index.js';
import { CopiedReads, dial } from '../../../src/proxy/transport/index.js';

let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that writes `parts` to each connection, one per `next` byte the client sends. */
async function serve(parts: (connection: number) => Buffer[]): Promise<number> {
  let connection = 0;
  server = createServer((socket) => {
    const mine = parts(connection++);
    socket.on('data', () => {
      const part = mine.shift();
      if (part) socket.write(part);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function connect(port: number): { socket: Socket; kept: Buffer[]; reads: CopiedReads; arrived: (bytes: number) => Promise<void> } {
  const reads = new CopiedReads();
  const { socket } = dial(makeEndpoint(`127.0.0.1:${port}`), undefined, undefined, reads);
  sockets.push(socket);
  const kept: Buffer[] = [];
  let waiting: { bytes: number; resolve: () => void } | undefined;
  reads.onData = (chunk) => {
    kept.push(chunk);
    if (waiting && Buffer.concat(kept).length >= waiting.bytes) waiting.resolve();
  };
  const arrived = (bytes: number): Promise<void> =>
    Buffer.concat(kept).length >= bytes ? Promise.resolve() : new Promise((resolve) => (waiting = { bytes, resolve }));
  return { socket, kept, reads, arrived };
}

describe('CopiedReads', () => {
  it('hands each read over as a copy that later reads, of this connection or another, leave as it was', async () => {
    const part = (connection: number, n: number): Buffer => Buffer.alloc(1000 + n, String.fromCharCode(97 + connection * 4 + n));
    const port = await serve((connection) => [0, 1, 2, 3].map((n) => part(connection, n)));
    const a = connect(port);
    const b = connect(port);
    let total = 0;
    for (let n = 0; n < 4; n++) {
      total += 1000 + n;
      a.socket.write('next');
      await a.arrived(total);
      b.socket.write('next');
      await b.arrived(total);
    }
    expect(Buffer.concat(a.kept)).toEqual(Buffer.concat([0, 1, 2, 3].map((n) => part(0, n))));
    expect(Buffer.concat(b.kept)).toEqual(Buffer.concat([0, 1, 2, 3].map((n) => part(1, n))));
    expect(a.kept[0]!.buffer).not.toBe(a.reads.buffer.buffer);
  });

  it('stops reading while the socket is paused and delivers what waited once resumed', async () => {
    const port = await serve(() => [Buffer.alloc(100, 'p'), Buffer.alloc(100, 'q')]);
    const a = connect(port);
    a.socket.write('next');
    await a.arrived(100);
    a.socket.pause();
    a.socket.write('next');
    // The server's write is answered by the kernel; nothing reaches the paused reader meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Buffer.concat(a.kept).length).toBe(100);
    a.socket.resume();
    await a.arrived(200);
    expect(Buffer.concat(a.kept).toString('latin1')).toBe('p'.repeat(100) + 'q'.repeat(100));
  });
});

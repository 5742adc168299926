/**
 * Peers that speak the fake protocol over real TCP: a server whose replies each test
 * chooses, and a client that matches replies by id. Used to test the multiplexed
 * pass-through path with no real protocol.
 */
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { fakeCodec, type FakeFrame } from './fake-codec.js';

export type FakeBehaviour = (frame: FakeFrame, socket: Socket) => FakeFrame | undefined | 'drop';

export interface FakeServer {
  readonly port: number;
  readonly address: string;
  readonly seen: FakeFrame[];
  /** Connections open to this server now (with workers: N, each worker opens its own). */
  readonly connections: number;
  /** Heartbeats received, and whether to answer them. */
  heartbeats: number;
  answerHeartbeats: boolean;
  behaviour: FakeBehaviour;
  close(): Promise<void>;
  /** Destroys every open connection (a crashed server, as its peers see it). */
  killConnections(): void;
}

export const echoBehaviour: FakeBehaviour = (frame) => ({
  kind: 'RSP',
  id: frame.id,
  service: frame.service,
  method: frame.method,
  headers: { seenId: String(frame.id), timeout: frame.headers.timeout ?? '' },
  payload: `echo:${frame.payload}`,
});

export function writeFake(socket: Socket, frame: FakeFrame): void {
  for (const buffer of fakeCodec.encode(frame)) socket.write(buffer);
}

export async function startFakeServer(behaviour: FakeBehaviour = echoBehaviour): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const state = {
    port: 0,
    address: '',
    seen: [] as FakeFrame[],
    get connections() {
      return sockets.size;
    },
    heartbeats: 0,
    answerHeartbeats: true,
    behaviour,
    server: undefined as unknown as Server,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      state.server.close(() => resolve());
    }),
    killConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
  state.server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = fakeCodec.newDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === 'HB') {
          state.heartbeats += 1;
          if (state.answerHeartbeats) writeFake(socket, fakeCodec.heartbeatReply(frame));
          continue;
        }
        state.seen.push(frame);
        const reply = state.behaviour(frame, socket);
        if (reply && reply !== 'drop') writeFake(socket, reply);
      }
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  state.address = `127.0.0.1:${state.port}`;
  return state;
}

/** A fake-protocol client on one connection: send a frame, await the reply with its id. */
export class FakeClient {
  readonly socket: Socket;
  readonly #waiting = new Map<bigint, (frame: FakeFrame) => void>();
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    const decoder = fakeCodec.newDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        this.#waiting.get(frame.id)?.(frame);
        this.#waiting.delete(frame.id);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number): Promise<FakeClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new FakeClient(socket)));
      socket.once('error', reject);
    });
  }

  call(frame: FakeFrame): Promise<FakeFrame> {
    return new Promise((resolve) => {
      this.#waiting.set(frame.id, resolve);
      writeFake(this.socket, frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

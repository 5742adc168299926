/**
 * The worker thread of `bench rpc-garbage`: a fake upstream and the load, in an isolate of
 * their own so that the sidecar's isolate (the main thread) counts only its own garbage.
 * The upstream answers every request with a Java-captured echo reply whose value is the
 * bench's 1 KiB argument, the request's id written in; the load keeps `inFlight` calls
 * outstanding on each of `connections` connections and counts the replies in `counter`
 * (shared memory, so counting costs the main isolate nothing).
 */
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { boltCodec, boltLayout } from '../../../src/codecs/bolt/index.js';
import { dubboCodec } from '../../../src/codecs/dubbo/index.js';
import { hessianString } from '../../../src/codecs/hessian/byte-sink.js';
import { DEFAULT_LIMITS } from '../../../src/core/limits.js';
import { REPO_ROOT } from '../../support/maven.js';
import { loadProtocol } from '../load/protocols.js';
import { ARG_1KIB } from '../load/frames.js';

export interface GarbagePeersData {
  readonly protocol: 'bolt' | 'dubbo';
  /** The load's requests (load/protocols.ts): the protocol's own, or `bolt-traces` (a SOFATracer trace id per call). */
  readonly requests: string;
  readonly connections: number;
  readonly inFlight: number;
  /** [0]: replies received so far. */
  readonly counter: Int32Array;
}

/** The golden reply with its value ("hi" or "hello") re-encoded as `arg`, lengths patched. */
function echoReply(protocol: 'bolt' | 'dubbo', arg: string): { bytes: Buffer; writeId: (buf: Buffer, id: Buffer) => void } {
  const value = hessianString(arg);
  if (protocol === 'bolt') {
    const golden = readFileSync(join(REPO_ROOT, 'test/golden/bolt/v1-echo-response.bin'));
    const layout = boltLayout.V1_RESPONSE;
    const hi = Buffer.from([0x02, 0x68, 0x69]);
    const at = golden.lastIndexOf(hi);
    const bytes = Buffer.concat([golden.subarray(0, at), value, golden.subarray(at + hi.length)]);
    bytes.writeInt32BE(golden.readInt32BE(layout.contentLenAt) + value.length - hi.length, layout.contentLenAt);
    return { bytes, writeId: (buf, id) => id.copy(buf, layout.idAt) };
  }
  const golden = readFileSync(join(REPO_ROOT, 'test/golden/dubbo/echo-response.bin'));
  const hello = Buffer.from([0x05, ...Buffer.from('hello')]);
  const at = golden.indexOf(hello, 16);
  const bytes = Buffer.concat([golden.subarray(0, at), value, golden.subarray(at + hello.length)]);
  bytes.writeUInt32BE(bytes.length - 16, 12);
  return { bytes, writeId: (buf, id) => id.copy(buf, 4) };
}

function serveEchoes(protocol: 'bolt' | 'dubbo'): Promise<number> {
  const reply = echoReply(protocol, ARG_1KIB);
  const idBytes = (frame: { head?: Buffer; header?: Buffer }): Buffer =>
    protocol === 'bolt' ? frame.head!.subarray(boltLayout.V1_REQUEST.idAt, boltLayout.V1_REQUEST.idAt + 4) : frame.header!.subarray(4, 12);
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const decoder = protocol === 'bolt' ? boltCodec.newDecoder(DEFAULT_LIMITS) : dubboCodec.newDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk: Buffer) => {
      socket.cork();
      for (const frame of decoder.push(chunk) as { head?: Buffer; header?: Buffer }[]) {
        const kind = protocol === 'bolt' ? boltCodec.kind(frame as never) : dubboCodec.kind(frame as never);
        if (kind !== 'request') continue;
        const out = Buffer.from(reply.bytes);
        reply.writeId(out, idBytes(frame));
        socket.write(out);
      }
      socket.uncork();
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Closed loop: each reply sends the next call on its connection. Replies are counted, not checked (the sidecar is what is measured). */
function drive(port: number, data: GarbagePeersData): Socket {
  const protocol = loadProtocol(data.requests);
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const decoder = data.protocol === 'bolt' ? boltCodec.newDecoder(DEFAULT_LIMITS) : dubboCodec.newDecoder(DEFAULT_LIMITS);
  let nextId = 1;
  const send = (): void => {
    socket.write(protocol.request(nextId));
    nextId = nextId === 0x7fffffff ? 1 : nextId + 1;
  };
  socket.once('connect', () => {
    socket.cork();
    for (let i = 0; i < data.inFlight; i++) send();
    socket.uncork();
  });
  socket.on('data', (chunk: Buffer) => {
    const frames = decoder.push(chunk);
    socket.cork();
    for (let i = 0; i < frames.length; i++) send();
    socket.uncork();
    Atomics.add(data.counter, 0, frames.length);
  });
  socket.on('error', (error) => {
    process.stderr.write(`rpc-garbage load: ${error.message}\n`);
  });
  return socket;
}

const data = workerData as GarbagePeersData;
const upstreamPort = await serveEchoes(data.protocol);
parentPort!.postMessage({ upstreamPort });
parentPort!.on('message', (message: { sidecarPort?: number; stop?: boolean }) => {
  if (message.sidecarPort !== undefined) {
    for (let i = 0; i < data.connections; i++) drive(message.sidecarPort, data);
  }
  if (message.stop) process.exit(0);
});

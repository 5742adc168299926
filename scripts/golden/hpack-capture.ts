/**
 * HPACK golden bytes from real gRPC peers (test/golden/hpack, read by
 * test/unit/proxy/h2-frames/hpack-golden.test.ts):
 *
 * - the request header blocks a grpc-go client and a Python grpcio client send, two calls
 *   on one connection each (the second refers to the dynamic table the first filled);
 * - the reply heads and trailers a grpc-go server sends, three calls on one connection
 *   (an answer, a failed call, an answer again).
 *
 * The HTTP/2 here is the least that makes a peer talk, written for this script alone so
 * that nothing of the sidecar's HTTP/2 or HPACK code (src/proxy/h2-frames) is between
 * the peer and the bytes stored: frames are cut by hand, the capture server answers
 * each call with a trailers-only UNIMPLEMENTED made of fixed bytes, and the capture
 * client sends its requests as HPACK literals without indexing. Each stored file is
 * the header block exactly as the peer sent it (the HEADERS payload without padding
 * or priority, CONTINUATIONs appended). manifest.json names the peers and their versions.
 *
 *   node --import tsx scripts/golden/hpack-capture.ts     (npm run golden:hpack)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { buildGoPeer, preparePythonPeer, startGrpcClient, startGrpcServer, type GrpcPeerKind } from '../../test/support/grpc-peers.js';
import { REPO_ROOT } from '../../test/support/maven.js';

const OUT = join(REPO_ROOT, 'test/golden/hpack');
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const SETTINGS = 0x4;
const PING = 0x6;
const DATA = 0x0;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const ACK = 0x1;

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK literal without indexing, new name, no Huffman (RFC 7541 6.2.2): all the capture client sends. */
function literals(headers: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    if (name.length > 126 || value.length > 126) throw new Error('capture literals are short');
    parts.push(Buffer.from([0x00, name.length]), Buffer.from(name, 'latin1'), Buffer.from([value.length]), Buffer.from(value, 'latin1'));
  }
  return Buffer.concat(parts);
}

/** A HEADERS block as the peer sent it: padding and priority fields off, CONTINUATIONs joined. */
interface Block {
  readonly stream: number;
  readonly endStream: boolean;
  readonly bytes: Buffer;
}

/** Cuts frames from a socket after `skip` bytes of preface; header blocks go to `onBlock`, the rest to `onFrame`. */
function frames(socket: Socket, skip: number, onBlock: (block: Block) => void, onFrame: (type: number, flags: number, stream: number, payload: Buffer) => void): void {
  let pending = Buffer.alloc(0);
  let toSkip = skip;
  let open: { stream: number; endStream: boolean; parts: Buffer[] } | undefined;
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    if (toSkip > 0) {
      const cut = Math.min(toSkip, pending.length);
      pending = pending.subarray(cut);
      toSkip -= cut;
    }
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      const [type, flags] = [pending[3]!, pending[4]!];
      const stream = pending.readUInt32BE(5) & 0x7fff_ffff;
      let payload = pending.subarray(9, 9 + length);
      pending = pending.subarray(9 + length);
      if (type === HEADERS) {
        let start = 0;
        let end = payload.length;
        if (flags & PADDED) {
          end -= payload[0]!;
          start = 1;
        }
        if (flags & PRIORITY) start += 5;
        payload = payload.subarray(start, end);
        open = { stream, endStream: (flags & END_STREAM) !== 0, parts: [] };
      }
      if (type === HEADERS || type === CONTINUATION) {
        open!.parts.push(Buffer.from(payload));
        if (flags & END_HEADERS) {
          onBlock({ stream: open!.stream, endStream: open!.endStream, bytes: Buffer.concat(open!.parts) });
          open = undefined;
        }
        continue;
      }
      onFrame(type, flags, stream, payload);
    }
  });
}

/** Answers SETTINGS with an ACK and PINGs with theirs, as any HTTP/2 endpoint must. */
function housekeeping(socket: Socket) {
  return (type: number, flags: number, _stream: number, payload: Buffer): void => {
    if (type === SETTINGS && !(flags & ACK)) socket.write(frame(SETTINGS, ACK, 0));
    if (type === PING && !(flags & ACK)) socket.write(frame(PING, ACK, 0, payload));
  };
}

/** :status 200 (static 8), content-type application/grpc (static name 31, literal), grpc-status 12, grpc-message "capture" (new names). */
const TRAILERS_ONLY_UNIMPLEMENTED = Buffer.concat([
  Buffer.from([0x88, 0x0f, 0x10, 16]),
  Buffer.from('application/grpc', 'latin1'),
  literals([
    ['grpc-status', '12'],
    ['grpc-message', 'capture'],
  ]),
]);

/** Runs `kind`'s client for two unary calls on one connection against a capture server; returns both request blocks. */
async function captureClient(kind: GrpcPeerKind): Promise<Block[]> {
  const blocks: Block[] = [];
  const server = createServer((socket) => {
    socket.write(frame(SETTINGS, 0, 0));
    const ended = new Set<number>();
    const answer = (stream: number): void => {
      if (ended.has(stream)) return;
      ended.add(stream);
      socket.write(frame(HEADERS, END_HEADERS | END_STREAM, stream, TRAILERS_ONLY_UNIMPLEMENTED));
    };
    const base = housekeeping(socket);
    frames(
      socket,
      PREFACE.length,
      (block) => {
        blocks.push(block);
        if (block.endStream) answer(block.stream);
      },
      (type, flags, stream, payload) => {
        base(type, flags, stream, payload);
        if (type === DATA && flags & END_STREAM) answer(stream);
      },
    );
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const client = startGrpcClient(kind, `127.0.0.1:${port}`, ['unary', 'unary']);
  try {
    await client.waitFor(/^DONE$/m, 120_000);
  } finally {
    await client.stop();
    server.close();
  }
  if (blocks.length !== 2) throw new Error(`${kind} client: ${blocks.length} header blocks, want 2`);
  return blocks;
}

/** Three SayHello calls on one connection to a grpc-go server ("go", "fail", "go"); returns the reply blocks per call. */
async function captureGoServer(): Promise<Block[][]> {
  const { peer, port } = await startGrpcServer('go');
  const socket = connect(port, '127.0.0.1');
  const byStream = new Map<number, Block[]>();
  const done = new Promise<void>((resolve, reject) => {
    const base = housekeeping(socket);
    frames(
      socket,
      0,
      (block) => {
        byStream.set(block.stream, [...(byStream.get(block.stream) ?? []), block]);
        if ([1, 3, 5].every((id) => byStream.get(id)?.some((b) => b.endStream))) resolve();
      },
      base,
    );
    socket.on('error', reject);
    setTimeout(() => reject(new Error('grpc-go server: no replies within 30 s')), 30_000).unref();
  });
  const names = ['go', 'fail', 'go'];
  const request = (stream: number, name: string): Buffer => {
    const head = literals([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/helloworld.Greeter/SayHello'],
      [':authority', `127.0.0.1:${port}`],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['x-echo', 'v1'],
      ['x-echo-bin', 'AAEC/v8'],
    ]);
    // google.protobuf.StringValue { value: name } behind gRPC's 5-byte prefix.
    const message = Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name, 'latin1')]);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(message.length, 1);
    return Buffer.concat([frame(HEADERS, END_HEADERS, stream, head), frame(DATA, END_STREAM, stream, Buffer.concat([prefix, message]))]);
  };
  socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)]));
  // One call after the other, so each reply's block is encoded after the one before.
  try {
    for (let i = 0; i < names.length; i++) {
      const stream = 2 * i + 1;
      socket.write(request(stream, names[i]!));
      const until = Date.now() + 30_000;
      while (!byStream.get(stream)?.some((b) => b.endStream)) {
        if (Date.now() > until) throw new Error(`grpc-go server: no reply on stream ${stream}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await done;
  } finally {
    socket.destroy();
    await peer.stop();
  }
  return [1, 3, 5].map((id) => byStream.get(id)!);
}

function goModuleVersion(module: string): string {
  const line = readFileSync(join(REPO_ROOT, 'test/support/grpc-go/go.mod'), 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith(`${module} `));
  if (!line) throw new Error(`${module} not in test/support/grpc-go/go.mod`);
  return line.trim().split(/\s+/)[1]!;
}

function grpcioVersion(): string {
  preparePythonPeer();
  return execFileSync(join(REPO_ROOT, '.cache/grpc-venv/bin/python'), ['-c', 'import grpc; print(grpc.__version__)'], { encoding: 'utf8' }).trim();
}

async function main(): Promise<void> {
  buildGoPeer();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const files: Record<string, string> = {};
  const store = (name: string, block: Block, what: string): void => {
    writeFileSync(join(OUT, name), block.bytes);
    files[name] = what;
  };
  const go = await captureClient('go');
  go.forEach((b, i) => store(`grpc-go-client-request-${i + 1}.bin`, b, `grpc-go client, SayHello call ${i + 1} on one connection: request head`));
  const python = await captureClient('python');
  python.forEach((b, i) => store(`grpcio-client-request-${i + 1}.bin`, b, `grpcio client, SayHello call ${i + 1} on one connection: request head`));
  const replies = await captureGoServer();
  replies.forEach((blocks, i) => {
    const call = `grpc-go server, SayHello call ${i + 1} on one connection`;
    if (blocks.length === 1) store(`grpc-go-server-reply-${i + 1}-trailers-only.bin`, blocks[0]!, `${call}: trailers-only reply`);
    else {
      store(`grpc-go-server-reply-${i + 1}-head.bin`, blocks[0]!, `${call}: reply head`);
      store(`grpc-go-server-reply-${i + 1}-trailers.bin`, blocks[blocks.length - 1]!, `${call}: trailers`);
    }
  });
  const manifest = {
    written: 'scripts/golden/hpack-capture.ts',
    peers: {
      'grpc-go': `google.golang.org/grpc ${goModuleVersion('google.golang.org/grpc')} (golang.org/x/net ${goModuleVersion('golang.org/x/net')}), test/support/grpc-go`,
      grpcio: `grpcio ${grpcioVersion()} (PyPI), test/support/grpc-python/peer.py`,
    },
    note: 'Each file is one header block as the peer sent it; files of one peer are in connection order and share its dynamic table. The capture side advertised the default SETTINGS (4096-byte table).',
    files,
  };
  writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`wrote ${Object.keys(files).length} header blocks to ${OUT}\n`);
}

await main();

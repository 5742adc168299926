/**
 * gRPC peers we did not write the gRPC of: grpc-go (test/support/grpc-go, built with
 * `go build` on first use, the module from the Go module proxy) and Python grpcio
 * (test/support/grpc-python/peer.py, in a venv under .cache made on first use, stubs
 * generated from proto/examples by grpcio-tools). Both serve and call the same
 * services with the same cases, printing "ok <case>" / "FAIL <case>: why" and DONE.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './maven.js';
import { startPeer, type Peer } from './process.js';

export type GrpcPeerKind = 'go' | 'python';

const CACHE = join(REPO_ROOT, '.cache');
const GO_DIR = join(REPO_ROOT, 'test/support/grpc-go');
const GO_BIN = join(CACHE, 'bin/grpc-peer');
const VENV = join(CACHE, 'grpc-venv');
const STUBS = join(CACHE, 'grpc-python-stubs');
const PY_SCRIPT = join(REPO_ROOT, 'test/support/grpc-python/peer.py');
/** Pinned so every run tests the same grpcio. */
const PY_PACKAGES = ['grpcio==1.85.3', 'grpcio-tools==1.85.1'];

let goBuilt = false;
let pythonReady = false;

function run(command: string, args: string[], cwd = REPO_ROOT): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
}

function need(command: string, install: string): void {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync(command, ['version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${command} is required for the gRPC interop tests: ${install}`);
    }
  }
}

/** Builds the grpc-go peer (go build is incremental: quick when nothing changed). */
export function buildGoPeer(): string {
  if (!goBuilt) {
    need('go', 'install it from go.dev or apt-get install -y golang');
    mkdirSync(join(CACHE, 'bin'), { recursive: true });
    run('go', ['build', '-o', GO_BIN, '.'], GO_DIR);
    goBuilt = true;
  }
  return GO_BIN;
}

/** Makes the grpcio venv (once) and the stubs from proto/examples. */
export function preparePythonPeer(): void {
  if (pythonReady) return;
  need('python3', 'apt-get install -y python3 python3-venv');
  const python = join(VENV, 'bin/python');
  if (!existsSync(python)) run('python3', ['-m', 'venv', VENV]);
  try {
    execFileSync(python, ['-c', 'import grpc, grpc_tools'], { stdio: 'ignore' });
  } catch {
    run(python, ['-m', 'pip', 'install', '-q', ...PY_PACKAGES]);
  }
  mkdirSync(STUBS, { recursive: true });
  run(python, ['-m', 'grpc_tools.protoc', '-Iproto/examples', `--python_out=${STUBS}`, `--grpc_python_out=${STUBS}`, 'proto/examples/helloworld.proto', 'proto/examples/streaming.proto']);
  pythonReady = true;
}

/** `tlsCaFile` (grpcio only): the client speaks TLS, verifying the server against this CA bundle. */
function spawnPeer(kind: GrpcPeerKind, args: string[], tlsCaFile?: string): Peer {
  if (kind === 'go') {
    if (tlsCaFile) throw new Error('the grpc-go peer speaks no TLS; use the grpcio one');
    return startPeer('grpc-go peer', buildGoPeer(), args);
  }
  preparePythonPeer();
  const tls = tlsCaFile ? { PMESH_GRPC_TLS_CA: tlsCaFile } : {};
  return startPeer('grpcio peer', join(VENV, 'bin/python'), [PY_SCRIPT, ...args], { env: { ...process.env, PMESH_GRPC_STUBS: STUBS, ...tls } });
}

/** Starts a server of helloworld.Greeter and examples.streaming.Streamer on a free port; `options` (grpc-go): `max-streams=N`. */
export async function startGrpcServer(kind: GrpcPeerKind, options: readonly string[] = []): Promise<{ peer: Peer; port: number }> {
  const peer = spawnPeer(kind, ['server', '127.0.0.1:0', ...options]);
  const line = await peer.waitFor(/^LISTENING \d+$/m, 60_000);
  return { peer, port: Number(line.split(' ')[1]) };
}

/** Starts a client running `cases` against `address`; read its lines with `clientLines`. */
export function startGrpcClient(kind: GrpcPeerKind, address: string, cases: readonly string[]): Peer {
  return spawnPeer(kind, ['client', address, ...cases]);
}

/** Runs `cases` to the end and returns the "ok ..." / "FAIL ..." lines; over TLS verified against `tlsCaFile` when given (grpcio). */
export async function runGrpcClient(kind: GrpcPeerKind, address: string, cases: readonly string[], timeoutMs = 180_000, tlsCaFile?: string): Promise<string[]> {
  const peer = spawnPeer(kind, ['client', address, ...cases], tlsCaFile);
  await peer.waitFor(/^DONE$/m, timeoutMs);
  await peer.stop();
  return clientLines(peer);
}

export function clientLines(peer: Peer): string[] {
  return peer.output().split('\n').filter((line) => /^(ok|FAIL) /.test(line));
}

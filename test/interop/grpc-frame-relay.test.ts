/**
 * The HTTP/2 frame relay (src/proxy/h2-frames) on its own, between peers we did not
 * write: grpc-go and Python grpcio clients and servers, every call kind, deadline, cancel,
 * the message-size limit, 1,000 concurrent streams, a server killed with streams open,
 * and 1 GiB streamed to a reader that pauses (memory must stay flat: flow control end to
 * end). The relay runs as its own process (test/bench/servers/frame-relay.ts, every call
 * to one upstream) so its memory can be read from /proc.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoPeer, clientLines, preparePythonPeer, runGrpcClient, startGrpcClient, startGrpcServer } from '../support/grpc-peers.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { rssBytes, startPeer, stopAllPeers, waitForPort, type Peer } from '../support/process.js';

const CASES = ['unary', 'status', 'server-stream', 'client-stream', 'bidi', 'deadline', 'cancel', 'too-large'];
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

let toGo: { relay: Peer; port: number };
let toPython: { relay: Peer; port: number };
let toDoomed: { relay: Peer; port: number };
let goServer: { peer: Peer; port: number };
let pyServer: { peer: Peer; port: number };
let doomed: { peer: Peer; port: number };

async function startRelay(upstreamPort: number): Promise<{ relay: Peer; port: number }> {
  const port = await freePort();
  const relay = startPeer('frame-relay', process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/bench/servers/frame-relay.ts'), String(port), String(upstreamPort)], { cwd: REPO_ROOT });
  await waitForPort(port);
  return { relay, port };
}

beforeAll(async () => {
  buildGoPeer();
  preparePythonPeer();
  [goServer, pyServer, doomed] = await Promise.all([startGrpcServer('go'), startGrpcServer('python'), startGrpcServer('go')]);
  [toGo, toPython, toDoomed] = await Promise.all([startRelay(goServer.port), startRelay(pyServer.port), startRelay(doomed.port)]);
}, 900_000);

afterAll(stopAllPeers);

describe('HTTP/2 frame relay between grpc-go and grpcio', () => {
  it('Go client -> relay -> Python server: every call kind, status and binary trailers, deadline, cancel, limits', async () => {
    expect(await runGrpcClient('go', `127.0.0.1:${toPython.port}`, CASES)).toEqual(CASES.map((c) => `ok ${c}`));
    await pyServer.peer.waitFor(/^CANCELLED Download$/m, 10_000);
  }, 240_000);

  it('Python client -> relay -> Go server: every call kind, status and binary trailers, deadline, cancel, limits', async () => {
    expect(await runGrpcClient('python', `127.0.0.1:${toGo.port}`, CASES)).toEqual(CASES.map((c) => `ok ${c}`));
    await goServer.peer.waitFor(/^CANCELLED Download$/m, 10_000);
  }, 240_000);

  it('1,000 concurrent streams from one grpc-go connection all complete', async () => {
    expect(await runGrpcClient('go', `127.0.0.1:${toGo.port}`, ['concurrent'])).toEqual(['ok concurrent']);
  }, 240_000);

  it('1 GiB streamed to a reader that pauses: the relay holds memory flat', async () => {
    const pid = toGo.relay.child.pid!;
    const before = rssBytes(pid);
    let peak = before;
    const client = startGrpcClient('go', `127.0.0.1:${toGo.port}`, [`slow:${GiB}`]);
    const done = client.waitFor(/^DONE$/m, 300_000);
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    while (!finished) {
      peak = Math.max(peak, rssBytes(pid));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await done;
    expect(clientLines(client)).toEqual([`ok slow:${GiB}`]);
    expect(peak - before).toBeLessThan(96 * MiB);
  }, 320_000);

  it('a server killed with streams open: every stream gets UNAVAILABLE', async () => {
    const client = startGrpcClient('go', `127.0.0.1:${toDoomed.port}`, ['unavailable']);
    await client.waitFor(/^STREAMING$/m, 60_000);
    await doomed.peer.kill();
    await client.waitFor(/^DONE$/m, 60_000);
    expect(clientLines(client)).toEqual(['ok unavailable']);
  }, 120_000);
});

/**
 * Closed-loop RPC load generator, run as its own process so its CPU is not the
 * sidecar's: `node --import tsx test/bench/load/rpc-load.ts '<json LoadOptions>'`.
 * Opens `connections` TCP connections, keeps `inFlight` calls outstanding on each
 * (a reply immediately sends the next call on its connection), for `seconds`.
 * Latency is per call, send to reply, with performance.now(). Every reply must carry
 * the id of an outstanding call on its connection and be a correct echo reply
 * (protocols.ts); anything else counts as an error. Prints one line:
 * `PMESH_LOAD_RESULT {json}` (RpcLoadResult), which the parent reads.
 */
import { connect, type Socket } from 'node:net';
import { LatencyHistogram, type HistogramCounts } from './histogram.js';
import { loadProtocol, type LoadProtocol } from './protocols.js';

export interface LoadOptions {
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly inFlight: number;
  readonly seconds: number;
}

export interface RpcLoadResult {
  /** Correct replies inside the measured window, and the window's length. */
  readonly ok: number;
  readonly elapsedSeconds: number;
  readonly rate: number;
  readonly total: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstError: string | undefined;
  /** The generator's own CPU use over the run, in % of one core. */
  readonly cpuPercent: number;
  /** Latencies of the correct replies, mergeable across runs. */
  readonly histogram: HistogramCounts;
}

export const RESULT_PREFIX = 'PMESH_LOAD_RESULT ';
/** Printed when the measured window opens and closes, so the parent can sample other processes' CPU over exactly it. */
export const START_LINE = 'PMESH_LOAD_START';
export const STOP_LINE = 'PMESH_LOAD_STOP';

interface Run {
  measuring: boolean;
  errors: number;
  firstError: string | undefined;
  readonly latencies: LatencyHistogram;
}

function fail(run: Run, why: string): void {
  run.errors++;
  run.firstError ??= why;
}

function openConnection(options: LoadOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port, noDelay: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Drives one connection until `run.measuring` turns false and its calls have come back. */
function drive(socket: Socket, protocol: LoadProtocol, inFlight: number, run: Run): Promise<void> {
  const sentAt = new Map<number, number>();
  const read = protocol.newReader();
  let nextId = 1;
  const send = (now: number): void => {
    const id = nextId;
    nextId = nextId === 0x7fffffff ? 1 : nextId + 1;
    sentAt.set(id, now);
    socket.write(protocol.request(id));
  };
  return new Promise((resolve) => {
    const finishIfDrained = (): void => {
      if (!run.measuring && sentAt.size === 0) resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      // One clock read per chunk: every reply in it arrived together.
      const now = performance.now();
      let replies;
      try {
        replies = read(chunk);
      } catch (error) {
        fail(run, `undecodable reply bytes: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
      // Cork so the calls sent in answer to one chunk leave in one write, as a real client's would.
      socket.cork();
      for (const reply of replies) {
        const started = sentAt.get(reply.id);
        if (started === undefined) {
          fail(run, `reply with id ${reply.id}, which no outstanding call has`);
          continue;
        }
        sentAt.delete(reply.id);
        if (run.measuring) {
          if (reply.error !== undefined) fail(run, reply.error);
          else run.latencies.add(now - started);
          send(now);
        }
      }
      socket.uncork();
      finishIfDrained();
    });
    socket.on('error', (error) => fail(run, `socket error: ${error.message}`));
    socket.on('close', () => {
      // Calls that never came back are errors, whether the peer closed or the drain timed out.
      if (sentAt.size > 0) {
        run.firstError ??= `connection closed with ${sentAt.size} calls outstanding`;
        run.errors += sentAt.size;
        sentAt.clear();
      }
      resolve();
    });
    const now = performance.now();
    socket.cork();
    for (let i = 0; i < inFlight; i++) send(now);
    socket.uncork();
  });
}

export async function runLoad(options: LoadOptions): Promise<RpcLoadResult> {
  const protocol = loadProtocol(options.protocol);
  const sockets = await Promise.all(Array.from({ length: options.connections }, () => openConnection(options)));
  const run: Run = { measuring: true, errors: 0, firstError: undefined, latencies: new LatencyHistogram() };
  process.stdout.write(`${START_LINE}\n`);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const driven = sockets.map((socket) => drive(socket, protocol, options.inFlight, run));
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  run.measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${STOP_LINE}\n`);
  // Let the calls already sent come back (they are not counted), then close.
  const drained = setTimeout(() => sockets.forEach((socket) => socket.destroy()), 5_000);
  await Promise.all(driven);
  clearTimeout(drained);
  sockets.forEach((socket) => socket.destroy());
  const ok = run.latencies.count;
  return {
    ok,
    elapsedSeconds: elapsed,
    rate: ok / elapsed,
    total: ok + run.errors,
    errors: run.errors,
    p50Ms: run.latencies.percentile(50),
    p99Ms: run.latencies.percentile(99),
    firstError: run.firstError,
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / elapsed) * 100,
    histogram: run.latencies.toJSON(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  const result = await runLoad(options);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  process.exit(0);
}

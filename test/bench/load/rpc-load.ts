/**
 * RPC load generator, run as its own process so its CPU is not the sidecar's:
 * `node --import tsx test/bench/load/rpc-load.ts '<json LoadOptions>'`.
 * Opens `connections` TCP connections for `seconds`. Closed loop (no `rate`): keeps
 * `inFlight` calls outstanding on each, a reply immediately sending the next call on its
 * connection. Open loop (`rate`): sends calls on a fixed schedule, `rate` per second over
 * all connections, whether or not replies have come; `inFlight` then only bounds what a
 * connection may have outstanding (a call due past it is not sent and counted as
 * `skipped`). A fixed schedule offers every target the same load in the same batches, so
 * their CPU per call compares alike, which throughput-bound closed loops do not
 * (a slower target gets fewer calls per read and write).
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
  /** Calls per second over all connections, open loop; absent: closed loop. */
  readonly rate?: number;
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
  /** Open loop: calls due that were not sent because their connection had `inFlight` outstanding. */
  readonly skipped: number;
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
  skipped: number;
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

/** One connection's calls. */
interface Driven {
  /** Settles when measuring has stopped and every call sent has come back (or the connection closed). */
  readonly done: Promise<void>;
  /** Sends `count` calls now, in one write. */
  send(now: number, count: number): void;
  /** Calls sent and not yet answered. */
  outstanding(): number;
  /** Measuring has stopped: settles `done` at once when nothing is outstanding. */
  stop(): void;
}

/**
 * Drives one connection until `run.measuring` turns false and its calls have come back.
 * Closed loop: each reply sends the next call. Open loop: the caller sends (`send`).
 */
function drive(socket: Socket, protocol: LoadProtocol, inFlight: number, run: Run, openLoop: boolean): Driven {
  const sentAt = new Map<number, number>();
  const read = protocol.newReader();
  let nextId = 1;
  const send = (now: number): void => {
    const id = nextId;
    nextId = nextId === 0x7fffffff ? 1 : nextId + 1;
    sentAt.set(id, now);
    socket.write(protocol.request(id));
  };
  let finishIfDrained = (): void => {};
  const done = new Promise<void>((resolve) => {
    finishIfDrained = (): void => {
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
          if (!openLoop) send(now);
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
    if (openLoop) return;
    const now = performance.now();
    socket.cork();
    for (let i = 0; i < inFlight; i++) send(now);
    socket.uncork();
  });
  return {
    done,
    send(now, count) {
      socket.cork();
      for (let i = 0; i < count; i++) send(now);
      socket.uncork();
    },
    outstanding: () => sentAt.size,
    stop: () => finishIfDrained(),
  };
}

/** How often the open loop sends what is due: every tick's calls leave together, as one write per connection. */
const TICK_MS = 1;

/** Open loop: every tick, the calls due by then, spread round robin over the connections. */
async function schedule(driven: readonly Driven[], rate: number, seconds: number, inFlight: number, run: Run): Promise<void> {
  const started = performance.now();
  let due = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (now - started >= seconds * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      const target = Math.floor(((now - started) / 1000) * rate);
      const counts = new Array<number>(driven.length).fill(0);
      for (; due < target; due++) {
        const at = next;
        next = (next + 1) % driven.length;
        if (driven[at]!.outstanding() + counts[at]! >= inFlight) run.skipped++;
        else counts[at]!++;
      }
      driven.forEach((connection, i) => counts[i]! > 0 && connection.send(now, counts[i]!));
    }, TICK_MS);
  });
}

export async function runLoad(options: LoadOptions): Promise<RpcLoadResult> {
  const protocol = loadProtocol(options.protocol);
  const sockets = await Promise.all(Array.from({ length: options.connections }, () => openConnection(options)));
  const run: Run = { measuring: true, errors: 0, skipped: 0, firstError: undefined, latencies: new LatencyHistogram() };
  process.stdout.write(`${START_LINE}\n`);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const openLoop = options.rate !== undefined;
  const driven = sockets.map((socket) => drive(socket, protocol, options.inFlight, run, openLoop));
  if (openLoop) await schedule(driven, options.rate!, options.seconds, options.inFlight, run);
  else await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  run.measuring = false;
  driven.forEach((connection) => connection.stop());
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${STOP_LINE}\n`);
  // Let the calls already sent come back (they are not counted), then close.
  const drained = setTimeout(() => sockets.forEach((socket) => socket.destroy()), 5_000);
  await Promise.all(driven.map((connection) => connection.done));
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
    skipped: run.skipped,
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

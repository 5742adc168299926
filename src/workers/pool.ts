/**
 * The primary's workers: forks them with node:cluster, gives each what it needs to start, starts
 * another when one exits unasked (logged, counted), asks them all (for /metrics, /clusters),
 * tells them all (a reload), and drains them all.
 *
 * Connections are spread by the cluster module's round-robin: the primary accepts on the
 * listeners' sockets and hands each connection to the next worker. Node 20's net has no
 * SO_REUSEPORT (Node 22.12 added `reusePort`), and the other policy, every worker accepting on
 * the one shared socket, leaves the spread to the kernel's wake-ups, which on Linux piles most
 * connections onto one or two processes. The accept itself is the primary's only cost per
 * connection; calls then flow on the worker's own socket.
 */
import type { Cluster, Worker } from 'node:cluster';
import { join } from 'node:path';
import { PACKAGE_ROOT, type Logger } from '../core/index.js';
import { Channel } from './channel.js';
import type { WorkerInit } from './worker.js';

/** What the pool needs of its primary. */
export interface PoolParts {
  /** What a worker that starts is given, as of now (the config in force, the app routes). */
  init(index: number): WorkerInit;
  /** Wires a new worker's channel (registry, app API); returns what undoes it when the worker is gone. */
  serve(channel: Channel): () => void;
  /** A worker exited unasked and another is started in its place. */
  restarted(): void;
  readonly log: Logger;
}

interface Member {
  readonly index: number;
  readonly worker: Worker;
  readonly channel: Channel;
  ready: boolean;
}

/** How long a worker has to close its listening sockets before the drain goes on without its answer. */
const STOP_ACCEPTING_MS = 2_000;

/** A crash loop does not fork as fast as it can. */
const RESTART_DELAY_MS = 500;

export class WorkerPool {
  readonly #cluster: Cluster;
  readonly #parts: PoolParts;
  readonly #members = new Map<number, Member>();
  readonly #size: number;
  #stopping = false;

  private constructor(cluster: Cluster, size: number, parts: PoolParts) {
    this.#cluster = cluster;
    this.#size = size;
    this.#parts = parts;
  }

  /** Forks `size` workers and resolves once each has started its listeners; rejects (all stopped) if one cannot. */
  static async start(size: number, parts: PoolParts): Promise<WorkerPool> {
    const { default: cluster } = await import('node:cluster');
    // Workers run `pmesh` itself, which sees it is a worker (bin/pmesh.js picks the build or the sources).
    // They serve the calls, so they get the old generation's floor the primary was launched with (bin/pmesh.js's first line).
    const execArgv = process.execArgv.filter((arg) => arg.startsWith('--initial-old-space-size='));
    cluster.setupPrimary({ exec: join(PACKAGE_ROOT, 'bin/pmesh.js'), args: [], execArgv, serialization: 'advanced' });
    const pool = new WorkerPool(cluster, size, parts);
    try {
      await Promise.all(Array.from({ length: size }, (_, index) => pool.#fork(index)));
    } catch (error) {
      await pool.stop(0);
      throw error;
    }
    return pool;
  }

  /** Ready when every worker is. */
  get ready(): boolean {
    return !this.#stopping && this.#members.size === this.#size && [...this.#members.values()].every((member) => member.ready);
  }

  /** Which workers run, by index. */
  members(): Array<{ index: number; pid: number | undefined; ready: boolean }> {
    return [...this.#members.values()].map(({ index, worker, ready }) => ({ index, pid: worker.process.pid, ready }));
  }

  /** Asks every ready worker; one that does not answer within `timeoutMs` is left out. */
  async ask<T>(op: string, timeoutMs: number): Promise<T[]> {
    const asked = [...this.#members.values()].filter((member) => member.ready).map((member) => within(member.channel.call<T>(op, {}), timeoutMs));
    return (await Promise.all(asked)).filter((answer) => answer !== undefined) as T[];
  }

  tell(op: string, args: unknown): void {
    for (const member of this.#members.values()) member.channel.emit(op, args);
  }

  /**
   * Drains every worker, then ends them. First every worker stops accepting, together: under
   * node:cluster the primary holds each listening socket until the last worker lets go of it,
   * so once all have answered it is closed and a new connection is refused (as in a single
   * process), never handed to a worker already closing. Then each lets its calls in flight
   * finish for at most `drainMs`.
   */
  async stop(drainMs: number): Promise<void> {
    this.#stopping = true;
    const members = [...this.#members.values()];
    await Promise.all(members.map(({ channel }) => within(channel.call('worker.stopAccepting', {}), STOP_ACCEPTING_MS)));
    this.#parts.log.info({ drainMs }, 'draining every worker');
    await Promise.all(
      members.map(async ({ worker, channel }) => {
        const exited = new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once('exit', () => resolve())));
        await within(channel.call('worker.drain', { drainMs }), drainMs + 2_000);
        if (worker.isConnected() && !disconnecting(worker)) worker.disconnect();
        // A worker that does not exit after its drain and a grace second is ended.
        if ((await within(exited.then(() => true), 2_000)) !== true) worker.process.kill('SIGKILL');
        await exited;
      }),
    );
  }

  #fork(index: number): Promise<void> {
    const worker = this.#cluster.fork({ PMESH_WORKER_INDEX: String(index) });
    // A message to a worker that has just exited fails; the channel is closed by its exit, not by an 'error' event nobody hears.
    const channel = new Channel({ send: (message) => worker.send(message as never, undefined, undefined, () => {}), onMessage: (listener) => worker.on('message', listener) });
    worker.on('error', (error) => this.#parts.log.debug({ worker: index, err: String(error) }, 'worker IPC error'));
    const member: Member = { index, worker, channel, ready: false };
    this.#members.set(index, member);
    channel.handle('worker.init', () => this.#parts.init(index));
    const unserve = this.#parts.serve(channel);
    return new Promise<void>((resolve, reject) => {
      channel.on('worker.ready', () => {
        member.ready = true;
        this.#parts.log.info({ worker: index, pid: worker.process.pid }, 'worker ready');
        resolve();
      });
      channel.on<{ message: string }>('worker.failed', ({ message }) => {
        reject(new Error(message));
        if (worker.isConnected()) worker.disconnect();
      });
      worker.once('exit', (code, signal) => {
        unserve();
        channel.close(`worker ${index} exited`);
        if (this.#members.get(index) === member) this.#members.delete(index);
        reject(new Error(`worker ${index} exited (${signal ?? `code ${code}`}) before it was ready`));
        if (this.#stopping || !member.ready) return;
        this.#parts.log.error({ worker: index, pid: worker.process.pid, code, signal }, 'worker exited; starting another');
        this.#parts.restarted();
        setTimeout(() => {
          if (this.#stopping) return;
          this.#fork(index).catch((error: unknown) => this.#parts.log.error({ worker: index, err: String(error) }, 'a restarted worker failed to start'));
        }, RESTART_DELAY_MS).unref();
      });
    });
  }
}

/** Whether `disconnect()` was already called on the worker (it then says so in `exitedAfterDisconnect`). */
function disconnecting(worker: Worker): boolean {
  return worker.exitedAfterDisconnect === true;
}

/** What `promise` gives within `ms`, else undefined (a failure is undefined too). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

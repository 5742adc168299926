/**
 * The keep-alive connections to one upstream endpoint: at most `max` open, idle ones
 * reused newest first and closed after IDLE_MS, callers queued while all are busy.
 */
import type { Socket } from 'node:net';
import type { Endpoint } from '../../core/index.js';
import { connector, CopiedReads, usesTls, type EgressTls } from '../transport/index.js';
import { Http1Connection } from './http1-connection.js';

/** How long an idle upstream connection is kept (Linkerd's pool idle; docs/reliability.md). */
const IDLE_MS = 3_000;

/** Who waits for a connection: told once, with a connection or why there is none. */
export interface Lease {
  leased(error: Error | null, connection: Http1Connection | null): void;
}

export interface PoolOptions {
  readonly endpoint: Endpoint;
  readonly tls: EgressTls | undefined;
  readonly connectTimeoutMs: number;
  readonly max: number;
  /** Told when the count of open connections changes. */
  readonly onOpenChanged: (open: number) => void;
}

export class Http1Pool {
  #options: PoolOptions;
  readonly #connect: ReturnType<typeof connector>;
  readonly #idle: Http1Connection[] = [];
  readonly #waiting: Lease[] = [];
  /** Connections open or being opened. */
  #count = 0;
  #open = 0;
  #closing = false;
  #sweep: NodeJS.Timeout | undefined;
  /** Idle sweeps run so far. */
  #sweeps = 0;
  readonly #events = {
    reusable: (connection: Http1Connection): void => this.#reusable(connection),
    closed: (connection: Http1Connection): void => this.#closed(connection),
  };

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#connect = connector(options.endpoint, options.tls, options.connectTimeoutMs);
  }

  /** A free connection now, a new one once connected, or one as soon as a call ends. */
  acquire(lease: Lease): void {
    const idle = this.#idle.pop();
    if (idle) {
      lease.leased(null, idle);
    } else if (this.#count < this.#options.max) {
      this.#dial(lease);
    } else {
      this.#waiting.push(lease);
    }
  }

  /** A reload changed the cluster's maxConnectionsPerEndpoint: raised, waiting callers get connections now; lowered, open ones are kept. */
  setMax(max: number): void {
    this.#options = { ...this.#options, max };
    for (let room = max - this.#count; room > 0; room--) this.#serveWaiting();
  }

  /** A lease no longer wanted (its call was cancelled while it waited). */
  forget(lease: Lease): void {
    const at = this.#waiting.indexOf(lease);
    if (at >= 0) this.#waiting.splice(at, 1);
  }

  /** A connection leased to a call that was cancelled before it was used. */
  giveBack(connection: Http1Connection): void {
    this.#reusable(connection);
  }

  /** Closes idle connections now and busy ones when their calls end. */
  close(): void {
    this.#closing = true;
    clearTimeout(this.#sweep);
    for (const connection of this.#idle.splice(0)) connection.destroy();
  }

  #dial(lease: Lease): void {
    this.#count++;
    // A plaintext connection reads into the buffer all of them share (no allocation per read); TLS reads as Node does.
    const reads = usesTls(this.#options.endpoint, this.#options.tls) ? undefined : new CopiedReads();
    this.#connect(reads ? { onread: reads } : null, (error: Error | null, socket: Socket | null) => {
      if (error || !socket) {
        this.#count--;
        lease.leased(error ?? new Error('no connection'), null);
        this.#serveWaiting();
        return;
      }
      this.#open++;
      this.#options.onOpenChanged(this.#open);
      lease.leased(null, new Http1Connection(socket, this.#events, reads));
    });
  }

  #reusable(connection: Http1Connection): void {
    if (this.#closing) {
      connection.destroy();
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter.leased(null, connection);
      return;
    }
    connection.idleSweep = this.#sweeps;
    this.#idle.push(connection);
    this.#sweepLater();
  }

  /**
   * Idle connections are closed by one sweep every IDLE_MS while any is idle, not by a
   * timer per connection: a timer armed and cleared around every call cost more than the call's parse.
   * A connection is closed between IDLE_MS and twice that after its last call: at the second
   * sweep after it went idle. Counting sweeps rather than reading the clock saves a clock
   * read per call.
   */
  #sweepLater(): void {
    if (this.#sweep) return;
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      const before = ++this.#sweeps - 2;
      // Oldest first at the front: the newest are reused first (pop), so the stale ones stay at the front.
      while (this.#idle.length > 0 && this.#idle[0]!.idleSweep <= before) this.#idle.shift()!.destroy();
      if (this.#idle.length > 0) this.#sweepLater();
    }, IDLE_MS);
    this.#sweep.unref();
  }

  #closed(connection: Http1Connection): void {
    this.#count--;
    this.#open--;
    this.#options.onOpenChanged(this.#open);
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
    this.#serveWaiting();
  }

  /** A slot freed: a waiting caller gets a new connection. */
  #serveWaiting(): void {
    if (this.#closing || this.#waiting.length === 0 || this.#count >= this.#options.max) return;
    this.#dial(this.#waiting.shift()!);
  }
}

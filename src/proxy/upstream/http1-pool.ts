/**
 * The keep-alive connections to one upstream endpoint: at most `max` open, idle ones
 * reused newest first and closed after IDLE_MS, callers queued while all are busy.
 */
import type { Socket } from 'node:net';
import type { Endpoint } from '../../core/index.js';
import { connector, type EgressTls } from '../transport/index.js';
import { Http1Connection } from './http1-connection.js';

/** How long an idle upstream connection is kept (Linkerd's pool idle; docs/reliability.md). */
const IDLE_MS = 3_000;

export type Lease = (error: Error | null, connection: Http1Connection | null) => void;

export interface PoolOptions {
  readonly endpoint: Endpoint;
  readonly tls: EgressTls | undefined;
  readonly connectTimeoutMs: number;
  readonly max: number;
  /** Told when the count of open connections changes. */
  readonly onOpenChanged: (open: number) => void;
}

export class Http1Pool {
  readonly #options: PoolOptions;
  readonly #connect: ReturnType<typeof connector>;
  readonly #idle: Http1Connection[] = [];
  readonly #waiting: Lease[] = [];
  /** Connections open or being opened. */
  #count = 0;
  #open = 0;
  #closing = false;
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
      idle.socket.setTimeout(0);
      lease(null, idle);
    } else if (this.#count < this.#options.max) {
      this.#dial(lease);
    } else {
      this.#waiting.push(lease);
    }
  }

  /** A lease no longer wanted (its call was cancelled while it waited). */
  forget(lease: Lease): void {
    const at = this.#waiting.indexOf(lease);
    if (at >= 0) this.#waiting.splice(at, 1);
  }

  /** Closes idle connections now and busy ones when their calls end. */
  close(): void {
    this.#closing = true;
    for (const connection of this.#idle.splice(0)) connection.destroy();
  }

  #dial(lease: Lease): void {
    this.#count++;
    this.#connect(null, (error: Error | null, socket: Socket | null) => {
      if (error || !socket) {
        this.#count--;
        lease(error ?? new Error('no connection'), null);
        this.#serveWaiting();
        return;
      }
      this.#open++;
      this.#options.onOpenChanged(this.#open);
      const connection = new Http1Connection(socket, this.#events);
      socket.on('timeout', () => connection.destroy()); // armed only while idle
      lease(null, connection);
    });
  }

  #reusable(connection: Http1Connection): void {
    if (this.#closing) {
      connection.destroy();
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter(null, connection);
      return;
    }
    this.#idle.push(connection);
    connection.socket.setTimeout(IDLE_MS);
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

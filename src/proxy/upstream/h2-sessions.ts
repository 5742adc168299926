/**
 * HTTP/2 client sessions to one endpoint, multiplexed and reused (grpc-js's subchannel
 * transport, Envoy's HTTP/2 connection pool): a call takes the first session with a
 * free stream slot under the peer's SETTINGS_MAX_CONCURRENT_STREAMS, and a new session
 * is opened only when all are full (at most `maxSessions`). A session that received
 * GOAWAY takes no new streams; its streams finish. While streams are open each session
 * is probed with PING every `keepaliveMs`; no answer within `keepaliveTimeoutMs`
 * closes it, and its streams fail UNAVAILABLE instead of hanging on a dead peer.
 * A session idle for IDLE_MS is closed.
 */
import { connect as h2connect, constants, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { describeConnectError, dial, type EgressTls } from '../transport/index.js';
import { MeshError, type Endpoint } from '../../core/index.js';
import { openConnectionWindow } from './h2-window.js';

const IDLE_MS = 60_000;

export interface H2SessionOptions {
  readonly cluster: string;
  readonly connectTimeoutMs: number;
  readonly maxSessions: number;
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  /** Connect to this unix socket instead of the endpoint's host and port (the built-in gRPC services). */
  readonly socketPath?: string;
  /** mTLS to endpoints that are sidecars (transport/egress.ts). */
  readonly tls?: EgressTls;
}

export interface Lease {
  readonly session: ClientHttp2Session;
  /** The stream closed: its slot is free (once; later calls do nothing). */
  release(): void;
}

interface Entry {
  readonly session: ClientHttp2Session;
  active: number;
  usable: boolean;
  idleTimer?: NodeJS.Timeout;
}

/** One stream's hold on a session slot (a class, not a closure: one is made per call). */
class SessionLease implements Lease {
  readonly #entry: Entry;
  #released = false;

  constructor(entry: Entry) {
    this.#entry = entry;
  }

  get session(): ClientHttp2Session {
    return this.#entry.session;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    const entry = this.#entry;
    entry.active -= 1;
    if (entry.active === 0 && !entry.session.closed) {
      entry.idleTimer = setTimeout(() => entry.session.close(), IDLE_MS).unref();
    }
  }
}

export class H2Sessions {
  readonly #options: H2SessionOptions;
  readonly #endpoint: Endpoint;
  readonly #entries: Entry[] = [];
  #connecting: Promise<Entry> | undefined;
  readonly #keepalive: NodeJS.Timeout;

  constructor(endpoint: Endpoint, options: H2SessionOptions) {
    this.#endpoint = endpoint;
    this.#options = options;
    this.#keepalive = setInterval(() => this.#probe(), options.keepaliveMs).unref();
  }

  get open(): number {
    return this.#entries.length;
  }

  /**
   * A session with a free stream slot; the caller must call `release` when its stream
   * closes. Synchronous while a connected session has room (every call but the first few),
   * so the hot path awaits nothing here.
   */
  acquire(): Lease | Promise<Lease> {
    const entry = this.#entries.find((e) => e.usable && e.active < (e.session.remoteSettings.maxConcurrentStreams ?? 100));
    if (entry) return this.#lease(entry);
    if (this.#entries.length >= this.#options.maxSessions) {
      // All full: queue on the least loaded one (nghttp2 holds the stream until a slot frees).
      const least = this.#entries.filter((e) => e.usable).sort((a, b) => a.active - b.active)[0];
      if (least) return this.#lease(least);
    }
    return (this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined))).then((connected) => this.#lease(connected));
  }

  #lease(entry: Entry): Lease {
    entry.active += 1;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    return new SessionLease(entry);
  }

  close(): void {
    clearInterval(this.#keepalive);
    for (const entry of this.#entries.splice(0)) entry.session.close();
  }

  #connect(): Promise<Entry> {
    const { host, port, address } = this.#endpoint;
    const path = this.#options.socketPath;
    const authority = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      // No Nagle: a call's HEADERS and trailers are small writes that must not wait for an ACK.
      // Over TLS, HTTP/2 is asked for by ALPN `h2`; node:http2 waits for the handshake itself.
      const session = h2connect(authority, { createConnection: () => (path ? netConnect(path) : dial(this.#endpoint, this.#options.tls, ['h2']).socket) });
      const fail = (error: Error): void => {
        clearTimeout(timer);
        session.destroy();
        reject(
          new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cluster "${this.#options.cluster}": cannot connect to ${address}: ${describeConnectError(error)}`, {
            cause: error,
            details: { cluster: this.#options.cluster, endpoint: address },
          }),
        );
      };
      const timer = setTimeout(() => fail(new Error(`no connection within ${this.#options.connectTimeoutMs} ms`)), this.#options.connectTimeoutMs);
      session.once('error', fail);
      session.once('connect', () => {
        clearTimeout(timer);
        session.off('error', fail);
        openConnectionWindow(session);
        const entry: Entry = { session, active: 0, usable: true };
        this.#entries.push(entry);
        // Errors end the session; its streams see them and fail themselves.
        session.on('error', () => {});
        session.once('goaway', () => (entry.usable = false));
        session.once('close', () => {
          entry.usable = false;
          if (entry.idleTimer) clearTimeout(entry.idleTimer);
          const at = this.#entries.indexOf(entry);
          if (at !== -1) this.#entries.splice(at, 1);
        });
        session.socket?.unref();
        resolve(entry);
      });
    });
  }

  #probe(): void {
    for (const entry of this.#entries) {
      if (entry.active === 0 || entry.session.closed || entry.session.destroyed) continue;
      const session = entry.session;
      const timer = setTimeout(() => session.destroy(new Error('keepalive PING unanswered'), constants.NGHTTP2_CANCEL), this.#options.keepaliveTimeoutMs).unref();
      const sent = session.ping((error) => {
        clearTimeout(timer);
        if (error && !session.destroyed) session.destroy(error);
      });
      if (!sent) clearTimeout(timer);
    }
  }
}

/**
 * The `auto` listener: one port for every protocol (MOSN's Auto protocol). Each new
 * connection's first bytes are offered to the candidate plug-ins' `match` (Bolt 0x01 /
 * 0x02, Dubbo 0xdabb, the HTTP/2 preface, an HTTP/1 method) in order, and the
 * connection is handed, bytes and all, to that protocol's own listener machinery, which
 * never binds a port of its own. A connection whose first bytes no protocol claims is
 * closed; so is one still undecided after `maxSniffBytes` or `sniffTimeoutMs` (a slow
 * or silent caller holds nothing for long). Each is counted in
 * pmesh_codec_errors_total{protocol="auto"}.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { listenOn, type Logger, type MeshMetrics } from '../../core/index.js';
import { detectProtocol } from '../../codecs/index.js';
import type { Handler } from '../filter.js';
import { secureConnections, type IngressTlsOptions } from '../transport/index.js';
import type { Listener } from './listener.js';

/** The `protocol:` value of an auto listener. Not a protocol: a way of listening. */
export const AUTO_PROTOCOL = 'auto';

/** Config `listeners[].auto`. */
export interface AutoSniff {
  /** Candidates in the order they are asked. */
  readonly protocols: readonly string[];
  readonly maxSniffBytes: number;
  readonly sniffTimeoutMs: number;
}

/** A listener that can take a connection the auto listener accepted, with the bytes already read from it. */
export interface ConnectionTaker extends Listener {
  accept(socket: Socket, head: Buffer): void;
}

export interface AutoListenerOptions {
  readonly name: string;
  readonly address: string;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly sniff: AutoSniff;
  /** Connections being sniffed or served at most; one more is closed at once and counted. */
  readonly maxConnections: number;
  /** Each candidate's listener (not bound to any port). */
  readonly listeners: ReadonlyMap<string, ConnectionTaker>;
  /** TLS under the port, taken off before the sniff (absent or mode off: plaintext). */
  readonly tls?: IngressTlsOptions;
  /** ALPN ids of the candidates served over TLS (`h2` for gRPC, `http/1.1`). */
  readonly alpn?: readonly string[];
}

export class AutoListener implements Listener {
  readonly name: string;
  readonly protocol = AUTO_PROTOCOL;
  readonly address: string;
  readonly #options: AutoListenerOptions;
  readonly #server: Server;
  readonly #sniffing = new Set<Socket>();
  readonly #stopTls: () => void;

  constructor(options: AutoListenerOptions) {
    this.name = options.name;
    this.address = options.address;
    this.#options = options;
    this.#server = createServer((socket) => this.#onConnection(socket));
    this.#server.maxConnections = options.maxConnections;
    this.#server.on('drop', () => options.metrics.limitExceeded('max_connections_per_listener'));
    const alpn = options.alpn?.length ? options.alpn : undefined;
    this.#stopTls = secureConnections(this.#server, options.tls, { listener: this.name, metrics: options.metrics, log: options.log, ...(alpn ? { alpn } : {}) });
  }

  get inFlight(): number {
    let count = 0;
    for (const listener of this.#options.listeners.values()) count += listener.inFlight;
    return count;
  }

  setHandler(handler: Handler): void {
    for (const listener of this.#options.listeners.values()) listener.setHandler(handler);
  }

  async start(): Promise<void> {
    await listenOn(this.#server, this.address, `listener ${this.name}`);
  }

  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#stopTls();
    for (const socket of this.#sniffing) socket.destroy();
    await Promise.all([...this.#options.listeners.values()].map((listener) => listener.close(drainMs)));
    await closed;
  }

  #onConnection(socket: Socket): void {
    const { sniff, listeners } = this.#options;
    this.#sniffing.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      this.#sniffing.delete(socket);
    };
    const refuse = (reason: string, why: string): void => {
      done();
      this.#options.metrics.codecError(AUTO_PROTOCOL, reason, 'downstream');
      this.#options.log.debug({ reason, remote: socket.remoteAddress, head: head.subarray(0, sniff.maxSniffBytes).toString('hex') }, why);
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const found = detectProtocol(head.subarray(0, sniff.maxSniffBytes), sniff.protocols);
      if (found === undefined) return refuse('PMESH_UNKNOWN_PROTOCOL', 'closing a connection no protocol claims');
      if (found === 'need-more') {
        if (head.length >= sniff.maxSniffBytes) refuse('PMESH_SNIFF_UNDECIDED', `closing a connection still undecided after ${sniff.maxSniffBytes} bytes`);
        return;
      }
      done();
      socket.pause();
      listeners.get(found.name)!.accept(socket, head);
    };
    const timer = setTimeout(() => refuse('PMESH_SNIFF_TIMEOUT', `closing a connection undecided after ${sniff.sniffTimeoutMs} ms`), sniff.sniffTimeoutMs);
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => done());
  }
}

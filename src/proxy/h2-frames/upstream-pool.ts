/**
 * HTTP/2 client connections to one endpoint for the frame relay, multiplexed: a call
 * takes the first connection with a free stream slot under the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS, a new connection is opened only when all are full (at
 * most `maxConnections`). A connection is usable at once: frames written before the
 * socket connects wait in it. A connection lost fails its calls UNAVAILABLE; after
 * GOAWAY it takes no new streams and the streams it did not process fail the same way.
 */
import type { Socket } from 'node:net';
import { MeshError } from '../../core/index.js';
import { H2Connection } from './connection.js';
import { ErrorCode, Http2ProtocolError, Setting } from './frames.js';
import { Leg } from './leg.js';
import type { CallLeg, RelayCall } from './relay-call.js';
import { StreamTable } from './stream-table.js';

const LAST_STREAM_ID = 0x7fff_ffff;
const KEEPALIVE_PING = Buffer.from('pmeshkap', 'latin1');
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

export interface UpstreamPoolOptions {
  readonly address: string;
  readonly cluster: string;
  readonly maxConnections: number;
  readonly maxHeaderListBytes: number;
  readonly connectTimeoutMs: number;
  /** While streams are open, each connection is PINGed this often; unanswered within keepaliveTimeoutMs, it is closed. */
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  /** Opens a socket to the endpoint (plain or TLS), and names the event that says it is ready. */
  connect(): { socket: Socket; readyEvent: string };
  /** Why a connection could not be made, in words (transport's describeConnectError). */
  describeConnectError(error: Error): string;
}

/** A header list without connection-specific fields (RFC 9113 section 8.2.2): the list itself when it has none, as nearly every reply. */
export function withoutConnectionHeaders(headers: string[]): string[] {
  let clean = true;
  for (let i = 0; i < headers.length && clean; i += 2) clean = !CONNECTION_SPECIFIC.has(headers[i]!);
  if (clean) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!CONNECTION_SPECIFIC.has(headers[i]!)) out.push(headers[i]!, headers[i + 1]!);
  return out;
}

class UpstreamConnection extends StreamTable {
  readonly conn: H2Connection;
  readonly #pool: UpstreamPool;
  nextId = 1;
  #connected = false;
  readonly #connectTimer: NodeJS.Timeout;

  constructor(pool: UpstreamPool, options: UpstreamPoolOptions) {
    super();
    this.#pool = pool;
    const { socket, readyEvent } = options.connect();
    socket.once(readyEvent, () => {
      this.#connected = true;
      clearTimeout(this.#connectTimer);
    });
    this.#connectTimer = setTimeout(() => socket.destroy(new Error(`no connection within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    this.conn = new H2Connection(
      socket,
      false,
      this,
      [
        [Setting.ENABLE_PUSH, 0],
        [Setting.MAX_HEADER_LIST_SIZE, options.maxHeaderListBytes],
      ],
      options.maxHeaderListBytes,
    );
  }

  get usable(): boolean {
    return !this.conn.closed && !this.conn.goawayReceived && this.nextId < LAST_STREAM_ID;
  }

  open(call: RelayCall, headers: string[], endStream: boolean): CallLeg {
    const leg = new Leg<RelayCall>(this.conn, this, this.nextId);
    this.nextId += 2;
    leg.call = call;
    this.streams.set(leg.id, leg);
    this.conn.sendHeaders(leg.id, headers, endStream);
    if (endStream) leg.localEnded = true;
    call.attach(leg);
    return leg;
  }

  onHeaders(_conn: H2Connection, streamId: number, headers: string[], _listBytes: number, endStream: boolean): void {
    const leg = this.streams.get(streamId);
    if (!leg || leg.reset) return;
    if (endStream) leg.remoteEnded = true;
    leg.call.upstreamHeaders(withoutConnectionHeaders(headers), endStream);
    if (endStream) this.#answered(leg);
  }

  protected onDataIn(leg: CallLeg, payload: Buffer): boolean {
    if (!leg.call.checkData(payload, false)) return false;
    if (leg.remoteEnded) this.#answered(leg);
    return true;
  }

  /** The upstream ended its reply: a request still streaming to it is cut (it stopped reading). */
  #answered(leg: CallLeg): void {
    if (!leg.localEnded) leg.resetWith(ErrorCode.CANCEL);
    this.onLegEnded(leg);
  }

  onReset(_conn: H2Connection, streamId: number, code: number): void {
    const leg = this.streams.get(streamId);
    if (!leg) return;
    leg.reset = true;
    leg.remoteEnded = leg.localEnded = true;
    leg.dropQueue();
    this.streams.delete(streamId);
    leg.call.upstreamLost(this.#lost(`stream reset by the upstream (code ${code})`));
  }

  onLegEnded(leg: CallLeg): void {
    if ((leg.localEnded && leg.remoteEnded) || leg.reset) this.streams.delete(leg.id);
  }

  onGoaway(_conn: H2Connection, lastStreamId: number, code: number): void {
    for (const [id, leg] of this.streams) {
      if (id <= lastStreamId) continue;
      leg.reset = true;
      this.streams.delete(id);
      leg.call.upstreamLost(this.#lost(`GOAWAY (code ${code}) before the stream was processed`));
    }
    this.#pool.forget(this);
  }

  onClose(_conn: H2Connection, error: Error | undefined): void {
    clearTimeout(this.#connectTimer);
    this.#pool.forget(this);
    const lost = this.#connected ? this.#lost(error ? `connection lost: ${(error as NodeJS.ErrnoException).code ?? error.message}` : 'connection closed') : this.#notConnected(error);
    for (const leg of this.streams.values()) {
      leg.reset = true;
      leg.call.upstreamLost(lost);
    }
    this.streams.clear();
    this.blocked.clear();
  }

  #notConnected(error: Error | undefined): MeshError {
    const pool = this.#pool.options;
    const why = error ? pool.describeConnectError(error) : 'connection closed';
    return new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cluster "${pool.cluster}": cannot connect to ${pool.address}: ${why}`, {
      cause: error,
      details: { cluster: pool.cluster, endpoint: pool.address },
    });
  }

  #lost(why: string): MeshError {
    const pool = this.#pool.options;
    return new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `cluster "${pool.cluster}": ${pool.address}: ${why}`, { details: { cluster: pool.cluster, endpoint: pool.address } });
  }
}

export class UpstreamPool {
  readonly options: UpstreamPoolOptions;
  readonly #connections: UpstreamConnection[] = [];
  readonly #keepalive: NodeJS.Timeout;

  constructor(options: UpstreamPoolOptions) {
    this.options = options;
    this.#keepalive = setInterval(() => this.#probe(), options.keepaliveMs).unref();
  }

  /** PINGs connections with streams open; one that does not answer in time is closed and its calls fail UNAVAILABLE. */
  #probe(): void {
    for (const c of this.#connections) {
      const conn = c.conn;
      if (c.streams.size === 0 || conn.closed) continue;
      conn.pingAnswered = false;
      conn.sendPing(KEEPALIVE_PING);
      setTimeout(() => {
        if (!conn.pingAnswered && !conn.closed) conn.fail(new Http2ProtocolError(ErrorCode.NO_ERROR, 'keepalive PING unanswered'));
      }, this.options.keepaliveTimeoutMs).unref();
    }
  }

  /** Opens the call's upstream stream with `headers` (its up leg) and joins it to the call. */
  open(call: RelayCall, headers: string[], endStream: boolean): CallLeg {
    let chosen: UpstreamConnection | undefined;
    for (const c of this.#connections) {
      if (c.usable && c.streams.size < c.conn.peer.maxConcurrentStreams) {
        chosen = c;
        break;
      }
    }
    if (!chosen && this.#connections.length < this.options.maxConnections) {
      chosen = new UpstreamConnection(this, this.options);
      this.#connections.push(chosen);
    }
    // All full: the least loaded one (the server may refuse the stream: UNAVAILABLE, retried by gRPC clients).
    chosen ??= this.#connections.filter((c) => c.usable).sort((a, b) => a.streams.size - b.streams.size)[0] ?? this.#add();
    return chosen.open(call, headers, endStream);
  }

  #add(): UpstreamConnection {
    const added = new UpstreamConnection(this, this.options);
    this.#connections.push(added);
    return added;
  }

  forget(connection: UpstreamConnection): void {
    const at = this.#connections.indexOf(connection);
    if (at !== -1) this.#connections.splice(at, 1);
  }

  close(): void {
    clearInterval(this.#keepalive);
    for (const c of this.#connections.splice(0)) {
      c.conn.sendGoaway(0, ErrorCode.NO_ERROR);
      c.conn.destroy();
    }
  }

  /** Open connections, for the cluster's connection gauge. */
  get size(): number {
    return this.#connections.length;
  }
}

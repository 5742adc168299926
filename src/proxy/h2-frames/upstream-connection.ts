/**
 * One HTTP/2 client connection of an upstream pool (upstream-pool.ts); each stream is
 * the up leg of a relayed call. It takes streams only once the server's first SETTINGS
 * came, so its SETTINGS_MAX_CONCURRENT_STREAMS is known before a stream is opened (as
 * grpc-go's client waits for them). A stream the server refused unprocessed (RST_STREAM
 * REFUSED_STREAM, or an id above a GOAWAY's last stream id) goes back to the pool to be
 * sent again; any other loss fails its call UNAVAILABLE.
 */
import type { Socket } from 'node:net';
import { MeshError } from '../../core/index.js';
import { H2Connection } from './connection.js';
import { CleanHeads } from './connection-headers.js';
import { ErrorCode, Setting } from './frames.js';
import type { UpstreamCall, UpstreamCallLeg } from './upstream-call.js';
import { StreamTable } from './stream-table.js';
import { UpstreamLeg } from './upstream-leg.js';

const LAST_STREAM_ID = 0x7fff_ffff;
export interface ConnectionOptions {
  readonly address: string;
  readonly cluster: string;
  readonly maxHeaderListBytes: number;
  /** Until the server's first SETTINGS (connect, TLS handshake, preface). */
  readonly connectTimeoutMs: number;
  /** Request bytes a call keeps until the server answers, to be sent again if refused unprocessed. */
  readonly retryBufferBytes: number;
  /** Opens a socket to the endpoint (plain or TLS). */
  connect(): Socket;
  /** Why a connection could not be made, in words (transport's describeConnectError). */
  describeConnectError(error: Error): string;
}

/** What a connection tells its pool. */
export interface ConnectionPool {
  readonly options: ConnectionOptions;
  /** SETTINGS came (the first makes the connection ready): its stream limit may have changed. */
  settingsChanged(connection: UpstreamConnection): void;
  /** A stream ended: its slot is free. */
  slotFreed(): void;
  /** The server refused `leg` unprocessed (`error` says how, for when it is not sent again). */
  refused(leg: UpstreamLeg, error: MeshError): void;
  /** The connection takes no more streams (GOAWAY, closed); `notReady` says why when it never took any. */
  retired(connection: UpstreamConnection, notReady: MeshError | undefined): void;
}

export class UpstreamConnection extends StreamTable<UpstreamCall> {
  readonly conn: H2Connection;
  /** The server's first SETTINGS came: streams may be opened, up to its limit. */
  ready = false;
  readonly #pool: ConnectionPool;
  #nextId = 1;
  readonly #connectTimer: NodeJS.Timeout;
  readonly #clean = new CleanHeads();

  constructor(pool: ConnectionPool) {
    super();
    this.#pool = pool;
    const options = pool.options;
    const socket = options.connect();
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

  /** Takes new streams (or will, once ready). */
  get usable(): boolean {
    return !this.conn.closed && !this.conn.goawayReceived && this.#nextId < LAST_STREAM_ID;
  }

  /** A stream may be opened here now: ready, usable, under the server's SETTINGS_MAX_CONCURRENT_STREAMS. */
  get hasRoom(): boolean {
    return this.ready && this.usable && this.streams.size < this.conn.peer.maxConcurrentStreams;
  }

  /** Opens the call's upstream stream with `headers` and joins it to the call. */
  open(call: UpstreamCall, headers: readonly string[], isRetry: boolean): void {
    const leg = new UpstreamLeg(this.conn, this, this.#nextId, headers, this.#pool.options.retryBufferBytes, isRetry);
    this.#nextId += 2;
    leg.call = call;
    this.streams.set(leg.id, leg);
    const endStream = call.endsWithHead;
    this.conn.sendHeaders(leg.id, headers, endStream);
    if (endStream) leg.localEnded = true;
    call.attach(leg);
  }

  override onSettings(): void {
    if (!this.ready) {
      this.ready = true;
      clearTimeout(this.#connectTimer);
    }
    this.#pool.settingsChanged(this);
  }

  onHeaders(_conn: H2Connection, streamId: number, headers: readonly string[], _listBytes: number, endStream: boolean): void {
    const leg = this.streams.get(streamId) as UpstreamLeg | undefined;
    if (!leg || leg.reset) return;
    leg.answered();
    if (endStream) leg.remoteEnded = true;
    leg.call.upstreamHeaders(this.#clean.of(headers), endStream);
    if (endStream) this.#answered(leg);
  }

  protected onDataIn(leg: UpstreamCallLeg, payload: Buffer): boolean {
    if (!leg.call.checkData(payload, false)) return false;
    if (leg.remoteEnded) this.#answered(leg);
    return true;
  }

  /** The upstream ended its reply: a request still streaming to it is cut (it stopped reading). */
  #answered(leg: UpstreamCallLeg): void {
    if (!leg.localEnded) leg.resetWith(ErrorCode.CANCEL);
    this.onLegEnded(leg);
  }

  onReset(_conn: H2Connection, streamId: number, code: number): void {
    const leg = this.#closeLeg(streamId);
    if (!leg) return;
    if (code === ErrorCode.REFUSED_STREAM) this.#pool.refused(leg, this.#lost('stream refused (REFUSED_STREAM) before it was processed'));
    else leg.call.upstreamLost(this.#lost(`stream reset by the upstream (code ${code})`));
    this.#streamDone();
  }

  onLegEnded(leg: UpstreamCallLeg): void {
    if (!((leg.localEnded && leg.remoteEnded) || leg.reset)) return;
    if (this.streams.delete(leg.id)) this.#streamDone();
  }

  #streamDone(): void {
    // After GOAWAY the connection only finishes its streams: closed with the last (a server need not close it).
    if (this.conn.goawayReceived) this.#closeIfDone();
    else this.#pool.slotFreed();
  }

  #closeIfDone(): void {
    if (this.streams.size === 0) this.conn.destroy();
  }

  onGoaway(_conn: H2Connection, lastStreamId: number, code: number): void {
    for (const id of this.streams.keys()) {
      if (id <= lastStreamId) continue;
      this.#pool.refused(this.#closeLeg(id)!, this.#lost(`GOAWAY (code ${code}) before the stream was processed`));
    }
    this.#pool.retired(this, this.ready ? undefined : this.#notConnected(new Error(`GOAWAY (code ${code}) before SETTINGS`)));
    this.#closeIfDone();
  }

  onClose(_conn: H2Connection, error: Error | undefined): void {
    clearTimeout(this.#connectTimer);
    this.#pool.retired(this, this.ready ? undefined : this.#notConnected(error));
    const lost = this.#lost(error ? `connection lost: ${(error as NodeJS.ErrnoException).code ?? error.message}` : 'connection closed');
    for (const leg of this.streams.values()) {
      leg.reset = true;
      leg.call.upstreamLost(lost);
    }
    this.streams.clear();
    this.blocked.clear();
  }

  /** The stream is over on this side (reset or refused): out of the table, nothing more sent. */
  #closeLeg(streamId: number): UpstreamLeg | undefined {
    const leg = this.streams.get(streamId) as UpstreamLeg | undefined;
    if (!leg) return undefined;
    leg.reset = true;
    leg.remoteEnded = leg.localEnded = true;
    leg.dropQueue();
    this.streams.delete(streamId);
    return leg;
  }

  #notConnected(error: Error | undefined): MeshError {
    const options = this.#pool.options;
    const why = error ? options.describeConnectError(error) : 'connection closed';
    return new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cluster "${options.cluster}": cannot connect to ${options.address}: ${why}`, {
      cause: error,
      details: { cluster: options.cluster, endpoint: options.address },
    });
  }

  #lost(why: string): MeshError {
    const options = this.#pool.options;
    return new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `cluster "${options.cluster}": ${options.address}: ${why}`, { details: { cluster: options.cluster, endpoint: options.address } });
  }
}

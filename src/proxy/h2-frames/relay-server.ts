/**
 * The caller's side of the frame relay: one per accepted connection. Each new stream's
 * request head is decoded, checked (limits, the protocol's shape), routed to an
 * upstream pool and re-encoded there with the deadline header rewritten to the budget
 * left; from then on DATA passes with only its stream id changed. A caller's RST_STREAM
 * cancels the upstream stream; resets, SETTINGS and idle PINGs are counted against the
 * flood limits (relay-guard.ts).
 */
import { MeshError } from '../../core/index.js';
import { H2Connection } from './connection.js';
import { ErrorCode, Http2ProtocolError, Setting } from './frames.js';
import { Leg } from './leg.js';
import { RelayCall, type CallHooks, type CallLeg, type RelayWire } from './relay-call.js';
import { RelayGuard, type FloodLimits } from './relay-guard.js';
import { StreamTable } from './stream-table.js';
import type { UpstreamPool } from './upstream-pool.js';
import type { Duplex } from 'node:stream';

export interface RelayLimits extends FloodLimits {
  readonly maxMessageBytes: number;
  readonly maxConcurrentStreams: number;
  readonly maxHeaderListBytes: number;
}

export interface FrameRelayOptions {
  readonly wire: RelayWire;
  readonly limits: RelayLimits;
  /**
   * A new call, its head decoded (flat: name, value, ..., pseudo-headers included):
   * route it and open its upstream stream (UpstreamPool.open), or fail it. May take its
   * time: request DATA is held until the upstream stream is open.
   */
  dispatch(call: RelayCall, headers: readonly string[], endStream: boolean, connection: RelayServerConnection): void;
  /** The call is over for the caller. */
  onCallEnd(call: RelayCall): void;
  /** A limit was hit (the name is the metric's `limit` label). */
  onLimit(limit: string): void;
  /** The connection closed; `error` when it broke HTTP/2 (or its socket failed). */
  onClose(connection: RelayServerConnection, error: Error | undefined): void;
}

const EMPTY = Buffer.alloc(0);

export class RelayServerConnection extends StreamTable implements CallHooks {
  readonly conn: H2Connection;
  readonly #options: FrameRelayOptions;
  readonly #guard: RelayGuard;
  #draining = false;
  #lastStreamId = 0;

  /** `head`: bytes already read from the socket (the auto listener's sniffing). */
  constructor(socket: Duplex, options: FrameRelayOptions, head?: Buffer) {
    super();
    this.#options = options;
    const limits = options.limits;
    this.conn = new H2Connection(
      socket,
      true,
      this,
      [
        [Setting.MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams],
        [Setting.MAX_HEADER_LIST_SIZE, limits.maxHeaderListBytes],
        [Setting.ENABLE_PUSH, 0],
      ],
      limits.maxHeaderListBytes,
      head,
    );
    this.#guard = new RelayGuard(this.conn, limits, options.onLimit);
  }

  /** GOAWAY: no new streams; those open finish. */
  drain(): void {
    if (this.#draining || this.conn.closed) return;
    this.#draining = true;
    this.conn.sendGoaway(this.#lastStreamId, ErrorCode.NO_ERROR);
  }

  get active(): number {
    return this.streams.size;
  }

  onHeaders(conn: H2Connection, streamId: number, headers: readonly string[], listBytes: number, endStream: boolean): void {
    const open = this.streams.get(streamId);
    if (open) {
      // Request trailers: gRPC sends none, so they only end the request.
      if (!open.remoteEnded) this.onData(conn, streamId, EMPTY, 0, true);
      return;
    }
    if (streamId <= this.#lastStreamId || streamId % 2 === 0) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, `stream ${streamId} is not a new client stream`);
    this.#lastStreamId = streamId;
    if (this.#draining) {
      conn.sendReset(streamId, ErrorCode.REFUSED_STREAM);
      return;
    }
    const limits = this.#options.limits;
    if (this.streams.size >= limits.maxConcurrentStreams) {
      this.#options.onLimit('http2_max_concurrent_streams');
      conn.sendReset(streamId, ErrorCode.REFUSED_STREAM);
      return;
    }
    // Compliant clients queue at the advertised limit instead of exceeding it: what is counted is a
    // connection reaching it, the sign that its callers are being held back.
    if (this.streams.size === limits.maxConcurrentStreams - 1) this.#options.onLimit('http2_max_concurrent_streams');
    const down = new Leg<RelayCall>(conn, this, streamId);
    const call = new RelayCall(down, this.#options.wire, this, limits.maxMessageBytes, headers);
    down.call = call;
    down.remoteEnded = endStream;
    this.streams.set(streamId, down);
    if (listBytes > limits.maxHeaderListBytes) {
      this.#options.onLimit('http2_max_header_list_bytes');
      call.fail(new MeshError('PMESH_HEADERS_TOO_LARGE', `header list of ${listBytes} bytes exceeds the limit of ${limits.maxHeaderListBytes} bytes`));
      return;
    }
    this.#options.dispatch(call, headers, endStream, this);
  }

  protected onDataIn(leg: CallLeg, payload: Buffer, flowBytes: number, endStream: boolean): boolean {
    const call = leg.call;
    if (!call.checkData(payload, true)) return false;
    if (call.up) return true;
    // Still being routed: held (its window credit with it); answered already: dropped.
    if (call.failure || leg.localEnded) leg.conn.creditConnection(flowBytes);
    else call.hold(payload, endStream, flowBytes);
    return false;
  }

  onReset(_conn: H2Connection, streamId: number, _code: number): void {
    const leg = this.streams.get(streamId);
    if (!leg) return;
    if (!leg.localEnded) {
      this.#guard.count('reset');
      leg.call.callerGone = true;
    }
    leg.reset = true;
    leg.localEnded = leg.remoteEnded = true;
    leg.dropQueue();
    leg.call.cancelUpstream();
    this.onLegEnded(leg);
  }

  /** The reply's END_STREAM went out (or the leg was reset): the call is over for the caller. */
  onLegEnded(leg: CallLeg): void {
    if (!leg.remoteEnded && !leg.reset) {
      // Answered before the request ended: the caller is told to stop sending (RFC 9113 section 8.1).
      leg.reset = true;
      leg.remoteEnded = true;
      leg.dropQueue();
      leg.conn.sendReset(leg.id, ErrorCode.NO_ERROR);
    }
    this.streams.delete(leg.id);
    if (!leg.reset) this.#guard.replied();
    leg.call.end();
  }

  onCallEnd(call: RelayCall): void {
    const down = call.down;
    if (this.streams.get(down.id) === down) this.streams.delete(down.id);
    this.#options.onCallEnd(call);
    if (this.#draining && this.streams.size === 0) this.conn.destroy();
  }

  onTooLarge(): void {
    this.#options.onLimit('grpc_max_message_bytes');
  }

  override onPing(): void {
    if (this.streams.size === 0) this.#guard.count('ping');
  }

  override onSettings(): void {
    this.#guard.count('settings');
  }

  onGoaway(): void {
    this.#draining = true;
  }

  onClose(_conn: H2Connection, error: Error | undefined): void {
    const open = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    for (const leg of open) {
      leg.call.callerGone = true;
      leg.reset = true;
      leg.localEnded = leg.remoteEnded = true;
      leg.call.cancelUpstream();
      leg.call.end();
    }
    this.#options.onClose(this, error);
  }
}

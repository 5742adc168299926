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
import { RelayCall, type CallHooks, type RelayWire } from './relay-call.js';
import { RelayGuard, type FloodLimits } from './relay-guard.js';
import { StreamTable } from './stream-table.js';
import type { UpstreamPool } from './upstream-pool.js';
import { withoutConnectionHeaders } from './upstream-pool.js';
import type { Socket } from 'node:net';

export interface RelayLimits extends FloodLimits {
  readonly maxMessageBytes: number;
  readonly maxConcurrentStreams: number;
  readonly maxHeaderListBytes: number;
}

/** The parts of a request head the relay and the router read. */
export interface RequestHead {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly contentType: string;
  /** Every header as received, flat (name, value, ...), pseudo-headers included. */
  readonly headers: readonly string[];
}

export interface FrameRelayOptions {
  readonly wire: RelayWire;
  readonly limits: RelayLimits;
  /** Where a call goes: the pool of the endpoint picked, or the mesh error to answer with. */
  route(head: RequestHead): UpstreamPool | MeshError;
  /** A limit was hit (the name is the metric's `limit` label). */
  onLimit(limit: string): void;
}

export class RelayServerConnection extends StreamTable implements CallHooks {
  readonly conn: H2Connection;
  readonly #options: FrameRelayOptions;
  readonly #guard: RelayGuard;
  #draining = false;
  #lastStreamId = 0;

  constructor(socket: Socket, options: FrameRelayOptions) {
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

  onHeaders(conn: H2Connection, streamId: number, headers: string[], listBytes: number, endStream: boolean): void {
    const open = this.streams.get(streamId);
    if (open) {
      // Request trailers: gRPC sends none, so they only end the request.
      if (!open.remoteEnded) {
        open.remoteEnded = true;
        open.other.sendData(Buffer.alloc(0), true, 0);
      }
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
    const down = new Leg(conn, this, streamId);
    const call = new RelayCall(down, this.#options.wire, this, limits.maxMessageBytes);
    down.call = call;
    down.remoteEnded = endStream;
    this.streams.set(streamId, down);
    if (listBytes > limits.maxHeaderListBytes) {
      this.#options.onLimit('http2_max_header_list_bytes');
      call.fail(new MeshError('PMESH_HEADERS_TOO_LARGE', `header list of ${listBytes} bytes exceeds the limit of ${limits.maxHeaderListBytes} bytes`));
      return;
    }
    this.#start(call, headers, endStream);
  }

  #start(call: RelayCall, headers: string[], endStream: boolean): void {
    const wire = this.#options.wire;
    let method = '';
    let path = '';
    let authority = '';
    let contentType = '';
    let timeout: string | undefined;
    // The upstream head: pseudo-headers first (RFC 9113 section 8.3), the deadline header left out, then written anew.
    const regular: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (name.charCodeAt(0) === 0x3a) {
        if (name === ':path') path = value;
        else if (name === ':method') method = value;
        else if (name === ':authority') authority = value;
        continue;
      }
      if (name === 'content-type') contentType = value;
      else if (name === wire.deadlineHeader) {
        timeout = value;
        continue;
      }
      regular.push(name, value);
    }
    const head: RequestHead = { method, path, authority, contentType, headers };
    const route = this.#options.route(head);
    if (route instanceof MeshError) {
      call.fail(route);
      return;
    }
    const out = [':method', 'POST', ':scheme', 'http', ':path', path, ':authority', authority || route.options.address, ...withoutConnectionHeaders(regular)];
    const grantedMs = timeout === undefined ? undefined : wire.parseDeadline(timeout);
    if (grantedMs !== undefined) {
      out.push(wire.deadlineHeader, wire.formatDeadline(grantedMs));
      call.setDeadline(grantedMs);
    }
    const up = route.open(call, out, endStream);
    up.other = call.down;
    call.down.other = up;
    call.up = up;
  }

  protected onDataIn(leg: Leg, payload: Buffer): boolean {
    if (!leg.call.up) {
      // Answered before routing (a refusal): what the caller still sends is dropped.
      leg.conn.creditConnection(payload.length);
      return false;
    }
    return leg.call.checkData(payload, true);
  }

  onReset(_conn: H2Connection, streamId: number, _code: number): void {
    const leg = this.streams.get(streamId);
    if (!leg) return;
    if (!leg.localEnded) this.#guard.count('reset');
    leg.reset = true;
    leg.localEnded = leg.remoteEnded = true;
    leg.dropQueue();
    leg.call.cancelUpstream();
    this.onLegEnded(leg);
  }

  /** The reply's END_STREAM went out (or the leg was reset): the call is over for the caller. */
  onLegEnded(leg: Leg): void {
    if (!leg.remoteEnded && !leg.reset) {
      // Answered before the request ended: the caller is told to stop sending (RFC 9113 section 8.1).
      leg.reset = true;
      leg.remoteEnded = true;
      leg.dropQueue();
      leg.conn.sendReset(leg.id, ErrorCode.NO_ERROR);
    }
    this.streams.delete(leg.id);
    leg.call.end();
  }

  onCallEnd(call: RelayCall): void {
    const down = call.down;
    if (this.streams.get(down.id) === down) this.streams.delete(down.id);
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

  onClose(): void {
    for (const leg of this.streams.values()) {
      leg.reset = true;
      leg.localEnded = leg.remoteEnded = true;
      leg.call.cancelUpstream();
      leg.call.end();
    }
    this.streams.clear();
    this.blocked.clear();
  }
}

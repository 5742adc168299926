/**
 * The HTTP/2 client connections to one endpoint, multiplexed, for every gRPC and Triple
 * call (relayed streams, and the calls the bridge makes: upstream-call.ts): a call
 * takes the first connection with a free stream slot under the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS. When every connection is full another is opened, up
 * to `maxConnections` (Envoy's HTTP/2 pool); beyond, calls wait in order for a slot, at
 * most `maxPendingStreams` of them (grpc-go waits for stream quota). A call that cannot
 * wait is answered RESOURCE_EXHAUSTED, and so is one whose deadline passes while it
 * waits, both counted as limits. A stream the server refused unprocessed is sent again
 * once, on whichever connection has room (grpc's transparent retry). A connection lost
 * fails its calls UNAVAILABLE; one that got GOAWAY takes no new streams.
 */
import { MeshError } from '../../core/index.js';
import { ErrorCode, Http2ProtocolError } from './frames.js';
import type { PendingStream } from './relay-call.js';
import type { UpstreamCall } from './upstream-call.js';
import { UpstreamConnection, type ConnectionOptions, type ConnectionPool } from './upstream-connection.js';
import type { UpstreamLeg } from './upstream-leg.js';

const KEEPALIVE_PING = Buffer.from('pmeshkap', 'latin1');
/** The streams a connection is expected to take before any server said its limit (grpc-go's client assumes the same). */
const ASSUMED_MAX_STREAMS = 100;

export interface UpstreamPoolOptions extends ConnectionOptions {
  readonly maxConnections: number;
  /** Calls that may wait for a stream slot once `maxConnections` are open and full. */
  readonly maxPendingStreams: number;
  /** While streams are open, each connection is PINGed this often; unanswered within keepaliveTimeoutMs, it is closed. */
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  /** A limit stopped a call (the name is the metric's `limit` label). */
  onLimit?(limit: string): void;
  /** A call the server refused unprocessed is being sent again. */
  onRetry?(call: UpstreamCall): void;
}

/** A call waiting for a stream slot. */
class Waiting implements PendingStream {
  constructor(
    readonly pool: UpstreamPool,
    readonly call: UpstreamCall,
    readonly headers: readonly string[],
    readonly isRetry: boolean,
  ) {}

  /** Still waiting: not ended meanwhile (its deadline, its caller gone). */
  get live(): boolean {
    const call = this.call;
    return call.pending === this && !call.ended && call.failure === undefined;
  }

  deadlinePassed(): MeshError | undefined {
    return this.pool.waitedPastDeadline();
  }
}

export class UpstreamPool implements ConnectionPool {
  options: UpstreamPoolOptions;
  readonly #connections: UpstreamConnection[] = [];
  /** Calls waiting for a slot, oldest first; one whose call ended meanwhile is dropped when reached. */
  #waiting: Waiting[] = [];
  /** What a connection not yet ready is expected to take: the limit the server last announced. */
  #expectedStreams = ASSUMED_MAX_STREAMS;
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

  /**
   * A reload changed the limits. Connections and waiting calls beyond lowered limits are
   * kept (they finish); raised ones let the waiting calls have new connections now.
   */
  setLimits(maxConnections: number, maxPendingStreams: number): void {
    this.options = { ...this.options, maxConnections, maxPendingStreams };
    if (this.#waiting.length > 0) this.#drain();
  }

  /** Opens the call's upstream stream with `headers` (its up leg) and joins it to the call, now or once a slot is free. */
  open(call: UpstreamCall, headers: readonly string[]): void {
    this.#open(call, headers, false);
  }

  #open(call: UpstreamCall, headers: readonly string[], isRetry: boolean): void {
    if (this.#waiting.length === 0) {
      const connection = this.#withRoom();
      if (connection) {
        connection.open(call, headers, isRetry);
        return;
      }
    }
    this.#wait(call, headers, isRetry);
  }

  #withRoom(): UpstreamConnection | undefined {
    for (const c of this.#connections) if (c.hasRoom) return c;
    return undefined;
  }

  #wait(call: UpstreamCall, headers: readonly string[], isRetry: boolean): void {
    const max = this.options.maxPendingStreams;
    // Calls that ended while waiting make room before any is refused.
    if (this.#waiting.length >= max) this.#waiting = this.#waiting.filter((w) => w.live);
    if (this.#waiting.length >= max) {
      this.options.onLimit?.('http2_upstream_pending_streams');
      call.upstreamLost(this.#overloaded(`${max} calls already wait for a stream (maxPendingStreamsPerEndpoint)`));
      return;
    }
    const waiting = new Waiting(this, call, headers, isRetry);
    call.pending = waiting;
    this.#waiting.push(waiting);
    this.#drain();
  }

  /** Opens waiting calls' streams while connections have room, then connections for those left. */
  #drain(): void {
    const queue = this.#waiting;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (!next.live) {
        queue.shift();
        continue;
      }
      const connection = this.#withRoom();
      if (!connection) break;
      queue.shift();
      next.call.pending = undefined;
      connection.open(next.call, next.headers, next.isRetry);
    }
    if (queue.length > 0) this.#grow();
  }

  /** New connections for the calls waiting beyond what those still connecting are expected to take, up to maxConnections. */
  #grow(): void {
    let connecting = 0;
    for (const c of this.#connections) if (!c.ready && c.usable) connecting += 1;
    const perConnection = Math.max(1, this.#expectedStreams);
    while (this.#waiting.length > connecting * perConnection && this.#connections.length < this.options.maxConnections) {
      this.#connections.push(new UpstreamConnection(this));
      connecting += 1;
    }
  }

  /** The call's deadline passed while it waited: why, when it is the server's stream limit (counted as a limit). */
  waitedPastDeadline(): MeshError | undefined {
    const ready = this.#connections.filter((c) => c.ready && c.usable);
    if (ready.length === 0) return undefined;
    this.options.onLimit?.('http2_upstream_stream_wait');
    return this.#overloaded('no stream was free within the call\'s deadline');
  }

  #overloaded(why: string): MeshError {
    const { cluster, address } = this.options;
    const ready = this.#connections.filter((c) => c.ready);
    const limits = [...new Set(ready.map((c) => c.conn.peer.maxConcurrentStreams))].join(' or ') || String(this.#expectedStreams);
    return new MeshError('PMESH_OVERLOADED', `cluster "${cluster}": ${address}: ${why}; ${ready.length} connections open, each at the server's limit of ${limits} concurrent streams`, {
      details: { cluster, endpoint: address },
    });
  }

  settingsChanged(connection: UpstreamConnection): void {
    this.#expectedStreams = connection.conn.peer.maxConcurrentStreams;
    if (this.#waiting.length > 0) this.#drain();
  }

  slotFreed(): void {
    if (this.#waiting.length > 0) this.#drain();
  }

  refused(leg: UpstreamLeg, error: MeshError): void {
    const call = leg.call;
    const sent = leg.replay;
    if (sent === undefined || call.responded || call.ended || call.failure !== undefined) {
      call.upstreamLost(error);
      return;
    }
    call.detach(sent);
    if (leg.isRetry) {
      // Refused twice here. The server processed none of it: the retry filter may send it to another endpoint.
      call.upstreamLost(new MeshError(error.reason, `${error.message} (twice)`, { details: error.details, notSent: true }));
      return;
    }
    this.options.onRetry?.(call);
    this.#open(call, leg.headers, true);
  }

  retired(connection: UpstreamConnection, notReady: MeshError | undefined): void {
    const at = this.#connections.indexOf(connection);
    if (at !== -1) this.#connections.splice(at, 1);
    if (this.#waiting.length === 0) return;
    if (notReady === undefined) {
      this.#drain();
      return;
    }
    // A connection that never became ready: unless another may still take them, the waiting calls
    // fail as not sent (the retry filter may send them to another endpoint), rather than reconnect
    // in a loop to an endpoint that refuses.
    if (this.#connections.some((c) => c.usable)) return;
    this.#failWaiting(notReady);
  }

  #failWaiting(error: MeshError): void {
    for (const waiting of this.#waiting.splice(0)) {
      if (!waiting.live) continue;
      waiting.call.pending = undefined;
      waiting.call.upstreamLost(error);
    }
  }

  close(): void {
    clearInterval(this.#keepalive);
    const { cluster, address } = this.options;
    this.#failWaiting(new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cluster "${cluster}": ${address} left the cluster before a stream to it was free`, { details: { cluster, endpoint: address } }));
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

/**
 * The listener for binary multiplexed RPC protocols (Bolt, Dubbo...), driven by the
 * protocol's codec: bytes -> frames -> Invocations -> the filter chain, and back.
 * Housekeeping stays here and never reaches the router: heartbeats are answered on
 * the spot. A malformed frame closes only its own connection and is counted; so does a
 * frame not whole within `frameReadTimeoutMs` of its first byte, and one that would take
 * the sidecar's partial-frame bytes past their budget (frame-reader.ts). Past
 * `maxConnections` a new connection is closed at once and counted. A call still running
 * when a drain ends is answered with the protocol's error before its connection closes.
 * This is the one place where a MeshError becomes bytes for these protocols
 * (`codec.localReply`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { DeadlineTimers, MeshError, listenOn, withLimits, type AnyFrameServerCodec, type Limits, type Logger, type MeshMetrics, type Result } from '../../core/index.js';
import { type ClassPolicy } from '../../bridge/index.js';
import { answeringHandler, type CallAnswer, type Handler } from '../filter.js';
import { FrameReader } from './frame-reader.js';
import { InFlight } from './in-flight.js';
import type { Listener } from './listener.js';
import { PartialFrameBudget } from './partial-frames.js';
import { RpcCall } from './rpc-call.js';
import { secureConnections, writeThisTurn, type IngressTlsOptions } from '../transport/index.js';

export interface RpcListenerOptions {
  readonly name: string;
  readonly address: string;
  readonly codec: AnyFrameServerCodec;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly maxFrameBytes: number;
  /** A frame not whole within this time of its first byte closes the connection. */
  readonly frameReadTimeoutMs?: number;
  /** Open connections at most; one more is closed at once and counted. */
  readonly maxConnections?: number;
  /** The sidecar-wide budget of bytes in partial frames (a listener of its own when absent). */
  readonly partialFrames?: PartialFrameBudget;
  /**
   * When set, every request's class names (codec.forEachClassName) are checked against this
   * policy's deny list and a gadget class is refused with the protocol's error before routing.
   */
  readonly classScan?: ClassPolicy;
  /** mTLS under the listener (transport/ingress.ts). */
  readonly tls?: IngressTlsOptions;
}

const DEFAULT_FRAME_READ_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_PARTIAL_FRAME_BYTES = 256 * 1024 * 1024;
/** How long a closing connection may take to flush and say goodbye before it is cut. */
const SOCKET_LINGER_MS = 1_000;

export class RpcListener implements Listener {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly #options: RpcListenerOptions;
  readonly #server: Server;
  readonly #limits: Limits;
  /** Open connections and the calls each has in flight, cancelled if it goes away. */
  readonly #sockets = new Map<Socket, Set<RpcCall>>();
  #handler: Handler;
  readonly #inFlight = new InFlight();
  readonly #partialFrames: PartialFrameBudget;
  /** The connections' whole-frame deadlines, under one timer. */
  readonly #frameTimers = new DeadlineTimers();

  constructor(options: RpcListenerOptions) {
    this.name = options.name;
    this.protocol = options.codec.name;
    this.address = options.address;
    this.#options = options;
    this.#handler = answeringHandler(options.handler);
    this.#limits = withLimits({ maxFrameBytes: options.maxFrameBytes });
    this.#partialFrames = options.partialFrames ?? new PartialFrameBudget(DEFAULT_PARTIAL_FRAME_BYTES);
    this.#server = createServer((socket) => this.#onConnection(socket));
    // Past the limit node:net closes the new socket itself, before any byte is read.
    this.#server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#server.on('drop', () => options.metrics.limitExceeded('max_connections_per_listener'));
    this.#stopTls = secureConnections(this.#server, options.tls, { listener: this.name, metrics: options.metrics, log: options.log });
  }

  readonly #stopTls: () => void;

  get inFlight(): number {
    return this.#inFlight.count;
  }

  setHandler(handler: Handler): void {
    this.#handler = answeringHandler(handler);
  }

  start(): Promise<void> {
    return listenOn(this.#server, this.address, `listener ${this.name}`);
  }

  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#stopTls();
    // Tell callers that can hear it to send nothing new here (Dubbo READONLY), then drain.
    const { goAway } = this.#options.codec;
    if (goAway) for (const socket of this.#sockets.keys()) this.#write(socket, goAway(0));
    await this.#inFlight.drained(drainMs);
    // Calls the drain did not see finish get an answer, not a reset.
    const overrun = new MeshError('PMESH_DRAINING', `the sidecar is shutting down and the call did not finish within its drain of ${drainMs} ms`);
    for (const [socket, calls] of this.#sockets) {
      for (const call of calls) {
        this.#answer(socket, call, overrun);
        call.abort(overrun);
      }
    }
    // End gracefully so a last frame (READONLY, a reply) is flushed; cut what lingers.
    for (const socket of this.#sockets.keys()) {
      socket.end();
      setTimeout(() => socket.destroy(), SOCKET_LINGER_MS).unref();
    }
    await closed;
  }

  /** A connection the auto listener accepted, `head` its first bytes, already read. */
  accept(socket: Socket, head: Buffer): void {
    this.#onConnection(socket, head);
    socket.resume();
  }

  #onConnection(socket: Socket, head?: Buffer): void {
    const { codec, metrics, log } = this.#options;
    socket.setNoDelay(true);
    const calls = new Set<RpcCall>();
    this.#sockets.set(socket, calls);
    metrics.connectionOpened(this.name);
    const reader = new FrameReader({
      decoder: codec.newDecoder(this.#limits),
      frameDeadlineMs: this.#options.frameReadTimeoutMs ?? DEFAULT_FRAME_READ_TIMEOUT_MS,
      timers: this.#frameTimers,
      budget: this.#partialFrames,
      onFrames: (frames) => {
        for (const frame of frames) this.#onFrame(socket, calls, frame);
      },
      onRefused: (error) => {
        metrics.codecError(codec.name, error.reason, 'downstream');
        const limit = error.details.limit;
        if (typeof limit === 'string') metrics.limitExceeded(limit);
        log.warn({ reason: error.reason, err: error.message, remote: socket.remoteAddress }, 'closing the connection');
        socket.destroy();
      },
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => socket.destroy());
    if (head) reader.push(head);
    socket.once('close', () => {
      reader.release();
      this.#sockets.delete(socket);
      const gone = new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller closed the connection');
      for (const call of calls) call.abort(gone);
      metrics.connectionClosed(this.name);
    });
  }

  #onFrame(socket: Socket, calls: Set<RpcCall>, frame: unknown): void {
    const codec = this.#options.codec;
    switch (codec.kind(frame)) {
      case 'heartbeat':
        this.#write(socket, codec.heartbeatReply(frame));
        return;
      case 'request':
      case 'oneway':
        this.#onRequest(socket, calls, frame);
        return;
      default:
        // Replies and control frames from a caller carry nothing for us.
        return;
    }
  }

  #onRequest(socket: Socket, calls: Set<RpcCall>, frame: unknown): void {
    const codec = this.#options.codec;
    // One clock for the call: the frame's deadline and the call's age both count from here, not from after the class scan.
    const startedAt = performance.now();
    let invocation;
    try {
      // Codecs that keep the frame on the view (Bolt, Dubbo) save a copy; a spread would also read every lazy field.
      const view = codec.toInvocation(frame, startedAt);
      invocation = view.frame === frame ? view : { ...view, frame };
    } catch (error) {
      const mesh = MeshError.from(error, 'PMESH_BAD_REQUEST');
      this.#options.metrics.codecError(codec.name, mesh.reason, 'downstream');
      if (codec.kind(frame) === 'request') this.#write(socket, codec.localReply(frame, mesh));
      return;
    }
    const refused = this.#scanClasses(frame);
    if (refused) {
      this.#options.metrics.codecError(codec.name, refused.reason, 'downstream');
      this.#options.log.warn({ reason: refused.reason, err: refused.message, remote: socket.remoteAddress }, 'request refused by the class scan');
      if (!invocation.oneway) this.#write(socket, codec.localReply(frame, refused));
      return;
    }
    const call = new RpcCall(this.name, startedAt, this.#options.log, this.#answerer, socket, frame, invocation.oneway);
    this.#inFlight.begin();
    calls.add(call);
    // The stack answers the call through `call.answerTo` (filter.ts, CallAnswer): nothing to chain on its promise.
    try {
      void this.#handler(invocation, call);
    } catch (error) {
      this.#answerer.answer(call, undefined, MeshError.from(error));
    }
  }

  /** Told each call's outcome by the stack, once (one object for the listener, not closures per call). */
  readonly #answerer: CallAnswer = {
    answer: (ctx, result, error) => {
      const call = ctx as RpcCall;
      if (error === undefined) {
        this.#answer(call.socket, call, result!);
        return;
      }
      call.log.debug({ reason: error.reason, err: error.message, cluster: call.cluster, endpoint: call.endpoint }, 'call failed');
      this.#answer(call.socket, call, error);
    },
  };

  /** Why the request's body may not pass (a denied class, or a body the scan cannot read), or undefined. */
  #scanClasses(frame: unknown): MeshError | undefined {
    const { classScan, codec } = this.#options;
    if (!classScan || !codec.forEachClassName) return undefined;
    try {
      codec.forEachClassName(frame, (name) => classScan.checkNotDenied(name));
      return undefined;
    } catch (error) {
      return MeshError.from(error, 'PMESH_BAD_REQUEST');
    }
  }

  /** Answers a call once: with its result, its error, or the drain's, whichever comes first. */
  #answer(socket: Socket, call: RpcCall, outcome: Result | MeshError): void {
    if (call.answered) return;
    call.answered = true;
    this.#sockets.get(socket)?.delete(call);
    this.#inFlight.end();
    if (call.oneway) return;
    if (outcome instanceof MeshError) this.#write(socket, this.#options.codec.localReply(call.frame, outcome));
    else writeThisTurn(socket, this.#reply(call.frame, outcome));
  }

  /** The reply's bytes: the upstream's own frame with the caller's id put back. */
  #reply(request: unknown, result: Result): Buffer[] {
    const codec = this.#options.codec;
    if (result.frame !== undefined) {
      if (codec.encodeReply) return codec.encodeReply(result.frame, request);
      return codec.encode(codec.withRequestId(result.frame, codec.requestId(request)));
    }
    return codec.encode(
      codec.localReply(request, new MeshError('PMESH_INTERNAL', `no ${codec.name} reply could be built for a ${result.status} result`)),
    );
  }

  /** Replies that finish in the same event-loop turn share a writev (transport/turn-writes.ts). */
  #write(socket: Socket, frame: unknown): void {
    writeThisTurn(socket, this.#options.codec.encode(frame));
  }
}

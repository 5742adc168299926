/**
 * The listener for binary multiplexed RPC protocols (Bolt, Dubbo...), driven by the
 * protocol's codec: bytes -> frames -> Invocations -> the filter chain, and back.
 * Housekeeping stays here and never reaches the router: heartbeats are answered on
 * the spot. A malformed frame closes only its own connection and is counted; a
 * connection that starts a frame and stalls is closed after `frameReadTimeoutMs`.
 * This is the one place where a MeshError becomes bytes for these protocols
 * (`codec.localReply`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Cancel, MeshError, listenOn, withLimits, type Limits, type Logger, type MeshMetrics, type Result } from '../../core/index.js';
import type { AnyCodec } from '../../codecs/index.js';
import type { CallContext, Handler } from '../filter.js';
import { InFlight } from './in-flight.js';
import type { Listener } from './listener.js';

export interface RpcListenerOptions {
  readonly name: string;
  readonly address: string;
  readonly codec: AnyCodec;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly maxFrameBytes: number;
  /** A frame begun and not finished within this time closes the connection. */
  readonly frameReadTimeoutMs?: number;
}

const DEFAULT_FRAME_READ_TIMEOUT_MS = 10_000;
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
  readonly #sockets = new Map<Socket, Set<Cancel>>();
  #handler: Handler;
  readonly #inFlight = new InFlight();

  constructor(options: RpcListenerOptions) {
    this.name = options.name;
    this.protocol = options.codec.name;
    this.address = options.address;
    this.#options = options;
    this.#handler = options.handler;
    this.#limits = withLimits({ maxFrameBytes: options.maxFrameBytes });
    this.#server = createServer((socket) => this.#onConnection(socket));
  }

  get inFlight(): number {
    return this.#inFlight.count;
  }

  setHandler(handler: Handler): void {
    this.#handler = handler;
  }

  start(): Promise<void> {
    return listenOn(this.#server, this.address, `listener ${this.name}`);
  }

  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // Tell callers that can hear it to send nothing new here (Dubbo READONLY), then drain.
    const { goAway } = this.#options.codec;
    if (goAway) for (const socket of this.#sockets.keys()) this.#write(socket, goAway(0n));
    await this.#inFlight.drained(drainMs);
    // End gracefully so a last frame (READONLY, a reply) is flushed; cut what lingers.
    for (const socket of this.#sockets.keys()) {
      socket.end();
      setTimeout(() => socket.destroy(), SOCKET_LINGER_MS).unref();
    }
    await closed;
  }

  #onConnection(socket: Socket): void {
    const { codec, metrics, log } = this.#options;
    socket.setNoDelay(true);
    const calls = new Set<Cancel>();
    this.#sockets.set(socket, calls);
    metrics.connectionOpened(this.name);
    const decoder = codec.newDecoder(this.#limits);
    let stallTimer: NodeJS.Timeout | undefined;
    const clearStall = (): void => {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = undefined;
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        const mesh = MeshError.from(error, 'PMESH_CODEC_ERROR');
        metrics.codecError(codec.name, mesh.reason, 'downstream');
        log.warn({ reason: mesh.reason, err: mesh.message, remote: socket.remoteAddress }, 'malformed frame; closing the connection');
        socket.destroy();
        return;
      }
      for (const frame of frames) this.#onFrame(socket, calls, frame);
      clearStall();
      if (decoder.buffered > 0) {
        stallTimer = setTimeout(() => {
          metrics.codecError(codec.name, 'PMESH_FRAME_STALLED', 'downstream');
          log.warn({ buffered: decoder.buffered, remote: socket.remoteAddress }, 'frame not completed in time; closing the connection');
          socket.destroy();
        }, this.#options.frameReadTimeoutMs ?? DEFAULT_FRAME_READ_TIMEOUT_MS);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      clearStall();
      this.#sockets.delete(socket);
      for (const cancel of calls) cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller closed the connection'));
      metrics.connectionClosed(this.name);
    });
  }

  #onFrame(socket: Socket, calls: Set<Cancel>, frame: unknown): void {
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

  #onRequest(socket: Socket, calls: Set<Cancel>, frame: unknown): void {
    const codec = this.#options.codec;
    let invocation;
    try {
      invocation = { ...codec.toInvocation(frame), frame };
    } catch (error) {
      const mesh = MeshError.from(error, 'PMESH_BAD_REQUEST');
      this.#options.metrics.codecError(codec.name, mesh.reason, 'downstream');
      if (codec.kind(frame) === 'request') this.#write(socket, codec.localReply(frame, mesh));
      return;
    }
    const ctx: CallContext = { listener: this.name, startedAt: performance.now(), log: this.#options.log, cancel: new Cancel() };
    this.#inFlight.begin();
    calls.add(ctx.cancel);
    const finished = (): void => {
      calls.delete(ctx.cancel);
      this.#inFlight.end();
    };
    const oneway = invocation.oneway;
    this.#handler(invocation, ctx).then(
      (result) => {
        finished();
        if (!oneway) this.#write(socket, this.#reply(frame, result));
      },
      (error: unknown) => {
        finished();
        const mesh = MeshError.from(error);
        ctx.log.debug({ reason: mesh.reason, err: mesh.message, cluster: ctx.cluster, endpoint: ctx.endpoint }, 'call failed');
        if (!oneway) this.#write(socket, codec.localReply(frame, mesh));
      },
    );
  }

  /** The reply frame: the upstream's own frame with the caller's id put back. */
  #reply(request: unknown, result: Result): unknown {
    const codec = this.#options.codec;
    if (result.frame !== undefined) return codec.withRequestId(result.frame, codec.requestId(request));
    return codec.localReply(
      request,
      new MeshError('PMESH_INTERNAL', `no ${codec.name} reply could be built for a ${result.status} result`),
    );
  }

  /** Replies leave corked until the end of the tick: those that finish together share a writev. */
  #write(socket: Socket, frame: unknown): void {
    if (socket.destroyed) return;
    if (!this.#corked.has(socket)) {
      this.#corked.add(socket);
      socket.cork();
      process.nextTick(() => {
        this.#corked.delete(socket);
        socket.uncork();
      });
    }
    for (const buffer of this.#options.codec.encode(frame)) socket.write(buffer);
  }

  readonly #corked = new WeakSet<Socket>();
}

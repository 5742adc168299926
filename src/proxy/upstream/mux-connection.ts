/**
 * One multiplexed connection to one endpoint: many calls in flight, each under a
 * fresh request id; replies are matched back by id. Heartbeats from the endpoint are
 * answered here; an idle connection is probed with heartbeats and closed after
 * `maxMissedHeartbeats` unanswered ones. When the connection ends, every call still
 * waiting gets an error at once, never silence.
 */
import type { Socket } from 'node:net';
import { MeshError, promiseWithSettlers, settlers, untilCancelled, type AnyFrameClientCodec, type Cancel, type Limits, type MeshMetrics, type Result } from '../../core/index.js';
import { describeConnectError, dial, writeThisTurn, type EgressTls } from '../transport/index.js';

export interface MuxConnectionOptions {
  readonly codec: AnyFrameClientCodec;
  readonly host: string;
  readonly port: number;
  /** The endpoint's registry metadata: it says whether the endpoint is a sidecar taking mTLS. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly tls?: EgressTls;
  readonly address: string;
  readonly cluster: string;
  readonly limits: Limits;
  readonly metrics: MeshMetrics;
  readonly connectTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxMissedHeartbeats: number;
  /** Largest request id before wrapping (Bolt's is a signed 32-bit int). */
  readonly maxRequestId: number;
}

/**
 * A call waiting for its reply: the one object made per call besides its promise. It is
 * its own cancel listener (Cancel takes an object), so a call makes no closure.
 */
class Pending {
  constructor(
    readonly waiting: Map<number, Pending>,
    readonly id: number,
    readonly resolve: (result: Result) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  /** Stops waiting: a late reply finds no one and is dropped. */
  cancelled(reason: MeshError): void {
    if (this.waiting.get(this.id) !== this) return;
    this.waiting.delete(this.id);
    this.reject(reason);
  }
}

/** What a one-way call resolves with once written. */
const ONEWAY_RESULT: Result = Object.freeze({ status: 'ok', protocolStatus: 0, attachments: Object.freeze({}), body: Object.freeze({ kind: 'empty' }) });

export class MuxConnection {
  readonly #options: MuxConnectionOptions;
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #ready: Promise<void>;
  #connected = false;
  #closed: MeshError | undefined;
  /** The peer said it takes no new calls (Dubbo READONLY), or the pool retired it: finish what is pending, then close. */
  #goingAway = false;
  /** Calls handed this connection that still wait for it to connect: they count as pending for a retirement. */
  #starting = 0;
  #nextId = 1;
  #lastRead = performance.now();
  #missed = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  /** Called once when the connection takes no more calls (gone, or told to go away), so the pool forgets it. */
  onClose: () => void = () => {};
  #left = false;

  constructor(options: MuxConnectionOptions) {
    this.#options = options;
    const dialed = dial(options, options.tls);
    this.#socket = dialed.socket;
    this.#socket.setTimeout(options.connectTimeoutMs);
    this.#ready = new Promise((resolve, reject) => {
      this.#socket.once(dialed.readyEvent, () => {
        this.#connected = true;
        this.#socket.setTimeout(0);
        this.#startHeartbeats();
        resolve();
      });
      this.#socket.once('close', () => reject(this.#closed ?? this.#connectError('closed before connecting')));
    });
    this.#ready.catch(() => {});
    this.#socket.on('timeout', () => this.#fail(this.#connectError(`no connection within ${options.connectTimeoutMs} ms`)));
    this.#socket.on('error', (error: NodeJS.ErrnoException) =>
      this.#fail(this.#connected ? this.#lostError(error.code ?? error.message) : this.#connectError(describeConnectError(error))),
    );
    this.#socket.on('close', () => this.#fail(this.#lostError('closed by the peer')));
    const decoder = options.codec.newDecoder(options.limits);
    this.#socket.on('data', (chunk: Buffer) => {
      this.#lastRead = performance.now();
      this.#missed = 0;
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        const mesh = MeshError.from(error, 'PMESH_CODEC_ERROR');
        options.metrics.codecError(options.codec.name, mesh.reason, 'upstream');
        if (typeof mesh.details.limit === 'string') options.metrics.limitExceeded(mesh.details.limit);
        this.#fail(
          new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `cluster "${options.cluster}": malformed reply from ${options.address}: ${mesh.message}`, {
            details: { cluster: options.cluster, endpoint: options.address },
          }),
        );
        return;
      }
      for (const frame of frames) this.#onFrame(frame);
    });
  }

  get pending(): number {
    return this.#pending.size;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** False once closed or told by the peer to go away: the pool gives it no new calls. */
  get usable(): boolean {
    return this.#closed === undefined && !this.#goingAway;
  }

  /**
   * Sends `frame` under a fresh id, its deadline field set to `remainingMs` when given;
   * resolves with the reply as a Result (the codec's view, which keeps the reply frame).
   * `cancel` stops waiting (a late reply is dropped). One-way frames resolve with an empty
   * `ok` once written. Not an async function: on the pass-through path each call's one
   * promise is the one its reply resolves, with no `then` to turn the frame into a Result.
   */
  call(frame: unknown, oneway: boolean, remainingMs: number | undefined, cancel: Cancel): Promise<Result> {
    if (this.#closed) return Promise.reject(this.#closed);
    // A call cancelled while it waited (for this connection, for its cluster's endpoints) is not sent.
    if (cancel.reason) return Promise.reject(cancel.reason);
    if (!this.#connected) {
      // Counted while it waits, so a retired connection does not close under it (#closeIfDone).
      this.#starting += 1;
      // Its deadline may pass before the connection is made: it is answered then (untilCancelled).
      const connected = this.#ready.then(
        () => {
          this.#starting -= 1;
          return this.call(frame, oneway, remainingMs, cancel);
        },
        (error: unknown) => {
          this.#starting -= 1;
          throw error;
        },
      );
      return untilCancelled(connected, cancel);
    }
    const id = this.#allocateId();
    const bytes = this.#encode(frame, id, remainingMs);
    if (oneway) {
      this.#write(bytes);
      this.#closeIfDone();
      return Promise.resolve(ONEWAY_RESULT);
    }
    const promise = promiseWithSettlers<Result>();
    const pending = new Pending(this.#pending, id, settlers.resolve, settlers.reject);
    this.#pending.set(id, pending);
    cancel.onAbort(pending);
    this.#write(bytes);
    return promise;
  }

  #encode(frame: unknown, id: number, remainingMs: number | undefined): Buffer[] {
    const codec = this.#options.codec;
    if (codec.encodeForward) return codec.encodeForward(frame, id, remainingMs);
    return codec.encode(codec.withRequestId(remainingMs === undefined ? frame : codec.withTimeout(frame, remainingMs), id));
  }

  close(): void {
    this.#fail(this.#lostError('closed by the sidecar'));
  }

  /**
   * Takes no new calls from the pool (it leaves it now) and closes once the calls it carries,
   * including those still waiting for it to connect, have their replies: an endpoint that left,
   * or a connection made with a workload certificate that has since been replaced.
   */
  retire(): void {
    this.#goingAway = true;
    this.#leavePool();
    this.#closeIfDone();
  }

  #closeIfDone(): void {
    if (!this.#goingAway || this.#pending.size > 0 || this.#starting > 0 || this.#closed) return;
    // In a later callback: this turn's writes leave first (see #write, queued before), and a call that just connected writes now.
    setImmediate(() => {
      if (this.#pending.size === 0 && this.#starting === 0) this.close();
    });
  }

  #onFrame(frame: unknown): void {
    const codec = this.#options.codec;
    switch (codec.kind(frame)) {
      case 'heartbeat':
        this.#write(codec.encode(codec.heartbeatReply(frame)));
        return;
      case 'response': {
        const id = codec.requestId(frame);
        // Pool ids are numbers; a bigint id is none of ours.
        const waiter = typeof id === 'number' ? this.#pending.get(id) : undefined;
        if (waiter && typeof id === 'number') {
          this.#pending.delete(id);
          this.#settle(waiter, frame);
        }
        this.#closeIfDone();
        return;
      }
      case 'control':
        this.retire(); // leaves the pool now; calls in flight still get their replies
        return;
      default:
        return; // heartbeat replies only prove liveness, already noted on read
    }
  }

  /** The reply's Result; a reply the codec cannot read fails its call (as a rejection, like any other failure). */
  #settle(waiter: Pending, frame: unknown): void {
    let result: Result;
    try {
      // Codecs that keep the frame on the Result (Bolt, Dubbo) save a copy; a spread would also read every lazy field.
      result = this.#options.codec.toResult(frame);
      if (result.frame !== frame) result = { ...result, frame };
    } catch (error) {
      waiter.reject(error);
      return;
    }
    waiter.resolve(result);
  }

  #allocateId(): number {
    // Skip ids still waiting: after a wrap a slow call may hold one.
    do {
      this.#nextId = this.#nextId >= this.#options.maxRequestId ? 1 : this.#nextId + 1;
    } while (this.#pending.has(this.#nextId));
    return this.#nextId;
  }

  /**
   * Writes leave once per event-loop turn (transport/turn-writes.ts), so the calls that
   * arrive together leave in one writev. One writev per call cost a syscall and a TCP
   * segment each: strace showed 18,574 writev for 17,156 Bolt calls, the profile 33% of
   * the main thread in writev, and batching (A/B, `npm run bench -- bolt|dubbo`) took the
   * Java server's CPU per call from about 100 to 65 µs and raised calls/s by half or more.
   */
  #write(buffers: Buffer[]): void {
    writeThisTurn(this.#socket, buffers);
  }

  #startHeartbeats(): void {
    const { heartbeatIntervalMs, maxMissedHeartbeats, codec } = this.#options;
    this.#heartbeatTimer = setInterval(() => {
      if (performance.now() - this.#lastRead < heartbeatIntervalMs) return;
      if (this.#missed >= maxMissedHeartbeats) {
        this.#fail(this.#lostError(`${maxMissedHeartbeats} heartbeats unanswered`));
        return;
      }
      this.#missed += 1;
      this.#write(codec.encode(codec.heartbeat(this.#allocateId())));
    }, heartbeatIntervalMs);
    this.#heartbeatTimer.unref();
  }

  #fail(error: MeshError): void {
    if (this.#closed) return;
    this.#closed = error;
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#socket.destroy();
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const waiter of waiting) waiter.reject(error);
    this.#leavePool();
  }

  #leavePool(): void {
    if (this.#left) return;
    this.#left = true;
    this.onClose();
  }

  #connectError(cause: string): MeshError {
    const { cluster, address } = this.#options;
    return new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cluster "${cluster}": cannot connect to ${address}: ${cause}`, {
      details: { cluster, endpoint: address },
    });
  }

  #lostError(cause: string): MeshError {
    const { cluster, address } = this.#options;
    return new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `cluster "${cluster}": connection to ${address} lost: ${cause}`, {
      details: { cluster, endpoint: address },
    });
  }
}

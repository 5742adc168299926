/**
 * One relayed call: the caller's stream (down leg) and the upstream's (up leg), the
 * message-size checks on both directions, the deadline, and every way the call can end
 * early turned into what the caller reads: a trailers-only status before the reply
 * head, trailers after it, or RST_STREAM with the code the client reads as that status
 * when a reply message is half sent (trailers would make it report a cut message).
 */
import { MeshError, type DeadlineTimers, type Expiring, type KeptDeadline, type MessageBoundaryCheck } from '../../core/index.js';
import { ErrorCode } from './frames.js';
import type { Leg, LegOwner } from './leg.js';

/** A leg of a relayed call. */
export type CallLeg = Leg<RelayCall>;
export type CallLegOwner = LegOwner<RelayCall>;

/** The protocol knowledge the relay needs (gRPC's, or a protocol on its wire such as Triple). */
export interface RelayWire {
  readonly contentType: string;
  /** The status headers (flat: name, value, ...) carrying a mesh error. */
  errorHeaders(error: MeshError): string[];
  /** The RST_STREAM code a client reads as this error's status. */
  resetCodeOf(error: MeshError): number;
  messageBoundaries(maxBytes: number, direction: 'request' | 'response'): MessageBoundaryCheck;
}

/** Who waits for the upstream's answer (the upstream's Result promise): told of its head, its trailers, or its loss before the head. */
export interface UpstreamObserver {
  onHead(headers: readonly string[], trailersOnly: boolean): void;
  onTrailers(headers: readonly string[]): void;
  /** The upstream stream was lost before its head: the observer rejects, and whoever routed the call answers the caller. */
  onLost(error: MeshError): void;
  /** The call is over; `error` says why when it ended early (trailers still awaited are settled with it). */
  onEnd(error: MeshError): void;
}

const CALLER_GONE = new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller cancelled the call');

interface EarlyData {
  readonly data: Buffer;
  readonly end: boolean;
  readonly credit: number;
}

/** Request DATA already sent on an upstream stream (its window credit already given back). */
export interface SentData {
  readonly data: Buffer;
  readonly end: boolean;
}

/** Where a call waits for an upstream stream slot (upstream-pool.ts): says why, if the deadline passes there. */
export interface PendingStream {
  deadlinePassed(): MeshError | undefined;
}

export interface CallHooks {
  /** The call is over for the caller (status sent, stream reset, or the caller gone). */
  onCallEnd(call: RelayCall): void;
  onTooLarge(): void;
}

export class RelayCall implements KeptDeadline {
  readonly down: CallLeg;
  up: CallLeg | undefined;
  responded = false;
  ended = false;
  /** The caller reset the stream or lost its connection before the call was over. */
  callerGone = false;
  /** Why the call ended early (a mesh error sent as its status), or undefined. */
  failure: MeshError | undefined;
  /** The caller's request head as received (flat: name, value, ..., pseudo-headers included), forwarded from this list. */
  readonly requestHeaders: readonly string[];
  /** Whoever dispatched the call keeps its own state here (the listener: the call's context). */
  owner: unknown;
  observer: UpstreamObserver | undefined;
  /** Set while the call waits for a stream slot on its upstream pool. */
  pending: PendingStream | undefined;
  /** Request DATA that came while the call was being routed (the upstream stream does not exist yet). */
  #early: EarlyData[] | undefined;
  readonly #wire: RelayWire;
  readonly #hooks: CallHooks;
  readonly #request: MessageBoundaryCheck;
  readonly #response: MessageBoundaryCheck;
  /** The listener's timers the deadline is armed on (fields rather than an object per call: at, and the budget it had then, for the message). */
  #timers: DeadlineTimers | undefined;
  #deadlineAt = 0;
  #deadlineMs = 0;
  /** Told first when the deadline passes: the timeout filter's call, when it shares this deadline. */
  #watcher: Expiring | undefined;

  constructor(down: CallLeg, wire: RelayWire, hooks: CallHooks, maxMessageBytes: number, requestHeaders: readonly string[]) {
    this.down = down;
    this.requestHeaders = requestHeaders;
    this.#wire = wire;
    this.#hooks = hooks;
    this.#request = wire.messageBoundaries(maxMessageBytes, 'request');
    this.#response = wire.messageBoundaries(maxMessageBytes, 'response');
  }

  /** Holds request DATA until the upstream stream is open. */
  hold(data: Buffer, end: boolean, credit: number): void {
    (this.#early ??= []).push({ data, end, credit });
  }

  /** True when the request ended with its head (no DATA at all): the upstream HEADERS carry END_STREAM. */
  get endsWithHead(): boolean {
    return this.down.remoteEnded && this.#early === undefined;
  }

  /** The upstream stream is open: the legs are joined and held DATA goes out. */
  attach(up: CallLeg): void {
    this.up = up;
    up.other = this.down;
    this.down.other = up;
    const early = this.#early;
    this.#early = undefined;
    if (early) for (const item of early) up.sendData(item.data, item.end, item.credit);
  }

  /**
   * The upstream stream was refused unprocessed: the call waits for another, and the
   * request DATA `sent` on the refused one goes out first on it.
   */
  detach(sent: readonly SentData[]): void {
    this.up = undefined;
    // An attached call holds nothing early: what comes from now on is held after these.
    if (sent.length > 0) this.#early = sent.map(({ data, end }) => ({ data, end, credit: 0 }));
  }

  /** A header block from the upstream (head, trailers, or a trailers-only head). */
  upstreamHeaders(headers: readonly string[], end: boolean): void {
    const observer = this.observer;
    if (!this.responded) {
      this.responded = true;
      observer?.onHead(headers, end);
    } else if (end) {
      observer?.onTrailers(headers);
    }
    this.down.sendHeaders(headers, end);
  }

  /** The upstream stream was lost: before its head the observer is told (the call may still be answered); after, the caller reads the status. */
  upstreamLost(error: MeshError): void {
    // The upstream was handed what was left of the deadline and gave up when it ran out
    // (grpc-go resets such a stream): the caller's answer is DEADLINE_EXCEEDED, not the
    // UNAVAILABLE of a lost upstream, which callers retry.
    if (this.#deadlineAt !== 0 && performance.now() >= this.#deadlineAt) error = this.#deadlineExceeded();
    if (!this.responded && this.observer) {
      this.observer.onLost(error);
      return;
    }
    this.observer?.onTrailers(this.#wire.errorHeaders(error));
    this.fail(error);
  }

  /** Ends the call with DEADLINE_EXCEEDED once `at` (performance.now() time) has passed; one timer serves all of a listener's calls. */
  setDeadline(at: number, timers: DeadlineTimers): void {
    this.#timers = timers;
    this.#deadlineAt = at;
    this.#deadlineMs = Math.max(0, at - performance.now());
    timers.arm(at, this);
  }

  get deadlineAt(): number {
    return this.#deadlineAt;
  }

  watch(expiring: Expiring | undefined): void {
    this.#watcher = expiring;
    // The call ended while the watcher still waited: the timer was kept for it alone.
    if (expiring === undefined && this.ended) this.#timers?.disarm(this.#deadlineAt, this);
  }

  /** The deadline passed (DeadlineTimers). */
  expire(): void {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    watcher?.expire();
    if (this.ended) return;
    const waited = this.pending?.deadlinePassed();
    this.fail(waited ?? this.#deadlineExceeded());
  }

  #deadlineExceeded(): MeshError {
    return new MeshError('PMESH_DEADLINE_EXCEEDED', `deadline of ${Math.round(this.#deadlineMs)} ms exceeded`);
  }

  /** Checks DATA passing in `direction`; false when the call was failed for a message over the limit. */
  checkData(payload: Buffer, fromCaller: boolean): boolean {
    const tooLarge = (fromCaller ? this.#request : this.#response).check(payload);
    if (!tooLarge) return true;
    this.#hooks.onTooLarge();
    this.fail(tooLarge);
    return false;
  }

  /** Ends the call with `error` as its status (what the caller can still be told), and cancels the upstream stream. */
  fail(error: MeshError): void {
    const down = this.down;
    this.#early = undefined;
    this.cancelUpstream();
    if (down.localEnded) return;
    this.failure ??= error;
    if (!this.responded) {
      this.responded = true;
      down.dropQueue();
      down.sendHeaders([':status', '200', 'content-type', this.#wire.contentType, ...this.#wire.errorHeaders(error)], true);
    } else if (this.#response.atBoundary) {
      down.sendHeaders(this.#wire.errorHeaders(error), true);
    } else {
      down.resetWith(this.#wire.resetCodeOf(error));
      this.end();
    }
  }

  /** RST_STREAM(CANCEL) to the upstream unless its stream is over. */
  cancelUpstream(): void {
    const up = this.up;
    if (!up || up.reset || (up.localEnded && up.remoteEnded)) return;
    up.resetWith(ErrorCode.CANCEL);
    up.owner.onLegEnded(up);
  }

  /** The call is over for the caller: the deadline stops, the owner forgets it. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    // A watcher not yet settled (its call's promise) still needs the deadline: the timer stays for it.
    if (this.#watcher === undefined) this.#timers?.disarm(this.#deadlineAt, this);
    this.observer?.onEnd(this.failure ?? CALLER_GONE);
    this.#hooks.onCallEnd(this);
  }
}

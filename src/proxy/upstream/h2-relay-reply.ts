/**
 * The upstream's answer to a relayed call (src/proxy/h2-frames) as the filter chain sees
 * it: a Result when the reply head arrives (its trailers a promise, for the metrics and
 * the access log), or a rejection when the stream was lost before it. The bytes never
 * pass through here: the relay has joined the two streams.
 */
import { Readable } from 'node:stream';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { fieldOf, headerObject, promiseWithSettlers, settlers, type MeshError, type Result, type StreamClientCodec, type StreamResponseFrame } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import type { RelayCall, UpstreamObserver } from '../h2-frames/relay-call.js';

/**
 * The body of a relayed call and of its Result: the bytes go from stream to stream in the
 * relay, so there is nothing here to read. One shared, never-fed stream stands in (its
 * kind tells the retry filter and the bridge that the body is streamed).
 */
export const RELAYED_BODY = new Readable({ read() {} });

/**
 * The reply head and its trailers as the filter chain sees them. Nothing here is made
 * before something asks for it: the header object (the access log's or tracing's status
 * of a trailers-only reply, the bridge), and the trailers promise (tracing, for the gRPC
 * status of a sampled call). Most relayed calls read neither, so they build no header
 * object and settle no promise: the relay has already passed the fields on as a list.
 */
export class RelayResponseFrame implements StreamResponseFrame {
  /** The head's fields as the upstream sent them (flat: name, value, ...). */
  readonly fields: readonly string[];
  readonly #ended: boolean;
  readonly #codec: StreamClientCodec;
  #headers: IncomingHttpHeaders | undefined;
  #attachments: Readonly<Record<string, string>> | undefined;
  /** What the trailers are made of once known: the upstream's fields (flat) or the error that ended the call. */
  #source: readonly string[] | MeshError | undefined;
  #promise: Promise<OutgoingHttpHeaders> | undefined;
  #resolve: ((trailers: OutgoingHttpHeaders) => void) | undefined;

  /** `ended`: the head came with END_STREAM (a trailers-only reply, whatever its fields say). */
  constructor(fields: readonly string[], ended: boolean, codec: StreamClientCodec) {
    this.fields = fields;
    this.#ended = ended;
    this.#codec = codec;
  }

  get headers(): IncomingHttpHeaders {
    return (this.#headers ??= headerObject(this.fields));
  }

  /** The head as a Result's attachments. */
  get attachments(): Readonly<Record<string, string>> {
    return (this.#attachments ??= this.#codec.attachmentsOf(this.headers));
  }

  get trailersOnly(): boolean {
    return this.#ended || this.#codec.isTrailersOnly(this.headers);
  }

  get trailers(): Promise<OutgoingHttpHeaders> {
    if (this.#promise) return this.#promise;
    if (this.trailersOnly) this.#promise = Promise.resolve(this.#codec.forwardable(this.headers));
    else if (this.#source !== undefined) this.#promise = Promise.resolve(this.#made(this.#source));
    else this.#promise = new Promise<OutgoingHttpHeaders>((resolve) => (this.#resolve = resolve));
    return this.#promise;
  }

  /** The first of trailers or the call's end wins, as a promise settles once (a trailers-only reply's promise never waits for this). */
  settle(source: readonly string[] | MeshError): void {
    if (this.#source !== undefined) return;
    this.#source = source;
    this.#resolve?.(this.#made(source));
  }

  #made(source: readonly string[] | MeshError): OutgoingHttpHeaders {
    return Array.isArray(source) ? this.#codec.forwardable(headerObject(source)) : this.#codec.errorTrailers(source as MeshError);
  }
}

/** `:status` of a head as a number (200 when missing or not a number), read from the list without a header object. */
export function statusOf(fields: readonly string[]): number {
  return Number(fieldOf(fields, ':status')) || 200;
}

/** The body every relayed Result carries (the bytes pass in the relay). */
const RELAYED: Result['body'] = Object.freeze({ kind: 'stream', stream: RELAYED_BODY });

/** A relayed call's Result, which is its own response frame: one object per reply, not a Result and a frame. */
class RelayResult extends RelayResponseFrame implements Result {
  readonly status = 'ok' as const;
  readonly protocolStatus: number;
  readonly body = RELAYED;
  /** Itself, an own field: a copy of the Result (`{ ...result }`) still carries its frame. */
  readonly frame: RelayResponseFrame;

  constructor(fields: readonly string[], ended: boolean, codec: StreamClientCodec) {
    super(fields, ended, codec);
    this.protocolStatus = statusOf(fields);
    this.frame = this;
  }
}

/**
 * The call was aborted (its deadline, its caller gone...): its upstream stream is cancelled.
 * One whose deadline passed while it waited for a stream slot is answered with why (the
 * server's stream limit, RESOURCE_EXHAUSTED) rather than a bare DEADLINE_EXCEEDED.
 */
function aborted(call: RelayCall, reason: MeshError): void {
  const waited = reason.reason === 'PMESH_DEADLINE_EXCEEDED' ? call.pending?.deadlinePassed() : undefined;
  if (waited) call.fail(waited);
  else call.cancelUpstream();
}

export class RelayReply implements UpstreamObserver {
  readonly reply: Promise<Result>;
  readonly #call: RelayCall;
  readonly #codec: StreamClientCodec;
  readonly #ctx: CallContext;
  #resolve!: (result: Result) => void;
  #reject!: (error: unknown) => void;
  #frame: RelayResponseFrame | undefined;

  constructor(call: RelayCall, codec: StreamClientCodec, ctx: CallContext) {
    this.#call = call;
    this.#codec = codec;
    this.#ctx = ctx;
    // No executor closure per call (core/settlers.ts).
    this.reply = promiseWithSettlers<Result>();
    this.#resolve = settlers.resolve;
    this.#reject = settlers.reject;
    call.observer = this;
    // This object listens itself (`cancelled`): no closure per call.
    ctx.cancel.onAbort(this);
  }

  /** The call was aborted (its deadline, its caller gone...). */
  cancelled(reason: MeshError): void {
    aborted(this.#call, reason);
    // Before its head the call's promise answers the cancel: the route's deadline aborts the call rather than racing it.
    if (this.#frame === undefined) this.#reject(this.#call.failure ?? reason);
  }

  onHead(flat: readonly string[], trailersOnly: boolean): void {
    const result = new RelayResult(flat, trailersOnly, this.#codec);
    this.#frame = result;
    this.#resolve(result);
  }

  onTrailers(flat: readonly string[]): void {
    this.#frame?.settle(flat);
  }

  onLost(error: MeshError): void {
    this.#reject(this.#ctx.cancel.reason ?? error);
  }

  onEnd(error: MeshError): void {
    // Settles nothing already settled: a call that ended with its trailers keeps them.
    if (this.#frame === undefined) this.#reject(error);
    else this.#frame.settle(error);
  }
}

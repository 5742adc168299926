/**
 * One call's stream to the upstream, from the request piped in to the reply and
 * its trailers. Made for every call, so it keeps one listener per event and one
 * promise per outcome (the reply, the trailers) rather than a closure for each way the
 * stream can end: the head resolves the reply; trailers resolve the trailers; a close
 * without them fails whichever is still pending (before the head: the call is lost;
 * after it: a status saying the stream was lost, as trailers).
 */
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { addAbortSignal, type Readable } from 'node:stream';
import type { MeshError, Result, StreamClientCodec, StreamResponseFrame } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import type { Lease } from './h2-sessions.js';

export class UpstreamStream {
  /** Settles once: with the reply head (body still streaming), or with why there is none. */
  readonly reply: Promise<Result>;
  readonly #stream: ClientHttp2Stream;
  readonly #ctx: CallContext;
  readonly #lease: Lease;
  readonly #codec: StreamClientCodec;
  readonly #lost: (error: unknown) => MeshError;
  #resolveReply!: (result: Result) => void;
  #rejectReply!: (error: unknown) => void;
  #resolveTrailers: ((trailers: OutgoingHttpHeaders) => void) | undefined;
  #responded = false;
  #trailersReceived = false;

  constructor(stream: ClientHttp2Stream, body: Readable, ctx: CallContext, lease: Lease, codec: StreamClientCodec, lost: (error: unknown) => MeshError) {
    this.#stream = stream;
    this.#ctx = ctx;
    this.#lease = lease;
    this.#codec = codec;
    this.#lost = lost;
    this.reply = new Promise<Result>((resolve, reject) => {
      this.#resolveReply = resolve;
      this.#rejectReply = reject;
    });
    stream.once('response', (head: IncomingHttpHeaders, flags: number) => this.#onResponse(head, flags));
    stream.once('trailers', (trailers: IncomingHttpHeaders) => this.#onTrailers(trailers));
    stream.on('error', (error) => this.#onError(error));
    stream.once('close', () => this.#onClose());
    ctx.cancel.onAbort(() => this.#cancel());
    body.pipe(stream);
    body.once('error', () => this.#cancel());
  }

  /**
   * RST_STREAM(CANCEL) and nothing before it. Not `close(NGHTTP2_CANCEL)`: node:http2 ends
   * the writable side first there (DATA with END_STREAM, then the reset), and a server may
   * act on that half-close, taking a cut request stream for a whole one (Dubbo calls the
   * StreamObserver's onCompleted), before the reset lands. A stream destroyed through an
   * abort signal is reset with CANCEL alone.
   */
  #cancel(): void {
    if (this.#stream.closed || this.#stream.destroyed) return;
    const abort = new AbortController();
    addAbortSignal(abort.signal, this.#stream);
    abort.abort();
  }

  #onResponse(head: IncomingHttpHeaders, flags: number): void {
    this.#responded = true;
    const trailersOnly = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0 || this.#codec.isTrailersOnly(head);
    const trailers = new Promise<OutgoingHttpHeaders>((resolve) => (this.#resolveTrailers = resolve));
    const frame: StreamResponseFrame = { headers: head, trailersOnly, trailers };
    this.#resolveReply({
      status: 'ok',
      protocolStatus: Number(head[constants.HTTP2_HEADER_STATUS] ?? 200),
      attachments: this.#codec.attachmentsOf(head),
      body: { kind: 'stream', stream: this.#stream },
      frame,
    });
  }

  #onTrailers(trailers: IncomingHttpHeaders): void {
    this.#trailersReceived = true;
    this.#resolveTrailers?.(this.#codec.forwardable(trailers));
  }

  #onError(error: Error): void {
    if (!this.#responded) this.#rejectReply(this.#ctx.cancel.reason ?? this.#lost(error));
  }

  /** The stream is over: its slot is free, and whatever it did not deliver is failed. */
  #onClose(): void {
    this.#lease.release();
    const stream = this.#stream;
    if (!this.#responded) {
      this.#rejectReply(this.#ctx.cancel.reason ?? this.#lost(new Error(`stream reset (code ${stream.rstCode})`)));
      return;
    }
    if (this.#trailersReceived) return;
    // A stream that closes without trailers was lost: the protocol's "unavailable" status.
    const error = this.#lost(new Error(stream.rstCode ? `stream reset (code ${stream.rstCode})` : 'stream ended without a status'));
    this.#resolveTrailers?.(this.#codec.errorTrailers(error));
  }
}

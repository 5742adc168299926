/**
 * One gRPC stream on the listener, from its head to its trailers: the reply head and
 * messages passed on as they came, the upstream's trailers sent as its trailers, and
 * every way a call can end before that (mesh error, deadline, a message over the
 * limit, the upstream lost) turned into a gRPC status the caller can read. Before the
 * head is sent that status is a trailers-only reply; after, it is the trailers; and if
 * a reply message is half sent when the call must end, trailers would make the client
 * report a truncated message (INTERNAL), so the stream is reset with the code the
 * client reads as that status (the codec's resetCodeOf).
 *
 * The reply is written chunk by chunk rather than piped, so every byte the boundary
 * check has seen is in the caller's stream: what is half sent is known exactly.
 */
import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Readable } from 'node:stream';
import { Code, MeshError, type MessageBoundaryCheck, type Result, type StreamResponseFrame, type StreamServerCodec } from '../../core/index.js';
import type { CallContext } from '../filter.js';

export class Http2Call {
  readonly #stream: ServerHttp2Stream;
  readonly #ctx: CallContext;
  readonly #codec: StreamServerCodec;
  readonly #maxMessageBytes: number;
  readonly #onTooLarge: () => void;
  #headSent = false;
  #finished = false;
  #trailers: OutgoingHttpHeaders = {};
  #deadlineTimer: NodeJS.Timeout | undefined;
  /** The reply body being written to the caller, and where its messages end. */
  #reply: Readable | undefined;
  #boundaries: MessageBoundaryCheck | undefined;

  constructor(stream: ServerHttp2Stream, ctx: CallContext, codec: StreamServerCodec, maxMessageBytes: number, onTooLarge: () => void) {
    this.#stream = stream;
    this.#ctx = ctx;
    this.#codec = codec;
    this.#maxMessageBytes = maxMessageBytes;
    this.#onTooLarge = onTooLarge;
    stream.once('wantTrailers', () => stream.sendTrailers(this.#trailers));
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** The whole call, streams included, ends at `deadline` (performance.now() clock): DEADLINE_EXCEEDED. */
  setDeadline(deadline: number, startedAt: number): void {
    this.#deadlineTimer = setTimeout(() => {
      const error = new MeshError('PMESH_DEADLINE_EXCEEDED', `deadline of ${Math.round(deadline - startedAt)} ms exceeded`);
      this.#ctx.cancel.abort(error);
      this.fail(error);
    }, Math.max(0, deadline - performance.now()));
  }

  /** The request messages, their length prefixes checked as they pass. */
  requestBody(): Readable {
    const check = this.#codec.messageLimit(this.#maxMessageBytes, 'request', this.#onTooLarge);
    check.on('error', (error) => {
      const mesh = MeshError.from(error);
      this.#ctx.cancel.abort(mesh);
      this.fail(mesh);
    });
    return this.#stream.pipe(check);
  }

  reply(result: Result): void {
    const frame = result.frame as StreamResponseFrame | undefined;
    if (!frame || result.body.kind !== 'stream') {
      this.fail(new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', 'the cluster answered a gRPC call with a reply that is not gRPC'));
      return;
    }
    if (this.#finished || this.#stream.destroyed) return;
    const head = this.#codec.forwardable(frame.headers);
    head[constants.HTTP2_HEADER_STATUS] = result.protocolStatus;
    if (frame.trailersOnly) {
      this.#finished = true;
      this.#clear();
      this.#stream.respond(head, { endStream: true });
      this.#discardRequest();
      return;
    }
    this.#stream.respond(head, { waitForTrailers: true });
    this.#headSent = true;
    const body = (this.#reply = result.body.stream);
    const boundaries = (this.#boundaries = this.#codec.messageBoundaries(this.#maxMessageBytes, 'response'));
    const stream = this.#stream;
    body.on('data', (chunk: Buffer) => {
      const tooLarge = boundaries.check(chunk);
      if (tooLarge) {
        this.#onTooLarge();
        this.#ctx.cancel.abort(tooLarge);
        this.fail(tooLarge);
        return;
      }
      if (!stream.write(chunk)) body.pause();
    });
    stream.on('drain', () => body.resume());
    body.once('end', () => void frame.trailers.then((trailers) => this.#finish(trailers)));
    // The upstream stream closed before its end: its trailers promise says how (UNAVAILABLE).
    body.once('close', () => {
      if (!body.readableEnded) void frame.trailers.then((trailers) => this.#finish(trailers));
    });
  }

  /** Ends the call with this mesh error as its gRPC status. */
  fail(error: MeshError): void {
    if (this.#finished) return;
    const level = error.code === Code.UNAVAILABLE || error.code === Code.INTERNAL || error.code === Code.DEADLINE_EXCEEDED ? 'warn' : 'debug';
    this.#ctx.log[level]({ reason: error.reason, err: error.message, cluster: this.#ctx.cluster, endpoint: this.#ctx.endpoint }, 'call failed');
    this.#finish(this.#codec.errorTrailers(error));
  }

  /** The caller went away (RST_STREAM or its connection): nothing more is sent. */
  abandon(): void {
    this.#finished = true;
    this.#clear();
  }

  #finish(trailers: OutgoingHttpHeaders): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#clear();
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return;
    if (this.#headSent) {
      this.#reply?.removeAllListeners('data');
      this.#reply?.resume();
      if (this.#boundaries && !this.#boundaries.atBoundary) {
        stream.close(this.#codec.resetCodeOf(this.#codec.statusOf(trailers)));
        return;
      }
      this.#trailers = trailers;
      stream.end();
    } else {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': this.#codec.contentType, ...trailers }, { endStream: true });
    }
    this.#discardRequest();
  }

  /** Request messages still coming after the answer are read and dropped (the window keeps moving). */
  #discardRequest(): void {
    if (!this.#stream.readableEnded) {
      this.#stream.unpipe();
      this.#stream.resume();
    }
  }

  #clear(): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
  }
}

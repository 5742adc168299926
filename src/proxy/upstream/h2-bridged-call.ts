/**
 * A call the mesh makes itself on the frame relay's upstream pool (h2-frames/upstream-pool.ts),
 * rather than a caller's stream passed through: the bridge's JSON call to a Triple provider,
 * reached from HTTP/JSON or from the gRPC `Invoke` API. Its request is one whole body,
 * written on the stream as it opens (and again if the server refuses the stream unprocessed);
 * its reply is a Result as soon as the head arrives, the body a stream read at the reader's
 * pace (h2-reply-body.ts) and the trailers a promise. The call's cancel (its deadline, its
 * caller gone) resets the stream with CANCEL, or takes the call out of the wait for a slot.
 */
import { MeshError, type Result, type StreamClientCodec } from '../../core/index.js';
import { ErrorCode } from '../h2-frames/frames.js';
import type { LegPeer } from '../h2-frames/leg.js';
import type { PendingStream } from '../h2-frames/relay-call.js';
import type { UpstreamCall, UpstreamCallLeg } from '../h2-frames/upstream-call.js';
import type { CallContext } from '../filter.js';
import { RelayResponseFrame, statusOf } from './h2-relay-reply.js';
import { ReplyBody } from './h2-reply-body.js';

const READER_GONE = new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the reply was not read to its end');

export class BridgedCall implements UpstreamCall, LegPeer {
  /** Settles once: with the reply head (body still streaming), or with why there is none. */
  readonly reply: Promise<Result>;
  owner: unknown;
  pending: PendingStream | undefined;
  responded = false;
  ended = false;
  failure: MeshError | undefined;
  readonly #body: Buffer;
  readonly #codec: StreamClientCodec;
  readonly #ctx: CallContext;
  readonly #lost: (why: string) => MeshError;
  #up: UpstreamCallLeg | undefined;
  #frame: RelayResponseFrame | undefined;
  #replyBody: ReplyBody | undefined;
  #resolve!: (result: Result) => void;
  #reject!: (error: unknown) => void;

  /** `lost`: the error for a stream that ended without the protocol's status. */
  constructor(body: Buffer, codec: StreamClientCodec, ctx: CallContext, lost: (why: string) => MeshError) {
    this.#body = body;
    this.#codec = codec;
    this.#ctx = ctx;
    this.#lost = lost;
    this.owner = ctx;
    this.reply = new Promise<Result>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    ctx.cancel.onAbort((reason) => this.#aborted(reason));
  }

  get endsWithHead(): boolean {
    return this.#body.length === 0;
  }

  attach(up: UpstreamCallLeg): void {
    this.#up = up;
    up.other = this;
    // No window credit to give back for it: the body is the mesh's own, not a caller's DATA.
    if (this.#body.length > 0) up.sendData(this.#body, true, 0);
  }

  /** Refused unprocessed: the whole body goes again on the next stream, so what was sent is not needed. */
  detach(): void {
    this.#up = undefined;
  }

  upstreamHeaders(headers: readonly string[], end: boolean): void {
    if (!this.responded) {
      this.responded = true;
      const codec = this.#codec;
      const frame = (this.#frame = new RelayResponseFrame(headers, end, codec));
      const body = (this.#replyBody = new ReplyBody(this.#up!, () => this.#readerGone()));
      this.#resolve({ status: 'ok', protocolStatus: statusOf(headers), attachments: frame.attachments, body: { kind: 'stream', stream: body }, frame });
      if (end) this.#finish();
      return;
    }
    if (!end) return;
    this.#frame!.settle(headers);
    this.#finish();
  }

  /** Reply DATA is not checked message by message: the reader bounds what it takes, flow control the rest. */
  checkData(): boolean {
    return true;
  }

  /** Reply DATA from the upstream stream. */
  sendData(data: Buffer, end: boolean, credit: number): void {
    this.#replyBody?.deliver(data, credit);
    // A stream that ends without trailers was lost: the protocol's "unavailable" status.
    if (end) {
      this.#frame?.settle(this.#lost('stream ended without a status'));
      this.#finish();
    }
  }

  /** The upstream took request bytes the mesh sent with no credit to give back. */
  credit(): void {}

  creditConnection(): void {}

  upstreamLost(error: MeshError): void {
    this.#fail(this.#ctx.cancel.reason ?? error);
  }

  /**
   * The call's cancel. One whose deadline passed while it waited for a stream slot is
   * answered with why (the server's stream limit, RESOURCE_EXHAUSTED).
   */
  #aborted(reason: MeshError): void {
    if (this.ended) return;
    const waited = reason.reason === 'PMESH_DEADLINE_EXCEEDED' ? this.pending?.deadlinePassed() : undefined;
    this.failure = waited ?? reason;
    this.#cancelStream();
    this.#fail(this.failure);
  }

  /** Before the head the reply rejects; after it, the body errors and the trailers carry the status. */
  #fail(error: MeshError): void {
    if (this.ended) return;
    if (!this.responded) this.#reject(error);
    else {
      this.#frame!.settle(error);
      this.#replyBody!.destroy(error);
    }
    this.#finish();
  }

  /** The reader destroyed the body before its end: the stream is cancelled, and its trailers say so. */
  #readerGone(): void {
    if (this.ended) return;
    this.#cancelStream();
    this.#frame!.settle(READER_GONE);
    this.#finish();
  }

  /** RST_STREAM(CANCEL) unless the stream is over. */
  #cancelStream(): void {
    const up = this.#up;
    if (!up || up.reset || (up.localEnded && up.remoteEnded)) return;
    up.resetWith(ErrorCode.CANCEL);
    up.owner.onLegEnded(up);
  }

  #finish(): void {
    if (this.ended) return;
    this.ended = true;
    const body = this.#replyBody;
    if (body && !body.destroyed) body.push(null);
  }
}

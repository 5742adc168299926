/**
 * The upstream side of a relayed stream (its up leg), which keeps the request it sent
 * until the server answers: a stream the server refused unprocessed (RST_STREAM
 * REFUSED_STREAM, or an id above a GOAWAY's last stream id) is sent again from it on
 * another stream (upstream-pool.ts), as grpc's transparent retry does. What is kept are
 * views of the buffers read from the caller, at most `maxReplayBytes`: a call that sent
 * more is not sent again.
 */
import type { H2Connection } from './connection.js';
import { Leg, type LegOwner } from './leg.js';
import type { SentData } from './relay-call.js';
import type { UpstreamCall } from './upstream-call.js';

/** What a leg that sent no DATA yet has to send again. */
const NOTHING: readonly SentData[] = [];

export class UpstreamLeg extends Leg<UpstreamCall> {
  /** The request head, sent again with the request on a retry. */
  readonly headers: readonly string[];
  /** This stream is itself the retry of a refused one (a call is sent again once). */
  readonly isRetry: boolean;
  /** False once the server answered or the request outgrew the bound: nothing can be sent again. */
  #keep = true;
  /**
   * Request DATA sent so far: the first frame's in two fields (a unary call sends one, and
   * is answered before it is ever needed again: no array and no record per call), any
   * more in an array.
   */
  #firstData: Buffer | undefined;
  #firstEnd = false;
  #more: SentData[] | undefined;
  #sentBytes = 0;
  readonly #maxReplayBytes: number;

  constructor(conn: H2Connection, owner: LegOwner<UpstreamCall>, id: number, headers: readonly string[], maxReplayBytes: number, isRetry: boolean) {
    super(conn, owner, id);
    this.headers = headers;
    this.#maxReplayBytes = maxReplayBytes;
    this.isRetry = isRetry;
  }

  /** The request DATA to send again, or undefined when it cannot be. */
  get replay(): readonly SentData[] | undefined {
    if (!this.#keep) return undefined;
    const first = this.#firstData;
    if (first === undefined) return NOTHING;
    return [{ data: first, end: this.#firstEnd }, ...(this.#more ?? NOTHING)];
  }

  /** The server answered: it took the stream, which will never be sent again. */
  answered(): void {
    this.#drop();
  }

  override sendData(data: Buffer, end: boolean, credit: number): void {
    if (this.#keep) {
      this.#sentBytes += data.length;
      if (this.#sentBytes > this.#maxReplayBytes) {
        this.#drop();
      } else if (this.#firstData === undefined) {
        this.#firstData = data;
        this.#firstEnd = end;
      } else {
        (this.#more ??= []).push({ data, end });
      }
    }
    super.sendData(data, end, credit);
  }

  #drop(): void {
    this.#keep = false;
    this.#firstData = undefined;
    this.#more = undefined;
  }
}

/**
 * The upstream side of a relayed stream (its up leg), which keeps the request it sent
 * until the server answers: a stream the server refused unprocessed (RST_STREAM
 * REFUSED_STREAM, or an id above a GOAWAY's last stream id) is sent again from it on
 * another stream (upstream-pool.ts), as grpc's transparent retry does. What is kept are
 * views of the buffers read from the caller, at most `maxReplayBytes`: a call that sent
 * more is not sent again.
 */
import type { H2Connection } from './connection.js';
import { Leg } from './leg.js';
import type { CallLegOwner, RelayCall, SentData } from './relay-call.js';

export class UpstreamLeg extends Leg<RelayCall> {
  /** The request head, sent again with the request on a retry. */
  readonly headers: string[];
  /** This stream is itself the retry of a refused one (a call is sent again once). */
  readonly isRetry: boolean;
  /** Request DATA sent so far; undefined once the server answered or the request outgrew the bound. */
  replay: SentData[] | undefined = [];
  #replayBytes = 0;
  readonly #maxReplayBytes: number;

  constructor(conn: H2Connection, owner: CallLegOwner, id: number, headers: string[], maxReplayBytes: number, isRetry: boolean) {
    super(conn, owner, id);
    this.headers = headers;
    this.#maxReplayBytes = maxReplayBytes;
    this.isRetry = isRetry;
  }

  override sendData(data: Buffer, end: boolean, credit: number): void {
    const replay = this.replay;
    if (replay !== undefined) {
      this.#replayBytes += data.length;
      if (this.#replayBytes <= this.#maxReplayBytes) replay.push({ data, end });
      else this.replay = undefined;
    }
    super.sendData(data, end, credit);
  }
}

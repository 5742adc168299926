/**
 * The reply body of a call the mesh makes itself on the relay's upstream pool
 * (h2-bridged-call.ts), as a stream its reader takes at its own pace. Flow control stays
 * end to end: the window the upstream's DATA took is given back (WINDOW_UPDATE) only once
 * the reader has taken the bytes, so a reader that stops holds at most one stream window.
 */
import { Readable } from 'node:stream';
import type { UpstreamCallLeg } from '../h2-frames/upstream-call.js';

export class ReplyBody extends Readable {
  readonly #up: UpstreamCallLeg;
  /** Window taken by bytes the reader has not asked for yet. */
  #owed = 0;
  readonly #onDestroy: (error: Error | null) => void;

  /** `onDestroy`: the reader gave up before the end (the stream is cancelled). */
  constructor(up: UpstreamCallLeg, onDestroy: (error: Error | null) => void) {
    super();
    this.#up = up;
    this.#onDestroy = onDestroy;
  }

  /** DATA from the upstream, which took `credit` bytes of window. */
  deliver(data: Buffer, credit: number): void {
    if (this.push(data)) this.#up.credit(credit);
    else this.#owed += credit;
  }

  override _read(): void {
    const owed = this.#owed;
    if (owed === 0) return;
    this.#owed = 0;
    this.#up.credit(owed);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // What the reader left unread is dropped: its window goes back to the connection.
    if (this.#owed > 0) this.#up.creditConnection(this.#owed);
    this.#owed = 0;
    if (!this.readableEnded) this.#onDestroy(error);
    callback(error);
  }
}

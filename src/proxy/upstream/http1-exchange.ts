/**
 * One HTTP/1 request and its reply on an upstream connection, seen from the call: the
 * Result (an Http1Reply, its header list made only when read) is made when the reply head is in. A reply whose whole body came with its head
 * (the usual small answer) becomes a `raw` body, with no stream; a longer one flows
 * through a plain Readable, the socket paused while the caller's side is full.
 */
import { Readable } from 'node:stream';
import type { HttpClientCodec, Result } from '../../core/index.js';
import type { ReplyHead } from './http1-reply-head.js';
import { Http1Reply } from './http1-reply.js';

const EMPTY: Result['body'] = Object.freeze({ kind: 'empty' });

/** The call's side (http1.ts's Http1Call) says what becomes of the Result and of a failure. */
export abstract class Http1Exchange {
  readonly method: string;
  readonly #codec: HttpClientCodec;
  #head: ReplyHead | undefined;
  /** Body bytes read before the Result was handed over: the first piece, and any after it (rare: a reply split across reads). */
  #first: Buffer | undefined;
  #more: Buffer[] | undefined;
  #body: Readable | undefined;
  #settled = false;
  #ended = false;

  constructor(method: string, codec: HttpClientCodec) {
    this.method = method;
    this.#codec = codec;
    this.#first = undefined;
    this.#more = undefined;
  }

  /** The reply's Result, handed over once. */
  protected abstract answered(result: Result): void;
  /** The exchange failed before a Result was handed over. */
  protected abstract failed(error: Error): void;

  get finished(): boolean {
    return this.#ended;
  }

  /** The final reply head; the body's first bytes may follow in the same turn (data, then flush). */
  head(head: ReplyHead): void {
    this.#head = head;
  }

  /** Body bytes in order; false when the caller's side is full (pause the socket). */
  data(chunk: Buffer): boolean {
    if (this.#body) return this.#body.push(chunk);
    if (this.#first === undefined) this.#first = chunk;
    else (this.#more ??= []).push(chunk);
    return true;
  }

  end(): void {
    this.#ended = true;
    this.#body?.push(null);
  }

  /**
   * Called after each chunk of input: once the head is in, hands the Result over, the body
   * whole when it already ended, else as a stream fed from now on (`resume` when it is read).
   */
  flush(resume: () => void): void {
    if (this.#settled || !this.#head) return;
    this.#settled = true;
    const head = this.#head;
    const first = this.#first;
    const more = this.#more;
    this.#first = undefined;
    this.#more = undefined;
    let body: Result['body'];
    if (this.#ended) {
      body = first === undefined ? EMPTY : { kind: 'raw', serialization: 0, bytes: more === undefined ? first : Buffer.concat([first, ...more]) };
    } else {
      const stream = new Readable({ read: resume });
      if (first !== undefined) stream.push(first);
      if (more !== undefined) for (const chunk of more) stream.push(chunk);
      this.#body = stream;
      body = { kind: 'stream', stream };
    }
    this.answered(new Http1Reply(head, this.#codec, body));
  }

  /** The exchange cannot finish: the call fails, or its body stream does if the Result was handed over. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#settled) {
      this.#settled = true;
      this.failed(error);
    } else {
      this.#body?.destroy(error);
    }
  }
}

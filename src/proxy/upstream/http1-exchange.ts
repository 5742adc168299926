/**
 * One HTTP/1 request and its reply on an upstream connection, seen from the call: the
 * Result is made when the reply head is in. A reply whose whole body came with its head
 * (the usual small answer) becomes a `raw` body, with no stream; a longer one flows
 * through a plain Readable, the socket paused while the caller's side is full.
 */
import { Readable } from 'node:stream';
import type { HttpClientCodec, Result } from '../../core/index.js';
import type { ReplyHead } from './http1-reply-head.js';

export interface ExchangeCallbacks {
  resolve(result: Result): void;
  reject(error: Error): void;
}

export class Http1Exchange {
  readonly method: string;
  readonly #codec: HttpClientCodec;
  readonly #callbacks: ExchangeCallbacks;
  #head: ReplyHead | undefined;
  #collected: Buffer[] = [];
  #body: Readable | undefined;
  #settled = false;
  #ended = false;

  constructor(method: string, codec: HttpClientCodec, callbacks: ExchangeCallbacks) {
    this.method = method;
    this.#codec = codec;
    this.#callbacks = callbacks;
  }

  /** Whether the Result was handed over (the reply head was read). */
  get answered(): boolean {
    return this.#settled && this.#head !== undefined;
  }

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
    this.#collected.push(chunk);
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
    const collected = this.#collected;
    this.#collected = [];
    let body: Result['body'];
    if (this.#ended) {
      body = collected.length === 0 ? { kind: 'empty' } : { kind: 'raw', serialization: 0, bytes: collected.length === 1 ? collected[0]! : Buffer.concat(collected) };
    } else {
      const stream = new Readable({ read: resume });
      for (const chunk of collected) stream.push(chunk);
      this.#body = stream;
      body = { kind: 'stream', stream };
    }
    const code = this.#codec.codeOfStatus(head.status);
    const rawHeaders = this.#codec.replyHeaders(head.rawHeaders);
    // Built whole, not spread: a spread per call made a temporary object and a slower shape.
    this.#callbacks.resolve(
      code === undefined
        ? { status: 'ok', protocolStatus: head.status, attachments: {}, rawHeaders, body }
        : { status: 'ok', protocolStatus: head.status, code, attachments: {}, rawHeaders, body },
    );
  }

  /** The exchange cannot finish: the call fails, or its body stream does if the Result was handed over. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#settled) {
      this.#settled = true;
      this.#callbacks.reject(error);
    } else {
      this.#body?.destroy(error);
    }
  }
}

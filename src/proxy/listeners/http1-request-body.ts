/**
 * A caller's request body still arriving when its head was read, framed by Content-Length or
 * chunked (read with the upstream side's strict decoder), handed on as a plain Readable the
 * upstream client writes from: the caller's socket is paused while that stream is full. A
 * chunked body is counted as it arrives and fails with PMESH_BODY_TOO_LARGE once past the
 * limit; a malformed one fails with PMESH_BAD_REQUEST. Either way the connection cannot carry
 * another request (its framing is lost), which the caller side learns from `failed`.
 */
import { Readable } from 'node:stream';
import { MeshError } from '../../core/index.js';
import { ChunkedDecoder } from '../upstream/http1-chunked.js';
import { BadRequestError } from './http1-request-head.js';

export interface BodyEvents {
  /** The stream wants more: resume the socket. */
  resume(): void;
  /** The stream is full: pause the socket. */
  pause(): void;
  /** The chunked body passed the limit (counted once). */
  tooLarge(): void;
  /** The chunked framing was malformed (the reason's code, for the codec-error metric). */
  malformed(code: string): void;
}

export class RequestBodyReader {
  readonly stream: Readable;
  readonly #events: BodyEvents;
  readonly #maxBytes: number;
  /** Bytes still to come of a Content-Length body; unused when chunked. */
  #remaining: number;
  readonly #chunked: ChunkedDecoder | undefined;
  #received = 0;
  #complete = false;
  #failed = false;
  readonly #deliver = (data: Buffer): void => {
    this.#received += data.length;
    if (this.#received > this.#maxBytes) throw new MeshError('PMESH_BODY_TOO_LARGE', `request body exceeds the limit of ${this.#maxBytes} bytes`);
    if (!this.stream.push(data)) this.#events.pause();
  };

  /** `length`: the declared length, or undefined for a chunked body. */
  constructor(length: number | undefined, maxBytes: number, events: BodyEvents) {
    this.#events = events;
    this.#maxBytes = maxBytes;
    this.#remaining = length ?? 0;
    this.#chunked = length === undefined ? new ChunkedDecoder((message) => new BadRequestError('HPE_INVALID_CHUNK_SIZE', message)) : undefined;
    this.stream = new Readable({ read: () => events.resume() });
  }

  /** Every byte of the body was read. */
  get complete(): boolean {
    return this.#complete;
  }

  /** The body was refused part way (too large, malformed): the connection's framing is lost. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Reads the body's bytes from `bytes[at...]`; returns how many it used (all of them but what follows the body). */
  feed(bytes: Buffer, at: number): number {
    if (this.#complete || this.#failed) return 0;
    if (!this.#chunked) {
      const take = Math.min(this.#remaining, bytes.length - at);
      this.#remaining -= take;
      if (!this.stream.push(at === 0 && take === bytes.length ? bytes : bytes.subarray(at, at + take))) this.#events.pause();
      if (this.#remaining === 0) this.#end();
      return take;
    }
    try {
      const used = this.#chunked.feed(bytes, at, this.#deliver);
      if (this.#chunked.done) this.#end();
      return used;
    } catch (error) {
      this.#failed = true;
      if (error instanceof BadRequestError) {
        this.#events.malformed(error.code);
        this.stream.destroy(new MeshError('PMESH_BAD_REQUEST', `malformed chunked request body: ${error.message}`));
      } else {
        this.#events.tooLarge();
        this.stream.destroy(error as Error);
      }
      return bytes.length - at;
    }
  }

  /** The caller left (or was too slow) before the body was whole. */
  abort(reason = new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller closed the connection before its request body ended')): void {
    if (this.#complete || this.#failed) return;
    this.#failed = true;
    this.stream.destroy(reason);
  }

  #end(): void {
    this.#complete = true;
    this.stream.push(null);
  }
}

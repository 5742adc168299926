/**
 * gRPC's message framing as bytes pass (gRPC over HTTP/2, "Length-Prefixed-Message":
 * 1 flag byte, 4 bytes big-endian length, then the message). Only the 5-byte prefix is
 * read; message bytes are passed on as they came, never gathered, so a 1 GiB stream
 * costs the same memory as a 1 KiB one. A length over the limit is refused before any
 * of that message is forwarded (grpc-go's check, default 4 MiB). Knowing where the
 * messages end also tells whether a stream cut now would leave a message half sent.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { MeshError } from '../../core/index.js';

const PREFIX = 5;

export class MessageBoundaries {
  readonly #max: number;
  readonly #direction: string;
  /** Prefix bytes gathered so far (0-4) and the length read from them; then message bytes still to pass. */
  #prefixHave = 0;
  #length = 0;
  #skip = 0;

  /** `direction` names the side in the error ("request" or "response"). */
  constructor(max: number, direction: string) {
    this.#max = max;
    this.#direction = direction;
  }

  /** Reads the prefixes in `chunk`; a MeshError (PMESH_BODY_TOO_LARGE) when a message is over the limit. */
  check(chunk: Buffer): MeshError | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, chunk.length - at);
        this.#skip -= step;
        at += step;
        continue;
      }
      // The length is summed byte by byte (no buffer per call: two of these are made per call).
      while (this.#prefixHave < PREFIX && at < chunk.length) {
        if (this.#prefixHave > 0) this.#length = this.#length * 256 + chunk[at]!;
        this.#prefixHave += 1;
        at += 1;
      }
      if (this.#prefixHave < PREFIX) break;
      const length = this.#length;
      this.#prefixHave = 0;
      this.#length = 0;
      if (length > this.#max) {
        return new MeshError('PMESH_BODY_TOO_LARGE', `${this.#direction} message of ${length} bytes exceeds the limit of ${this.#max} bytes`, {
          details: { limit: 'grpc_max_message_bytes' },
        });
      }
      this.#skip = length;
    }
    return undefined;
  }

  /** True when every message begun has been passed whole. */
  get atBoundary(): boolean {
    return this.#skip === 0 && this.#prefixHave === 0;
  }
}

/** MessageBoundaries as a pass-through stream: fails with the error when a message is over the limit. */
export class LengthPrefixCheck extends Transform {
  readonly #boundaries: MessageBoundaries;
  readonly #onExceeded: () => void;

  constructor(max: number, direction: string, onExceeded: () => void) {
    super();
    this.#boundaries = new MessageBoundaries(max, direction);
    this.#onExceeded = onExceeded;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const error = this.#boundaries.check(chunk);
    if (error) {
      this.#onExceeded();
      callback(error);
      return;
    }
    callback(null, chunk);
  }
}

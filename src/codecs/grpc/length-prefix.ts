/**
 * Checks gRPC's message framing as bytes pass (gRPC over HTTP/2, "Length-Prefixed-Message":
 * 1 flag byte, 4 bytes big-endian length, then the message). Only the 5-byte prefix is
 * read; message bytes are passed on as they came, never gathered, so a 1 GiB stream
 * costs the same memory as a 1 KiB one. A length over the limit fails the stream
 * before any of that message is forwarded (grpc-go's check, default 4 MiB).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { MeshError } from '../../core/index.js';

const PREFIX = 5;

export class LengthPrefixCheck extends Transform {
  readonly #max: number;
  readonly #onExceeded: () => void;
  readonly #direction: string;
  /** Prefix bytes gathered so far (at most 5), then message bytes still to skip. */
  readonly #prefix = Buffer.alloc(PREFIX);
  #prefixHave = 0;
  #skip = 0;

  /** `direction` names the side in the error ("request" or "response"). */
  constructor(max: number, direction: string, onExceeded: () => void) {
    super();
    this.#max = max;
    this.#direction = direction;
    this.#onExceeded = onExceeded;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, chunk.length - at);
        this.#skip -= step;
        at += step;
        continue;
      }
      const step = Math.min(PREFIX - this.#prefixHave, chunk.length - at);
      chunk.copy(this.#prefix, this.#prefixHave, at, at + step);
      this.#prefixHave += step;
      at += step;
      if (this.#prefixHave < PREFIX) break;
      this.#prefixHave = 0;
      const length = this.#prefix.readUInt32BE(1);
      if (length > this.#max) {
        this.#onExceeded();
        callback(
          new MeshError('PMESH_BODY_TOO_LARGE', `${this.#direction} message of ${length} bytes exceeds the limit of ${this.#max} bytes`, {
            details: { limit: 'grpc_max_message_bytes' },
          }),
        );
        return;
      }
      this.#skip = length;
    }
    callback(null, chunk);
  }

  /** True when the stream ended between messages (not inside a prefix or a message). */
  get atBoundary(): boolean {
    return this.#skip === 0 && this.#prefixHave === 0;
  }
}

import { Transform, type TransformCallback } from 'node:stream';
import { MeshError } from '../../core/index.js';

/**
 * Passes bytes through until `max` have gone by, then fails with BODY_TOO_LARGE.
 * Used only for bodies with no declared length (chunked); a declared length is
 * checked before the first byte is read.
 */
export class LimitStream extends Transform {
  #seen = 0;
  readonly #max: number;
  readonly #onExceeded: () => void;

  constructor(max: number, onExceeded: () => void) {
    super();
    this.#max = max;
    this.#onExceeded = onExceeded;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#max) {
      this.#onExceeded();
      callback(new MeshError('PMESH_BODY_TOO_LARGE', `request body exceeds the limit of ${this.#max} bytes`));
      return;
    }
    callback(null, chunk);
  }
}

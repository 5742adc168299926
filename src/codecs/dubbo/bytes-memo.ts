/**
 * What was read from a run of body bytes, kept by those exact bytes. Calls to one method
 * repeat the same request head (protocol version, path, version, method, parameter types)
 * and usually the same attachments, byte for byte; a reply repeats its attachments. Reading
 * them costs a string per field and a Map; looking them up costs one string of the bytes
 * (latin1, so one char per byte: equal keys are exactly equal bytes) and a Map lookup.
 *
 * Only what a full, checked read of those same bytes produced is kept, so a hit gives what
 * that read would give again. Bounded: a key longer than `maxKeyBytes` is not kept, and a
 * full memo starts over (calls that each carry unique values, a trace id say, then cost
 * the key alone on top of the read they always needed).
 */
export class BytesMemo<V> {
  readonly #entries = new Map<string, V>();
  readonly #maxEntries: number;
  readonly #maxKeyBytes: number;

  constructor(maxEntries: number, maxKeyBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxKeyBytes = maxKeyBytes;
  }

  /** The key of bytes `start..end` of `buf`, or undefined when the run is too long to keep. */
  keyOf(buf: Buffer, start: number, end: number): string | undefined {
    return end - start > this.#maxKeyBytes ? undefined : buf.toString('latin1', start, end);
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, value);
  }
}

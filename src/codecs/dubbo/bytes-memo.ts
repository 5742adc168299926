/**
 * What was read from a run of body bytes, kept by those exact bytes. Calls to one method
 * repeat the same request head (protocol version, path, version, method, parameter types)
 * and usually the same attachments, byte for byte; a reply repeats its attachments. Reading
 * them costs a string per field and a Map; looking them up costs a hash of the bytes
 * (FNV-1a) and one compare with the bytes kept, and makes nothing: a key string of the
 * bytes (how this was first done) was a few hundred bytes of garbage per call.
 *
 * An entry is also kept under a `state`: what else its reading depended on (the Hessian
 * stream's class definitions and values before the run); a lookup finds it only under the
 * same state. Only what a full, checked read of those same bytes produced is kept, so a hit
 * gives what that read would give again. Bounded: a run longer than `maxKeyBytes` is not
 * kept, a hash taken by another run is given to the newer one, and a full memo starts over
 * (calls that each carry unique values, a trace id say, then cost the hash alone on top of
 * the read they always needed).
 */
import { fnv1a, fnv1aBytes } from '../../core/hash.js';

interface Kept<V> {
  readonly bytes: Buffer;
  readonly state: string;
  readonly value: V;
}

export class BytesMemo<V> {
  readonly #entries = new Map<number, Kept<V>>();
  readonly #maxEntries: number;
  readonly #maxKeyBytes: number;

  constructor(maxEntries: number, maxKeyBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxKeyBytes = maxKeyBytes;
  }

  /** What was kept for bytes `start..end` of `buf` under `state`, if anything. */
  find(buf: Buffer, start: number, end: number, state: string): V | undefined {
    if (end - start > this.#maxKeyBytes) return undefined;
    const kept = this.#entries.get(hashOf(buf, start, end, state));
    if (kept === undefined || kept.state !== state || kept.bytes.length !== end - start) return undefined;
    return kept.bytes.compare(buf, start, end) === 0 ? kept.value : undefined;
  }

  /** Keeps `value` as what bytes `start..end` of `buf` read as under `state` (a copy of the bytes: `buf` is a socket read's). */
  keep(buf: Buffer, start: number, end: number, state: string, value: V): void {
    if (end - start > this.#maxKeyBytes) return;
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(hashOf(buf, start, end, state), { bytes: Buffer.from(buf.subarray(start, end)), state, value });
  }
}

function hashOf(buf: Buffer, start: number, end: number, state: string): number {
  const bytes = fnv1aBytes(buf, start, end);
  return state === '' ? bytes : fnv1a(state, bytes);
}

/**
 * The bytes every binary connection holds in frames not yet whole, added up across the
 * sidecar's listeners. One byte at a time, 40 nearly complete 8 MiB frames pinned about
 * 330 MB; with this bound a sidecar's partial frames cost at most `max` bytes.
 */
export class PartialFrameBudget {
  #held = 0;

  constructor(readonly max: number) {}

  /** Bytes held now, all connections together. */
  get held(): number {
    return this.#held;
  }

  /**
   * Moves one connection's holding from `before` to `after` bytes. Refuses (false, nothing
   * changed) a growth that would take the total past `max`; shrinking always succeeds.
   */
  resize(before: number, after: number): boolean {
    const next = this.#held - before + after;
    if (after > before && next > this.max) return false;
    this.#held = next;
    return true;
  }
}

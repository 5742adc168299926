/**
 * A connection's open streams by id. A Map cost a new hash table every few dozen streams
 * as ids came and went (V8 rehashes an OrderedHashMap that fills with deleted entries, and
 * shrinks one that empties), several hundred bytes of garbage per call on each side of the
 * relay. Stream ids on a connection only grow and at most the concurrent-stream limit are
 * open at once, so they land in consecutive slots of an open-addressed table (linear
 * probing, the slot `id / 2`: each side's ids are all odd or all even) that never holds a
 * deleted entry: removal moves back the entries after it. The table grows when half full
 * and is not shrunk (it is at most twice a connection's peak of open streams).
 */

/** Slots at first: a connection with a few streams open never grows it. */
const INITIAL_SLOTS = 16;

export class StreamMap<V> {
  /** Stream ids by slot; 0 (never a stream's id) is an empty slot. */
  #ids = new Int32Array(INITIAL_SLOTS);
  #values: (V | undefined)[] = new Array<V | undefined>(INITIAL_SLOTS).fill(undefined);
  #mask = INITIAL_SLOTS - 1;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): V | undefined {
    const ids = this.#ids;
    const mask = this.#mask;
    for (let slot = (id >>> 1) & mask; ; slot = (slot + 1) & mask) {
      const at = ids[slot]!;
      if (at === id) return this.#values[slot];
      if (at === 0) return undefined;
    }
  }

  /** Adds or replaces the value of `id` (a stream id: 1 to 2^31-1). */
  set(id: number, value: V): void {
    const ids = this.#ids;
    const mask = this.#mask;
    let slot = (id >>> 1) & mask;
    for (; ids[slot] !== 0; slot = (slot + 1) & mask) {
      if (ids[slot] === id) {
        this.#values[slot] = value;
        return;
      }
    }
    ids[slot] = id;
    this.#values[slot] = value;
    this.#size += 1;
    if (this.#size * 2 > mask + 1) this.#grow();
  }

  delete(id: number): boolean {
    const ids = this.#ids;
    const values = this.#values;
    const mask = this.#mask;
    let hole = (id >>> 1) & mask;
    for (; ids[hole] !== id; hole = (hole + 1) & mask) if (ids[hole] === 0) return false;
    ids[hole] = 0;
    values[hole] = undefined;
    this.#size -= 1;
    // Entries after the hole that probed past it move back into it, so a lookup never stops short of them.
    for (let slot = (hole + 1) & mask; ids[slot] !== 0; slot = (slot + 1) & mask) {
      const home = (ids[slot]! >>> 1) & mask;
      // Stays where it is when its home slot lies cyclically in (hole, slot].
      const stays = hole < slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (stays) continue;
      ids[hole] = ids[slot]!;
      values[hole] = values[slot];
      ids[slot] = 0;
      values[slot] = undefined;
      hole = slot;
    }
    return true;
  }

  clear(): void {
    this.#ids.fill(0);
    this.#values.fill(undefined);
    this.#size = 0;
  }

  /** The values, as a list of their own (the map may be changed while it is walked). */
  values(): V[] {
    const out: V[] = [];
    const ids = this.#ids;
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== 0) out.push(this.#values[slot]!);
    return out;
  }

  /** The ids, as a list of their own. */
  keys(): number[] {
    const out: number[] = [];
    const ids = this.#ids;
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== 0) out.push(ids[slot]!);
    return out;
  }

  #grow(): void {
    const ids = this.#ids;
    const values = this.#values;
    const slots = ids.length * 2;
    this.#ids = new Int32Array(slots);
    this.#values = new Array<V | undefined>(slots).fill(undefined);
    this.#mask = slots - 1;
    this.#size = 0;
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== 0) this.set(ids[slot]!, values[slot]!);
  }
}

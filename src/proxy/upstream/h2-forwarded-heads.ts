/**
 * The upstream request heads of relayed calls, remembered by the caller's head each was
 * made from. The relay's HPACK decoder hands out the very same list for a caller's
 * repeated head (h2-frames/hpack-memo.ts), so a call whose head is one seen lately, to
 * the same endpoint, reuses the upstream head made then: no list built and filtered per
 * call, and the upstream connection's encoder finds it remembered by a pointer compare
 * per field. Lists are never modified once made, so the one made from a given list, for
 * a given endpoint, stays right. A head with a deadline is not taken from here: its
 * budget is the call's own.
 */

/** Caller heads remembered: a few per upstream (one for each caller connection sending the same head is the common case). */
const SLOTS = 8;

export class ForwardedHeads {
  readonly #received: (readonly string[] | undefined)[] = new Array<undefined>(SLOTS).fill(undefined);
  readonly #addresses: string[] = new Array<string>(SLOTS).fill('');
  readonly #forwarded: (readonly string[])[] = new Array<readonly string[]>(SLOTS).fill([]);
  #next = 0;

  /** The upstream head made from exactly this list (the same array) for `address`, or undefined. */
  find(received: readonly string[], address: string): readonly string[] | undefined {
    const lists = this.#received;
    for (let slot = 0; slot < SLOTS; slot++) {
      if (lists[slot] === received && this.#addresses[slot] === address) return this.#forwarded[slot];
    }
    return undefined;
  }

  keep(received: readonly string[], address: string, forwarded: readonly string[]): void {
    const slot = this.#next;
    this.#next = (slot + 1) % SLOTS;
    this.#received[slot] = received;
    this.#addresses[slot] = address;
    this.#forwarded[slot] = forwarded;
  }
}

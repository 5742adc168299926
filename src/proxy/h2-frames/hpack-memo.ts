/**
 * What an HPACK decoder or encoder remembers of its last blocks (hpack.ts): a grpc-go or
 * grpcio peer sends a repeated head as the same dozen bytes of indexes, and on a relay's
 * connection two kinds of block alternate (a server's reply heads and trailers; the
 * heads and trailers written to a caller), so two are remembered. Either memo is good
 * only while the dynamic table is as it was when it was filled: its owner passes the
 * table's change count, and a memo filled under another count is empty. Only blocks
 * whose own coding changed nothing in the table are remembered (one that inserts an
 * entry must insert it again). Per-call values (grpc-timeout, trace ids) make other
 * bytes and other lists, so blocks carrying them miss.
 */

/** Blocks up to this size are remembered (a repeated head of indexes is a dozen bytes; a larger block is a first or a per-call one). */
export const MEMO_BLOCK_BYTES = 256;
/** Lists of up to this many strings (names and values) are remembered. */
const MEMO_LIST_STRINGS = 64;
const SLOTS = 2;

/** Decoder side: a block's bytes -> the list decoded from them (the list is shared: never modified). */
export class DecodedBlocks {
  readonly #blocks = [Buffer.allocUnsafe(MEMO_BLOCK_BYTES), Buffer.allocUnsafe(MEMO_BLOCK_BYTES)];
  readonly #lengths = [-1, -1];
  readonly #lists: (readonly string[])[] = [[], []];
  readonly #listBytes = [0, 0];
  #changes = -1;
  #next = 0;
  /** Set by `find`: the list's header list size. */
  listBytes = 0;

  /** The list remembered for exactly the bytes `bytes[start, end)` under the table's change count `changes`, or undefined. */
  find(bytes: Buffer, start: number, end: number, changes: number): readonly string[] | undefined {
    if (changes !== this.#changes) return undefined;
    const length = end - start;
    for (let slot = 0; slot < SLOTS; slot++) {
      if (this.#lengths[slot] !== length) continue;
      const memo = this.#blocks[slot]!;
      let same = true;
      for (let i = 0; i < length && same; i++) same = bytes[start + i] === memo[i];
      if (!same) continue;
      this.listBytes = this.#listBytes[slot]!;
      return this.#lists[slot];
    }
    return undefined;
  }

  /** `block` decoded to `list` under `changes` and changed nothing in the table. */
  keep(block: Buffer, list: readonly string[], listBytes: number, changes: number): void {
    if (block.length > MEMO_BLOCK_BYTES) return;
    if (changes !== this.#changes) {
      this.#changes = changes;
      this.#lengths.fill(-1);
    }
    const slot = this.#next;
    this.#next = (slot + 1) % SLOTS;
    block.copy(this.#blocks[slot]!, 0);
    this.#lengths[slot] = block.length;
    this.#lists[slot] = list;
    this.#listBytes[slot] = listBytes;
  }
}

/** Encoder side: a list (copied: a caller may reuse its array) -> the block encoded from it. */
export class EncodedLists {
  readonly #lists: string[][] = [[], []];
  readonly #blocks = [Buffer.allocUnsafe(MEMO_BLOCK_BYTES), Buffer.allocUnsafe(MEMO_BLOCK_BYTES)];
  readonly #lengths = [-1, -1];
  #changes = -1;
  #next = 0;
  /** Set by `find`: the buffer holding the block, at its start. */
  block: Buffer = this.#blocks[0]!;

  /** The length of the block remembered for a list equal to `headers` under `changes` (then at the start of `block`), or -1. */
  find(headers: readonly string[], changes: number): number {
    if (changes !== this.#changes) return -1;
    for (let slot = 0; slot < SLOTS; slot++) {
      const length = this.#lengths[slot]!;
      if (length === -1) continue;
      const memo = this.#lists[slot]!;
      if (memo.length !== headers.length) continue;
      // The strings are mostly the very ones remembered: a pointer compare each.
      let same = true;
      for (let i = 0; i < headers.length && same; i++) same = headers[i] === memo[i];
      if (!same) continue;
      this.block = this.#blocks[slot]!;
      return length;
    }
    return -1;
  }

  /** `headers` encoded to `source[0, length)` under `changes`, changing nothing in the table. */
  keep(headers: readonly string[], source: Buffer, length: number, changes: number): void {
    if (length > MEMO_BLOCK_BYTES || headers.length > MEMO_LIST_STRINGS) return;
    if (changes !== this.#changes) {
      this.#changes = changes;
      this.#lengths.fill(-1);
    }
    const slot = this.#next;
    this.#next = (slot + 1) % SLOTS;
    const memo = this.#lists[slot]!;
    memo.length = headers.length;
    for (let i = 0; i < headers.length; i++) memo[i] = headers[i]!;
    source.copy(this.#blocks[slot]!, 0, 0, length);
    this.#lengths[slot] = length;
  }
}

/**
 * HPACK (RFC 7541), the part a relay needs. The decoder reads every representation
 * (indexed, literal with/without/never indexing, Huffman or not, dynamic table size
 * updates) and keeps the peer's dynamic table. The encoder writes the static table's
 * indexes and keeps a small dynamic table of exact name/value pairs that repeat from
 * call to call (path, authority, content-type, user-agent, a status); every other
 * header is a literal not indexed, so per-call values (grpc-timeout, trace ids,
 * grpc-message) never churn the table. Headers are a flat array: name, value, name, ...
 *
 * Both sides remember their last block. A grpc-go or grpcio peer sends a repeated head as
 * the same few bytes of indexes (request heads on a connection, reply heads and trailers
 * from a server); the decoder answers such a block with the list it decoded last time
 * (a list it hands out is never to be modified), and the encoder, asked for the same
 * list again, leaves its last block where it is. Each memo holds only while its table is
 * exactly as it was (a counter of table changes says so) and only for a block whose own
 * decoding or encoding changed nothing in the table: a block that inserts an entry
 * must insert it again. Per-call values (grpc-timeout, trace ids) make other bytes and
 * other lists, so such blocks miss.
 */
import { ErrorCode, Http2ProtocolError } from './frames.js';
import { huffmanDecode } from './huffman.js';
import { STATIC_NAME_INDEX, STATIC_PAIR_INDEX, STATIC_TABLE } from './hpack-static.js';

export const DEFAULT_TABLE_BYTES = 4_096;
/** RFC 7541 section 4.1: an entry costs its name, its value and 32 bytes. */
export const ENTRY_OVERHEAD = 32;
const STATIC_COUNT = STATIC_TABLE.length;

function compressionError(message: string): Http2ProtocolError {
  return new Http2ProtocolError(ErrorCode.COMPRESSION_ERROR, message);
}

const NO_BLOCK = Buffer.alloc(0);
/** Blocks up to this size are remembered (a repeated head of indexes is a dozen bytes; a larger block is a first or a per-call one). */
const MEMO_BYTES = 256;
/** Fields of a list the encoder remembers, at most (name and value each count). */
const MEMO_FIELDS = 64;
const NO_LIST: readonly string[] = Object.freeze([]);

/** A table of entries, newest first, bounded by `max` bytes. */
class DynamicTable {
  readonly names: string[] = [];
  readonly values: string[] = [];
  bytes = 0;
  max: number;
  /** Bumped by every change (an entry added or evicted, a new size): a memo of a decoded block holds only while it stays. */
  changes = 0;

  constructor(max: number) {
    this.max = max;
  }

  add(name: string, value: string): void {
    this.changes += 1;
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.evictTo(this.max - size);
    if (size > this.max) return;
    this.names.unshift(name);
    this.values.unshift(value);
    this.bytes += size;
  }

  evictTo(bytes: number): void {
    while (this.bytes > Math.max(0, bytes) && this.names.length > 0) {
      this.changes += 1;
      this.bytes -= this.names.pop()!.length + this.values.pop()!.length + ENTRY_OVERHEAD;
    }
  }
}

export class HpackDecoder {
  readonly #table: DynamicTable;
  /** The most the peer may set the table to: what this side advertised as SETTINGS_HEADER_TABLE_SIZE. */
  readonly #limit: number;
  #block: Buffer = NO_BLOCK;
  #at = 0;
  #listBytes = 0;
  /** The last block decoded (its bytes [0, #memoLength) of #memoBlock), its list and size, and the table's change count then; -1: none. */
  readonly #memoBlock = Buffer.allocUnsafe(MEMO_BYTES);
  #memoLength = -1;
  #memoList: readonly string[] = NO_LIST;
  #memoListBytes = 0;
  #memoChanges = 0;

  constructor(limit = DEFAULT_TABLE_BYTES) {
    this.#limit = limit;
    this.#table = new DynamicTable(limit);
  }

  /** The header list size (RFC 9113 section 6.5.2) of the block last decoded. */
  get listBytes(): number {
    return this.#listBytes;
  }

  /**
   * Decodes one header block into its fields (name, value pairs, in order; `listBytes`
   * then says their size). The list may be the one returned for an earlier block with the
   * same bytes (the table unchanged since): it is never to be modified. Throws
   * Http2ProtocolError(COMPRESSION_ERROR).
   */
  decode(block: Buffer): readonly string[] {
    const table = this.#table;
    if (this.#remembers(block)) {
      this.#listBytes = this.#memoListBytes;
      return this.#memoList;
    }
    const changes = table.changes;
    const out: string[] = [];
    this.#listBytes = this.#decode(block, out);
    // Kept only when decoding changed nothing in the table (no entry added, evicted or resized): the same bytes then mean the same list.
    if (table.changes === changes && block.length <= MEMO_BYTES) {
      block.copy(this.#memoBlock, 0);
      this.#memoLength = block.length;
      this.#memoList = out;
      this.#memoListBytes = this.#listBytes;
      this.#memoChanges = changes;
    } else {
      this.#memoLength = -1;
    }
    return out;
  }

  /** True when `block` is the block remembered, byte for byte, and the table has not changed since. */
  #remembers(block: Buffer): boolean {
    const length = block.length;
    if (length !== this.#memoLength || this.#table.changes !== this.#memoChanges) return false;
    const memo = this.#memoBlock;
    for (let i = 0; i < length; i++) if (block[i] !== memo[i]) return false;
    return true;
  }

  #decode(block: Buffer, out: string[]): number {
    this.#block = block;
    this.#at = 0;
    let size = 0;
    let first = true;
    while (this.#at < block.length) {
      const byte = block[this.#at]!;
      if (byte & 0x80) {
        const index = this.#integer(7);
        out.push(this.#name(index), this.#value(index));
      } else if ((byte & 0xe0) === 0x20) {
        if (!first) throw compressionError('dynamic table size update after a header');
        const max = this.#integer(5);
        if (max > this.#limit) throw compressionError(`dynamic table size ${max} over the advertised ${this.#limit}`);
        this.#table.max = max;
        this.#table.changes += 1;
        this.#table.evictTo(max);
        continue;
      } else {
        // 01: incremental indexing (6-bit index); 0000 / 0001: not indexed / never indexed (4-bit).
        const indexing = (byte & 0xc0) === 0x40;
        const index = this.#integer(indexing ? 6 : 4);
        const name = index === 0 ? this.#string() : this.#name(index);
        const value = this.#string();
        if (indexing) this.#table.add(name, value);
        out.push(name, value);
      }
      first = false;
      size += out[out.length - 2]!.length + out[out.length - 1]!.length + ENTRY_OVERHEAD;
    }
    // Let the block go (it may be a slice of a large read); one shared empty buffer, not one per block.
    this.#block = NO_BLOCK;
    return size;
  }

  #name(index: number): string {
    if (index === 0) throw compressionError('index 0');
    if (index <= STATIC_COUNT) return STATIC_TABLE[index - 1]![0];
    const name = this.#table.names[index - STATIC_COUNT - 1];
    if (name === undefined) throw compressionError(`index ${index} outside the table`);
    return name;
  }

  #value(index: number): string {
    if (index <= STATIC_COUNT) return STATIC_TABLE[index - 1]![1];
    return this.#table.values[index - STATIC_COUNT - 1]!;
  }

  #integer(prefixBits: number): number {
    const block = this.#block;
    const mask = (1 << prefixBits) - 1;
    let value = block[this.#at++]! & mask;
    if (value < mask) return value;
    let shift = 0;
    for (;;) {
      if (this.#at >= block.length) throw compressionError('truncated integer');
      const byte = block[this.#at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
      if (shift > 28) throw compressionError('integer too large');
    }
    return value;
  }

  #string(): string {
    const block = this.#block;
    if (this.#at >= block.length) throw compressionError('truncated string');
    const huffman = (block[this.#at]! & 0x80) !== 0;
    const length = this.#integer(7);
    const start = this.#at;
    const end = start + length;
    if (end > block.length) throw compressionError('string past the end of the block');
    this.#at = end;
    return huffman ? huffmanDecode(block, start, end) : block.toString('latin1', start, end);
  }
}

/** Headers worth a dynamic-table entry: their values repeat from call to call. */
const CACHED = new Set([':path', ':authority', ':status', 'content-type', 'user-agent', 'te', 'grpc-status', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding']);
/** Values longer than this are sent as literals even for the names above. */
const MAX_CACHED_ENTRY = 512;

export class HpackEncoder {
  /** The peer decoder's table as this encoder filled it: name -> value -> insertion number (two lookups: hpack-static.ts says why). */
  readonly #inserted = new Map<string, Map<string, number>>();
  readonly #orderNames: string[] = [];
  readonly #orderValues: string[] = [];
  readonly #sizes: number[] = [];
  #inserts = 0;
  /** #orderNames/#orderValues[#head] is the oldest live entry; [i] was insertion number #shift + i + 1. */
  #head = 0;
  #shift = 0;
  #bytes = 0;
  #max = DEFAULT_TABLE_BYTES;
  /** A size update owed at the start of the next block (the peer lowered SETTINGS_HEADER_TABLE_SIZE). */
  #pendingUpdate: number | undefined;
  #out = Buffer.allocUnsafe(4_096);
  #at = 0;
  /** Bumped by every change of the table (insertion, eviction, new size): the memo holds only while it stays. */
  #changes = 0;
  /** The last list encoded (a copy: the caller may reuse its array), still at the start of #out as #memoLength bytes; -1: none. */
  readonly #memoList: string[] = [];
  #memoLength = -1;
  #memoChanges = 0;

  /** The peer's SETTINGS_HEADER_TABLE_SIZE; this side uses at most the default. */
  setTableLimit(limit: number): void {
    const max = Math.min(limit, DEFAULT_TABLE_BYTES);
    if (max === this.#max) return;
    this.#changes += 1;
    this.#max = max;
    this.#evictTo(max);
    this.#pendingUpdate = max;
  }

  /** One header block, a copy of its own. */
  encode(headers: readonly string[]): Buffer {
    return Buffer.from(this.#out.subarray(0, this.encodeInPlace(headers)));
  }

  /**
   * One header block, left at the start of `scratch` (valid until the next call): its
   * length is returned. The connection copies it straight into its output, so a block
   * costs no buffer of its own.
   */
  encodeInPlace(headers: readonly string[]): number {
    // The same list as last time, the table as it was: the block is still at the start of #out.
    if (this.#memoLength !== -1 && this.#changes === this.#memoChanges && this.#remembers(headers)) return this.#memoLength;
    this.#at = 0;
    const changes = this.#changes;
    let resized = false;
    if (this.#pendingUpdate !== undefined) {
      this.#integer(this.#pendingUpdate, 5, 0x20);
      this.#pendingUpdate = undefined;
      resized = true;
    }
    for (let i = 0; i < headers.length; i += 2) this.#field(headers[i]!, headers[i + 1]!);
    // Remembered only when the block changed nothing in the table: one that inserted must insert again if sent again.
    if (!resized && this.#changes === changes && headers.length <= MEMO_FIELDS) {
      const memo = this.#memoList;
      memo.length = headers.length;
      for (let i = 0; i < headers.length; i++) memo[i] = headers[i]!;
      this.#memoLength = this.#at;
      this.#memoChanges = changes;
    } else {
      this.#memoLength = -1;
    }
    return this.#at;
  }

  /** True when `headers` holds the remembered list, field for field (the strings are mostly the very ones: a pointer compare each). */
  #remembers(headers: readonly string[]): boolean {
    const memo = this.#memoList;
    if (headers.length !== memo.length) return false;
    for (let i = 0; i < headers.length; i++) if (headers[i] !== memo[i]) return false;
    return true;
  }

  /** Where encodeInPlace left its block. */
  get scratch(): Buffer {
    return this.#out;
  }

  #field(name: string, value: string): void {
    const exact = STATIC_PAIR_INDEX.get(name)?.get(value);
    if (exact !== undefined) {
      this.#integer(exact, 7, 0x80);
      return;
    }
    const inserted = this.#inserted.get(name)?.get(value);
    if (inserted !== undefined) {
      this.#integer(STATIC_COUNT + 1 + this.#inserts - inserted, 7, 0x80);
      return;
    }
    const nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (CACHED.has(name) && size <= MAX_CACHED_ENTRY && size <= this.#max) {
      this.#integer(nameIndex, 6, 0x40);
      if (nameIndex === 0) this.#string(name);
      this.#string(value);
      this.#insert(name, value, size);
      return;
    }
    this.#integer(nameIndex, 4, 0x00);
    if (nameIndex === 0) this.#string(name);
    this.#string(value);
  }

  #insert(name: string, value: string, size: number): void {
    this.#changes += 1;
    this.#evictTo(this.#max - size);
    this.#inserts += 1;
    let values = this.#inserted.get(name);
    if (!values) this.#inserted.set(name, (values = new Map()));
    values.set(value, this.#inserts);
    this.#orderNames.push(name);
    this.#orderValues.push(value);
    this.#sizes.push(size);
    this.#bytes += size;
  }

  #evictTo(bytes: number): void {
    while (this.#bytes > Math.max(0, bytes) && this.#head < this.#orderNames.length) {
      const values = this.#inserted.get(this.#orderNames[this.#head]!);
      const value = this.#orderValues[this.#head]!;
      this.#bytes -= this.#sizes[this.#head]!;
      if (values?.get(value) === this.#shift + this.#head + 1) values.delete(value);
      this.#head += 1;
    }
    // Keep the bookkeeping arrays from growing without bound.
    if (this.#head > 256) {
      this.#orderNames.splice(0, this.#head);
      this.#orderValues.splice(0, this.#head);
      this.#sizes.splice(0, this.#head);
      this.#shift += this.#head;
      this.#head = 0;
    }
  }

  #ensure(bytes: number): void {
    if (this.#at + bytes <= this.#out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#out.length * 2, this.#at + bytes));
    this.#out.copy(grown, 0, 0, this.#at);
    this.#out = grown;
  }

  #integer(value: number, prefixBits: number, pattern: number): void {
    this.#ensure(8);
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      this.#out[this.#at++] = pattern | value;
      return;
    }
    this.#out[this.#at++] = pattern | max;
    let rest = value - max;
    while (rest >= 0x80) {
      this.#out[this.#at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#out[this.#at++] = rest;
  }

  #string(text: string): void {
    this.#integer(text.length, 7, 0x00);
    this.#ensure(text.length);
    this.#at += this.#out.write(text, this.#at, 'latin1');
  }
}

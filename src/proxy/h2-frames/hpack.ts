/**
 * HPACK (RFC 7541), the part a relay needs. The decoder reads every representation
 * (indexed, literal with/without/never indexing, Huffman or not, dynamic table size
 * updates) and keeps the peer's dynamic table. The encoder writes the static table's
 * indexes and keeps a small dynamic table of exact name/value pairs that repeat from
 * call to call (path, authority, content-type, user-agent, a status); every other
 * header is a literal not indexed, so per-call values (grpc-timeout, trace ids,
 * grpc-message) never churn the table. Headers are a flat array: name, value, name, ...
 *
 * Both sides remember their last two blocks (hpack-memo.ts): a repeated head costs a
 * compare of its bytes or of its list, not a decoding or an encoding.
 */
import { ErrorCode, Http2ProtocolError } from './frames.js';
import { DecodedBlocks, EncodedLists } from './hpack-memo.js';
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

/** A table of entries, newest first, bounded by `max` bytes. */
class DynamicTable {
  readonly names: string[] = [];
  readonly values: string[] = [];
  bytes = 0;
  max: number;
  /** Bumped by every change (an entry added or evicted, a new size): the memo of decoded blocks holds only while it stays. */
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
  readonly #memo = new DecodedBlocks();

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
    return this.decodeRange(block, 0, block.length);
  }

  /** The block `bytes[start, end)`: a block remembered (nearly every one) is found where it lies, without a view of it. */
  decodeRange(bytes: Buffer, start: number, end: number): readonly string[] {
    const table = this.#table;
    const changes = table.changes;
    const memo = this.#memo;
    const known = memo.find(bytes, start, end, changes);
    if (known !== undefined) {
      this.#listBytes = memo.listBytes;
      return known;
    }
    const block = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
    const out: string[] = [];
    this.#listBytes = this.#decode(block, out);
    if (table.changes === changes) memo.keep(block, out, this.#listBytes, changes);
    return out;
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
  /** Bumped by every change of the table (insertion, eviction, new size): the memo of encoded lists holds only while it stays. */
  #changes = 0;
  readonly #memo = new EncodedLists();
  /** Where the last block lies, at its start: #out, or the memo's copy. */
  #scratch: Buffer = this.#out;

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
    const length = this.encodeInPlace(headers);
    return Buffer.from(this.#scratch.subarray(0, length));
  }

  /**
   * One header block, left at the start of `scratch` (valid until the next call): its
   * length is returned. The connection copies it straight into its output, so a block
   * costs no buffer of its own.
   */
  encodeInPlace(headers: readonly string[]): number {
    const changes = this.#changes;
    const memo = this.#memo;
    const known = this.#pendingUpdate === undefined ? memo.find(headers, changes) : -1;
    if (known !== -1) {
      this.#scratch = memo.block;
      return known;
    }
    this.#at = 0;
    let resized = false;
    if (this.#pendingUpdate !== undefined) {
      this.#integer(this.#pendingUpdate, 5, 0x20);
      this.#pendingUpdate = undefined;
      resized = true;
    }
    for (let i = 0; i < headers.length; i += 2) this.#field(headers[i]!, headers[i + 1]!);
    this.#scratch = this.#out;
    if (!resized && this.#changes === changes) memo.keep(headers, this.#out, this.#at, changes);
    return this.#at;
  }

  /** Where encodeInPlace left its block. */
  get scratch(): Buffer {
    return this.#scratch;
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

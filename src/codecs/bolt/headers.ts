/**
 * SOFARPC's header map (SimpleMapSerializer, docs/protocols.md): repeated
 * `int32 keyLen | key | int32 valLen | value`, UTF-8, no count; length -1 = null and
 * the pair is dropped (as Java and MOSN do). An empty map is zero bytes.
 *
 * Every frame's map is checked when it is decoded (scanHeaderMap), but only the few
 * entries the proxy reads on every call become strings then; the whole map is built
 * (parseHeaderMap) only when someone asks for it: attachments, tracing, the bridge.
 */
import { MeshError } from '../../core/errors.js';
import { fnv1aBytes, fnv1aUtf8 } from '../../core/hash.js';
import { HEAD_METHOD_NAME, HEAD_RESPONSE_ERROR, HEAD_SERVICE, HEAD_TARGET_SERVICE } from './layout.js';

function bad(message: string): MeshError {
  return new MeshError('PMESH_CODEC_ERROR', `bolt: ${message}`);
}

function tooMany(maxCount: number): MeshError {
  return new MeshError('PMESH_HEADERS_TOO_LARGE', `bolt: header map has more than ${maxCount} entries`, { details: { limit: 'max_header_count' } });
}

/** The header entries routing and result mapping read on every call. */
export interface KnownHeaders {
  readonly targetService?: string;
  readonly service?: string;
  readonly method?: string;
  readonly responseError?: string;
}

type KnownKey = keyof KnownHeaders;

const KNOWN: ReadonlyArray<readonly [Buffer, KnownKey]> = [
  [Buffer.from(HEAD_TARGET_SERVICE), 'targetService'],
  [Buffer.from(HEAD_SERVICE), 'service'],
  [Buffer.from(HEAD_METHOD_NAME), 'method'],
  [Buffer.from(HEAD_RESPONSE_ERROR), 'responseError'],
];

function sameBytes(block: Buffer, start: number, other: Buffer, otherStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (block[start + i] !== other[otherStart + i]) return false;
  return true;
}

/**
 * The known entries' values (service and method names) repeat from call to call: each
 * distinct one is decoded once and found again by its bytes, in a table of SLOTS slots
 * by a hash of the bytes (FNV-1a); a slot holds the last value that hashed to it.
 */
const SLOTS = 256;
/** Longer values are decoded each time, not kept. */
const MAX_INTERNED_BYTES = 256;
const slotBytes: Array<Buffer | undefined> = new Array<Buffer | undefined>(SLOTS).fill(undefined);
const slotTexts: string[] = new Array<string>(SLOTS).fill('');

function valueText(block: Buffer, start: number, length: number): string {
  if (length > MAX_INTERNED_BYTES) return block.toString('utf8', start, start + length);
  const slot = fnv1aBytes(block, start, start + length) % SLOTS;
  const known = slotBytes[slot];
  if (known !== undefined && known.length === length && sameBytes(block, start, known, 0, length)) return slotTexts[slot]!;
  const text = block.toString('utf8', start, start + length);
  // A copy: the block is the frame's, part of a socket read.
  slotBytes[slot] = Buffer.from(block.subarray(start, start + length));
  slotTexts[slot] = text;
  return text;
}

function knownKeyAt(block: Buffer, start: number, length: number): KnownKey | undefined {
  for (let i = 0; i < KNOWN.length; i++) {
    const key = KNOWN[i]![0];
    if (key.length === length && sameBytes(block, start, key, 0, length)) return KNOWN[i]![1];
  }
  return undefined;
}

/**
 * Reads one length field at `pos` of the map `block[start, end)`; -1 (null) passes, any other
 * negative or overrunning length throws. Positions in messages count from the map's start.
 */
function lengthAt(block: Buffer, pos: number, what: string, start = 0, end = block.length): number {
  if (pos + 4 > end) throw bad(`header map truncated in a ${what} length at byte ${pos - start} of ${end - start}`);
  const len = int32At(block, pos);
  if (len === -1) return -1;
  if (len < 0) throw bad(`header ${what} length ${len} is invalid`);
  if (len > end - pos - 4) throw bad(`header ${what} of ${len} bytes overruns the header map at byte ${pos + 4 - start} of ${end - start}`);
  return len;
}

/** The known entries a scan found: one object of a fixed shape per frame. */
class ScannedHeaders implements KnownHeaders {
  targetService: string | undefined = undefined;
  service: string | undefined = undefined;
  method: string | undefined = undefined;
  responseError: string | undefined = undefined;
}

/** No known entry: shared by the frames whose map is empty or names none (replies, heartbeats). */
const NONE_KNOWN: KnownHeaders = Object.freeze(new ScannedHeaders());

/**
 * Where the keys seen so far in the scan under way start, and their lengths: kept between
 * scans (a scan runs whole, with nothing else between), so a frame makes no arrays of its
 * own. Only the first `keys` slots are the scan's; they are overwritten, never emptied
 * (`length = 0` would drop the arrays' storage).
 */
const keyStarts: number[] = [];
const keyLengths: number[] = [];

/**
 * Checks the header map `block[start, end)` exactly as parseHeaderMap does (lengths, entry
 * count, duplicate keys) and returns the values of the known entries; no other key or value
 * becomes a string. Keys are compared as bytes; two different byte strings can decode to the
 * same text only when they are not ASCII (malformed UTF-8 becomes U+FFFD), so a map with such
 * a key is checked by parsing it whole, and both functions accept the same maps. The map is
 * read where it lies in the frame: no Buffer is made for it.
 */
export function scanHeaderMap(block: Buffer, start: number, end: number, maxCount: number): KnownHeaders {
  if (start === end) return NONE_KNOWN;
  let known: ScannedHeaders | undefined;
  let keys = 0;
  let pos = start;
  let pairs = 0;
  while (pos < end) {
    if (++pairs > maxCount) throw tooMany(maxCount);
    const keyLen = lengthAt(block, pos, 'key', start, end);
    const keyStart = pos + 4;
    pos = keyStart + Math.max(0, keyLen);
    const valueLen = lengthAt(block, pos, 'value', start, end);
    const valueStart = pos + 4;
    pos = valueStart + Math.max(0, valueLen);
    if (keyLen === -1 || valueLen === -1) continue;
    for (let i = 0; i < keys; i++) {
      if (keyLengths[i] === keyLen && sameBytes(block, keyStart, block, keyStarts[i]!, keyLen)) {
        throw bad(`duplicate header key ${JSON.stringify(block.toString('utf8', keyStart, keyStart + keyLen))}`);
      }
    }
    keyStarts[keys] = keyStart;
    keyLengths[keys] = keyLen;
    keys++;
    for (let i = keyStart; i < keyStart + keyLen; i++) if (block[i]! >= 0x80) return knownOf(parseHeaderMap(block.subarray(start, end), maxCount));
    const name = knownKeyAt(block, keyStart, keyLen);
    if (name !== undefined) (known ??= new ScannedHeaders())[name] = valueText(block, valueStart, valueLen);
  }
  return known ?? NONE_KNOWN;
}

/** A length field of a block already checked: no bounds to check again. */
function int32At(block: Buffer, pos: number): number {
  return (block[pos]! << 24) | (block[pos + 1]! << 16) | (block[pos + 2]! << 8) | block[pos + 3]!;
}

/**
 * A fixed set of ASCII keys to look up in header blocks, made once (tracing's keys), so
 * that a lookup compares bytes and makes no string of any key.
 */
export class HeaderKeys {
  readonly names: readonly string[];
  readonly bytes: readonly Buffer[];
  /** Per key length: the bits (keyBit) of the keys that long; none for most lengths. */
  readonly #masks: ReadonlyArray<number | undefined>;

  constructor(names: readonly string[]) {
    for (const name of names) if (!/^[\x00-\x7f]*$/.test(name)) throw new Error(`bolt: header lookup key ${JSON.stringify(name)} is not ASCII`);
    this.names = names;
    this.bytes = names.map((name) => Buffer.from(name, 'latin1'));
    const masks: number[] = [];
    this.bytes.forEach((key, index) => (masks[key.length] = (masks[key.length] ?? 0) | keyBit(index)));
    this.#masks = masks;
  }

  /** The bits of the keys `length` bytes long; 0 when none is: an entry with a key of that length is none of them. */
  maskOf(length: number): number {
    return this.#masks[length] ?? 0;
  }
}

/** A key's bit in a mask of keys: its own for the first 31, one shared by the rest. */
function keyBit(index: number): number {
  return 1 << Math.min(index, 31);
}

/**
 * Lookups of a HeaderKeys in a header block (scanHeaderMap checked it already). One pass
 * notes which of the keys' lengths the block's entries have, so a lookup of a key that no
 * entry is as long as is answered at once; any other lookup walks the block again and
 * compares bytes only where the length matches. A value becomes a string only when read.
 * Keys are ASCII, so equal bytes are exactly equal text. No list of where the entries are:
 * tracing makes one of these for every call, and the list was about half of what tracing
 * allocated per unsampled call (docs/tracing.md, "tenth round").
 */
export class FoundHeaders {
  readonly #block: Buffer;
  readonly #keys: HeaderKeys;
  readonly #start: number;
  readonly #end: number;
  /** The keys the block's entries may be (by length): a lookup of any other is answered without a look. */
  readonly #mask: number;

  constructor(block: Buffer, start: number, end: number, keys: HeaderKeys) {
    this.#block = block;
    this.#keys = keys;
    this.#start = start;
    this.#end = end;
    let mask = 0;
    let pos = start;
    while (pos < end) {
      const keyLen = int32At(block, pos);
      pos += 4 + Math.max(0, keyLen);
      const valueLen = int32At(block, pos);
      pos += 4 + Math.max(0, valueLen);
      if (valueLen !== -1 && keyLen > 0) mask |= keys.maskOf(keyLen);
    }
    this.#mask = mask;
  }

  /** The value of key `index` (its place in HeaderKeys.names), or undefined. */
  value(index: number): string | undefined {
    const valueAt = this.#valueAt(index);
    return valueAt < 0 ? undefined : this.#block.toString('utf8', valueAt + 4, valueAt + 4 + int32At(this.#block, valueAt));
  }

  /**
   * fnv1aUtf8 of key `index`'s value, made from its bytes where they lie when they are
   * ASCII (no string made); undefined when the key is absent or its value empty.
   */
  valueHash(index: number): number | undefined {
    const valueAt = this.#valueAt(index);
    if (valueAt < 0) return undefined;
    const block = this.#block;
    const start = valueAt + 4;
    const end = start + int32At(block, valueAt);
    if (end === start) return undefined;
    for (let i = start; i < end; i++) if (block[i]! >= 0x80) return fnv1aUtf8(block.toString('utf8', start, end));
    return fnv1aBytes(block, start, end);
  }

  /** Where the length of key `index`'s value is in the block (its first entry), or -1 when the key is not there. */
  #valueAt(index: number): number {
    if ((this.#mask & keyBit(index)) === 0) return -1;
    const key = this.#keys.bytes[index]!;
    const block = this.#block;
    let pos = this.#start;
    while (pos < this.#end) {
      const keyLen = int32At(block, pos);
      const keyStart = pos + 4;
      const valueAt = keyStart + Math.max(0, keyLen);
      const valueLen = int32At(block, valueAt);
      pos = valueAt + 4 + Math.max(0, valueLen);
      // From the last byte back: keys that share a prefix (`rpc_trace_context.*`) differ at their end.
      if (keyLen === key.length && valueLen !== -1 && sameBytesBackwards(block, keyStart, key)) return valueAt;
    }
    return -1;
  }
}

function sameBytesBackwards(block: Buffer, start: number, key: Buffer): boolean {
  for (let i = key.length - 1; i >= 0; i--) if (block[start + i] !== key[i]) return false;
  return true;
}

/** The known entries of a map already built (frames the sidecar makes itself). */
export function knownOf(map: ReadonlyMap<string, string>): KnownHeaders {
  return {
    targetService: map.get(HEAD_TARGET_SERVICE),
    service: map.get(HEAD_SERVICE),
    method: map.get(HEAD_METHOD_NAME),
    responseError: map.get(HEAD_RESPONSE_ERROR),
  };
}

/**
 * Parses a header block. Duplicate keys are refused: Java keeps the last one, and a
 * proxy that routed on the first would be fooled into sending a call elsewhere.
 */
export function parseHeaderMap(block: Buffer, maxCount: number): Map<string, string> {
  const map = new Map<string, string>();
  let pos = 0;
  const take = (what: string): string | null => {
    const len = lengthAt(block, pos, what);
    pos += 4;
    if (len === -1) return null;
    const text = block.toString('utf8', pos, pos + len);
    pos += len;
    return text;
  };
  let pairs = 0;
  while (pos < block.length) {
    if (++pairs > maxCount) throw tooMany(maxCount);
    const key = take('key');
    const value = take('value');
    if (key === null || value === null) continue;
    if (map.has(key)) throw bad(`duplicate header key ${JSON.stringify(key)}`);
    map.set(key, value);
  }
  return map;
}

export function encodeHeaderMap(map: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of map) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32BE(bytes.length, 0);
      parts.push(len, bytes);
    }
  }
  return Buffer.concat(parts);
}

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

function knownKeyAt(block: Buffer, start: number, length: number): KnownKey | undefined {
  for (const [key, name] of KNOWN) if (key.length === length && sameBytes(block, start, key, 0, length)) return name;
  return undefined;
}

/** Reads one length field at `pos`; -1 (null) passes, any other negative or overrunning length throws. */
function lengthAt(block: Buffer, pos: number, what: string): number {
  if (pos + 4 > block.length) throw bad(`header map truncated in a ${what} length at byte ${pos} of ${block.length}`);
  const len = block.readInt32BE(pos);
  if (len === -1) return -1;
  if (len < 0) throw bad(`header ${what} length ${len} is invalid`);
  if (len > block.length - pos - 4) throw bad(`header ${what} of ${len} bytes overruns the header map at byte ${pos + 4} of ${block.length}`);
  return len;
}

/**
 * Checks a header block exactly as parseHeaderMap does (lengths, entry count, duplicate
 * keys) and returns the values of the known entries; no other key or value becomes a
 * string. Keys are compared as bytes; two different byte strings can decode to the same
 * text only when they are not ASCII (malformed UTF-8 becomes U+FFFD), so a map with such
 * a key is checked by parsing it whole, and both functions accept the same maps.
 */
export function scanHeaderMap(block: Buffer, maxCount: number): KnownHeaders {
  const known: { -readonly [K in KnownKey]?: string } = {};
  if (block.length === 0) return known;
  const keyStarts: number[] = [];
  const keyLengths: number[] = [];
  let pos = 0;
  let pairs = 0;
  while (pos < block.length) {
    if (++pairs > maxCount) throw tooMany(maxCount);
    const keyLen = lengthAt(block, pos, 'key');
    const keyStart = pos + 4;
    pos = keyStart + Math.max(0, keyLen);
    const valueLen = lengthAt(block, pos, 'value');
    const valueStart = pos + 4;
    pos = valueStart + Math.max(0, valueLen);
    if (keyLen === -1 || valueLen === -1) continue;
    for (let i = 0; i < keyStarts.length; i++) {
      if (keyLengths[i] === keyLen && sameBytes(block, keyStart, block, keyStarts[i]!, keyLen)) {
        throw bad(`duplicate header key ${JSON.stringify(block.toString('utf8', keyStart, keyStart + keyLen))}`);
      }
    }
    keyStarts.push(keyStart);
    keyLengths.push(keyLen);
    for (let i = keyStart; i < keyStart + keyLen; i++) if (block[i]! >= 0x80) return knownOf(parseHeaderMap(block, maxCount));
    const name = knownKeyAt(block, keyStart, keyLen);
    if (name !== undefined) known[name] = block.toString('utf8', valueStart, valueStart + valueLen);
  }
  return known;
}

/**
 * The value of one entry of a block scanHeaderMap already checked, found by comparing key
 * bytes: no other key or value becomes a string. `key` must be ASCII (every key the
 * sidecar looks up is), so equal bytes are exactly equal text.
 */
export function headerValue(block: Buffer, key: Buffer): string | undefined {
  let pos = 0;
  while (pos < block.length) {
    const keyLen = lengthAt(block, pos, 'key');
    const keyStart = pos + 4;
    pos = keyStart + Math.max(0, keyLen);
    const valueLen = lengthAt(block, pos, 'value');
    const valueStart = pos + 4;
    pos = valueStart + Math.max(0, valueLen);
    if (keyLen === key.length && valueLen !== -1 && sameBytes(block, keyStart, key, 0, keyLen)) return block.toString('utf8', valueStart, valueStart + valueLen);
  }
  return undefined;
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

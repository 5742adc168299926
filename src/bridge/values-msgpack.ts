/**
 * MessagePack on the bridge: `Content-Type: application/msgpack` bodies, read into the
 * same tree JSON bodies give (so fromJson's hint handling applies unchanged) and written
 * from the same tree toJson builds.
 *
 * What MessagePack says natively becomes the hint JSON would have carried:
 *   int64 / uint64          bigint (exact; fromJson reads it as a long or BigInteger)
 *   bin                     {"$type": "byte[]", "$value": base64}
 *   timestamp extension     {"$type": "java.util.Date", "$value": milliseconds}
 *   map with non-string keys {"$entries": [[k, v], ...]}
 * Maps with `$class` / `$type` keys are hints exactly as in JSON. Answers go the other
 * way: byte[] as bin, Date as a timestamp, longs beyond 2^53 as int64.
 */
import { Packr, Unpackr } from 'msgpackr';
import { MeshError } from '../core/errors.js';
import { DEFAULT_MAX_NODES } from './values-json.js';
import type { BinaryTreeValue } from './values-to-json.js';

export const MSGPACK_TYPE = 'application/msgpack';

// No records or structures (msgpackr's own extensions): plain MessagePack any peer reads.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint' });
// bigint goes out as int64 (uint64 up to 2^64); a BigInteger beyond that as its decimal string.
const packr = new Packr({ useRecords: false, moreTypes: false, largeBigIntToString: true });

/** True when a Content-Type or Accept header names MessagePack. */
export function namesMsgpack(header: string | undefined): boolean {
  return header !== undefined && /(^|,)\s*application\/(x-)?msgpack\s*(;|,|$)/i.test(header);
}

/**
 * A body's MessagePack value as the tree fromJson reads. `maxDepth` bounds nesting and
 * `maxNodes` the values (map keys included), both checked on the bytes before anything is
 * built: one byte of MessagePack can be a whole map.
 */
export function msgpackToTree(bytes: Uint8Array, maxDepth: number, maxNodes = DEFAULT_MAX_NODES): unknown {
  checkShape(bytes, maxDepth, maxNodes);
  let decoded: unknown;
  try {
    decoded = unpackr.unpack(bytes);
  } catch (error) {
    throw new MeshError('PMESH_BAD_REQUEST', `the body is not MessagePack: ${(error as Error).message}`);
  }
  return treeOf(decoded, 0, maxDepth, '$');
}

/** An answer's tree (toBinaryTree of a Java value, or the bridge's `{exception, message}`) as MessagePack bytes. */
export function packMsgpack(tree: BinaryTreeValue): Buffer {
  return packr.pack(tree);
}

function treeOf(value: unknown, depth: number, maxDepth: number, path: string): unknown {
  if (depth > maxDepth) throw new MeshError('PMESH_BAD_REQUEST', `argument ${path}: nesting deeper than ${maxDepth}`);
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return { $type: 'byte[]', $value: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isSafeInteger(ms)) throw new MeshError('PMESH_BAD_REQUEST', `argument ${path}: a timestamp outside the dates Java can hold`);
    return { $type: 'java.util.Date', $value: ms };
  }
  if (Array.isArray(value)) return value.map((item, i) => treeOf(item, depth + 1, maxDepth, `${path}[${i}]`));
  if (value instanceof Map) {
    const entries = [...value.entries()];
    if (entries.every(([key]) => typeof key === 'string')) {
      // fromEntries defines own properties: a "__proto__" key stays data.
      return Object.fromEntries(entries.map(([key, item]) => [key, treeOf(item, depth + 1, maxDepth, `${path}.${String(key)}`)]));
    }
    return { $entries: entries.map(([key, item], i) => [treeOf(key, depth + 1, maxDepth, `${path}.$entries[${i}]`), treeOf(item, depth + 1, maxDepth, `${path}.$entries[${i}]`)]) };
  }
  if (typeof value === 'object' && value !== null) {
    throw new MeshError('PMESH_BAD_REQUEST', `argument ${path}: a MessagePack extension the bridge does not read`);
  }
  return value;
}

/** Bytes after the type byte that a value with no children occupies (lengths read from the header). */
const FIXED: Readonly<Record<number, number>> = {
  0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
  0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17,
};
/** Type byte -> [bytes of its length field, extra bytes after the length (the ext type)]. */
const SIZED: Readonly<Record<number, readonly [number, number]>> = {
  0xc4: [1, 0], 0xc5: [2, 0], 0xc6: [4, 0], 0xc7: [1, 1], 0xc8: [2, 1], 0xc9: [4, 1], 0xd9: [1, 0], 0xda: [2, 0], 0xdb: [4, 0],
};

/**
 * Walks the structure without building it and refuses more than `maxNodes` values or
 * nesting deeper than `maxDepth`. A body that ends early is left to the decoder to name.
 */
function checkShape(bytes: Uint8Array, maxDepth: number, maxNodes: number): void {
  const length = (at: number, size: number): number => {
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + (bytes[at + i] ?? 0);
    return n;
  };
  const open = [1]; // values still to read at each open level
  let pos = 0;
  let nodes = 0;
  while (open.length > 0) {
    const top = open.length - 1;
    if (open[top] === 0) {
      open.pop();
      continue;
    }
    open[top]! -= 1;
    if (pos >= bytes.length) return;
    if (++nodes > maxNodes) throw new MeshError('PMESH_BAD_REQUEST', `the MessagePack body holds more than ${maxNodes} values`);
    const type = bytes[pos++]!;
    let children = 0;
    if (type >= 0x80 && type <= 0x8f) children = (type & 0x0f) * 2;
    else if (type >= 0x90 && type <= 0x9f) children = type & 0x0f;
    else if (type >= 0xa0 && type <= 0xbf) pos += type & 0x1f;
    else if (type === 0xdc || type === 0xdd) {
      children = length(pos, type === 0xdc ? 2 : 4);
      pos += type === 0xdc ? 2 : 4;
    } else if (type === 0xde || type === 0xdf) {
      children = length(pos, type === 0xde ? 2 : 4) * 2;
      pos += type === 0xde ? 2 : 4;
    } else if (SIZED[type]) {
      const [size, extra] = SIZED[type];
      pos += size + extra + length(pos, size);
    } else pos += FIXED[type] ?? 0;
    if (children > 0) {
      if (open.length > maxDepth) throw new MeshError('PMESH_BAD_REQUEST', `the MessagePack body nests deeper than ${maxDepth}`);
      open.push(children);
    }
  }
}

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
import { MeshError } from './errors.js';
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

/** A body's MessagePack value as the tree fromJson reads; `maxDepth` bounds nesting. */
export function msgpackToTree(bytes: Uint8Array, maxDepth: number): unknown {
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

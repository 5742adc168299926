/**
 * SOFARPC's header map (SimpleMapSerializer, docs/protocols.md): repeated
 * `int32 keyLen | key | int32 valLen | value`, UTF-8, no count; length -1 = null and
 * the pair is dropped (as Java and MOSN do). An empty map is zero bytes.
 */
import { MeshError } from '../../core/errors.js';

function bad(message: string): MeshError {
  return new MeshError('PMESH_CODEC_ERROR', `bolt: ${message}`);
}

/**
 * Parses a header block. Duplicate keys are refused: Java keeps the last one, and a
 * proxy that routed on the first would be fooled into sending a call elsewhere.
 */
export function parseHeaderMap(block: Buffer, maxCount: number): Map<string, string> {
  const map = new Map<string, string>();
  let pos = 0;
  const take = (what: string): string | null => {
    if (pos + 4 > block.length) throw bad(`header map truncated in a ${what} length at byte ${pos} of ${block.length}`);
    const len = block.readInt32BE(pos);
    pos += 4;
    if (len === -1) return null;
    if (len < 0) throw bad(`header ${what} length ${len} is invalid`);
    if (len > block.length - pos) throw bad(`header ${what} of ${len} bytes overruns the header map at byte ${pos} of ${block.length}`);
    const text = block.toString('utf8', pos, pos + len);
    pos += len;
    return text;
  };
  let pairs = 0;
  while (pos < block.length) {
    if (++pairs > maxCount) throw new MeshError('PMESH_HEADERS_TOO_LARGE', `bolt: header map has more than ${maxCount} entries`, { details: { limit: 'max_header_count' } });
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

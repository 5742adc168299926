/**
 * FNV-1a, 32 bits: cheap, and spreads strings that differ in a few characters (SOFATracer's
 * ids end in a counter and a pid). Not for secrets: for deciding a sampling by an id, for
 * ids derived from ids, where every sidecar must get the same answer, for the consistent-hash
 * balancer's ring, and for finding repeated header values by their bytes.
 */
const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The hash of `text` from `basis` (FNV's own offset basis by default; another basis gives an independent-looking hash). */
export function fnv1a(text: string, basis = FNV_OFFSET_BASIS): number {
  let hash = basis;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}

/** The hash of bytes `start..end` of `bytes`, from FNV's offset basis. */
export function fnv1aBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, FNV_PRIME);
  return hash >>> 0;
}

/**
 * The hash of `text`'s UTF-8 bytes: fnv1aBytes of the text as it travels, so a value read
 * as a string and one hashed where its bytes lie agree. ASCII (every id seen in practice)
 * is hashed from the characters, with no bytes made.
 */
export function fnv1aUtf8(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      const bytes = Buffer.from(text, 'utf8');
      return fnv1aBytes(bytes, 0, bytes.length);
    }
  }
  // ASCII: its characters are its UTF-8 bytes.
  return fnv1a(text);
}

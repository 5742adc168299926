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

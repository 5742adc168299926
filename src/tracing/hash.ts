/**
 * FNV-1a, 32 bits: cheap, and spreads strings that differ in a few characters (SOFATracer's
 * ids end in a counter and a pid). Not for secrets: for deciding a sampling by an id, and
 * for ids derived from ids, where every sidecar must get the same answer.
 */
const FNV_OFFSET_BASIS = 0x811c9dc5;

/** The hash of `text` from `basis` (FNV's own offset basis by default; another basis gives an independent-looking hash). */
export function fnv1a(text: string, basis = FNV_OFFSET_BASIS): number {
  let hash = basis;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

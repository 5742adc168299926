/**
 * The HTTP/2 client connection preface (RFC 9113 section 3.4), the first bytes of every
 * h2c connection with prior knowledge: what gRPC clients send on a cleartext port.
 */
import type { MatchResult } from '../../core/index.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/**
 * Bytes that decide: "PRI * HT" begins no other protocol's first bytes (PRI is no HTTP/1
 * method), so sniffing stops at 8 bytes, not 24; HTTP/2 itself checks the rest.
 */
const DECISIVE = 8;

/** 'yes' once the first 8 bytes (or more) are the preface's, 'need-more' for a shorter prefix of it, 'no' otherwise. */
export function matchHttp2Preface(head: Buffer): MatchResult {
  const length = Math.min(head.length, PREFACE.length);
  if (head.compare(PREFACE, 0, length, 0, length) !== 0) return 'no';
  return length >= DECISIVE ? 'yes' : 'need-more';
}

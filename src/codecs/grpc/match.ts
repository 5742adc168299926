/**
 * gRPC sniffing: a cleartext HTTP/2 connection (prior knowledge, h2c) opens with the
 * client preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113 section 3.4). Its first 8
 * bytes already tell it from HTTP/1 and the binary protocols, and the `auto` listener
 * decides within 8 bytes, so 8 matching bytes are a 'yes'.
 */
import type { MatchResult } from '../../core/index.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DECIDES_AT = 8;

export function matchHttp2Preface(head: Buffer): MatchResult {
  const length = Math.min(head.length, DECIDES_AT);
  if (head.compare(PREFACE, 0, length, 0, length) !== 0) return 'no';
  return length === DECIDES_AT ? 'yes' : 'need-more';
}

/**
 * Sniffing an HTTP/1 connection: its first bytes are a request method and a space
 * (RFC 9112 section 3). Only the methods of RFC 9110 are claimed, so a longer token
 * (or "PRI", the HTTP/2 preface) is never taken for one; the longest, OPTIONS and
 * CONNECT, decide within 8 bytes.
 */
import type { MatchResult } from '../../core/index.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'].map((m) => Buffer.from(`${m} `, 'latin1'));

export function matchHttp1Method(head: Buffer): MatchResult {
  let undecided = false;
  for (const method of METHODS) {
    const length = Math.min(head.length, method.length);
    if (head.compare(method, 0, length, 0, length) !== 0) continue;
    if (length === method.length) return 'yes';
    undecided = true;
  }
  return undecided ? 'need-more' : 'no';
}

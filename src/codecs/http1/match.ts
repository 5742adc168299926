/**
 * HTTP/1 sniffing: a connection is HTTP/1 when it opens with a request method token
 * and a space (RFC 9112 section 3). Only the methods of RFC 9110 (and PATCH) are
 * claimed, so HTTP/2's preface (`PRI * HTTP/2.0`) and binary protocols never are.
 */
import type { MatchResult } from '../../core/index.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'].map((method) => Buffer.from(`${method} `));

export function matchHttp1(head: Buffer): MatchResult {
  let undecided = false;
  for (const token of METHODS) {
    const length = Math.min(head.length, token.length);
    if (head.compare(token, 0, length, 0, length) !== 0) continue;
    if (length === token.length) return 'yes';
    undecided = true;
  }
  return undecided ? 'need-more' : 'no';
}

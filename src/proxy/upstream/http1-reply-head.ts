/**
 * An upstream's HTTP/1 reply head read from its bytes (RFC 9112 sections 4 to 6), for the
 * raw upstream client (proxy/upstream/http1-connection.ts): the status, the header list as
 * latin1 text (every byte passes as it came) and how the body is framed. Strict where a
 * lax reader lets one message be read as two (smuggling): both Content-Length and
 * Transfer-Encoding, a Content-Length that is not one decimal number, obs-fold, bare LF,
 * control characters and a head larger than the bound are all refused.
 */
import { BAD_VALUE, fieldValue, isToken } from './http1-fields.js';

export const MAX_REPLY_HEAD_BYTES = 64 * 1024;

export type ReplyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  /** No length and not chunked: the body runs until the upstream closes the connection. */
  | { readonly kind: 'close' };

export interface ReplyHead {
  readonly status: number;
  /** Name, value, name, value...: names in the upstream's case. */
  readonly rawHeaders: string[];
  readonly framing: ReplyFraming;
  /** Whether the connection may carry another request once this reply is read. */
  readonly keepAlive: boolean;
}

export class BadReplyError extends Error {
  override readonly name = 'BadReplyError';
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\x00-\x08\x0a-\x1f\x7f]*)?$/;
const DIGITS = /^\d{1,15}$/;
const NO_BODY = Object.freeze({ kind: 'none' as const });
const CHUNKED = Object.freeze({ kind: 'chunked' as const });
const UNTIL_CLOSE = Object.freeze({ kind: 'close' as const });


/**
 * Reads the head in `bytes[0, end)`, `end` just past its CRLFCRLF. `method` is the
 * request's (a reply to HEAD has no body whatever it declares). Lines are found with
 * indexOf and checked by character, not split and matched by a pattern each: this runs
 * once per proxied call.
 */
export function parseReplyHead(bytes: Buffer, end: number, method: string): ReplyHead {
  const text = bytes.toString('latin1', 0, end - 4);
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = text.length;
  const statusLine = STATUS_LINE.exec(text.slice(0, lineEnd));
  if (!statusLine) throw new BadReplyError(`bad status line ${JSON.stringify(text.slice(0, Math.min(lineEnd, 60)))}`);
  const minor = statusLine[1];
  const status = Number(statusLine[2]);
  const rawHeaders: string[] = [];
  let length: string | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  while (lineEnd < text.length) {
    const at = lineEnd + 2;
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    lineEnd = next;
    const colon = text.indexOf(':', at);
    if (colon <= at || colon > next || !isToken(text, at, colon)) throw badLine(text.slice(at, next));
    const name = text.slice(at, colon);
    const value = fieldValue(text, colon, next);
    if (BAD_VALUE.test(value)) throw badLine(text.slice(at, next));
    rawHeaders.push(name, value);
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      if (!DIGITS.test(value)) throw new BadReplyError(`bad content-length ${JSON.stringify(value.slice(0, 30))}`);
      if (length !== undefined && length !== value) throw new BadReplyError('two different content-length values');
      length = value;
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    } else if (name.length === 10 && name.toLowerCase() === 'connection') {
      connection += `${value.toLowerCase()},`;
    }
  }
  if (length !== undefined && transferEncoding !== undefined) throw new BadReplyError('both content-length and transfer-encoding');
  const closes = minor === '0' ? !/(?:^|[\s,])keep-alive\s*,/.test(connection) : connection !== '' && /(?:^|[\s,])close\s*,/.test(connection);
  if (status < 200 || status === 204 || status === 304 || method === 'HEAD') return { status, rawHeaders, framing: NO_BODY, keepAlive: !closes };
  if (transferEncoding !== undefined) {
    // Chunked must be the last coding; any other coding leaves the length to the connection's end.
    const chunked = /(?:^|,)[ \t]*chunked[ \t]*$/i.test(transferEncoding);
    return { status, rawHeaders, framing: chunked ? CHUNKED : UNTIL_CLOSE, keepAlive: chunked && !closes };
  }
  if (length !== undefined) return { status, rawHeaders, framing: { kind: 'length', length: Number(length) }, keepAlive: !closes };
  return { status, rawHeaders, framing: UNTIL_CLOSE, keepAlive: false };
}

/** Why a header line is refused, said as precisely as the old line pattern's callers expect. */
function badLine(line: string): BadReplyError {
  if (line.includes('\n')) return new BadReplyError('bare LF in the reply head');
  if (line[0] === ' ' || line[0] === '\t') return new BadReplyError('obs-fold (a header line continued on the next) in the reply head');
  return new BadReplyError(`bad header line ${JSON.stringify(line.slice(0, 60))}`);
}

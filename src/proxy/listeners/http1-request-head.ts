/**
 * A caller's HTTP/1 request head read from its bytes (RFC 9112 sections 2 to 7), for the
 * listener's byte path (http1-caller.ts). At least as strict as node:http's llhttp where a
 * lax reader lets one message be read as two (request smuggling): Content-Length with
 * Transfer-Encoding, a repeated or non-decimal Content-Length, a coding after `chunked`,
 * obs-fold, bare LF, a name that is not a token, control characters in a value or target,
 * more than one Host are all refused with the status and the llhttp-style code a caller and
 * the codec-error metric see. Bounds (head bytes, field count) are checked before the
 * head is turned into strings.
 */
import { BAD_VALUE, fieldValue, isToken } from '../upstream/http1-fields.js';

export type RequestFraming = { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };

export interface RequestHead extends HeadBytes {
  readonly method: string;
  /** The request target as sent (origin-form `/path?q`, absolute-form, `*` or authority-form). */
  readonly target: string;
  /** HTTP/1.<minor>: 0 or 1. */
  readonly minor: number;
  /** Name, value, name, value...: names in the caller's case, values without surrounding whitespace. */
  readonly rawHeaders: string[];
  readonly framing: RequestFraming;
  /** Whether the caller lets the connection carry another request after this one. */
  readonly keepAlive: boolean;
  /** `Expect: 100-continue`: the caller waits for a 100 before it sends the body. */
  readonly expectContinue: boolean;
  /** An Upgrade header is present (WebSocket, h2c...). */
  readonly upgrade: boolean;
}

/**
 * Where a request head lies in the bytes it was read from (for the upstream client to pass
 * its field lines on: upstream/http1-request-head.ts), and which of its field lines an
 * upstream request does not copy: the hop-by-hop ones, Expect (answered here), the body's
 * framing (written anew) and X-Forwarded-For (written with the caller's address appended).
 */
export interface HeadBytes {
  readonly bytes: Buffer;
  /** The request line's first byte; the field lines begin at `fieldsAt` and end at `fieldsEnd` (before the empty line). */
  readonly start: number;
  readonly fieldsAt: number;
  readonly fieldsEnd: number;
  /** [start, end) of each field line left out, in order; undefined when none is. */
  readonly dropped: number[] | undefined;
  /** The field lines less `dropped` are what the slow path would send: no Connection option names another field. */
  readonly passable: boolean;
  /**
   * The attachments the listener's codec made from this head: an upstream request whose
   * invocation still has these (no filter replaced them) may be written from the bytes.
   */
  attachments: Readonly<Record<string, string>> | undefined;
}

export interface HeadLimits {
  /** The whole head (request line, fields, CRLFs) at most this many bytes; 431 beyond. */
  readonly maxHeaderBytes: number;
  /** At most this many header fields; 431 beyond. */
  readonly maxHeaderCount: number;
}

/** A request that cannot be served: `status` is the answer, `code` names the fault (llhttp's name where it has one). */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 417 | 431 | 501 = 400,
  ) {
    super(message);
  }
}

const CR = 13;
const LF = 10;
const NO_BODY: RequestFraming = Object.freeze({ kind: 'none' });
const CHUNKED: RequestFraming = Object.freeze({ kind: 'chunked' });

/** The methods llhttp knows; another token is a method this server does not implement (501). */
const KNOWN_METHODS = new Set(
  'GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH COPY LOCK MKCOL MOVE PROPFIND PROPPATCH SEARCH UNLOCK BIND REBIND UNBIND ACL REPORT MKACTIVITY CHECKOUT MERGE M-SEARCH NOTIFY SUBSCRIBE UNSUBSCRIBE PURGE MKCALENDAR LINK UNLINK SOURCE QUERY'.split(' '),
);
/** A target: visible ASCII only (no space, no control, no byte above 0x7e). */
const TARGET = /^[\x21-\x7e]+$/;
const DIGITS = /^\d{1,15}$/;

/**
 * Where the head starting at `start` ends (just past its CRLFCRLF), or -1 while it is not whole.
 * `from` is where to resume looking (bytes before it were searched already). Throws for a head
 * over the byte limit and for a bare LF, which a CRLFCRLF search would otherwise wait past.
 */
export function findHeadEnd(bytes: Buffer, start: number, from: number, maxHeaderBytes: number): number {
  let at = Math.max(start, from);
  for (;;) {
    const lf = bytes.indexOf(LF, at);
    if (lf < 0) break;
    if (lf === start || bytes[lf - 1] !== CR) throw new BadRequestError('HPE_CR_EXPECTED', 'bare LF in the request head (a line must end with CRLF)');
    if (lf - start + 1 > maxHeaderBytes) throw headTooLarge(maxHeaderBytes);
    // An empty line ends the head, unless it is a leading one (RFC 9112 2.2 lets a server skip those).
    if (lf >= start + 3 && bytes[lf - 2] === LF) return lf + 1;
    at = lf + 1;
  }
  if (bytes.length - start > maxHeaderBytes) throw headTooLarge(maxHeaderBytes);
  return -1;
}

/** How many bytes of empty lines (CRLF) lead the head at `start`: skipped, as RFC 9112 2.2 allows. */
export function leadingEmptyLines(bytes: Buffer, start: number, end: number): number {
  let at = start;
  while (at + 1 < end && bytes[at] === CR && bytes[at + 1] === LF) at += 2;
  return at - start;
}

/** Reads the head in `bytes[start, end)`, `end` just past its CRLFCRLF (findHeadEnd), leading empty lines skipped. */
export function parseRequestHead(bytes: Buffer, start: number, end: number, limits: HeadLimits): RequestHead {
  const text = bytes.toString('latin1', start, end - 4);
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = text.length;
  const { method, target, minor } = requestLine(text.slice(0, lineEnd));
  const firstLineEnd = lineEnd;
  const rawHeaders: string[] = [];
  let count = 0;
  let length: string | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  let expect: string | undefined;
  let hosts = 0;
  let upgrade = false;
  let dropped: number[] | undefined;
  let at = lineEnd + 2;
  while (at < text.length + 2 && lineEnd < text.length) {
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    if (++count > limits.maxHeaderCount) throw new BadRequestError('HPE_TOO_MANY_HEADERS', `more than ${limits.maxHeaderCount} header fields`, 431);
    const colon = text.indexOf(':', at);
    if (colon < 0 || colon >= next) {
      const first = text.charCodeAt(at);
      if (first === 0x20 || first === 0x09) throw new BadRequestError('HPE_INVALID_HEADER_TOKEN', 'obs-fold (a header line continued on the next) in the request head');
      throw new BadRequestError('HPE_INVALID_HEADER_TOKEN', `header line without a colon: ${JSON.stringify(text.slice(at, Math.min(next, at + 40)))}`);
    }
    if (colon === at) throw new BadRequestError('HPE_INVALID_HEADER_TOKEN', 'empty header name');
    if (!isToken(text, at, colon)) throw new BadRequestError('HPE_INVALID_HEADER_TOKEN', `invalid character in header name ${JSON.stringify(text.slice(at, Math.min(colon, at + 40)))}`);
    const name = text.slice(at, colon);
    const value = fieldValue(text, colon, next);
    if (BAD_VALUE.test(value)) throw new BadRequestError('HPE_INVALID_HEADER_TOKEN', `control character in the value of header ${JSON.stringify(name.slice(0, 40))}`);
    rawHeaders.push(name, value);
    let drop = false;
    switch (name.length) {
      case 2:
        drop = name.toLowerCase() === 'te';
        break;
      case 4:
        if (name.toLowerCase() === 'host') hosts++;
        break;
      case 6:
        if (name.toLowerCase() === 'expect') {
          drop = true;
          expect = expect === undefined ? value : `${expect}, ${value}`;
        }
        break;
      case 7: {
        const lower = name.toLowerCase();
        if (lower === 'upgrade') upgrade = drop = true;
        else drop = lower === 'trailer';
        break;
      }
      case 10: {
        const lower = name.toLowerCase();
        if (lower === 'connection') {
          drop = true;
          connection += `,${value.toLowerCase()}`;
        } else {
          drop = lower === 'keep-alive';
        }
        break;
      }
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (length !== undefined) throw new BadRequestError('HPE_UNEXPECTED_CONTENT_LENGTH', 'more than one content-length');
          if (!DIGITS.test(value)) throw new BadRequestError('HPE_INVALID_CONTENT_LENGTH', `bad content-length ${JSON.stringify(value.slice(0, 30))}`);
          length = value;
          drop = true;
        }
        break;
      case 15:
        drop = name.toLowerCase() === 'x-forwarded-for';
        break;
      case 16:
        drop = name.toLowerCase() === 'proxy-connection';
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          drop = true;
          transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
        }
        break;
      case 18:
        drop = name.toLowerCase() === 'proxy-authenticate';
        break;
      case 19:
        drop = name.toLowerCase() === 'proxy-authorization';
        break;
    }
    if (drop) (dropped ??= []).push(start + at, start + next + 2);
    at = next + 2;
    lineEnd = next;
  }
  if (hosts > 1) throw new BadRequestError('HPE_DUPLICATE_HOST', 'more than one host header');
  if (hosts === 0 && minor === 1) throw new BadRequestError('HPE_MISSING_HOST', 'an HTTP/1.1 request without a host header');
  if (length !== undefined && transferEncoding !== undefined) throw new BadRequestError('HPE_UNEXPECTED_CONTENT_LENGTH', 'both content-length and transfer-encoding');
  const keepAlive = connection === '' ? minor === 1 : keepsAlive(connection, minor);
  let expectContinue = false;
  if (expect !== undefined) {
    if (expect.toLowerCase() !== '100-continue') throw new BadRequestError('HPE_EXPECTATION_FAILED', `unsupported expectation ${JSON.stringify(expect.slice(0, 40))}`, 417);
    expectContinue = true;
  }
  let framing: RequestFraming = NO_BODY;
  if (transferEncoding !== undefined) framing = chunkedFraming(transferEncoding, minor);
  else if (length !== undefined && length !== '0' && !/^0+$/.test(length)) framing = { kind: 'length', length: Number(length) };
  return {
    method,
    target,
    minor,
    rawHeaders,
    framing,
    keepAlive,
    expectContinue: expectContinue && framing !== NO_BODY,
    upgrade,
    bytes,
    start,
    fieldsAt: firstLineEnd < text.length ? start + firstLineEnd + 2 : end - 2,
    fieldsEnd: end - 2,
    dropped,
    passable: connection === '' || namesNoField(connection),
    attachments: undefined,
  };
}

function requestLine(line: string): { method: string; target: string; minor: number } {
  const space = line.indexOf(' ');
  const space2 = space < 0 ? -1 : line.indexOf(' ', space + 1);
  if (space <= 0 || space2 < 0) throw new BadRequestError('HPE_INVALID_METHOD', `bad request line ${JSON.stringify(line.slice(0, 60))}`);
  const method = line.slice(0, space);
  if (!isToken(method, 0, method.length)) throw new BadRequestError('HPE_INVALID_METHOD', `bad method ${JSON.stringify(method.slice(0, 20))}`);
  const target = line.slice(space + 1, space2);
  if (!TARGET.test(target)) throw new BadRequestError('HPE_INVALID_URL', `bad request target ${JSON.stringify(target.slice(0, 60))}`);
  const version = line.slice(space2 + 1);
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') throw new BadRequestError('HPE_INVALID_VERSION', `bad HTTP version ${JSON.stringify(version.slice(0, 20))}`);
  if (!KNOWN_METHODS.has(method)) throw new BadRequestError('HPE_INVALID_METHOD', `method ${JSON.stringify(method.slice(0, 20))} is not implemented`, 501);
  return { method, target, minor: version === 'HTTP/1.1' ? 1 : 0 };
}

/**
 * Transfer-Encoding (RFC 9112 6.3, 7): chunked must be the last coding and appear once; a
 * request whose length cannot be known otherwise is refused (400), and a coding this proxy
 * cannot pass on (gzip before chunked: the upstream request is framed anew) is 501.
 */
function chunkedFraming(value: string, minor: number): RequestFraming {
  if (minor === 0) throw new BadRequestError('HPE_INVALID_TRANSFER_ENCODING', 'transfer-encoding in an HTTP/1.0 request');
  const codings = value.split(',').map((coding) => coding.trim().toLowerCase());
  if (codings[codings.length - 1] !== 'chunked') throw new BadRequestError('HPE_INVALID_TRANSFER_ENCODING', `transfer-encoding ${JSON.stringify(value.slice(0, 40))} does not end with chunked`);
  for (let i = 0; i < codings.length - 1; i++) {
    const coding = codings[i]!;
    if (coding === 'chunked') throw new BadRequestError('HPE_INVALID_TRANSFER_ENCODING', 'chunked applied more than once');
    if (!isToken(coding, 0, coding.length)) throw new BadRequestError('HPE_INVALID_TRANSFER_ENCODING', `bad transfer coding ${JSON.stringify(coding.slice(0, 20))}`);
    throw new BadRequestError('HPE_UNSUPPORTED_TRANSFER_ENCODING', `transfer coding ${JSON.stringify(coding.slice(0, 20))} is not implemented`, 501);
  }
  return CHUNKED;
}

/** Whether the Connection options (lower-cased, each after a comma) are only keep-alive and close, which name no field to drop. */
function namesNoField(connection: string): boolean {
  if (connection === ',keep-alive' || connection === ',close') return true;
  for (const token of connection.split(',')) {
    const trimmed = token.trim();
    if (trimmed !== '' && trimmed !== 'keep-alive' && trimmed !== 'close') return false;
  }
  return true;
}

/** `connection`: the Connection header's tokens, lower-cased, each after a comma. */
function keepsAlive(connection: string, minor: number): boolean {
  let close = false;
  let keepAlive = false;
  for (const token of connection.split(',')) {
    const trimmed = token.trim();
    if (trimmed === 'close') close = true;
    else if (trimmed === 'keep-alive') keepAlive = true;
  }
  return !close && (minor === 1 || keepAlive);
}

function headTooLarge(maxHeaderBytes: number): BadRequestError {
  return new BadRequestError('HPE_HEADER_OVERFLOW', `request head larger than ${maxHeaderBytes} bytes`, 431);
}

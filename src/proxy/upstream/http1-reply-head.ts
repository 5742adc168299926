/**
 * An upstream's HTTP/1 reply head read from its bytes (RFC 9112 sections 4 to 6), for the
 * raw upstream client (proxy/upstream/http1-connection.ts): the status, how the body is
 * framed, and which field lines a proxy never passes on (the hop-by-hop ones, RFC 9110
 * 7.6.1). Strict where a lax reader lets one message be read as two (smuggling): both
 * Content-Length and Transfer-Encoding, a Content-Length that is not one decimal number,
 * obs-fold, bare LF, control characters and a head larger than the bound are all refused.
 *
 * Every line is checked on the bytes, and no string is made for a field unless it frames the
 * body: a reply the caller gets as it came is written from these bytes (the field lines less
 * the hop-by-hop ones), and the header list as strings is made only when something asks for it.
 */
import { TCHAR, fieldValue, isName, nameBytes } from './http1-fields.js';

export const MAX_REPLY_HEAD_BYTES = 64 * 1024;

export type ReplyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  /** No length and not chunked: the body runs until the upstream closes the connection. */
  | { readonly kind: 'close' };

export class BadReplyError extends Error {
  override readonly name = 'BadReplyError';
}

const NO_BODY = Object.freeze({ kind: 'none' as const });
const CHUNKED = Object.freeze({ kind: 'chunked' as const });
const UNTIL_CLOSE = Object.freeze({ kind: 'close' as const });

const CR = 13;
const LF = 10;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

const CONTENT_LENGTH = nameBytes('content-length');
const TRANSFER_ENCODING = nameBytes('transfer-encoding');
const CONNECTION = nameBytes('connection');
const KEEP_ALIVE = nameBytes('keep-alive');
const CLOSE = nameBytes('close');
const TE = nameBytes('te');
const TRAILER = nameBytes('trailer');
const UPGRADE = nameBytes('upgrade');
const PROXY_CONNECTION = nameBytes('proxy-connection');
const PROXY_AUTHENTICATE = nameBytes('proxy-authenticate');
const PROXY_AUTHORIZATION = nameBytes('proxy-authorization');

/** A reply head: what the connection and the call need at once, the rest read when asked for. */
export class ReplyHead {
  readonly status: number;
  readonly framing: ReplyFraming;
  /** Whether the connection may carry another request once this reply is read. */
  readonly keepAlive: boolean;
  /**
   * Whether the caller may get the field lines as they came, less `dropped`: no Connection
   * option names a field to drop, and the body has no framing of its own to rewrite (one
   * Content-Length, or no body by the status or the method).
   */
  readonly passable: boolean;
  readonly #bytes: Buffer;
  /** Where the field lines begin (past the status line) and end (before the empty line). */
  readonly #fieldsAt: number;
  readonly #fieldsEnd: number;
  /** [start, end) of each hop-by-hop field line, in order; undefined when there is none. */
  readonly #dropped: number[] | undefined;
  #rawHeaders: string[] | undefined;

  constructor(status: number, framing: ReplyFraming, keepAlive: boolean, passable: boolean, bytes: Buffer, fieldsAt: number, fieldsEnd: number, dropped: number[] | undefined) {
    this.status = status;
    this.framing = framing;
    this.keepAlive = keepAlive;
    this.passable = passable;
    this.#bytes = bytes;
    this.#fieldsAt = fieldsAt;
    this.#fieldsEnd = fieldsEnd;
    this.#dropped = dropped;
    this.#rawHeaders = undefined;
  }

  /** Name, value, name, value...: names in the upstream's case, values without surrounding whitespace. Made on first use. */
  get rawHeaders(): string[] {
    return (this.#rawHeaders ??= fieldList(this.#bytes, this.#fieldsAt, this.#fieldsEnd));
  }

  /** How many bytes the field lines passed on take (copyPassedFields). */
  get passedFieldsLength(): number {
    let length = this.#fieldsEnd - this.#fieldsAt;
    const dropped = this.#dropped;
    if (dropped) for (let i = 0; i < dropped.length; i += 2) length -= dropped[i + 1]! - dropped[i]!;
    return length;
  }

  /** Copies the field lines, CRLFs included, less the hop-by-hop ones, into `out` at `at`; returns where they end. */
  copyPassedFields(out: Buffer, at: number): number {
    const bytes = this.#bytes;
    const dropped = this.#dropped;
    let from = this.#fieldsAt;
    if (dropped) {
      for (let i = 0; i < dropped.length; i += 2) {
        at += bytes.copy(out, at, from, dropped[i]);
        from = dropped[i + 1]!;
      }
    }
    return at + bytes.copy(out, at, from, this.#fieldsEnd);
  }
}

/**
 * Reads the head in `bytes[start, end)`, `end` just past its CRLFCRLF. `method` is the
 * request's (a reply to HEAD has no body whatever it declares). One pass over the bytes:
 * each name checked as a token, each value for control characters; only the fields that
 * frame the body or the connection are looked at further.
 */
export function parseReplyHead(bytes: Buffer, end: number, method: string, start = 0): ReplyHead {
  const stop = end - 2; // the empty line's CRLF
  const { status, minor, fieldsAt } = statusLine(bytes, start, stop);
  let length = -1;
  let lengths = 0;
  let transferEncoding: string | undefined;
  let connection = '';
  let namesOthers = false;
  let dropped: number[] | undefined;
  let at = fieldsAt;
  while (at < stop) {
    const lineStart = at;
    let i = at;
    while (i < stop && TCHAR[bytes[i]!] === 1) i++;
    if (i === at || bytes[i] !== COLON) throw badLine(bytes, lineStart, stop);
    const nameEnd = i++;
    while (bytes[i] === SP || bytes[i] === HTAB) i++;
    const valueStart = i;
    for (; i < stop; i++) {
      const byte = bytes[i]!;
      if (byte === CR) break;
      if ((byte < SP && byte !== HTAB) || byte === 0x7f) throw badLine(bytes, lineStart, stop);
    }
    if (i >= stop || bytes[i + 1] !== LF) throw badLine(bytes, lineStart, stop);
    let valueEnd = i;
    while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) valueEnd--;
    at = i + 2;
    let hopByHop = false;
    switch (nameEnd - lineStart) {
      case 2:
        hopByHop = isName(bytes, lineStart, TE);
        break;
      case 7:
        hopByHop = isName(bytes, lineStart, TRAILER) || isName(bytes, lineStart, UPGRADE);
        break;
      case 10:
        if (isName(bytes, lineStart, CONNECTION)) {
          hopByHop = true;
          // Nearly every Connection field is one of these two, which name no field to drop.
          if (valueEnd - valueStart === 10 && isName(bytes, valueStart, KEEP_ALIVE)) connection += 'keep-alive,';
          else if (valueEnd - valueStart === 5 && isName(bytes, valueStart, CLOSE)) connection += 'close,';
          else {
            namesOthers = true;
            connection += `${bytes.toString('latin1', valueStart, valueEnd).toLowerCase()},`;
          }
        } else {
          hopByHop = isName(bytes, lineStart, KEEP_ALIVE);
        }
        break;
      case 14:
        if (isName(bytes, lineStart, CONTENT_LENGTH)) {
          const value = contentLength(bytes, valueStart, valueEnd);
          if (length >= 0 && length !== value) throw new BadReplyError('two different content-length values');
          length = value;
          lengths++;
        }
        break;
      case 16:
        hopByHop = isName(bytes, lineStart, PROXY_CONNECTION);
        break;
      case 17:
        if (isName(bytes, lineStart, TRANSFER_ENCODING)) {
          hopByHop = true;
          const value = bytes.toString('latin1', valueStart, valueEnd);
          transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        }
        break;
      case 18:
        hopByHop = isName(bytes, lineStart, PROXY_AUTHENTICATE);
        break;
      case 19:
        hopByHop = isName(bytes, lineStart, PROXY_AUTHORIZATION);
        break;
    }
    if (hopByHop) (dropped ??= []).push(lineStart, at);
  }
  if (length >= 0 && transferEncoding !== undefined) throw new BadReplyError('both content-length and transfer-encoding');
  const closes = keepAliveOff(connection, minor);
  const fieldsEnd = Math.max(fieldsAt, stop);
  if (status < 200 || status === 204 || status === 304 || method === 'HEAD') {
    return new ReplyHead(status, NO_BODY, !closes, !namesOthers && lengths < 2, bytes, fieldsAt, fieldsEnd, dropped);
  }
  if (transferEncoding !== undefined) {
    // Chunked must be the last coding; any other coding leaves the length to the connection's end.
    const chunked = /(?:^|,)[ \t]*chunked[ \t]*$/i.test(transferEncoding);
    return new ReplyHead(status, chunked ? CHUNKED : UNTIL_CLOSE, chunked && !closes, false, bytes, fieldsAt, fieldsEnd, dropped);
  }
  if (length >= 0) return new ReplyHead(status, { kind: 'length', length }, !closes, !namesOthers && lengths === 1, bytes, fieldsAt, fieldsEnd, dropped);
  return new ReplyHead(status, UNTIL_CLOSE, false, false, bytes, fieldsAt, fieldsEnd, dropped);
}

/** `HTTP/1.x NNN reason` and its CRLF: the status, the minor version and where the field lines begin. */
function statusLine(bytes: Buffer, start: number, stop: number): { status: number; minor: number; fieldsAt: number } {
  let ok =
    stop - start >= 12 &&
    bytes[start] === 0x48 && bytes[start + 1] === 0x54 && bytes[start + 2] === 0x54 && bytes[start + 3] === 0x50 && // HTTP
    bytes[start + 4] === 0x2f && bytes[start + 5] === 0x31 && bytes[start + 6] === 0x2e && // /1.
    (bytes[start + 7] === 0x30 || bytes[start + 7] === 0x31) &&
    bytes[start + 8] === SP &&
    isDigit(bytes[start + 9]!) && isDigit(bytes[start + 10]!) && isDigit(bytes[start + 11]!);
  let i = start + 12;
  if (ok && bytes[i] !== CR) {
    ok = bytes[i] === SP;
    for (i++; ok && i < stop && bytes[i] !== CR; i++) {
      const byte = bytes[i]!;
      if ((byte < SP && byte !== HTAB) || byte === 0x7f) ok = false;
    }
  }
  if (!ok || i > stop || bytes[i] !== CR || bytes[i + 1] !== LF) {
    let lineEnd = bytes.indexOf('\r\n', start, 'latin1');
    if (lineEnd < 0 || lineEnd > stop) lineEnd = stop;
    throw new BadReplyError(`bad status line ${JSON.stringify(bytes.toString('latin1', start, Math.min(lineEnd, start + 60)))}`);
  }
  const status = (bytes[start + 9]! - 48) * 100 + (bytes[start + 10]! - 48) * 10 + (bytes[start + 11]! - 48);
  return { status, minor: bytes[start + 7]! - 48, fieldsAt: i + 2 };
}

function isDigit(byte: number): boolean {
  return byte >= 48 && byte <= 57;
}

/** A Content-Length value: one to fifteen decimal digits. */
function contentLength(bytes: Buffer, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (!isDigit(byte)) value = -1;
    if (value >= 0) value = value * 10 + byte - 48;
  }
  if (value < 0 || to === from || to - from > 15) throw new BadReplyError(`bad content-length ${JSON.stringify(bytes.toString('latin1', from, Math.min(to, from + 30)))}`);
  return value;
}

/** Whether the Connection options (each lower-cased and followed by a comma) close the connection after this reply. */
function keepAliveOff(connection: string, minor: number): boolean {
  if (connection === 'keep-alive,') return false;
  if (minor === 0) return !/(?:^|[\s,])keep-alive\s*,/.test(connection);
  return connection !== '' && /(?:^|[\s,])close\s*,/.test(connection);
}

/** The field lines in bytes[from, to) (checked already) as name, value, name, value... */
function fieldList(bytes: Buffer, from: number, to: number): string[] {
  const text = bytes.toString('latin1', from, to);
  const list: string[] = [];
  let at = 0;
  while (at < text.length) {
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    const colon = text.indexOf(':', at);
    list.push(text.slice(at, colon), fieldValue(text, colon, next));
    at = next + 2;
  }
  return list;
}

/** Why a header line is refused, said as precisely as the old line pattern's callers expect. */
function badLine(bytes: Buffer, from: number, stop: number): BadReplyError {
  let lineEnd = bytes.indexOf('\r\n', from, 'latin1');
  if (lineEnd < 0 || lineEnd > stop) lineEnd = stop;
  const line = bytes.toString('latin1', from, lineEnd);
  if (line.includes('\n')) return new BadReplyError('bare LF in the reply head');
  if (line[0] === ' ' || line[0] === '\t') return new BadReplyError('obs-fold (a header line continued on the next) in the reply head');
  return new BadReplyError(`bad header line ${JSON.stringify(line.slice(0, 60))}`);
}

/**
 * The reply head the listener's byte path writes to a caller: the status line, the headers
 * the call's Result carries (already filtered of hop-by-hop ones by the codec) and the body's
 * framing, which is always ours: the caller's side is its own connection, so the upstream's
 * Transfer-Encoding is never copied and a Content-Length is written only when it is true.
 */
import { STATUS_CODES } from 'node:http';

const SPLITS_HEAD = /[\0\r\n]/;

/** How the reply's body goes on the wire. */
export type ReplyBodyFraming =
  /** No body by the status (1xx, 204, 304) or the method (HEAD): the headers pass as they are. */
  | { readonly kind: 'none' }
  /** Exactly this many bytes follow. */
  | { readonly kind: 'length'; readonly length: number }
  /** The length is not known: chunked. */
  | { readonly kind: 'chunked' };

/**
 * `headers`: name, value, name, value... (lower-case names). A `content-length` among them is
 * the upstream's: kept for a reply with no body (HEAD), dropped otherwise (ours is written).
 */
export function replyHead(status: number, headers: readonly string[] | undefined, framing: ReplyBodyFraming, close: boolean): string {
  let text = statusLine(status);
  if (headers) {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (framing.kind !== 'none' && name.length === 14 && name === 'content-length') continue;
      // A header a filter set that would split the head is left out (node:http threw, mid-reply).
      if (SPLITS_HEAD.test(name) || SPLITS_HEAD.test(value)) continue;
      text += `${name}: ${value}\r\n`;
    }
  }
  if (framing.kind === 'length') text += `content-length: ${framing.length}\r\n`;
  else if (framing.kind === 'chunked') text += 'transfer-encoding: chunked\r\n';
  if (close) text += 'connection: close\r\n';
  return `${text}\r\n`;
}

/** Status lines made once each (100 to 599), not formatted and looked up per reply. */
const STATUS_LINES: string[] = [];

/** `HTTP/1.1 200 OK\r\n`. */
export function statusLine(status: number): string {
  return STATUS_LINES[status] ??= `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

const STATUS_LINE_BYTES: Buffer[] = [];

/** statusLine's bytes, made once per status. */
export function statusLineBytes(status: number): Buffer {
  return (STATUS_LINE_BYTES[status] ??= Buffer.from(statusLine(status), 'latin1'));
}

/** The declared length among `headers` (the upstream's Content-Length), or undefined. */
export function declaredLength(headers: readonly string[] | undefined): number | undefined {
  if (!headers) return undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'content-length') {
      const value = headers[i + 1]!;
      return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
    }
  }
  return undefined;
}

/** Statuses whose reply never has a body (RFC 9110 6.4.1). */
export function statusHasNoBody(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/**
 * The syntax of an HTTP/1 field line (RFC 9110 5.5, 5.6.2; RFC 9112 5), shared by the
 * sidecar's two readers of heads from bytes: the caller's requests (listeners/http1-request-head.ts)
 * and the upstream's replies (http1-reply-head.ts). Each reports a bad line in its own terms.
 */

/** tchar by character code or byte (256 entries: a byte above 0x7f is none): the characters of a field name, a method, a transfer coding. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/** A field value: no control character but HTAB (obs-text, 0x80 and above, passes as latin1). */
export const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Whether text[from, to) is a token (a field name, a method, a transfer coding): one or more tchar. */
export function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (TCHAR[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** The value of a field line, text[colon + 1, end), without the optional whitespace around it. */
export function fieldValue(text: string, colon: number, end: number): string {
  let from = colon + 1;
  let to = end;
  while (from < to && (text.charCodeAt(from) === 0x20 || text.charCodeAt(from) === 0x09)) from++;
  while (to > from && (text.charCodeAt(to - 1) === 0x20 || text.charCodeAt(to - 1) === 0x09)) to--;
  return text.slice(from, to);
}

/** Lower-case ASCII names as bytes, to compare a field name with in place. */
export function nameBytes(name: string): Uint8Array {
  return Uint8Array.from(name, (c) => c.charCodeAt(0));
}

/**
 * Whether the token bytes[from, from + name.length) is `name` (lower-case), in any case. `| 0x20`
 * lower-cases a letter and leaves `-` and digits as they are; the bytes were checked already (a
 * token, or a value without control characters), so no other byte can pass for one of the name's.
 */
export function isName(bytes: Uint8Array, from: number, name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) if ((bytes[from + i]! | 0x20) !== name[i]) return false;
  return true;
}

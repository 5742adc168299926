/**
 * The one Hessian2 write this codec makes itself: a string (error messages, the
 * rewritten `timeout` attachment, event payloads).
 * Strings follow Java's Hessian2Output.writeString: CESU-8 (one to three bytes per
 * UTF-16 unit), chunks of at most 0x8000 units that never end on a high surrogate,
 * short forms for the final chunk (docs/protocols.md).
 */

const CHUNK = 0x8000;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function cesu8Length(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

function putCesu8(out: Buffer, pos: number, text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out[pos++] = c;
    else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

/** Hessian2 bytes of one string value. */
export function hessianString(text: string): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    let end = Math.min(text.length, start + CHUNK);
    const final = end === text.length;
    if (!final && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    const units = end - start;
    const bytes = cesu8Length(text, start, end);
    let head: Buffer;
    if (!final) head = Buffer.from([0x52, units >> 8, units & 0xff]);
    else if (units <= 0x1f) head = Buffer.from([units]);
    else if (units <= 0x3ff) head = Buffer.from([0x30 + (units >> 8), units & 0xff]);
    else head = Buffer.from([0x53, units >> 8, units & 0xff]);
    const chunk = Buffer.allocUnsafe(head.length + bytes);
    head.copy(chunk, 0);
    putCesu8(chunk, head.length, text, start, end);
    parts.push(chunk);
    if (final) return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    start = end;
  }
}

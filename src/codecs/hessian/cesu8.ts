/**
 * Hessian strings as Java writes them: a length in UTF-16 units, each unit 1, 2 or 3 bytes
 * (CESU-8: a surrogate pair is two 3-byte units, never one 4-byte sequence; Java and
 * hessian.js both reject those). The writing side is ByteSink.cesu8 (byte-sink.ts).
 */
import { isAscii } from 'node:buffer';

/**
 * The offset just past `units` units starting at `start`, checked against `limit` and each
 * lead byte; the callbacks throw the reader's own error. The string is ASCII exactly when
 * the span is `units` bytes long.
 */
export function cesu8End(buf: Buffer, start: number, limit: number, units: number, badLead: (byte: number, at: number) => never, pastEnd: () => never): number {
  // Most strings are ASCII, one byte per unit: checked in one native pass, not unit by unit.
  if (start + units <= limit && isAscii(buf.subarray(start, start + units))) return start + units;
  let pos = start;
  for (let i = 0; i < units; i++) {
    if (pos >= limit) pastEnd();
    const b = buf[pos] as number;
    if (b < 0x80) pos += 1;
    else if ((b & 0xe0) === 0xc0) pos += 2;
    else if ((b & 0xf0) === 0xe0) pos += 3;
    else badLead(b, pos);
  }
  if (pos > limit) pastEnd();
  return pos;
}

/** The text of `units` units spanning start..end (as measured by cesu8End). */
export function decodeCesu8(buf: Buffer, start: number, end: number, units: number): string {
  if (end - start === units) return buf.toString('latin1', start, end);
  const codes = new Uint16Array(units);
  let pos = start;
  for (let i = 0; i < units; i++) {
    const b = buf[pos] as number;
    if (b < 0x80) {
      codes[i] = b;
      pos += 1;
    } else if ((b & 0xe0) === 0xc0) {
      codes[i] = ((b & 0x1f) << 6) | ((buf[pos + 1] as number) & 0x3f);
      pos += 2;
    } else {
      codes[i] = ((b & 0x0f) << 12) | (((buf[pos + 1] as number) & 0x3f) << 6) | ((buf[pos + 2] as number) & 0x3f);
      pos += 3;
    }
  }
  let text = '';
  for (let i = 0; i < units; i += 8192) text += String.fromCharCode(...codes.subarray(i, Math.min(units, i + 8192)));
  return text;
}

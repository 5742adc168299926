/**
 * The one Hessian primitive writer: a growable byte buffer (one copy per doubling, never
 * per value) with the number and string forms both dialects share (docs/protocols.md).
 * JavaHessianWriter writes whole values with it; the codecs' own small writes (Dubbo's
 * head strings and attachments, SOFARPC's SofaRequest / SofaResponse) use it directly.
 */
import { isHighSurrogate } from './java-wire.js';
import type { HessianDialect } from './values.js';

const STRING_CHUNK = 0x8000;
/** Longer strings than this go through Node's UTF-8 writer; shorter ones are quicker unit by unit. */
const NATIVE_FROM = 32;
const SURROGATE = /[\ud800-\udfff]/;

export class ByteSink {
  #buf: Buffer;
  #len = 0;

  /** `capacity`: the bytes first allocated (it grows as needed). */
  constructor(capacity = 256) {
    this.#buf = Buffer.allocUnsafe(Math.max(16, capacity));
  }

  get length(): number {
    return this.#len;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }

  /** The bytes written so far without a copy: later writes never change them (growing copies elsewhere). */
  written(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = b & 0xff;
  }

  bytes(...values: number[]): void {
    this.#ensure(values.length);
    for (const b of values) this.#buf[this.#len++] = b & 0xff;
  }

  raw(data: Uint8Array): void {
    this.#ensure(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
  }

  u16(code: number, v: number): void {
    this.bytes(code, v >> 8, v);
  }

  int32(code: number, v: number): void {
    this.#ensure(5);
    this.#buf[this.#len] = code;
    this.#buf.writeInt32BE(v, this.#len + 1);
    this.#len += 5;
  }

  int64(code: number, v: bigint): void {
    this.#ensure(9);
    this.#buf[this.#len] = code;
    this.#buf.writeBigInt64BE(v, this.#len + 1);
    this.#len += 9;
  }

  float64(code: number, v: number): void {
    this.#ensure(9);
    this.#buf[this.#len] = code;
    this.#buf.writeDoubleBE(v, this.#len + 1);
    this.#len += 9;
  }

  float32(code: number, v: number): void {
    this.#ensure(5);
    this.#buf[this.#len] = code;
    this.#buf.writeFloatBE(v, this.#len + 1);
    this.#len += 5;
  }

  /** Each UTF-16 unit as 1-3 bytes; surrogates separately (CESU-8, docs/protocols.md). */
  cesu8(text: string, start = 0, end = text.length): void {
    if (end - start > NATIVE_FROM) {
      // Without surrogates CESU-8 is UTF-8, which Node writes natively: a 1 KiB string
      // took 6-15 µs unit by unit here, 0.3 µs so (surrogates stay with the loop).
      const part = start === 0 && end === text.length ? text : text.slice(start, end);
      if (!SURROGATE.test(part)) {
        this.#ensure(Buffer.byteLength(part, 'utf8'));
        this.#len += this.#buf.write(part, this.#len, 'utf8');
        return;
      }
    }
    this.#ensure((end - start) * 3);
    const buf = this.#buf;
    let n = this.#len;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) buf[n++] = c;
      else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6);
        buf[n++] = 0x80 | (c & 0x3f);
      } else {
        buf[n++] = 0xe0 | (c >> 12);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
      }
    }
    this.#len = n;
  }

  /** Hessian2Output.writeInt: the smallest of the 1/2/3-byte forms, else `I`. */
  hessianInt(v: number): void {
    if (v >= -16 && v <= 47) this.byte(0x90 + v);
    else if (v >= -2048 && v <= 2047) this.bytes(0xc8 + (v >> 8), v);
    else if (v >= -262144 && v <= 262143) this.bytes(0xd4 + (v >> 16), v >> 8, v);
    else this.int32(0x49, v);
  }

  /** Hessian2Output.writeLong; the 32-bit form is `Y` (0x59) in 2.0 final, `w` (0x77) in the legacy dialect. */
  hessianLong(v: bigint, legacy: boolean): void {
    if (v >= -8n && v <= 15n) this.byte(0xe0 + Number(v));
    else if (v >= -2048n && v <= 2047n) this.bytes(0xf8 + (Number(v) >> 8), Number(v));
    else if (v >= -262144n && v <= 262143n) this.bytes(0x3c + (Number(v) >> 16), Number(v) >> 8, Number(v));
    else if (v >= -2147483648n && v <= 2147483647n) this.int32(legacy ? 0x77 : 0x59, Number(v));
    else this.int64(0x4c, v);
  }

  /** Hessian2Output.writeString: 32 Ki-unit chunks never ending on a high surrogate (docs/protocols.md). */
  hessianString(text: string, legacy: boolean): void {
    let start = 0;
    for (;;) {
      let end = Math.min(text.length, start + STRING_CHUNK);
      const final = end === text.length;
      if (!final && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      const units = end - start;
      if (!final) this.u16(legacy ? 0x73 : 0x52, units);
      else if (units <= 0x1f) this.byte(units);
      else if (units <= 0x3ff && !legacy) this.bytes(0x30 + (units >> 8), units);
      else this.u16(0x53, units);
      this.cesu8(text, start, end);
      if (final) return;
      start = end;
    }
  }
}

/** Hessian2Output.writeString of one string, as bytes of their own (final dialect unless told). */
export function hessianString(text: string, dialect: HessianDialect = 'final'): Buffer {
  // CESU-8 is at most 3 bytes a unit, plus a 3-byte head per 32 Ki-unit chunk.
  const sink = new ByteSink(text.length * 3 + 3 * (1 + (text.length >> 15)));
  sink.hessianString(text, dialect === 'legacy');
  return sink.toBuffer();
}

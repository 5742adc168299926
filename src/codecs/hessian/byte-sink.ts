/** A growable byte buffer for the Hessian writers: one copy per doubling, never per value. */
export class ByteSink {
  #buf = Buffer.allocUnsafe(256);
  #len = 0;

  get length(): number {
    return this.#len;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
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

  /** Each UTF-16 unit as 1-3 bytes; surrogates separately (CESU-8, protocols.md 4.3 #2). */
  cesu8(text: string, start = 0, end = text.length): void {
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
}

/**
 * Minimal Hessian 2.0 reading for routing: read the few scalar values a frame's
 * envelope needs (strings, ints, longs, string-keyed maps) and skip any other
 * value without building it, so a codec can reach the values after the arguments
 * (Dubbo's attachments) while the arguments stay raw bytes.
 *
 * Byte codes follow docs/protocols.md (hessian-lite Hessian2Constants).
 * Every declared length is checked against the bytes left before anything is
 * allocated or looped over, and every value consumes at least one byte, so a scan
 * costs O(bytes) whatever the input claims (docs/reliability.md). One file of
 * about 400 lines: the rest of hessian/ is the full decoder, owned separately.
 */
import { MeshError } from '../../core/errors.js';
import { cesu8End, decodeCesu8 } from './cesu8.js';

/** Most class definitions one stream may declare (docs/reliability.md). */
export const MAX_CLASS_DEFS = 4096;

export class HessianScanError extends MeshError {
  override readonly name = 'HessianScanError';
  constructor(message: string) {
    super('PMESH_CODEC_ERROR', `hessian: ${message}`);
  }
}

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;
const badLead = (b: number): never => {
  throw new HessianScanError(`bad utf-8 lead byte ${hex(b)} in a string`);
};
const pastEnd = (): never => {
  throw new HessianScanError('string runs past the end of data');
};

/**
 * A cursor over one Hessian stream (one Dubbo body). Class definitions seen while
 * skipping are remembered because later objects refer to them by index.
 */
export class HessianScanner {
  readonly #buf: Buffer;
  readonly #end: number;
  readonly #maxDepth: number;
  #pos: number;
  /** Field count of each class definition, in declaration order. */
  readonly #classFields: number[] = [];
  /** Composites (lists, maps, objects) started so far: the valid range of `Q` references. */
  #refs = 0;
  /** Told every class name met while skipping: object types, typed lists and maps, a map's "class" entry. */
  readonly #onClass: ((name: string) => void) | undefined;

  constructor(buf: Buffer, start = 0, end = buf.length, maxDepth = 64, onClass?: (name: string) => void) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
    this.#maxDepth = maxDepth;
    this.#onClass = onClass;
  }

  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  /**
   * What reading on from here depends on besides the bytes: the class definitions and the
   * count of values a `Q` may refer to, met so far. Empty when there are none (a fresh
   * stream), so two positions with the same key read the same bytes the same way.
   */
  stateKey(): string {
    return this.#refs === 0 && this.#classFields.length === 0 ? '' : `${this.#refs}/${this.#classFields.join(',')}`;
  }

  /** The next byte code without consuming it, or -1 at the end. */
  peek(): number {
    return this.#pos < this.#end ? (this.#buf[this.#pos] as number) : -1;
  }

  #byte(): number {
    if (this.#pos >= this.#end) throw new HessianScanError('unexpected end of data');
    return this.#buf[this.#pos++] as number;
  }

  #need(n: number, what: string): void {
    if (n > this.#end - this.#pos) {
      throw new HessianScanError(`${what} declares ${n} bytes but only ${this.#end - this.#pos} remain`);
    }
  }

  #u16(): number {
    this.#need(2, 'u16');
    const v = this.#buf.readUInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }

  #i32(): number {
    this.#need(4, 'int32');
    const v = this.#buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  /** An int in any of its encodings (also accepted where Java calls readInt). */
  readInt(): number {
    const b = this.#byte();
    if (b >= 0x80 && b <= 0xbf) return b - 0x90;
    if (b >= 0xc0 && b <= 0xcf) return ((b - 0xc8) << 8) + this.#byte();
    if (b >= 0xd0 && b <= 0xd7) {
      const hi = (b - 0xd4) << 16;
      return hi + (this.#byte() << 8) + this.#byte();
    }
    if (b === 0x49) return this.#i32();
    throw new HessianScanError(`expected an int, got ${hex(b)}`);
  }

  /** A long (or an int, as Java accepts) as a bigint, exact beyond 2^53. */
  readLong(): bigint {
    const b = this.peek();
    if (b >= 0xd8 && b <= 0xef) return BigInt(this.#byte() - 0xe0);
    if (b >= 0xf0 && b <= 0xff) {
      this.#pos++;
      return BigInt(((b - 0xf8) << 8) + this.#byte());
    }
    if (b >= 0x38 && b <= 0x3f) {
      this.#pos++;
      const hi = (b - 0x3c) << 16;
      return BigInt(hi + (this.#byte() << 8) + this.#byte());
    }
    if (b === 0x59) {
      this.#pos++;
      return BigInt(this.#i32());
    }
    if (b === 0x4c) {
      this.#pos++;
      this.#need(8, 'long');
      const v = this.#buf.readBigInt64BE(this.#pos);
      this.#pos += 8;
      return v;
    }
    if (b === -1) throw new HessianScanError('unexpected end of data');
    return BigInt(this.readInt());
  }

  /** True when the next value is a string (any encoding, chunked included). */
  isString(): boolean {
    const b = this.peek();
    return (b >= 0x00 && b <= 0x1f) || (b >= 0x30 && b <= 0x33) || b === 0x52 || b === 0x53;
  }

  /** A string in any encoding: short, medium, `S`, or `R` chunks ending in a final one. */
  readString(): string {
    let text = '';
    for (;;) {
      const b = this.#byte();
      let units: number;
      let final = true;
      if (b <= 0x1f) units = b;
      else if (b >= 0x30 && b <= 0x33) units = ((b - 0x30) << 8) + this.#byte();
      else if (b === 0x53 || b === 0x52) {
        units = this.#u16();
        final = b === 0x53;
      } else throw new HessianScanError(`expected a string, got ${hex(b)}`);
      text += this.#chars(units, true);
      if (final) return text;
    }
  }

  /**
   * Reads or skips `units` UTF-16 code units written CESU-8 style: 1, 2 or 3 bytes
   * per unit, never a 4-byte sequence (docs/protocols.md; Java and hessian.js
   * both reject those).
   */
  #chars(units: number, keep: boolean): string {
    this.#need(units, 'string'); // at least one byte per unit
    const start = this.#pos;
    const end = cesu8End(this.#buf, start, this.#end, units, badLead, pastEnd);
    this.#pos = end;
    return keep ? decodeCesu8(this.#buf, start, end, units) : '';
  }

  /** Skips one value of any type, checking depth and every declared length. */
  skip(): void {
    this.#skip(0);
  }

  #skip(depth: number): void {
    if (depth > this.#maxDepth) throw new HessianScanError(`nesting deeper than ${this.#maxDepth}`);
    const b = this.#byte();
    if (b <= 0x1f) return void this.#chars(b, false);
    if (b <= 0x2f) return this.#bytes(b - 0x20);
    if (b <= 0x33) return void this.#chars(((b - 0x30) << 8) + this.#byte(), false);
    if (b <= 0x37) return this.#bytes(((b - 0x34) << 8) + this.#byte());
    if (b <= 0x3f) return this.#bytes(2);
    if (b >= 0x80 && b <= 0xbf) return;
    if (b >= 0xc0 && b <= 0xcf) return this.#bytes(1);
    if (b >= 0xd0 && b <= 0xd7) return this.#bytes(2);
    if (b >= 0xd8 && b <= 0xef) return;
    if (b >= 0xf0) return this.#bytes(1);
    if (b >= 0x60 && b <= 0x6f) return this.#object(b - 0x60, depth);
    if (b >= 0x70 && b <= 0x77) {
      this.#refs++;
      this.#type();
      return this.#values(b - 0x70, depth);
    }
    if (b >= 0x78 && b <= 0x7f) {
      this.#refs++;
      return this.#values(b - 0x78, depth);
    }
    this.#skipLetter(b, depth);
  }

  #skipLetter(b: number, depth: number): void {
    switch (b) {
      case 0x41: // 'A' binary chunk, more follows
        this.#bytes(this.#u16());
        return this.#skipBinaryRest();
      case 0x42: return this.#bytes(this.#u16()); // 'B'
      case 0x43: // 'C' a class definition is not a value: the object using it follows
        this.#classDef();
        return this.#skip(depth);
      case 0x44: case 0x4a: case 0x4c: return this.#bytes(8); // double, date ms, long
      case 0x46: case 0x4e: case 0x54: case 0x5b: case 0x5c: return; // F, N, T, 0.0, 1.0
      case 0x49: case 0x4b: case 0x59: case 0x5f: return this.#bytes(4); // int, date min, long32, double mills
      case 0x4f: return this.#object(this.readInt(), depth); // 'O'
      case 0x51: return this.#reference(); // 'Q'
      case 0x52: // 'R' string chunk, more follows
        this.#chars(this.#u16(), false);
        return this.#skipStringRest();
      case 0x53: return void this.#chars(this.#u16(), false); // 'S'
      case 0x48: case 0x4d: case 0x55: case 0x56: case 0x57: case 0x58:
        return this.#composite(b, depth);
      case 0x5d: return this.#bytes(1);
      case 0x5e: return this.#bytes(2);
      default:
        throw new HessianScanError(`unexpected byte code ${hex(b)}`);
    }
  }

  /** Maps and lists: each takes the next reference index as it starts (docs/protocols.md). */
  #composite(b: number, depth: number): void {
    this.#refs++;
    if (b === 0x4d || b === 0x55 || b === 0x56) this.#type(); // M, U, V carry a type
    if (b === 0x48 || b === 0x4d) return this.#mapEntries(depth);
    if (b === 0x55 || b === 0x57) return this.#untilZ(depth);
    this.#values(this.#count(), depth); // V, X
  }

  #reference(): void {
    const index = this.readInt();
    if (index < 0 || index >= this.#refs) {
      throw new HessianScanError(`reference ${index} points past the ${this.#refs} values defined so far`);
    }
  }

  #bytes(n: number): void {
    this.#need(n, 'value');
    this.#pos += n;
  }

  #skipStringRest(): void {
    if (!this.isString()) throw new HessianScanError(`expected a string chunk, got ${hex(this.peek())}`);
    this.readString();
  }

  #skipBinaryRest(): void {
    for (;;) {
      const b = this.#byte();
      if (b === 0x41) this.#bytes(this.#u16());
      else if (b === 0x42) return this.#bytes(this.#u16());
      else if (b >= 0x20 && b <= 0x2f) return this.#bytes(b - 0x20);
      else if (b >= 0x34 && b <= 0x37) return this.#bytes(((b - 0x34) << 8) + this.#byte());
      else throw new HessianScanError(`expected a binary chunk, got ${hex(b)}`);
    }
  }

  /** A list/map type: a type-name string or an int index into the type table. */
  #type(): void {
    if (!this.isString()) return void this.readInt();
    const name = this.readString();
    this.#onClass?.(name);
  }

  #count(): number {
    const n = this.readInt();
    if (n < 0) throw new HessianScanError(`negative length ${n}`);
    return n;
  }

  #values(n: number, depth: number): void {
    this.#need(n, 'list'); // each value takes at least one byte
    for (let i = 0; i < n; i++) this.#skip(depth + 1);
  }

  #untilZ(depth: number): void {
    while (this.peek() !== 0x5a) this.#skip(depth + 1);
    this.#pos++;
  }

  #mapEntries(depth: number): void {
    while (this.peek() !== 0x5a) {
      // A generic call's map names the class to build in its "class" entry (Dubbo PojoUtils).
      if (!this.#onClass || !this.isString()) this.#skip(depth + 1);
      else if (this.readString() === 'class' && this.isString()) {
        this.#onClass(this.readString());
        continue;
      }
      this.#skip(depth + 1);
    }
    this.#pos++;
  }

  #classDef(): void {
    if (this.#classFields.length >= MAX_CLASS_DEFS) throw new HessianScanError(`more than ${MAX_CLASS_DEFS} class definitions`);
    const name = this.readString(); // read whether or not anyone listens: `?.(...)` would skip the read
    this.#onClass?.(name);
    const fields = this.#count();
    this.#need(fields, 'class definition');
    for (let i = 0; i < fields; i++) this.readString();
    this.#classFields.push(fields);
  }

  #object(index: number, depth: number): void {
    const fields = this.#classFields[index];
    if (fields === undefined) throw new HessianScanError(`object refers to undefined class definition ${index}`);
    this.#refs++;
    this.#values(fields, depth);
  }

  /** Consumes a map opening: `H`, or `M` and its type. */
  readMapStart(): void {
    const b = this.#byte();
    if (b === 0x4d) this.#type();
    else if (b !== 0x48) throw new HessianScanError(`expected a map, got ${hex(b)}`);
    this.#refs++;
  }

  /** Consumes the `Z` closing a map or list if it is next; false (nothing consumed) otherwise. */
  readEnd(): boolean {
    const b = this.peek();
    if (b === -1) throw new HessianScanError('unexpected end of data');
    if (b !== 0x5a) return false;
    this.#pos++;
    return true;
  }

  /**
   * Reads an untyped or typed map whose keys are strings, keeping string and scalar
   * values as text (ints, longs, booleans) and skipping any other value. Used for
   * attachments: `Map<String, Object>` on the Java side.
   */
  readStringMap(): Map<string, string> {
    this.readMapStart();
    const map = new Map<string, string>();
    while (!this.readEnd()) {
      if (!this.isString()) {
        this.#skip(1);
        this.#skip(1);
        continue;
      }
      const key = this.readString();
      const value = this.readScalarText();
      if (value !== undefined) map.set(key, value);
    }
    return map;
  }

  /** A string, int, long or boolean as text; null and composite values are skipped (undefined). */
  readScalarText(): string | undefined {
    const b = this.peek();
    if (this.isString()) return this.readString();
    if (b === 0x54 || b === 0x46) return this.#byte() === 0x54 ? 'true' : 'false';
    if ((b >= 0x80 && b <= 0xd7) || b === 0x49) return String(this.readInt());
    if ((b >= 0xd8 && b <= 0xff) || (b >= 0x38 && b <= 0x3f) || b === 0x59 || b === 0x4c) return this.readLong().toString();
    this.#skip(1);
    return undefined;
  }
}

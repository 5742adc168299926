/**
 * A bounded Hessian reader for both dialects real SOFARPC peers write (values.ts).
 *
 * Why our own reader and not hessian.js: hessian.js 2.11 recurses without a depth
 * bound (RangeError at ~5,000 levels), trusts declared lengths and resolves dangling
 * refs to undefined (docs/reliability.md), returns longs beyond 2^53 as strings, and
 * cannot read the legacy dialect at all (sofa-bolt-node reads it with hessian.js 1.x,
 * which is not our dependency). Every guard is checked here before any work: depth
 * <= limit, every declared length/count <= the bytes left, class/type/ref indexes in
 * range, and callers check consumed == body length (`atEnd`). It allocates only after
 * those checks, so a hostile body costs at most O(body length).
 *
 * Byte maps: docs/protocols.md (final). Legacy codes as read by hessian.js 1.12
 * lib/v2/decoder.js: long 0x77 int32; double 0x67/0x68/0x69/0x6a/0x6b(float32);
 * date 0x64; string chunks 's'/'S'; binary chunks 'b'/'B'; class def `O` len-int
 * raw-name int-count names, instance `o` int; list `V` type [n byte | l int] values `z`,
 * `v` int-type int-len values; map `M` type (k v)* `z`, `H` (k v)* `z`; type `t` u16
 * raw-name | `T`/`u` int; refs `R` int32, `J` u8, `K` u16.
 */
import { MeshError } from '../../core/errors.js';
import { cesu8End, decodeCesu8 } from './cesu8.js';
import type { HessianDialect, HessianValue, JavaObject } from './values.js';

export const DEFAULT_MAX_DEPTH = 64;

interface ClassDef {
  readonly name: string;
  readonly fields: readonly string[];
}

export class HessianReader {
  readonly #buf: Buffer;
  readonly #end: number;
  readonly #dialect: HessianDialect;
  readonly #maxDepth: number;
  #pos: number;
  readonly #refs: HessianValue[] = [];
  readonly #classes: ClassDef[] = [];
  readonly #types: string[] = [];

  constructor(buf: Buffer, dialect: HessianDialect, maxDepth = DEFAULT_MAX_DEPTH) {
    this.#buf = buf;
    this.#end = buf.length;
    this.#pos = 0;
    this.#dialect = dialect;
    this.#maxDepth = maxDepth;
  }

  get position(): number {
    return this.#pos;
  }

  get atEnd(): boolean {
    return this.#pos === this.#end;
  }

  /** Reads one value. Throws MeshError PMESH_CODEC_ERROR on anything malformed. */
  read(): HessianValue {
    return this.#value(0);
  }

  fail(what: string, at = this.#pos): never {
    throw new MeshError('PMESH_CODEC_ERROR', `hessian: ${what} at offset ${at}`);
  }

  #need(n: number, what: string): void {
    if (n < 0 || this.#pos + n > this.#end) this.fail(`${what} needs ${n} bytes, ${this.#end - this.#pos} left`);
  }

  #u8(): number {
    this.#need(1, 'value');
    return this.#buf[this.#pos++] as number;
  }

  #peek(): number {
    this.#need(1, 'value');
    return this.#buf[this.#pos] as number;
  }

  #fixed(n: number, what: string): Buffer {
    this.#need(n, what);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  #value(depth: number): HessianValue {
    if (depth > this.#maxDepth) this.fail(`nesting deeper than ${this.#maxDepth}`);
    const legacy = this.#dialect === 'legacy';
    let at = this.#pos;
    let code = this.#u8();
    // Class definitions precede the value that uses them; loop, never recurse, over a run of them.
    while (code === (legacy ? 0x4f : 0x43)) {
      if (legacy) this.#legacyClassDef();
      else this.#finalClassDef();
      at = this.#pos;
      code = this.#u8();
    }
    if (code <= 0x1f) return this.#chars(code);
    if (code <= 0x2f) return Buffer.from(this.#fixed(code - 0x20, 'binary'));
    if (code >= 0x80 && code <= 0xbf) return code - 0x90;
    if (code >= 0xc0 && code <= 0xcf) return ((code - 0xc8) << 8) + this.#u8();
    if (code >= 0xd0 && code <= 0xd7) return ((code - 0xd4) << 16) + this.#fixed(2, 'int').readUInt16BE(0);
    if (code >= 0xd8 && code <= 0xef) return BigInt(code - 0xe0);
    if (code >= 0xf0) return BigInt(((code - 0xf8) << 8) + this.#u8());
    if (code >= 0x38 && code <= 0x3f) return BigInt(((code - 0x3c) << 16) + this.#fixed(2, 'long').readUInt16BE(0));
    switch (code) {
      case 0x4e: return null;
      case 0x54: return true;
      case 0x46: return false;
      case 0x49: return this.#fixed(4, 'int').readInt32BE(0);
      case 0x4c: return this.#fixed(8, 'long').readBigInt64BE(0);
      case 0x44: return this.#fixed(8, 'double').readDoubleBE(0);
      case 0x53: return this.#string(code);
      case 0x42: return this.#binary(code);
      case 0x48: return this.#map(depth, legacy, false);
      case 0x4d: return this.#map(depth, legacy, true);
      case 0x56: {
        if (legacy) return this.#legacyList(depth);
        const type = this.#finalType();
        return this.#list(depth, true, this.#int(), type);
      }
    }
    return legacy ? this.#legacyValue(code, depth, at) : this.#finalValue(code, depth, at);
  }

  #finalValue(code: number, depth: number, at: number): HessianValue {
    if (code >= 0x30 && code <= 0x33) return this.#chars(((code - 0x30) << 8) + this.#u8());
    if (code >= 0x34 && code <= 0x37) return Buffer.from(this.#fixed(((code - 0x34) << 8) + this.#u8(), 'binary'));
    if (code >= 0x60 && code <= 0x6f) return this.#instance(code - 0x60, depth);
    if (code >= 0x70 && code <= 0x77) return this.#list(depth, true, code - 0x70);
    if (code >= 0x78 && code <= 0x7f) return this.#list(depth, false, code - 0x78);
    switch (code) {
      case 0x59: return BigInt(this.#fixed(4, 'long').readInt32BE(0));
      case 0x5b: return 0;
      case 0x5c: return 1;
      case 0x5d: return this.#fixed(1, 'double').readInt8(0);
      case 0x5e: return this.#fixed(2, 'double').readInt16BE(0);
      case 0x5f: return this.#fixed(4, 'double').readInt32BE(0) * 0.001;
      case 0x4a: return new Date(Number(this.#fixed(8, 'date').readBigInt64BE(0)));
      case 0x4b: return new Date(this.#fixed(4, 'date').readInt32BE(0) * 60_000);
      case 0x52: return this.#string(code);
      case 0x41: return this.#binary(code);
      case 0x4f: return this.#instance(this.#int(), depth);
      case 0x51: return this.#ref(this.#int());
      case 0x55: return this.#list(depth, true, -1);
      case 0x57: return this.#list(depth, false, -1);
      case 0x58: return this.#list(depth, false, this.#int());
    }
    return this.fail(`unknown code 0x${code.toString(16).padStart(2, '0')}`, at);
  }

  #legacyValue(code: number, depth: number, at: number): HessianValue {
    switch (code) {
      case 0x77: return BigInt(this.#fixed(4, 'long').readInt32BE(0));
      case 0x67: return 0;
      case 0x68: return 1;
      case 0x69: return this.#fixed(1, 'double').readInt8(0);
      case 0x6a: return this.#fixed(2, 'double').readInt16BE(0);
      case 0x6b: return this.#fixed(4, 'double').readFloatBE(0);
      case 0x64: return new Date(Number(this.#fixed(8, 'date').readBigInt64BE(0)));
      case 0x73: return this.#string(code);
      case 0x62: return this.#binary(code);
      case 0x6f: return this.#instance(this.#int(), depth);
      case 0x76: {
        const type = this.#typeRef();
        return this.#list(depth, type !== '', this.#int(), type);
      }
      case 0x52: return this.#ref(this.#fixed(4, 'ref').readInt32BE(0));
      case 0x4a: return this.#ref(this.#u8());
      case 0x4b: return this.#ref(this.#fixed(2, 'ref').readUInt16BE(0));
    }
    return this.fail(`unknown code 0x${code.toString(16).padStart(2, '0')}`, at);
  }

  /** An int in any compact form; used for lengths, counts and indexes. */
  #int(): number {
    const value = this.#value(this.#maxDepth);
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail('expected an int');
    return value;
  }

  #count(n: number, what: string): number {
    // Every element takes at least one byte, so a count beyond the bytes left is a lie.
    if (n < 0 || n > this.#end - this.#pos) this.fail(`${what} declares ${n} entries, ${this.#end - this.#pos} bytes left`);
    return n;
  }

  #ref(index: number): HessianValue {
    if (index < 0 || index >= this.#refs.length) this.fail(`reference ${index} out of range (${this.#refs.length} defined)`);
    return this.#refs[index] as HessianValue;
  }

  /** `len` UTF-16 units, each 1-3 bytes (CESU-8, docs/protocols.md). */
  #chars(len: number): string {
    this.#need(len, 'string');
    const start = this.#pos;
    const end = cesu8End(
      this.#buf,
      start,
      this.#end,
      len,
      (b, at) => this.fail(`bad UTF-8 lead byte 0x${b.toString(16)}`, at),
      () => this.fail('value needs 1 bytes, 0 left', this.#end),
    );
    this.#pos = end;
    return decodeCesu8(this.#buf, start, end, len);
  }


  /** Chunked string: `code` is the first chunk's code, already consumed. */
  #string(code: number): string {
    const more = this.#dialect === 'legacy' ? 0x73 : 0x52;
    let out = '';
    for (;;) {
      if (code === more || code === 0x53) {
        out += this.#chars(this.#fixed(2, 'string length').readUInt16BE(0));
        if (code === 0x53) return out;
      } else if (code <= 0x1f) {
        return out + this.#chars(code);
      } else if (this.#dialect === 'final' && code >= 0x30 && code <= 0x33) {
        return out + this.#chars(((code - 0x30) << 8) + this.#u8());
      } else {
        this.fail(`bad string chunk 0x${code.toString(16)}`, this.#pos - 1);
      }
      code = this.#u8();
    }
  }

  #binary(code: number): Buffer {
    const more = this.#dialect === 'legacy' ? 0x62 : 0x41;
    const parts: Buffer[] = [];
    for (;;) {
      if (code === more || code === 0x42) {
        parts.push(this.#fixed(this.#fixed(2, 'binary length').readUInt16BE(0), 'binary'));
        if (code === 0x42) return Buffer.concat(parts);
      } else if (code >= 0x20 && code <= 0x2f) {
        parts.push(this.#fixed(code - 0x20, 'binary'));
        return Buffer.concat(parts);
      } else {
        this.fail(`bad binary chunk 0x${code.toString(16)}`, this.#pos - 1);
      }
      code = this.#u8();
    }
  }

  #stringValue(what: string): string {
    const value = this.#value(this.#maxDepth);
    if (typeof value !== 'string') this.fail(`${what} is not a string`);
    return value;
  }

  #finalClassDef(): void {
    const name = this.#stringValue('class name');
    const count = this.#count(this.#int(), 'class definition');
    const fields: string[] = [];
    for (let i = 0; i < count; i++) fields.push(this.#stringValue('field name'));
    this.#classes.push({ name, fields });
  }

  #legacyClassDef(): void {
    const name = this.#chars(this.#count(this.#int(), 'class name'));
    const count = this.#count(this.#int(), 'class definition');
    const fields: string[] = [];
    for (let i = 0; i < count; i++) fields.push(this.#stringValue('field name'));
    this.#classes.push({ name, fields });
  }

  #instance(index: number, depth: number): JavaObject {
    const def = this.#classes[index];
    if (def === undefined) this.fail(`class definition ${index} out of range (${this.#classes.length} defined)`);
    const fields: Record<string, HessianValue> = Object.create(null) as Record<string, HessianValue>;
    const object: JavaObject = { $class: def.name, $: fields };
    this.#refs.push(object);
    for (const name of def.fields) fields[name] = this.#value(depth + 1);
    return object;
  }

  /** Final-dialect type: a string (added to the type table) or an int index into it. */
  #finalType(): string {
    const value = this.#value(this.#maxDepth);
    if (typeof value === 'string') {
      this.#types.push(value);
      return value;
    }
    if (typeof value === 'number') return this.#typeAt(value);
    return this.fail('bad type');
  }

  #typeAt(index: number): string {
    const type = this.#types[index];
    if (type === undefined) this.fail(`type reference ${index} out of range (${this.#types.length} defined)`);
    return type;
  }

  /** Legacy type: `t` u16 raw name, `T`/`u` int index, or nothing (untyped). */
  #legacyType(): string {
    if (this.#pos >= this.#end) return '';
    const code = this.#peek();
    if (code === 0x74) {
      this.#pos++;
      const name = this.#chars(this.#fixed(2, 'type length').readUInt16BE(0));
      this.#types.push(name);
      return name;
    }
    if (code === 0x54 || code === 0x75) {
      this.#pos++;
      return this.#typeAt(this.#int());
    }
    return '';
  }

  #typeRef(): string {
    return this.#typeAt(this.#int());
  }

  /** Lists of both dialects; `length` -1 reads until the terminator. */
  #list(depth: number, typed: boolean, length: number, knownType?: string): HessianValue {
    const type = typed ? (knownType ?? this.#finalType()) : '';
    const items: HessianValue[] = [];
    const result: HessianValue = type ? { $class: type, $: items } : items;
    this.#refs.push(result);
    if (length >= 0) {
      this.#count(length, 'list');
      for (let i = 0; i < length; i++) items.push(this.#value(depth + 1));
    } else {
      while (this.#peek() !== 0x5a) items.push(this.#value(depth + 1));
      this.#pos++;
    }
    return result;
  }

  /** Legacy `V`: type, optional `n`/`l` length, values, then `z` in every case. */
  #legacyList(depth: number): HessianValue {
    const type = this.#legacyType();
    let length = -1;
    const code = this.#peek();
    if (code === 0x6e) {
      this.#pos++;
      length = this.#u8();
    } else if (code === 0x6c) {
      this.#pos++;
      length = this.#fixed(4, 'list length').readInt32BE(0);
    }
    const items: HessianValue[] = [];
    const result: HessianValue = type ? { $class: type, $: items } : items;
    this.#refs.push(result);
    if (length >= 0) {
      this.#count(length, 'list');
      for (let i = 0; i < length; i++) items.push(this.#value(depth + 1));
    } else {
      while (this.#peek() !== 0x7a) items.push(this.#value(depth + 1));
    }
    if (this.#u8() !== 0x7a) this.fail('list not terminated by z', this.#pos - 1);
    return result;
  }

  #map(depth: number, legacy: boolean, typed: boolean): HessianValue {
    const type = typed ? (legacy ? this.#legacyType() : this.#finalType()) : '';
    const map = new Map<HessianValue, HessianValue>();
    const result: HessianValue = type ? { $class: type, $: map } : map;
    this.#refs.push(result);
    const end = legacy ? 0x7a : 0x5a;
    while (this.#peek() !== end) {
      const key = this.#value(depth + 1);
      map.set(key, this.#value(depth + 1));
    }
    this.#pos++;
    return result;
  }
}

/**
 * JavaValue -> Hessian 2.0 (final) bytes, making the choices Java's Hessian2Output makes
 * so that our bytes equal Java's where Java is deterministic (docs/protocols.md; checked
 * against test/golden/values, written by Dubbo 3.3.6 / hessian-lite 4.0.4):
 * smallest int/long forms, doubles as 5b/5c/5d/5e/5f (milliths)/D, a boxed Float as the
 * double of its shortest decimal text (hessian-lite goes through Float.toString: 0.1f is
 * written as 0.1) but a float in a POJO field or float[] widened (goldens array_float,
 * pojo_float_field), Date in minutes when whole, ArrayList and HashMap untyped, other
 * collections and maps typed with their class, arrays as `[int`/`[string`/`[object`/
 * `[com.x.Y` lists, enums and BigDecimal as one-field objects, class definitions on
 * first use, type names and objects referenced on repeat.
 *
 * One writer is one Hessian stream: Dubbo writes a whole request body (head strings,
 * arguments, attachments) with one Hessian2Output, so its three tables span the body.
 * Legacy dialect (sofa-hessian 3.5.5, test/golden/values/*.sofa.bin): `O`/`o` class
 * definitions, `V`/`v` lists and `M` maps ending in `z`, `t`/`u` types, `J`/`K`/`R`
 * refs, float32 doubles, 0x64 dates.
 * Not matched because Java's choice is not in the value: binary chunk sizes after
 * another value flushed Java's buffer early (modelled, exact until then), BigInteger's
 * cached fields (written as zero, as a fresh BigInteger has them) and POJO field order
 * (taken from the value; hessian-lite and sofa-hessian order the same class differently).
 */
import type { JavaValue } from '../../bridge/values.js';
import { ByteSink } from './byte-sink.js';
import { floatAsJavaWritesIt, hessianComponent, javaIntCast } from './java-wire.js';
import { writeTableFree } from './table-free.js';
import type { HessianDialect } from './values.js';

const PRIMITIVE_COMPONENTS = new Set(['boolean', 'byte', 'short', 'char', 'int', 'long', 'float', 'double']);
const OBJECT_REF_KINDS = new Set(['list', 'set', 'map', 'array', 'object', 'enum', 'decimal', 'biginteger']);
/** Hessian2Output's buffer size (hessian-lite 4.0.4): binary chunks end where it is full. */
const JAVA_BUFFER = 8192;
const BIGINTEGER_FIELDS = ['mag', 'firstNonzeroIntNumPlusTwo', 'lowestSetBitPlusTwo', 'bitLengthPlusOne', 'bitCountPlusOne', 'signum'];

/** Tables an earlier part of the same stream filled (SOFARPC: the SofaRequest before the arguments). */
export interface StreamState {
  /** Class definitions in definition order: class name and field names. */
  readonly classes: readonly (readonly [string, readonly string[]])[];
  /** Composites already numbered for back-references. */
  readonly refCount: number;
  /** Type names (lists, maps) in table order. */
  readonly types: readonly string[];
  /** Bytes of the stream before this writer (Dubbo's head strings): binary chunking depends on it. */
  readonly byteOffset?: number;
}

export interface JavaWriterOptions {
  /** 'final' (Hessian 2.0, Dubbo) or 'legacy' (what Java SOFARPC reads and writes); default 'final'. */
  readonly dialect?: HessianDialect;
  readonly continueFrom?: StreamState;
  /**
   * Write POJO fields last to first. hessian-lite 4.0.4 (Dubbo 3.3) writes a class's fields
   * in reverse declaration order (goldens pojo_*), and its reader fills a primitive float
   * field with an 8-byte store that also overwrites the fields laid out after it unless
   * they come later in the stream (test/interop/values-java-reads.test.ts): with a schema
   * in declaration order, set this for Dubbo so the provider sees its own order.
   */
  readonly reverseFields?: boolean;
  /**
   * Write fields holding a float first (after reverseFields): hessian-lite 4.0.4's 8-byte
   * store for a float field then lands on neighbours that are written afterwards, so
   * only the float itself is lost (between two Java peers the neighbours are lost too).
   * Off by default: the default is to write what Java writes. Useful for Dubbo only;
   * sofa-hessian reads floats right.
   */
  readonly floatFieldsFirst?: boolean;
  /**
   * Write after what this sink holds (a frame's head, Hessian strings that fill no table):
   * its bytes count as the stream's start for binary chunking, as `byteOffset` would.
   */
  readonly sink?: ByteSink;
}

export class JavaHessianWriter {
  readonly #out: ByteSink;
  readonly #legacy: boolean;
  readonly #reverseFields: boolean;
  readonly #floatFieldsFirst: boolean;
  #refCount: number;
  readonly #refs = new Map<object | string, number>();
  readonly #classes = new Map<string, number>();
  /** The same definitions in order, as StreamState lists them. */
  readonly #classList: (readonly [string, readonly string[]])[] = [];
  readonly #types = new Map<string, number>();
  /** Where Java's buffer was last empty, relative to our output (negative: bytes before this writer). */
  #flushMark: number;

  constructor(options: JavaWriterOptions = {}) {
    this.#legacy = options.dialect === 'legacy';
    this.#reverseFields = options.reverseFields === true;
    this.#floatFieldsFirst = options.floatFieldsFirst === true;
    this.#out = options.sink ?? new ByteSink();
    const state = options.continueFrom;
    this.#refCount = state?.refCount ?? 0;
    this.#flushMark = -(state?.byteOffset ?? 0);
    for (const [name, fields] of state?.classes ?? []) this.#defineClass(name, fields);
    for (const type of state?.types ?? []) this.#types.set(type, this.#types.size);
  }

  /** Appends one value to the stream. */
  write(value: JavaValue): this {
    this.#value(value);
    return this;
  }

  toBuffer(): Buffer {
    return this.#out.toBuffer();
  }

  /** The stream's tables as they stand: what a writer continuing after these bytes starts from. */
  state(): StreamState {
    return { classes: [...this.#classList], refCount: this.#refCount, types: [...this.#types.keys()] };
  }

  #defineClass(name: string, fields: readonly string[]): number {
    const index = this.#classes.size;
    this.#classes.set(classKey(name, fields), index);
    this.#classList.push([name, fields]);
    return index;
  }

  /** Hessian2Output.writeDouble, including Java's (int) truncation and saturation. */
  #double(v: number): void {
    const out = this.#out;
    const asInt = javaIntCast(v);
    const legacy = this.#legacy;
    if (asInt === v) {
      if (asInt === 0) return out.byte(legacy ? 0x67 : 0x5b);
      if (asInt === 1) return out.byte(legacy ? 0x68 : 0x5c);
      if (asInt >= -128 && asInt <= 127) return out.bytes(legacy ? 0x69 : 0x5d, asInt);
      if (asInt >= -32768 && asInt <= 32767) return out.bytes(legacy ? 0x6a : 0x5e, asInt >> 8, asInt);
    }
    if (legacy) {
      // sofa-hessian 3.5: a double that survives (float) is written as float32 (goldens double_65536.0, float_0.1).
      if (Math.fround(v) === v || Number.isNaN(v)) return Number.isNaN(v) ? out.float64(0x44, v) : out.float32(0x6b, v);
      return out.float64(0x44, v);
    }
    const mills = javaIntCast(v * 1000);
    if (0.001 * mills === v) return out.int32(0x5f, mills);
    out.float64(0x44, v);
  }

  /**
   * Hessian2Output.writeBytes. Final dialect: beyond 1023 bytes Java fills its 8 KiB buffer
   * with `A` chunks (flushing after each), so chunk sizes follow the buffer position,
   * modelled here as the bytes since the stream start or the last chunk; the last piece
   * takes the short forms (goldens bytes_8190, bytes_chunks_list). Legacy: 32 KiB chunks.
   */
  #binary(data: Uint8Array): void {
    const out = this.#out;
    const legacy = this.#legacy;
    let offset = 0;
    if (data.length > (legacy ? 15 : 1023)) {
      let pos = legacy ? 0 : (out.length - this.#flushMark) % JAVA_BUFFER;
      const room = (): number => (legacy ? 0x8000 : JAVA_BUFFER - pos - 3);
      while (room() < data.length - offset) {
        let sub = room();
        if (sub < 16) sub = Math.min(JAVA_BUFFER - 3, data.length - offset);
        out.u16(legacy ? 0x62 : 0x41, sub);
        out.raw(data.subarray(offset, offset + sub));
        offset += sub;
        this.#flushMark = out.length;
        pos = 0;
      }
    }
    const rest = data.length - offset;
    if (rest <= 15) out.byte(0x20 + rest);
    else if (rest <= 1023 && !legacy) out.bytes(0x34 + (rest >> 8), rest);
    else out.u16(0x42, rest);
    out.raw(data.subarray(offset));
  }

  #date(ms: number): void {
    if (!this.#legacy && ms % 60000 === 0) {
      const minutes = ms / 60000;
      if (minutes >= -2147483648 && minutes <= 2147483647) return this.#out.int32(0x4b, minutes);
    }
    this.#out.int64(this.#legacy ? 0x64 : 0x4a, BigInt(ms));
  }

  /** Final-dialect type: the string on first use, then its index (Hessian2Output.writeType). */
  #type(name: string): void {
    const index = this.#types.get(name);
    if (index !== undefined) return this.#out.hessianInt(index);
    this.#types.set(name, this.#types.size);
    this.#out.hessianString(name, this.#legacy);
  }

  /** Legacy type: `t` u16 raw name on first use, else undefined (the caller writes its index form). */
  #legacyNewType(name: string): number | undefined {
    const index = this.#types.get(name);
    if (index !== undefined) return index;
    this.#types.set(name, this.#types.size);
    this.#out.u16(0x74, name.length);
    this.#out.cesu8(name);
    return undefined;
  }

  /** Writes a back-reference and returns true when this composite was written before; else numbers it. */
  #ref(key: object | string): boolean {
    const index = this.#refs.get(key);
    if (index === undefined) {
      this.#refs.set(key, this.#refCount++);
      return false;
    }
    if (!this.#legacy) {
      this.#out.byte(0x51);
      this.#out.hessianInt(index);
    } else if (index < 0x100) this.#out.bytes(0x4a, index);
    else if (index < 0x10000) this.#out.u16(0x4b, index);
    else this.#out.int32(0x52, index);
    return true;
  }

  #list(items: readonly JavaValue[], type: string | undefined, primitive = false): void {
    const n = items.length;
    const out = this.#out;
    if (this.#legacy) return this.#legacyList(items, type);
    if (type === undefined) {
      if (n <= 7) out.byte(0x78 + n);
      else {
        out.byte(0x58);
        this.#out.hessianInt(n);
      }
    } else if (n <= 7) {
      out.byte(0x70 + n);
      this.#type(type);
    } else {
      out.byte(0x56);
      this.#type(type);
      this.#out.hessianInt(n);
    }
    for (const item of items) this.#value(item, primitive);
  }

  /** `V [t type] (n u8 | l int32) values z`, or `v type-index length values` for a type seen before. */
  #legacyList(items: readonly JavaValue[], type: string | undefined): void {
    const out = this.#out;
    const known = type === undefined ? undefined : this.#types.get(type);
    if (known !== undefined) {
      out.byte(0x76);
      this.#out.hessianInt(known);
      this.#out.hessianInt(items.length);
      for (const item of items) this.#value(item);
      return;
    }
    out.byte(0x56);
    if (type !== undefined) this.#legacyNewType(type);
    if (items.length < 0x100) out.bytes(0x6e, items.length);
    else out.int32(0x6c, items.length);
    for (const item of items) this.#value(item);
    out.byte(0x7a);
  }

  #map(className: string, entries: readonly (readonly [JavaValue, JavaValue])[]): void {
    const out = this.#out;
    const untyped = className === 'java.util.HashMap';
    if (!this.#legacy) {
      if (untyped) out.byte(0x48);
      else {
        out.byte(0x4d);
        this.#type(className);
      }
    } else {
      out.byte(0x4d);
      const known = untyped ? undefined : this.#legacyNewType(className);
      if (known !== undefined) {
        out.byte(0x75);
        this.#out.hessianInt(known);
      }
    }
    for (const [k, v] of entries) {
      this.#value(k);
      this.#value(v);
    }
    out.byte(this.#legacy ? 0x7a : 0x5a);
  }

  #objectStart(className: string, fields: readonly string[]): void {
    const out = this.#out;
    const key = classKey(className, fields);
    let index = this.#classes.get(key);
    if (index === undefined) {
      index = this.#defineClass(className, fields);
      if (this.#legacy) {
        out.byte(0x4f);
        this.#out.hessianInt(className.length);
        out.cesu8(className);
      } else {
        out.byte(0x43);
        this.#out.hessianString(className, this.#legacy);
      }
      this.#out.hessianInt(fields.length);
      for (const field of fields) this.#out.hessianString(field, this.#legacy);
    }
    if (this.#legacy) {
      out.byte(0x6f);
      this.#out.hessianInt(index);
    } else if (index <= 15) out.byte(0x60 + index);
    else {
      out.byte(0x4f);
      this.#out.hessianInt(index);
    }
  }

  /** `primitive`: the value sits in a POJO field or a primitive array, where Java holds it unboxed. */
  #value(value: JavaValue, primitive = false): void {
    // (null is table-free: the second test only tells the compiler so)
    if (writeTableFree(this.#out, value, this.#legacy) || value === null) return;
    if (OBJECT_REF_KINDS.has(value.kind)) {
      // Java enums are singletons, so a repeated constant is a back-reference; other composites by identity.
      const key = value.kind === 'enum' ? `enum\u0000${value.className}\u0000${value.name}` : value;
      if (this.#ref(key)) return;
    }
    switch (value.kind) {
      case 'double': return this.#double(value.value);
      // hessian-lite writes a boxed Float through Float.toString, a primitive float (field, float[]) widened.
      case 'float': return this.#double(this.#legacy || primitive ? value.value : floatAsJavaWritesIt(value.value));
      case 'date': return this.#date(value.value);
      case 'bytes': return this.#binary(value.value);
      case 'decimal':
        this.#objectStart('java.math.BigDecimal', ['value']);
        return this.#out.hessianString(value.value, this.#legacy);
      case 'biginteger': return this.#bigInteger(value.value);
      case 'list': case 'set':
        return this.#list(value.items, value.className === 'java.util.ArrayList' ? undefined : value.className);
      case 'array': return this.#array(value.component, value.items);
      case 'map': return this.#map(value.className, value.entries);
      case 'enum':
        this.#objectStart(value.className, ['name']);
        return this.#out.hessianString(value.name, this.#legacy);
      case 'object': {
        let fields = this.#reverseFields ? [...value.fields].reverse() : value.fields;
        if (this.#floatFieldsFirst) {
          const isFloat = ([, field]: readonly [string, JavaValue]): boolean => field !== null && field.kind === 'float';
          fields = [...fields.filter(isFloat), ...fields.filter((f) => !isFloat(f))];
        }
        this.#objectStart(value.className, fields.map(([name]) => name));
        for (const [, field] of fields) this.#value(field, true);
      }
    }
  }

  #array(component: string, items: readonly JavaValue[]): void {
    if (component === 'char') {
      // char[] is a string in Hessian (BasicSerializer CHARACTER_ARRAY).
      return this.#out.hessianString(items.map((c) => (c !== null && c.kind === 'char' ? c.value : '\u0000')).join(''), this.#legacy);
    }
    this.#list(items, `[${hessianComponent(component)}`, PRIMITIVE_COMPONENTS.has(component));
  }

  /** JDK 17's BigInteger fields as Java's JavaSerializer writes them (golden biginteger.dubbo.bin). */
  #bigInteger(v: bigint): void {
    this.#objectStart('java.math.BigInteger', BIGINTEGER_FIELDS);
    const signum = v === 0n ? 0 : v < 0n ? -1 : 1;
    let magnitude = v < 0n ? -v : v;
    const mag: JavaValue[] = [];
    while (magnitude > 0n) {
      mag.unshift({ kind: 'int', value: Number(BigInt.asIntN(32, magnitude & 0xffffffffn)) });
      magnitude >>= 32n;
    }
    // The int[] is a composite of its own in Java's reference table.
    this.#refs.set({}, this.#refCount++);
    this.#list(mag, '[int');
    for (let i = 0; i < 4; i++) this.#out.hessianInt(0);
    this.#out.hessianInt(signum);
  }
}

function classKey(className: string, fields: readonly string[]): string {
  return `${className}\u0000${fields.join('\u0000')}`;
}

export { floatAsJavaWritesIt } from './java-wire.js';

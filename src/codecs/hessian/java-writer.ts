/**
 * JavaValue -> Hessian 2.0 (final) bytes, making the choices Java's Hessian2Output makes
 * so that our bytes equal Java's where Java is deterministic (protocols.md 4.2; checked
 * against test/golden/values, written by Dubbo 3.3.6 / hessian-lite 4.0.4):
 * smallest int/long forms, doubles as 5b/5c/5d/5e/5f (milliths)/D, floats as the double
 * of their shortest decimal text (hessian-lite goes through Float.toString: 0.1f is
 * written as 0.1), Date in minutes when whole, ArrayList and HashMap untyped, other
 * collections and maps typed with their class, arrays as `[int`/`[string`/`[object`/
 * `[com.x.Y` lists, enums and BigDecimal as one-field objects, class definitions on
 * first use, type names and objects referenced on repeat.
 *
 * One writer is one Hessian stream: Dubbo writes a whole request body (head strings,
 * arguments, attachments) with one Hessian2Output, so its three tables span the body.
 * Not deterministic in Java and not matched: binary chunk sizes beyond 1023 bytes
 * (they follow Java's internal buffer position), BigInteger's cached fields (written
 * as zero, as a fresh BigInteger has them) and POJO field order (taken from the value).
 */
import type { JavaValue } from '../../core/values.js';

const OBJECT_REF_KINDS = new Set(['list', 'set', 'map', 'array', 'object', 'enum', 'decimal', 'biginteger']);
/** Hessian array type names Java uses for these components (BasicSerializer, ArraySerializer.getArrayType). */
const ARRAY_COMPONENT_NAMES: Readonly<Record<string, string>> = {
  'java.lang.String': 'string', 'java.lang.Object': 'object', 'java.util.Date': 'date',
};
const PRIMITIVE_LETTERS: Readonly<Record<string, string>> = {
  Z: 'boolean', B: 'byte', S: 'short', C: 'char', I: 'int', J: 'long', F: 'float', D: 'double',
};
/** A binary chunk as Java writes it from an empty 8 KiB buffer (Hessian2Output SIZE - 3). */
const BINARY_CHUNK = 8189;
const STRING_CHUNK = 0x8000;
const BIGINTEGER_FIELDS = ['mag', 'firstNonzeroIntNumPlusTwo', 'lowestSetBitPlusTwo', 'bitLengthPlusOne', 'bitCountPlusOne', 'signum'];

export class JavaHessianWriter {
  #buf = Buffer.allocUnsafe(256);
  #len = 0;
  #refCount = 0;
  readonly #refs = new Map<object | string, number>();
  readonly #classes = new Map<string, number>();
  readonly #types = new Map<string, number>();

  /** Appends one value to the stream. */
  write(value: JavaValue): this {
    this.#value(value);
    return this;
  }

  /** Appends a string (Dubbo's head strings go through the same stream as the arguments). */
  writeString(text: string): this {
    this.#string(text);
    return this;
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

  #byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = b;
  }

  #bytes(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  #int32(code: number, v: number): void {
    this.#ensure(5);
    this.#buf[this.#len] = code;
    this.#buf.writeInt32BE(v, this.#len + 1);
    this.#len += 5;
  }

  #int(v: number): void {
    if (v >= -16 && v <= 47) this.#byte(0x90 + v);
    else if (v >= -2048 && v <= 2047) this.#bytes(Uint8Array.of(0xc8 + (v >> 8), v & 0xff));
    else if (v >= -262144 && v <= 262143) this.#bytes(Uint8Array.of(0xd4 + (v >> 16), (v >> 8) & 0xff, v & 0xff));
    else this.#int32(0x49, v);
  }

  #long(v: bigint): void {
    if (v >= -8n && v <= 15n) this.#byte(0xe0 + Number(v));
    else if (v >= -2048n && v <= 2047n) {
      const n = Number(v);
      this.#bytes(Uint8Array.of(0xf8 + (n >> 8), n & 0xff));
    } else if (v >= -262144n && v <= 262143n) {
      const n = Number(v);
      this.#bytes(Uint8Array.of(0x3c + (n >> 16), (n >> 8) & 0xff, n & 0xff));
    } else if (v >= -2147483648n && v <= 2147483647n) this.#int32(0x59, Number(v));
    else {
      this.#ensure(9);
      this.#buf[this.#len] = 0x4c;
      this.#buf.writeBigInt64BE(v, this.#len + 1);
      this.#len += 9;
    }
  }

  /** Hessian2Output.writeDouble, including Java's (int) truncation and saturation. */
  #double(v: number): void {
    const asInt = javaIntCast(v);
    if (asInt === v) {
      if (asInt === 0) return this.#byte(0x5b);
      if (asInt === 1) return this.#byte(0x5c);
      if (asInt >= -128 && asInt <= 127) return this.#bytes(Uint8Array.of(0x5d, asInt & 0xff));
      if (asInt >= -32768 && asInt <= 32767) return this.#bytes(Uint8Array.of(0x5e, (asInt >> 8) & 0xff, asInt & 0xff));
    }
    const mills = javaIntCast(v * 1000);
    if (0.001 * mills === v) return this.#int32(0x5f, mills);
    this.#ensure(9);
    this.#buf[this.#len] = 0x44;
    this.#buf.writeDoubleBE(v, this.#len + 1);
    this.#len += 9;
  }

  #string(text: string): void {
    let start = 0;
    for (;;) {
      let end = Math.min(text.length, start + STRING_CHUNK);
      const final = end === text.length;
      // A chunk never ends on a high surrogate (protocols.md 4.3 #3).
      if (!final && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      const units = end - start;
      if (!final) this.#bytes(Uint8Array.of(0x52, units >> 8, units & 0xff));
      else if (units <= 0x1f) this.#byte(units);
      else if (units <= 0x3ff) this.#bytes(Uint8Array.of(0x30 + (units >> 8), units & 0xff));
      else this.#bytes(Uint8Array.of(0x53, units >> 8, units & 0xff));
      this.#cesu8(text, start, end);
      if (final) return;
      start = end;
    }
  }

  /** Each UTF-16 unit as 1-3 bytes; surrogates separately (CESU-8, protocols.md 4.3 #2). */
  #cesu8(text: string, start: number, end: number): void {
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

  #binary(data: Uint8Array): void {
    if (data.length <= 15) this.#byte(0x20 + data.length);
    else if (data.length <= 1023) this.#bytes(Uint8Array.of(0x34 + (data.length >> 8), data.length & 0xff));
    else {
      let offset = 0;
      while (data.length - offset > BINARY_CHUNK) {
        this.#bytes(Uint8Array.of(0x41, BINARY_CHUNK >> 8, BINARY_CHUNK & 0xff));
        this.#bytes(data.subarray(offset, offset + BINARY_CHUNK));
        offset += BINARY_CHUNK;
      }
      const rest = data.length - offset;
      this.#bytes(Uint8Array.of(0x42, rest >> 8, rest & 0xff));
      return this.#bytes(data.subarray(offset));
    }
    this.#bytes(data);
  }

  #date(ms: number): void {
    if (ms % 60000 === 0) {
      const minutes = ms / 60000;
      if (minutes >= -2147483648 && minutes <= 2147483647) return this.#int32(0x4b, minutes);
    }
    this.#ensure(9);
    this.#buf[this.#len] = 0x4a;
    this.#buf.writeBigInt64BE(BigInt(ms), this.#len + 1);
    this.#len += 9;
  }

  /** Type name: the string on first use, then its index (Hessian2Output.writeType). */
  #type(name: string): void {
    const index = this.#types.get(name);
    if (index !== undefined) return this.#int(index);
    this.#types.set(name, this.#types.size);
    this.#string(name);
  }

  /** Writes `Q index` and returns true when this composite was written before; else numbers it. */
  #ref(key: object | string): boolean {
    const index = this.#refs.get(key);
    if (index !== undefined) {
      this.#byte(0x51);
      this.#int(index);
      return true;
    }
    this.#refs.set(key, this.#refCount++);
    return false;
  }

  #list(items: readonly JavaValue[], type: string | undefined, write: (item: JavaValue) => void = (item) => this.#value(item)): void {
    const n = items.length;
    if (type === undefined) {
      if (n <= 7) this.#byte(0x78 + n);
      else {
        this.#byte(0x58);
        this.#int(n);
      }
    } else if (n <= 7) {
      this.#byte(0x70 + n);
      this.#type(type);
    } else {
      this.#byte(0x56);
      this.#type(type);
      this.#int(n);
    }
    for (const item of items) write(item);
  }

  #objectStart(className: string, fields: readonly string[]): void {
    const key = `${className}\u0000${fields.join('\u0000')}`;
    let index = this.#classes.get(key);
    if (index === undefined) {
      index = this.#classes.size;
      this.#classes.set(key, index);
      this.#byte(0x43);
      this.#string(className);
      this.#int(fields.length);
      for (const field of fields) this.#string(field);
    }
    if (index <= 15) this.#byte(0x60 + index);
    else {
      this.#byte(0x4f);
      this.#int(index);
    }
  }

  #value(value: JavaValue): void {
    if (value === null) return this.#byte(0x4e);
    if (OBJECT_REF_KINDS.has(value.kind)) {
      // Java enums are singletons, so a repeated constant is a back-reference; other composites by identity.
      const key = value.kind === 'enum' ? `enum\u0000${value.className}\u0000${value.name}` : value;
      if (this.#ref(key)) return;
    }
    switch (value.kind) {
      case 'boolean': return this.#byte(value.value ? 0x54 : 0x46);
      case 'byte': case 'short': case 'int': return this.#int(value.value);
      case 'long': return this.#long(value.value);
      case 'double': return this.#double(value.value);
      case 'float': return this.#double(floatAsJavaWritesIt(value.value));
      case 'char': case 'string': return this.#string(value.value);
      case 'date': return this.#date(value.value);
      case 'bytes': return this.#binary(value.value);
      case 'decimal':
        this.#objectStart('java.math.BigDecimal', ['value']);
        return this.#string(value.value);
      case 'biginteger': return this.#bigInteger(value.value);
      case 'list': case 'set':
        return this.#list(value.items, value.className === 'java.util.ArrayList' ? undefined : value.className);
      case 'array': return this.#array(value.component, value.items);
      case 'map': {
        if (value.className === 'java.util.HashMap') this.#byte(0x48);
        else {
          this.#byte(0x4d);
          this.#type(value.className);
        }
        for (const [k, v] of value.entries) {
          this.#value(k);
          this.#value(v);
        }
        return this.#byte(0x5a);
      }
      case 'enum':
        this.#objectStart(value.className, ['name']);
        return this.#string(value.name);
      case 'object':
        this.#objectStart(value.className, value.fields.map(([name]) => name));
        for (const [, field] of value.fields) this.#value(field);
    }
  }

  #array(component: string, items: readonly JavaValue[]): void {
    if (component === 'char') {
      // char[] is a string in Hessian (BasicSerializer CHARACTER_ARRAY).
      return this.#string(items.map((c) => (c !== null && c.kind === 'char' ? c.value : '\u0000')).join(''));
    }
    this.#list(items, `[${hessianComponent(component)}`);
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
    this.#refs.set({}, this.#refCount++);
    this.#list(mag, '[int');
    for (let i = 0; i < 4; i++) this.#int(0);
    this.#int(signum);
  }
}

/** Hessian's name for an array component: `int`, `string`, `object`, `date`, `[int`, or the class name. */
function hessianComponent(component: string): string {
  if (component.startsWith('[')) {
    const inner = component.slice(1);
    if (inner.startsWith('L') && inner.endsWith(';')) return `[${ARRAY_COMPONENT_NAMES[inner.slice(1, -1)] ?? inner.slice(1, -1)}`;
    if (inner.length === 1) return `[${PRIMITIVE_LETTERS[inner] ?? inner}`;
    return `[${hessianComponent(inner)}`;
  }
  return ARRAY_COMPONENT_NAMES[component] ?? component;
}

/** Java's `(int) v`: truncation toward zero, NaN to 0, saturation at the int range. */
function javaIntCast(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v) | 0;
}

/** The double Java writes for a float: Double.parseDouble(Float.toString(f)), i.e. its shortest decimal. */
export function floatAsJavaWritesIt(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

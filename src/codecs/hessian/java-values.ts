/**
 * The Hessian adapter of the value model: Hessian (both dialects, read by our bounded
 * HessianReader) -> JavaValue, and JavaValue -> Hessian 2.0 bytes (java-writer.ts).
 *
 * Hessian does not say everything Java knew: short, byte and int share the int codes,
 * float is written as a double, char as a one-character string, an enum and a POJO are
 * both objects, and the reader returns an integral double as a plain number. The
 * declared type (method signature, POJO schema in the TypeCatalog) settles each case;
 * without one the value gets its natural kind (an integral number becomes an int, an
 * object with the single field `name` an enum, as Java's EnumSerializer writes it).
 * Longs arrive as bigint from the reader and stay bigint.
 *
 * Shared references keep their identity (so re-encoding writes `Q` as Java did); a
 * reference back to an enclosing object (a Throwable's `cause = this`) becomes null,
 * because the model is a tree and Java reads a self-cause as "no cause".
 */
import { MeshError } from '../../core/errors.js';
import { shapeOf } from '../../bridge/java-kinds.js';
import { javaTypeName, parseJavaType, type JavaType } from '../../bridge/java-types.js';
import { EMPTY_CATALOG, type TypeCatalog } from '../../bridge/schema.js';
import { jv, inIntRange, type JavaValue } from '../../bridge/values.js';
import { HessianReader, DEFAULT_MAX_DEPTH } from './reader.js';
import { JavaHessianWriter, type JavaWriterOptions } from './java-writer.js';
import { isJavaObject, type HessianDialect, type HessianValue, type JavaObject } from './values.js';

export { JavaHessianWriter, floatAsJavaWritesIt, type JavaWriterOptions, type StreamState } from './java-writer.js';
export { argumentBytesGuess, writeTableFree, writeTableFreeValues } from './table-free.js';

export interface JavaDecodeOptions {
  readonly catalog?: TypeCatalog;
  /** Deepest nesting (Limits.maxDepth). */
  readonly maxDepth?: number;
}

/**
 * Hessian bytes of consecutive values in one stream (shared class, type and reference
 * tables): Hessian 2.0 final for Dubbo, the legacy dialect for Java SOFARPC, which
 * cannot read final class definitions. `continueFrom` carries the tables of what the
 * stream already holds (the SofaRequest object before SOFARPC arguments).
 */
export function encodeJavaValues(values: readonly JavaValue[], options: JavaWriterOptions = {}): Buffer {
  const writer = new JavaHessianWriter(options);
  for (const value of values) writer.write(value);
  return writer.toBuffer();
}

/**
 * Reads `types.length` consecutive values from `body` (e.g. Dubbo's arguments, cut at
 * the offsets the body scan found) and converts each to its declared type. Throws
 * MeshError PMESH_CODEC_ERROR on malformed input or bytes left over.
 */
export function decodeJavaValues(
  body: Buffer,
  dialect: HessianDialect,
  types: readonly (JavaType | string | undefined)[],
  options: JavaDecodeOptions = {},
): JavaValue[] {
  const reader = new HessianReader(body, dialect, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const values = readJavaValues(reader, types, options);
  if (!reader.atEnd) throw codecError(`${body.length - reader.position} bytes after the last value`);
  return values;
}

/**
 * Reads the next `types.length` values from a reader already inside a stream, so the
 * tables of what came before apply (SOFARPC arguments after the SofaRequest object).
 */
export function readJavaValues(
  reader: HessianReader,
  types: readonly (JavaType | string | undefined)[],
  options: JavaDecodeOptions = {},
): JavaValue[] {
  const converter = new HessianToJava(options.catalog ?? EMPTY_CATALOG);
  return types.map((type) => converter.convert(reader.read(), typeof type === 'string' ? parseJavaType(type) : type));
}

/** Converts one value the HessianReader produced (e.g. a SofaResponse's appResponse). */
export function toJavaValue(value: HessianValue, type?: JavaType | string, catalog: TypeCatalog = EMPTY_CATALOG): JavaValue {
  return new HessianToJava(catalog).convert(value, typeof type === 'string' ? parseJavaType(type) : type);
}

const HESSIAN_ARRAY_COMPONENTS: Readonly<Record<string, string>> = {
  string: 'java.lang.String', object: 'java.lang.Object', date: 'java.util.Date',
};
const PRIMITIVE_LETTER: Readonly<Record<string, string>> = {
  boolean: 'Z', byte: 'B', short: 'S', char: 'C', int: 'I', long: 'J', float: 'F', double: 'D',
};

/** `[int` -> `int`, `[string` -> `java.lang.String`, `[[int` -> `[I`, `[com.x.Y` -> `com.x.Y`. */
function componentOf(hessianType: string): string {
  const inner = hessianType.slice(1);
  if (!inner.startsWith('[')) return HESSIAN_ARRAY_COMPONENTS[inner] ?? inner;
  const nested = componentOf(inner);
  const letter = PRIMITIVE_LETTER[nested];
  return letter !== undefined ? `[${letter}` : nested.startsWith('[') ? `[${nested}` : `[L${nested};`;
}

function codecError(message: string): MeshError {
  return new MeshError('PMESH_CODEC_ERROR', `hessian: ${message}`);
}

class HessianToJava {
  readonly #catalog: TypeCatalog;
  /** Converted composites by identity: shared refs stay shared, cycles are detected. */
  readonly #done = new Map<object, JavaValue>();
  readonly #open = new Set<object>();

  constructor(catalog: TypeCatalog) {
    this.#catalog = catalog;
  }

  convert(value: HessianValue, type: JavaType | undefined): JavaValue {
    if (value === null) return null;
    if (typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
      const done = this.#done.get(value);
      if (done !== undefined) return done;
      if (this.#open.has(value)) return null;
      this.#open.add(value);
      try {
        const converted = this.#composite(value, type);
        this.#done.set(value, converted);
        return converted;
      } finally {
        this.#open.delete(value);
      }
    }
    return this.#scalar(value, type);
  }

  #scalar(value: boolean | number | bigint | string | Date | Buffer, type: JavaType | undefined): JavaValue {
    const shape = shapeOf(type);
    const kind = shape.shape === 'scalar' ? shape.kind : undefined;
    if (typeof value === 'boolean') return jv.boolean(value);
    if (typeof value === 'number') {
      if (kind === 'byte' || kind === 'short' || kind === 'int') return checked(() => jv.int(value, kind));
      if (kind === 'float') return jv.float(value);
      if (kind === 'long') return checked(() => jv.long(BigInt(value)));
      if (kind === 'double' || !inIntRange('int', value)) return jv.double(value);
      return jv.int(value);
    }
    if (typeof value === 'bigint') {
      if (kind === 'biginteger') return jv.bigInteger(value);
      if (kind === 'byte' || kind === 'short' || kind === 'int') return checked(() => jv.int(Number(value), kind));
      if (kind === 'double' || kind === 'float') return jv.double(Number(value));
      return checked(() => jv.long(value));
    }
    if (typeof value === 'string') {
      if (kind === 'char' && value.length === 1) return jv.char(value);
      if (kind === 'decimal') return checked(() => jv.decimal(value));
      if (shape.shape === 'class' && this.#catalog.enumConstants(shape.className) !== undefined) return jv.enumOf(shape.className, value);
      if (shape.shape === 'array' && shape.component.sort === 'primitive' && shape.component.name === 'char') {
        return jv.array('char', [...value].flatMap((c) => c.split('')).map((c) => jv.char(c)));
      }
      return jv.string(value);
    }
    if (value instanceof Date) return checked(() => jv.date(value.getTime()));
    return jv.bytes(Uint8Array.from(value));
  }

  #composite(value: object, type: JavaType | undefined): JavaValue {
    const shape = shapeOf(type);
    if (Array.isArray(value)) return this.#untypedList(value as HessianValue[], type);
    if (value instanceof Map) {
      const mapShape = shape.shape === 'map' ? shape : undefined;
      return this.#map(value as Map<HessianValue, HessianValue>, 'java.util.HashMap', mapShape?.key, mapShape?.value);
    }
    const typed = value as { $class: string; $: unknown };
    if (Array.isArray(typed.$)) return this.#typedList(typed.$class, typed.$ as HessianValue[], type);
    if (typed.$ instanceof Map) {
      const mapShape = shape.shape === 'map' ? shape : undefined;
      return this.#map(typed.$ as Map<HessianValue, HessianValue>, typed.$class, mapShape?.key, mapShape?.value);
    }
    if (isJavaObject(value as HessianValue)) return this.#object(value as JavaObject);
    throw codecError('unexpected value');
  }

  #untypedList(items: HessianValue[], type: JavaType | undefined): JavaValue {
    const shape = shapeOf(type);
    if (shape.shape === 'array') return jv.array(javaTypeName(shape.component), items.map((i) => this.convert(i, shape.component)));
    const item = shape.shape === 'list' || shape.shape === 'set' ? shape.item : undefined;
    const converted = items.map((i) => this.convert(i, item));
    if (shape.shape === 'set') return jv.set(converted, shape.className);
    return jv.list(converted, 'java.util.ArrayList');
  }

  #typedList(className: string, items: HessianValue[], type: JavaType | undefined): JavaValue {
    const shape = shapeOf(type);
    if (className.startsWith('[')) {
      const component = componentOf(className);
      const componentType = parseJavaTypeOrUndefined(component);
      if (componentType === undefined) throw codecError(`bad array type ${JSON.stringify(className.slice(0, 100))}`);
      return jv.array(component, items.map((i) => this.convert(i, componentType)));
    }
    const item = shape.shape === 'list' || shape.shape === 'set' ? shape.item : undefined;
    const converted = items.map((i) => this.convert(i, item));
    const declared = shapeOf(parseJavaTypeOrUndefined(className));
    if (declared.shape === 'set' || (declared.shape !== 'list' && /Set$/.test(className))) return jv.set(converted, className);
    return jv.list(converted, className);
  }

  #map(map: Map<HessianValue, HessianValue>, className: string, key: JavaType | undefined, value: JavaType | undefined): JavaValue {
    const entries: [JavaValue, JavaValue][] = [];
    for (const [k, v] of map) entries.push([this.convert(k, key), this.convert(v, value)]);
    return jv.map(entries, className);
  }

  #object(object: JavaObject): JavaValue {
    const { $class: className, $: fields } = object;
    const names = Object.keys(fields);
    if (className === 'java.math.BigDecimal' && typeof fields['value'] === 'string') return checked(() => jv.decimal(fields['value'] as string));
    if (className === 'java.math.BigInteger') return bigInteger(fields);
    const schema = this.#catalog.pojo(className);
    const isEnum = this.#catalog.enumConstants(className) !== undefined ||
      (schema === undefined && names.length === 1 && names[0] === 'name' && typeof fields['name'] === 'string');
    if (isEnum && typeof fields['name'] === 'string') return jv.enumOf(className, fields['name']);
    const converted = names.map((name): [string, JavaValue] => {
      const fieldType = schema?.fields.find((f) => f.name === name)?.type;
      return [name, this.convert(fields[name] as HessianValue, fieldType)];
    });
    return jv.object(className, converted);
  }
}

function parseJavaTypeOrUndefined(name: string): JavaType | undefined {
  try {
    return parseJavaType(name);
  } catch {
    return undefined;
  }
}

/** Rebuilds a BigInteger from the `signum` and `mag` fields Java's JavaSerializer writes. */
function bigInteger(fields: Record<string, HessianValue>): JavaValue {
  const signum = fields['signum'];
  const magField = fields['mag'];
  const mag = Array.isArray(magField) ? magField : (magField as { $?: unknown } | null)?.$;
  if (typeof signum !== 'number' || !Array.isArray(mag)) throw codecError('java.math.BigInteger without signum and mag');
  let magnitude = 0n;
  for (const word of mag) {
    if (typeof word !== 'number') throw codecError('java.math.BigInteger mag is not an int list');
    magnitude = (magnitude << 32n) | BigInt(word >>> 0);
  }
  return jv.bigInteger(signum < 0 ? -magnitude : magnitude);
}

/** Model constructors throw RangeError on out-of-range input; on the wire that is a codec error. */
function checked(make: () => JavaValue): JavaValue {
  try {
    return make();
  } catch (error) {
    throw codecError(error instanceof Error ? error.message : String(error));
  }
}

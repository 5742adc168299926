/**
 * JSON -> JavaValue for the bridge's way in (HTTP/JSON and gRPC `Invoke` arguments).
 *
 * Plain JSON converts when the declared Java type is known (a method signature, a POJO
 * schema from the TypeCatalog); explicit hints always work and win over the declared
 * type, because the caller knows best what it sent:
 *   {"$type": "long", "$value": "9223372036854775807"}      any type parseJavaType reads
 *   {"$type": "java.util.Map", "$entries": [[k, v], ...]}   maps with non-string keys
 *   {"$class": "com.example.User", ...fields}               POJOs ({"$fields": {...}} too)
 *   {"$enum": "com.example.Color", "$value": "RED"}
 * Every class name a hint carries passes the ClassPolicy before anything else happens
 * (docs/reliability.md). Depth and node count are bounded; errors are MeshError
 * PMESH_BAD_REQUEST naming the JSON path (`$[1].customer.id`).
 */
import { MeshError } from '../core/errors.js';
import type { ClassPolicy } from './class-policy.js';
import { parseJavaType, javaTypeName, type JavaType } from './java-types.js';
import { shapeOf, scalarKindOf } from './java-kinds.js';
import { EMPTY_CATALOG, type TypeCatalog } from './schema.js';
import { bad, bytes, defaultOf, describe, enumValue, hintString, scalar } from './values-json-leaves.js';
import { inIntRange, jv, type JavaValue } from './values.js';

export interface FromJsonOptions {
  /** Checks every class name a hint carries. */
  readonly policy: ClassPolicy;
  readonly catalog?: TypeCatalog;
  /** Deepest nesting (Limits.maxDepth, default 64). */
  readonly maxDepth?: number;
  /** Most JSON values in one conversion (default 100,000). */
  readonly maxNodes?: number;
}

export const DEFAULT_MAX_NODES = 100_000;

const HINT_KEYS = ['$type', '$class', '$enum', '$entries'] as const;

type JsonObject = Record<string, unknown>;

function isObject(json: unknown): json is JsonObject {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

/** Converts one JSON value to the declared type (undefined: java.lang.Object, i.e. inferred from the JSON). */
export function fromJson(json: unknown, type: JavaType | string | undefined, options: FromJsonOptions): JavaValue {
  const declared = typeof type === 'string' ? parseJavaType(type) : type;
  return new JsonConverter(options).value(json, declared, 0, '$');
}

/** Converts a call's JSON argument array against the method's parameter types. */
export function argumentsFromJson(args: readonly unknown[], params: readonly JavaType[], options: FromJsonOptions): JavaValue[] {
  if (args.length !== params.length) {
    throw new MeshError('PMESH_BAD_REQUEST', `expected ${params.length} arguments, got ${args.length}`);
  }
  const converter = new JsonConverter(options);
  return args.map((arg, i) => converter.value(arg, params[i], 1, `$[${i}]`));
}

/**
 * Every class name inside a type passes the policy (hint types and caller-supplied
 * signatures). A name with no package that is no primitive nor short alias (`integer`,
 * `Strin`) is a typo, not a class: 400 saying so, before the allow list is asked.
 */
export function checkTypeAllowed(type: JavaType, policy: ClassPolicy): void {
  if (type.sort === 'array') checkTypeAllowed(type.component, policy);
  else if (type.sort === 'class') {
    if (!type.name.includes('.')) {
      throw new MeshError('PMESH_BAD_REQUEST', `unknown Java type "${type.name}": name a primitive (int, long...) or a class by its full name (java.lang.Integer)`);
    }
    policy.check(type.name);
    for (const arg of type.args) checkTypeAllowed(arg, policy);
  }
}

class JsonConverter {
  readonly #policy: ClassPolicy;
  readonly #catalog: TypeCatalog;
  readonly #maxDepth: number;
  readonly #maxNodes: number;
  #nodes = 0;

  constructor(options: FromJsonOptions) {
    this.#policy = options.policy;
    this.#catalog = options.catalog ?? EMPTY_CATALOG;
    this.#maxDepth = options.maxDepth ?? 64;
    this.#maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  }

  value(json: unknown, type: JavaType | undefined, depth: number, path: string): JavaValue {
    if (depth > this.#maxDepth) throw bad(path, `nesting deeper than ${this.#maxDepth}`);
    if (++this.#nodes > this.#maxNodes) throw bad(path, `more than ${this.#maxNodes} values`);
    if (isObject(json) && HINT_KEYS.some((key) => key in json)) return this.#hinted(json, type, depth, path);
    const shape = shapeOf(type);
    if (json === null) {
      if (shape.shape === 'scalar' && shape.primitive) throw bad(path, `null for primitive ${shape.kind}`);
      return null;
    }
    switch (shape.shape) {
      case 'scalar': return scalar(json, shape.kind, path);
      case 'bytes': return bytes(json, path);
      case 'list':
      case 'set': {
        const items = this.#items(json, shape.item, depth, path);
        return shape.shape === 'list' ? jv.list(items, shape.className) : jv.set(items, shape.className);
      }
      case 'map': return this.#map(json, shape.className, shape.key, shape.value, depth, path);
      case 'array': {
        const component = shape.component;
        return jv.array(javaTypeName(component), this.#items(json, component, depth, path));
      }
      case 'object': return this.#infer(json, depth, path);
      case 'class': return this.#declaredClass(json, shape.className, depth, path);
    }
  }

  #items(json: unknown, item: JavaType | undefined, depth: number, path: string): JavaValue[] {
    if (!Array.isArray(json)) throw bad(path, `expected a JSON array, got ${describe(json)}`);
    return json.map((element, i) => this.value(element, item, depth + 1, `${path}[${i}]`));
  }

  /** A JSON object's keys are strings; the declared key type turns them into longs, ints... */
  #map(json: unknown, className: string, key: JavaType | undefined, value: JavaType | undefined, depth: number, path: string): JavaValue {
    if (!isObject(json)) throw bad(path, `expected a JSON object, got ${describe(json)}`);
    const entries: [JavaValue, JavaValue][] = [];
    for (const [k, v] of Object.entries(json)) {
      // Dubbo's generic PojoUtils.realize loads the class a map's "class" key names (docs/reliability.md).
      if (k === 'class' && typeof v === 'string') this.#policy.check(v);
      const keyValue = key === undefined ? jv.string(k) : this.value(k, key, depth + 1, `${path}.${k}`);
      entries.push([keyValue, this.value(v, value, depth + 1, `${path}.${k}`)]);
    }
    return jv.map(entries, className);
  }

  #entries(json: JsonObject, className: string, key: JavaType | undefined, value: JavaType | undefined, depth: number, path: string): JavaValue {
    const list = json['$entries'];
    if (!Array.isArray(list)) throw bad(path, '$entries must be an array of [key, value] pairs');
    const entries = list.map((pair, i): [JavaValue, JavaValue] => {
      if (!Array.isArray(pair) || pair.length !== 2) throw bad(`${path}.$entries[${i}]`, 'expected a [key, value] pair');
      if (pair[0] === 'class' && typeof pair[1] === 'string') this.#policy.check(pair[1]);
      return [this.value(pair[0], key, depth + 1, `${path}.$entries[${i}][0]`), this.value(pair[1], value, depth + 1, `${path}.$entries[${i}][1]`)];
    });
    return jv.map(entries, className);
  }

  /** Object / unknown types: the JSON shape decides (int if it fits 32 bits, long if it fits 64...). */
  #infer(json: unknown, depth: number, path: string): JavaValue {
    if (json === null) return null;
    switch (typeof json) {
      case 'boolean': return jv.boolean(json);
      case 'string': return jv.string(json);
      case 'bigint': return scalar(json, 'long', path);
      case 'number':
        if (inIntRange('int', json)) return jv.int(json);
        if (Number.isSafeInteger(json)) return jv.long(BigInt(json));
        return jv.double(json);
    }
    if (Array.isArray(json)) return jv.list(this.#items(json, undefined, depth, path));
    if (isObject(json)) return this.#map(json, 'java.util.HashMap', undefined, undefined, depth, path);
    throw bad(path, `not JSON: ${describe(json)}`);
  }

  #declaredClass(json: unknown, className: string, depth: number, path: string): JavaValue {
    const constants = this.#catalog.enumConstants(className);
    if (constants !== undefined || typeof json === 'string') return enumValue(json, className, constants, path);
    const pojo = this.#catalog.pojo(className);
    if (pojo !== undefined) return this.#pojo(json, className, depth, path);
    // Unknown class, plain object: an untyped map, which Java's readObject(paramClass) and
    // Dubbo's generic PojoUtils.realize both fill field by field (docs/protocols.md).
    return this.#infer(json, depth, path);
  }

  #pojo(json: unknown, className: string, depth: number, path: string, fieldsJson?: JsonObject): JavaValue {
    const source = fieldsJson ?? (isObject(json) ? json : undefined);
    if (source === undefined) throw bad(path, `expected a JSON object for ${className}, got ${describe(json)}`);
    const schema = this.#catalog.pojo(className);
    if (schema === undefined) {
      const classKey = source['class'];
      if (typeof classKey === 'string') this.#policy.check(classKey);
      const fields = Object.entries(source)
        .filter(([name]) => name !== '$class')
        .map(([name, v]): [string, JavaValue] => [name, this.value(v, undefined, depth + 1, `${path}.${name}`)]);
      return jv.object(className, fields);
    }
    for (const name of Object.keys(source)) {
      if (name !== '$class' && !schema.fields.some((f) => f.name === name)) throw bad(path, `${className} has no field ${JSON.stringify(name)}`);
    }
    const fields = schema.fields.map(({ name, type }): [string, JavaValue] => {
      const v = source[name];
      return [name, v === undefined ? defaultOf(type) : this.value(v, type, depth + 1, `${path}.${name}`)];
    });
    return jv.object(className, fields);
  }

  #hinted(json: JsonObject, declared: JavaType | undefined, depth: number, path: string): JavaValue {
    if ('$enum' in json) {
      const className = hintString(json, '$enum', path);
      this.#policy.check(className);
      return enumValue(json['$value'] ?? json['$name'], className, this.#catalog.enumConstants(className), path);
    }
    if ('$class' in json) {
      const className = hintString(json, '$class', path);
      this.#policy.check(className);
      if ('$value' in json || scalarKindOf(className) !== undefined) return this.value(json['$value'] ?? null, parseJavaType(className), depth + 1, path);
      const fields = json['$fields'];
      return this.#pojo(json, className, depth, path, isObject(fields) ? fields : undefined);
    }
    if ('$type' in json) {
      const type = parseJavaType(hintString(json, '$type', path));
      checkTypeAllowed(type, this.#policy);
      if ('$entries' in json) {
        const shape = shapeOf(type);
        if (shape.shape !== 'map') throw bad(path, `$entries needs a map type, got ${json['$type'] as string}`);
        return this.#entries(json, shape.className, shape.key, shape.value, depth, path);
      }
      if (!('$value' in json)) throw bad(path, '$type needs $value');
      return this.value(json['$value'], type, depth + 1, path);
    }
    const shape = shapeOf(declared);
    if (shape.shape === 'map') return this.#entries(json, shape.className, shape.key, shape.value, depth, path);
    return this.#entries(json, 'java.util.HashMap', undefined, undefined, depth, path);
  }
}

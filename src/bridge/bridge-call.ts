/**
 * One JSON call turned into typed Java arguments, and a Java answer turned into JSON:
 * the protocol-neutral half of the bridge. The Hessian half is
 * codecs/hessian/java-values.ts (encodeJavaValues / decodeJavaValues); the frame half is
 * each codec's builder (Dubbo buildRequest, SOFARPC encodeSofaRequest).
 *
 * With method signatures (Dubbo metadata, an app's published schema, route config) the
 * call is a normal one: overload picked by arity and JSON shape, arguments converted to
 * the declared types, Dubbo's descriptor and SOFARPC's methodArgSigs derived from them.
 * Without them the types come from hints or the JSON itself, and Dubbo is called
 * through generic `$invoke` (docs/protocols.md), whose provider realizes maps into POJOs.
 */
import { MeshError } from '../core/errors.js';
import { javaTypeName, jvmDescriptor, parseJavaType, type JavaType } from './java-types.js';
import { resolveOverload } from './overload.js';
import type { MethodSignature } from './schema.js';
import { argumentsFromJson, fromJson, type FromJsonOptions } from './values-json.js';
import { toJson, type JsonValue, type ToJsonOptions } from './values-to-json.js';
import { jv, type JavaValue } from './values.js';

export interface PreparedCall {
  readonly method: string;
  readonly values: readonly JavaValue[];
  /** Declared (or inferred) parameter types. */
  readonly params: readonly JavaType[];
  /** Class.getName() of each parameter: SOFARPC methodArgSigs, Dubbo generic parameterTypes. */
  readonly typeNames: readonly string[];
  /** Dubbo's parameter-types descriptor (ReflectUtils.getDesc). */
  readonly descriptor: string;
  /** The return type when a signature declared it. */
  readonly returns: JavaType | undefined;
  /** True when no signature was known: Dubbo must use generic `$invoke`. */
  readonly generic: boolean;
}

/**
 * Converts a JSON call. `methods` are the service's known signatures (may be empty);
 * class names from hints pass `options.policy`; errors are MeshError PMESH_BAD_REQUEST
 * (or PMESH_CLASS_NOT_ALLOWED) naming the argument.
 */
export function prepareCall(methods: readonly MethodSignature[], method: string, args: readonly unknown[], options: FromJsonOptions): PreparedCall {
  if (methods.some((m) => m.name === method)) {
    const { signature, params } = resolveOverload(methods, method, args, options.catalog);
    const values = argumentsFromJson(args, params, options);
    const returns = signature.returns === undefined ? undefined : parseJavaType(signature.returns);
    return describeCall(method, values, params, returns, false);
  }
  const values = args.map((arg, i) => fromJsonAt(arg, i, options));
  return describeCall(method, values, values.map((value, i) => hintedType(args[i]) ?? typeOfValue(value)), undefined, true);
}

/** A top-level hint names the parameter type as the caller wants it declared (`java.lang.Long`, not `long`). */
function hintedType(arg: unknown): JavaType | undefined {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return undefined;
  const hint = (arg as Record<string, unknown>)['$type'] ?? (arg as Record<string, unknown>)['$class'] ?? (arg as Record<string, unknown>)['$enum'];
  return typeof hint === 'string' ? parseJavaType(hint) : undefined;
}

function fromJsonAt(arg: unknown, index: number, options: FromJsonOptions): JavaValue {
  try {
    return fromJson(arg, undefined, options);
  } catch (error) {
    if (MeshError.is(error)) throw new MeshError(error.reason, error.message.replace(/^argument \$/, `argument $[${index}]`));
    throw error;
  }
}

function describeCall(method: string, values: readonly JavaValue[], params: readonly JavaType[], returns: JavaType | undefined, generic: boolean): PreparedCall {
  return {
    method,
    values,
    params,
    typeNames: params.map(javaTypeName),
    descriptor: params.map(jvmDescriptor).join(''),
    returns,
    generic,
  };
}

const VALUE_TYPES: Readonly<Record<string, string>> = {
  boolean: 'boolean', byte: 'byte', short: 'short', int: 'int', long: 'long', float: 'float', double: 'double', char: 'char',
  string: 'java.lang.String', date: 'java.util.Date', decimal: 'java.math.BigDecimal', biginteger: 'java.math.BigInteger',
  bytes: '[B', list: 'java.util.List', set: 'java.util.Set', map: 'java.util.Map',
};

/**
 * The parameter type a value implies when no signature says: primitives for scalars (a
 * hinted `java.lang.Long` is still a long), the collection interfaces for collections
 * (what Java signatures declare), the class for POJOs and enums, Object for null.
 */
export function typeOfValue(value: JavaValue): JavaType {
  if (value === null) return parseJavaType('java.lang.Object');
  if (value.kind === 'array') return { sort: 'array', component: parseJavaType(value.component) };
  if (value.kind === 'enum' || value.kind === 'object') return parseJavaType(value.className);
  return parseJavaType(VALUE_TYPES[value.kind] as string);
}

/**
 * The three arguments of Dubbo's `$invoke(String method, String[] parameterTypes,
 * Object[] args)` (docs/protocols.md), written as Java's GenericService consumer does.
 */
export function genericInvokeArguments(call: PreparedCall): JavaValue[] {
  return [
    jv.string(call.method),
    jv.array('java.lang.String', call.typeNames.map((name) => jv.string(name))),
    jv.array('java.lang.Object', call.values),
  ];
}

export interface JavaException {
  readonly exception: string;
  readonly message: string | null;
}

/** A decoded Throwable (a POJO with `detailMessage`) as the bridge's error body, or undefined. */
export function exceptionOf(value: JavaValue): JavaException | undefined {
  if (value === null || value.kind !== 'object') return undefined;
  const message = value.fields.find(([name]) => name === 'detailMessage');
  if (message === undefined) return undefined;
  const text = message[1];
  return { exception: value.className, message: text !== null && text.kind === 'string' ? text.value : null };
}

/** The JSON answer for a decoded return value (plain style unless asked otherwise). */
export function resultToJson(value: JavaValue, options: ToJsonOptions = {}): JsonValue {
  return toJson(value, options);
}

/**
 * Undoes Dubbo's PojoUtils.generalize on a generic call's answer: a map of string keys
 * with a "class" entry becomes the POJO it stood for, so the app sees `$class` as in a
 * normal call (docs/protocols.md: generalized POJOs are HashMaps with "class").
 */
export function ungeneralize(value: JavaValue): JavaValue {
  if (value === null) return null;
  switch (value.kind) {
    case 'list':
    case 'set':
    case 'array':
      return { ...value, items: value.items.map(ungeneralize) };
    case 'object':
      return { ...value, fields: value.fields.map(([name, field]) => [name, ungeneralize(field)] as const) };
    case 'map': {
      const stringKeys = value.entries.every(([key]) => key !== null && key.kind === 'string');
      const classEntry = value.entries.find(([key]) => key !== null && key.kind === 'string' && key.value === 'class');
      const className = classEntry?.[1];
      if (stringKeys && className !== undefined && className !== null && className.kind === 'string') {
        const fields = value.entries
          .filter((entry) => entry !== classEntry)
          .map(([key, field]) => [(key as { value: string }).value, ungeneralize(field)] as const);
        return jv.object(className.value, fields);
      }
      return { ...value, entries: value.entries.map(([key, field]) => [ungeneralize(key), ungeneralize(field)] as const) };
    }
    default:
      return value;
  }
}

/**
 * A Java exception for an answer the other way (a Python provider failed; a Java
 * consumer gets it): Throwable's serialized fields in declaration order, with an empty
 * stack trace (a null one makes Throwable.getStackTrace throw) and no cause. The class
 * must exist on the consumer; java.lang.RuntimeException always does.
 */
export function javaException(className: string, message: string | null): JavaValue {
  return jv.object(className, [
    ['detailMessage', message === null ? null : jv.string(message)],
    ['cause', null],
    ['stackTrace', jv.array('java.lang.StackTraceElement', [])],
    ['suppressedExceptions', null],
  ]);
}

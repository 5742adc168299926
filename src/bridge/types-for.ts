/**
 * Where the bridge gets a call's Java parameter types, in order of trust:
 *   1. the caller says so: `x-pmesh-param-types: ["java.lang.String","long"]`;
 *   2. the service's published or configured signatures, the overload picked by
 *      arity and JSON shape;
 *   3. the arguments themselves, when each is a string, a boolean, or carries a
 *      `$type` / `$class` / `$enum` hint.
 * A plain JSON number with no declared type is refused: int or long, float or double,
 * is the caller's to say (guessing is what the peers get wrong).
 */
import { MeshError } from '../core/errors.js';
import type { ClassPolicy } from './class-policy.js';
import type { MethodSignature, TypeCatalog } from './schema.js';
import { fromJson } from './values-json.js';
import type { JavaValue } from './values.js';
import { classType, parseJavaType, type JavaType } from './java-types.js';
import { resolveOverload } from './overload.js';

export const PARAM_TYPES_HEADER = 'x-pmesh-param-types';

export interface CallTypes {
  readonly params: readonly JavaType[];
  readonly returns?: JavaType;
}

export function typesFor(
  method: string,
  args: readonly unknown[],
  attachments: Readonly<Record<string, string>>,
  signatures: readonly MethodSignature[] | undefined,
  policy: ClassPolicy,
  catalog: TypeCatalog,
): CallTypes {
  const declared = attachments[PARAM_TYPES_HEADER];
  if (declared !== undefined) return { params: parseDeclared(declared, args.length) };
  if (signatures && signatures.some((s) => s.name === method)) {
    const resolved = resolveOverload(signatures, method, args, catalog);
    return { params: resolved.params, returns: returnsOf(resolved.signature) };
  }
  return { params: plainTypes(args) ?? args.map((arg, i) => inferType(fromJson(arg, undefined, { policy, catalog }), arg, i, method)) };
}

/** Parsed return types per signature object (kept as long as the schema holds the signature). */
const parsedReturns = new WeakMap<MethodSignature, JavaType | undefined>();

function returnsOf(signature: MethodSignature): JavaType | undefined {
  if (!parsedReturns.has(signature)) parsedReturns.set(signature, signature.returns ? parseJavaType(signature.returns) : undefined);
  return parsedReturns.get(signature);
}

const STRING_TYPE = parseJavaType('java.lang.String');
const BOOLEAN_TYPE = parseJavaType('boolean');
/** Parameter lists of string and boolean arguments by pattern ("sb": String, boolean), one array each. */
const plainLists = new Map<string, readonly JavaType[]>();
const MAX_PLAIN_ARGS = 8;

/**
 * The types of arguments that are all strings or booleans (what inferType gives them),
 * the same array for the same pattern, so what is derived from it (descriptor, policy
 * check) is made once; undefined for anything else.
 */
function plainTypes(args: readonly unknown[]): readonly JavaType[] | undefined {
  if (args.length > MAX_PLAIN_ARGS) return undefined;
  let pattern = '';
  for (const arg of args) {
    if (typeof arg === 'string') pattern += 's';
    else if (typeof arg === 'boolean') pattern += 'b';
    else return undefined;
  }
  let types = plainLists.get(pattern);
  if (types === undefined) {
    types = [...pattern].map((letter) => (letter === 's' ? STRING_TYPE : BOOLEAN_TYPE));
    plainLists.set(pattern, types);
  }
  return types;
}

function parseDeclared(text: string, count: number): JavaType[] {
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    throw bad(`${PARAM_TYPES_HEADER} must be a JSON array of Java type names`);
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw bad(`${PARAM_TYPES_HEADER} must be a JSON array of Java type names`);
  if (names.length !== count) throw bad(`${PARAM_TYPES_HEADER} names ${names.length} types for ${count} arguments`);
  return names.map((name: string) => parseJavaType(name));
}

const HINTS = ['$type', '$class', '$enum'];

const BY_KIND: Partial<Record<Exclude<JavaValue, null>['kind'], string>> = {
  string: 'java.lang.String',
  date: 'java.util.Date',
  decimal: 'java.math.BigDecimal',
  biginteger: 'java.math.BigInteger',
  bytes: '[B',
  list: 'java.util.List',
  set: 'java.util.Set',
  map: 'java.util.Map',
};

/** The parameter type a hinted or unambiguous argument stands for. */
function inferType(value: JavaValue, json: unknown, index: number, method: string): JavaType {
  if (value === null) throw bad(`argument ${index} of ${method} is null: its type cannot be known; declare the parameter types`);
  // Beyond 2^53 the JSON reader hands a bigint: as much a plain number as a small one.
  if (typeof json === 'number' || typeof json === 'bigint') {
    throw bad(`argument ${index} of ${method} is a plain number: declare the parameter types, or write {"$type":"int","$value":${json}}`);
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && !HINTS.some((key) => key in json)) {
    // A POJO or a Map? Only the declared type, or a "$class" hint, can say.
    throw bad(`argument ${index} of ${method} is a JSON object: declare the parameter types, or name its class with "$class"`);
  }
  switch (value.kind) {
    case 'boolean':
    case 'byte':
    case 'short':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'char':
      return parseJavaType(value.kind);
    case 'enum':
    case 'object':
      return classType(value.className);
    case 'array':
      return parseJavaType(`${value.component}[]`);
    default: {
      const name = BY_KIND[value.kind];
      if (name) return parseJavaType(name);
      throw bad(`argument ${index} of ${method}: cannot tell its Java type; declare the parameter types`);
    }
  }
}

function bad(message: string): MeshError {
  return new MeshError('PMESH_BAD_REQUEST', message);
}

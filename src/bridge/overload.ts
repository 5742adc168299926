/**
 * Overload resolution for the bridge: a JSON call names a method, not a signature, so
 * the signature is picked by arity, then by how well each JSON argument fits each
 * declared type. A `$type`/`$class`/`$enum` hint that names the parameter's type
 * exactly is the strongest fit, so a caller can always break a tie by hinting one
 * argument. Ambiguity is an error that lists the candidates, never a guess.
 */
import { MeshError } from '../core/errors.js';
import { parseJavaType, typeToString, javaTypeName, type JavaType } from './java-types.js';
import { shapeOf, type Shape } from './java-kinds.js';
import type { MethodSignature, TypeCatalog } from './schema.js';

export interface ResolvedMethod {
  readonly signature: MethodSignature;
  readonly params: readonly JavaType[];
}

const NO_FIT = -1;

/**
 * Parsed parameter types per signature object. A WeakMap: entries live exactly as long
 * as the signatures (schema objects), so it cannot grow beyond what the schema holds.
 */
const parsedParams = new WeakMap<MethodSignature, readonly JavaType[]>();

export function paramsOf(signature: MethodSignature): readonly JavaType[] {
  let params = parsedParams.get(signature);
  if (params === undefined) {
    params = signature.params.map((p) => parseJavaType(p));
    parsedParams.set(signature, params);
  }
  return params;
}

/** Picks the one signature of `name` that the JSON arguments fit best. */
export function resolveOverload(
  methods: readonly MethodSignature[],
  name: string,
  args: readonly unknown[],
  catalog?: TypeCatalog,
): ResolvedMethod {
  const named = methods.filter((m) => m.name === name);
  if (named.length === 0) throw new MeshError('PMESH_NO_ROUTE', `no method ${name}`);
  const candidates = named.filter((m) => m.params.length === args.length);
  if (candidates.length === 0) {
    throw new MeshError('PMESH_BAD_REQUEST', `no overload of ${name} takes ${args.length} arguments (${named.map(show).join(', ')})`);
  }
  let best: ResolvedMethod[] = [];
  let bestScore = NO_FIT;
  for (const signature of candidates) {
    const params = paramsOf(signature);
    let score = 0;
    for (let i = 0; i < params.length && score !== NO_FIT; i++) {
      const fit = jsonFit(args[i], params[i] as JavaType, catalog);
      score = fit === NO_FIT ? NO_FIT : score + fit;
    }
    if (score === NO_FIT || score < bestScore) continue;
    if (score > bestScore) best = [];
    bestScore = score;
    best.push({ signature, params });
  }
  if (best.length === 1) return best[0] as ResolvedMethod;
  if (best.length === 0) {
    throw new MeshError('PMESH_BAD_REQUEST', `no overload of ${name} accepts these arguments (${candidates.map(show).join(', ')})`);
  }
  throw new MeshError(
    'PMESH_BAD_REQUEST',
    `ambiguous call to ${name}: ${best.map((b) => show(b.signature)).join(', ')} all fit; add a $type hint to an argument`,
  );
}

function show(signature: MethodSignature): string {
  return `${signature.name}(${signature.params.map((p) => typeToString(parseJavaType(p))).join(', ')})`;
}

/** How well one JSON value fits a declared type: -1 no, 1 loosely, 2 well, 3 naturally, 4 exactly (hint or enum constant). */
export function jsonFit(json: unknown, type: JavaType, catalog?: TypeCatalog): number {
  const shape = shapeOf(type);
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const hint = (json as Record<string, unknown>)['$type'] ?? (json as Record<string, unknown>)['$class'] ?? (json as Record<string, unknown>)['$enum'];
    if (typeof hint === 'string') return hintFit(hint, type, shape);
  }
  if (json === null) return shape.shape === 'scalar' && shape.primitive ? NO_FIT : 1;
  if (shape.shape === 'object') return 1;
  switch (typeof json) {
    case 'boolean':
      return shape.shape === 'scalar' && shape.kind === 'boolean' ? 3 : NO_FIT;
    case 'number':
      return numberFit(json, shape);
    case 'bigint':
      // An integer beyond 2^53, kept exact by a lossless JSON parse: only wide types hold it.
      return shape.shape === 'scalar' && (shape.kind === 'long' || shape.kind === 'biginteger' || shape.kind === 'decimal') ? 3 : NO_FIT;
    case 'string':
      return stringFit(json, shape, catalog);
  }
  if (Array.isArray(json)) {
    if (shape.shape === 'list' || shape.shape === 'set' || shape.shape === 'array') return shape.shape === 'list' ? 3 : 2;
    return shape.shape === 'bytes' ? 1 : NO_FIT;
  }
  if (typeof json === 'object') {
    if (shape.shape === 'map') return 2;
    if (shape.shape === 'class') return catalog?.pojo(shape.className) !== undefined ? 3 : 2;
  }
  return NO_FIT;
}

function hintFit(hint: string, type: JavaType, shape: Shape): number {
  let hinted: JavaType;
  try {
    hinted = parseJavaType(hint);
  } catch {
    return NO_FIT;
  }
  if (javaTypeName(hinted) === javaTypeName(type)) return 4;
  const hintedShape = shapeOf(hinted);
  if (shape.shape === 'object') return 1;
  if (hintedShape.shape === 'scalar' && shape.shape === 'scalar') return hintedShape.kind === shape.kind ? 3 : NO_FIT;
  return hintedShape.shape === shape.shape ? 1 : NO_FIT;
}

function numberFit(n: number, shape: Shape): number {
  if (shape.shape !== 'scalar') return NO_FIT;
  switch (shape.kind) {
    case 'int': return Number.isInteger(n) && Math.abs(n) <= 2147483647 ? 3 : NO_FIT;
    case 'long': return Number.isInteger(n) ? 2 : NO_FIT;
    case 'short': case 'byte': return Number.isInteger(n) && Math.abs(n) <= (shape.kind === 'byte' ? 127 : 32767) ? 1 : NO_FIT;
    case 'double': return Number.isInteger(n) ? 1 : 3;
    case 'float': return 1;
    case 'decimal': case 'biginteger': return 1;
    case 'date': return Number.isInteger(n) ? 1 : NO_FIT;
    default: return NO_FIT;
  }
}

function stringFit(s: string, shape: Shape, catalog?: TypeCatalog): number {
  if (shape.shape === 'bytes') return 1;
  // A known constant of a declared enum beats a String parameter; hint the argument to pick the String.
  if (shape.shape === 'class') return catalog?.enumConstants(shape.className)?.has(s) === true ? 4 : 1;
  if (shape.shape !== 'scalar') return NO_FIT;
  switch (shape.kind) {
    case 'string': return 3;
    case 'char': return s.length === 1 ? 2 : NO_FIT;
    case 'long': case 'biginteger': return /^[+-]?\d+$/.test(s) ? 2 : NO_FIT;
    case 'decimal': return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s) ? 2 : NO_FIT;
    case 'date': return Number.isNaN(Date.parse(s)) ? NO_FIT : 2;
    default: return NO_FIT;
  }
}

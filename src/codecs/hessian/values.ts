/**
 * The values a Hessian body decodes to. Longs are always `bigint` (exact beyond
 * 2^53 and distinguishable from ints on the way back); typed composites keep their
 * Java type name in the `{ $class, $ }` shape hessian.js uses with `withType`.
 */

/** Which Hessian grammar a stream uses (see reader.ts for the byte maps). */
export type HessianDialect =
  /** Hessian 2.0 final: `C` class definitions, `Q` refs, `Z` terminators (hessian.js 2.x, sofa-bolt-node with hessianVersion 4.0). */
  | 'final'
  /**
   * The pre-final 2.0 draft ("3.0" in sofa-bolt-node): `O`/`o` class definitions and
   * instances, `V`/`M` typed lists and maps ending in `z`, `R`/`J`/`K` refs. Written by
   * sofa-bolt-node by default and, as captured in test/golden/bolt, by Java SOFARPC 5.13
   * (com.alipay.sofa:hessian 3.5.5).
   */
  | 'legacy';

export interface JavaObject {
  readonly $class: string;
  /** Field values by field name; a null-prototype record so field names cannot reach Object.prototype. */
  readonly $: Record<string, HessianValue>;
}

export interface JavaTypedList {
  readonly $class: string;
  readonly $: HessianValue[];
}

export interface JavaTypedMap {
  readonly $class: string;
  readonly $: Map<HessianValue, HessianValue>;
}

export type HessianValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | Date
  | HessianValue[]
  | Map<HessianValue, HessianValue>
  | JavaObject
  | JavaTypedList
  | JavaTypedMap;

export function isJavaObject(value: HessianValue | undefined): value is JavaObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Map) &&
    !Buffer.isBuffer(value) &&
    !(value instanceof Date) &&
    !Array.isArray((value as { $?: unknown }).$) &&
    !((value as { $?: unknown }).$ instanceof Map)
  );
}

/** The map inside an untyped or typed Hessian map, or undefined. */
export function asMap(value: HessianValue | undefined): Map<HessianValue, HessianValue> | undefined {
  if (value instanceof Map) return value;
  if (typeof value === 'object' && value !== null && (value as { $?: unknown }).$ instanceof Map) {
    return (value as JavaTypedMap).$;
  }
  return undefined;
}

/** The array inside an untyped or typed Hessian list, or undefined. */
export function asList(value: HessianValue | undefined): HessianValue[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { $?: unknown }).$)) {
    return (value as JavaTypedList).$;
  }
  return undefined;
}

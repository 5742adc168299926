/**
 * How a declared Java type maps onto the value model: which JavaValue kind a class
 * name means (java.lang.Long -> long, java.util.TreeSet -> set...) and which concrete
 * class a collection interface is sent as. Shared by the JSON and Hessian adapters.
 */
import type { JavaType } from './java-types.js';

export type ScalarKind =
  | 'boolean' | 'byte' | 'short' | 'int' | 'long' | 'float' | 'double' | 'char'
  | 'string' | 'date' | 'decimal' | 'biginteger';

const SCALAR_CLASSES: Readonly<Record<string, ScalarKind>> = {
  boolean: 'boolean', 'java.lang.Boolean': 'boolean',
  byte: 'byte', 'java.lang.Byte': 'byte',
  short: 'short', 'java.lang.Short': 'short',
  int: 'int', 'java.lang.Integer': 'int',
  long: 'long', 'java.lang.Long': 'long',
  float: 'float', 'java.lang.Float': 'float',
  double: 'double', 'java.lang.Double': 'double',
  char: 'char', 'java.lang.Character': 'char',
  'java.lang.String': 'string', 'java.lang.CharSequence': 'string',
  'java.util.Date': 'date',
  'java.math.BigDecimal': 'decimal',
  'java.math.BigInteger': 'biginteger',
};

/** Collection interfaces and the class Java code most often hands to Hessian for them. */
const LIST_CLASSES: Readonly<Record<string, string>> = {
  'java.util.List': 'java.util.ArrayList', 'java.util.Collection': 'java.util.ArrayList',
  'java.lang.Iterable': 'java.util.ArrayList', 'java.util.ArrayList': 'java.util.ArrayList',
  'java.util.LinkedList': 'java.util.LinkedList', 'java.util.Vector': 'java.util.Vector',
};
const SET_CLASSES: Readonly<Record<string, string>> = {
  'java.util.Set': 'java.util.HashSet', 'java.util.HashSet': 'java.util.HashSet',
  'java.util.LinkedHashSet': 'java.util.LinkedHashSet', 'java.util.TreeSet': 'java.util.TreeSet',
  'java.util.SortedSet': 'java.util.TreeSet', 'java.util.NavigableSet': 'java.util.TreeSet',
};
const MAP_CLASSES: Readonly<Record<string, string>> = {
  'java.util.Map': 'java.util.HashMap', 'java.util.HashMap': 'java.util.HashMap',
  'java.util.LinkedHashMap': 'java.util.LinkedHashMap', 'java.util.TreeMap': 'java.util.TreeMap',
  'java.util.SortedMap': 'java.util.TreeMap', 'java.util.NavigableMap': 'java.util.TreeMap',
  'java.util.concurrent.ConcurrentHashMap': 'java.util.concurrent.ConcurrentHashMap',
  'java.util.concurrent.ConcurrentMap': 'java.util.concurrent.ConcurrentHashMap',
};

export type Shape =
  | { readonly shape: 'scalar'; readonly kind: ScalarKind; readonly primitive: boolean }
  | { readonly shape: 'bytes' }
  | { readonly shape: 'list' | 'set'; readonly className: string; readonly item: JavaType | undefined }
  | { readonly shape: 'map'; readonly className: string; readonly key: JavaType | undefined; readonly value: JavaType | undefined }
  | { readonly shape: 'array'; readonly component: JavaType }
  | { readonly shape: 'object' }
  /** A class the model has no special form for: a POJO or enum (see the catalog), or anything with a hint. */
  | { readonly shape: 'class'; readonly className: string };

const OBJECT_SHAPE: Shape = { shape: 'object' };
/** Shapes by type object: types are immutable and kept by signatures and schemas, and every value converted asks. */
const shapes = new WeakMap<JavaType, Shape>();

/** The model's reading of a declared type; `undefined` type means java.lang.Object. */
export function shapeOf(type: JavaType | undefined): Shape {
  if (type === undefined) return OBJECT_SHAPE;
  let shape = shapes.get(type);
  if (shape === undefined) {
    shape = readShape(type);
    shapes.set(type, shape);
  }
  return shape;
}

function readShape(type: JavaType): Shape {
  if (type.sort === 'primitive') {
    return { shape: 'scalar', kind: type.name === 'void' ? 'string' : (type.name as ScalarKind), primitive: true };
  }
  if (type.sort === 'array') {
    const c = type.component;
    if (c.sort === 'primitive' && c.name === 'byte') return { shape: 'bytes' };
    return { shape: 'array', component: c };
  }
  const scalar = SCALAR_CLASSES[type.name];
  if (scalar !== undefined) return { shape: 'scalar', kind: scalar, primitive: false };
  const list = LIST_CLASSES[type.name];
  if (list !== undefined) return { shape: 'list', className: list, item: type.args[0] };
  const set = SET_CLASSES[type.name];
  if (set !== undefined) return { shape: 'set', className: set, item: type.args[0] };
  const map = MAP_CLASSES[type.name];
  if (map !== undefined) return { shape: 'map', className: map, key: type.args[0], value: type.args[1] };
  if (type.name === 'java.lang.Object' || type.name === 'java.lang.Number' || type.name === 'java.io.Serializable') {
    return { shape: 'object' };
  }
  return { shape: 'class', className: type.name };
}

/** The scalar kind a class name means (`java.lang.Long` -> long), or undefined. */
export function scalarKindOf(className: string): ScalarKind | undefined {
  return SCALAR_CLASSES[className];
}

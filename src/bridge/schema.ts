/**
 * What the bridge knows about a service's Java types: POJO field lists, enum constants
 * and method signatures. It comes from trusted places only (Dubbo's metadata report,
 * signatures an app published with its service, the route config), never from the
 * JSON of a call, so its class names are not re-checked against the allow list.
 */
import { MeshError } from '../core/errors.js';
import { parseJavaType, type JavaType } from './java-types.js';

export interface FieldSchema {
  readonly name: string;
  /** Any spelling parseJavaType takes: `long`, `java.util.List<com.example.Item>`. */
  readonly type: string;
}

/** A POJO; `fields` in the order Java's Hessian writes them (the class-definition order). */
export interface ClassSchema {
  readonly className: string;
  readonly fields: readonly FieldSchema[];
}

export interface EnumSchema {
  readonly className: string;
  readonly constants: readonly string[];
}

export interface MethodSignature {
  readonly name: string;
  /** Declared parameter types, any spelling parseJavaType takes. */
  readonly params: readonly string[];
  readonly returns?: string;
}

export interface ParsedClass {
  readonly className: string;
  readonly fields: readonly { readonly name: string; readonly type: JavaType }[];
}

/** Largest catalog accepted: it comes from config or a registry, but is still bounded. */
export const MAX_CATALOG_ENTRIES = 10_000;

/** Class and enum schemas by name, parsed once. Immutable after construction. */
export class TypeCatalog {
  readonly #classes = new Map<string, ParsedClass>();
  readonly #enums = new Map<string, ReadonlySet<string>>();

  constructor(classes: readonly ClassSchema[] = [], enums: readonly EnumSchema[] = []) {
    if (classes.length + enums.length > MAX_CATALOG_ENTRIES) {
      throw new MeshError('PMESH_CONFIG_INVALID', `type catalog: more than ${MAX_CATALOG_ENTRIES} classes and enums`);
    }
    for (const schema of classes) {
      this.#classes.set(schema.className, {
        className: schema.className,
        fields: schema.fields.map((field) => ({ name: field.name, type: parseJavaType(field.type) })),
      });
    }
    for (const schema of enums) this.#enums.set(schema.className, new Set(schema.constants));
  }

  pojo(className: string): ParsedClass | undefined {
    return this.#classes.get(className);
  }

  enumConstants(className: string): ReadonlySet<string> | undefined {
    return this.#enums.get(className);
  }

  /** Every class and enum name the catalog declares: what a service schema adds to the allow list. */
  classNames(): string[] {
    return [...this.#classes.keys(), ...this.#enums.keys()];
  }
}

export const EMPTY_CATALOG = new TypeCatalog();

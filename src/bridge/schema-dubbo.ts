/**
 * Types from Dubbo's metadata: the FullServiceDefinition JSON a Dubbo 3 provider
 * publishes to the metadata report (org.apache.dubbo.metadata.definition, built by
 * ServiceDefinitionBuilder; golden test/golden/values/service-definition.json). Its
 * `methods` give every signature with generic types (`java.util.Set<java.lang.Long>`),
 * its `types` every POJO's properties and every enum's constants, which is all the
 * bridge needs to take plain JSON. Property order there is not the class's field order
 * (Java reads fields by name, so only byte-identity with Java depends on it).
 */
import { MeshError } from '../core/errors.js';
import { MAX_CATALOG_ENTRIES, TypeCatalog, type ClassSchema, type EnumSchema, type MethodSignature } from './schema.js';

export interface ServiceTypes {
  readonly service: string;
  readonly methods: readonly MethodSignature[];
  readonly catalog: TypeCatalog;
}

const invalid = (why: string): MeshError => new MeshError('PMESH_CONFIG_INVALID', `dubbo service definition: ${why}`);

function strings(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalid(`${what} is not a list of strings`);
  return value as string[];
}

/** Reads a FullServiceDefinition (parsed JSON). Throws MeshError PMESH_CONFIG_INVALID on a wrong shape. */
export function typesFromDubboDefinition(definition: unknown): ServiceTypes {
  if (typeof definition !== 'object' || definition === null) throw invalid('not an object');
  const { canonicalName, methods, types } = definition as Record<string, unknown>;
  if (typeof canonicalName !== 'string') throw invalid('canonicalName missing');
  if (!Array.isArray(methods) || !Array.isArray(types)) throw invalid('methods or types missing');
  if (methods.length + types.length > MAX_CATALOG_ENTRIES) throw invalid(`more than ${MAX_CATALOG_ENTRIES} methods and types`);
  const signatures = methods.map((method: unknown, i): MethodSignature => {
    const m = (method ?? {}) as Record<string, unknown>;
    if (typeof m['name'] !== 'string') throw invalid(`methods[${i}] has no name`);
    const returns = typeof m['returnType'] === 'string' ? m['returnType'] : undefined;
    return { name: m['name'], params: strings(m['parameterTypes'], `methods[${i}].parameterTypes`), ...(returns === undefined ? {} : { returns }) };
  });
  const classes: ClassSchema[] = [];
  const enums: EnumSchema[] = [];
  types.forEach((type: unknown, i) => {
    const t = (type ?? {}) as Record<string, unknown>;
    if (typeof t['type'] !== 'string') throw invalid(`types[${i}] has no type`);
    const constants = strings(t['enums'], `types[${i}].enums`);
    if (constants.length > 0) {
      enums.push({ className: t['type'], constants });
      return;
    }
    const properties = t['properties'];
    if (typeof properties !== 'object' || properties === null || Object.keys(properties).length === 0) return;
    const fields = Object.entries(properties).map(([name, fieldType]) => {
      if (typeof fieldType !== 'string') throw invalid(`types[${i}].properties.${name} is not a type name`);
      return { name, type: fieldType };
    });
    classes.push({ className: t['type'], fields });
  });
  return { service: canonicalName, methods: signatures, catalog: new TypeCatalog(classes, enums) };
}

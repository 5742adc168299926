/**
 * Builds the bridge's options from the `bridge:` config section: the class allow list
 * (configured names plus every class and enum a service schema declares), the type
 * catalog, and the method signatures per service. Part of the control plane: the
 * registry-backed type sources reach the bridge filter as lookup functions.
 */
import { serviceKeyString, type ServiceKey } from '../core/index.js';
import { ClassPolicy, TypeCatalog, type MethodSignature } from '../bridge/index.js';
import { classNamesOf, parseJavaType } from '../bridge/java-types.js';
import { typesFromDubboDefinition } from '../bridge/schema-dubbo.js';
import type { BridgeConfig } from '../config/index.js';
import type { BridgeOptions, ReportedTypes } from '../proxy/index.js';
import type { Registry } from '../registry/index.js';
import { knownServiceKeysFrom } from './bridge-known-services.js';

/**
 * `published` adds the signatures apps published with their services (looked up at call
 * time, so a new publication needs no reload), by interface, version and group; the
 * config's (by interface) win when both have a service. The classes a service's known
 * signatures name join the allow list for that service's values, as the classes of
 * Dubbo's metadata report do.
 */
export function bridgeOptions(
  config: BridgeConfig & { maxBodyBytes: number },
  limits: { maxFrameBytes: number },
  published: (service: ServiceKey) => readonly MethodSignature[] | undefined = () => undefined,
  registry?: Registry,
): BridgeOptions {
  const classes = config.services.flatMap((s) => s.classes);
  const enums = config.services.flatMap((s) => s.enums);
  const catalog = new TypeCatalog(classes, enums);
  const policy = new ClassPolicy({ allow: [...config.allowClasses, ...catalog.classNames()], deny: config.denyClasses });
  const signatures = new Map<string, MethodSignature[]>();
  for (const service of config.services) signatures.set(service.service, [...(signatures.get(service.service) ?? []), ...service.methods]);
  const signaturesOf = (service: ServiceKey): readonly MethodSignature[] | undefined => signatures.get(service.interface) ?? published(service);
  // One policy per signature list (a publication's list lives as long as the publication).
  const policies = new WeakMap<readonly MethodSignature[], ClassPolicy>();
  return {
    policy,
    catalog,
    signatures: signaturesOf,
    policyFor: (service) => {
      const known = signaturesOf(service);
      if (known === undefined) return policy;
      let found = policies.get(known);
      if (found === undefined) {
        found = new ClassPolicy({ allow: [...config.allowClasses, ...catalog.classNames(), ...classesNamedIn(known)], deny: config.denyClasses });
        policies.set(known, found);
      }
      return found;
    },
    reportedTypes: registry?.serviceDefinition ? reportedTypesFrom(registry, config) : undefined,
    knownServices: registry ? knownServiceKeysFrom(registry) : undefined,
    body: { maxBytes: config.maxBodyBytes, maxValues: config.maxJsonValues, maxDepth: config.maxJsonDepth },
    maxFrameBytes: limits.maxFrameBytes,
    allowGenericInvoke: config.allowGenericInvoke,
  };
}

/** The classes the parameter and return types name (a type that does not parse names none: the call says why). */
function classesNamedIn(signatures: readonly MethodSignature[]): string[] {
  const names = new Set<string>();
  for (const signature of signatures) {
    for (const text of [...signature.params, ...(signature.returns === undefined ? [] : [signature.returns])]) {
      try {
        for (const name of classNamesOf(parseJavaType(text))) names.add(name);
      } catch {
        // left to the call that uses it, which answers the parse error
      }
    }
  }
  return [...names];
}

/** Found definitions are kept a minute; a miss is asked again after 3 s (a provider reports after it starts). */
const FOUND_MS = 60_000;
const MISSED_MS = 3_000;
const MAX_CACHED = 1_000;

/**
 * Types from the registry's metadata store (Dubbo providers report every method's
 * parameter and return types with field definitions): the reported classes join the
 * allow list for that service's calls; the configured denials still apply.
 */
function reportedTypesFrom(registry: Registry, config: BridgeConfig): (service: ServiceKey) => Promise<ReportedTypes | undefined> {
  const cache = new Map<string, { until: number; types: Promise<ReportedTypes | undefined> }>();
  return (service) => {
    const key = serviceKeyString(service);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.types;
    const types = registry.serviceDefinition!({ service: service.interface, version: service.version, group: service.group }).then(
      (text) => {
        if (text === undefined) return undefined;
        const reported = typesFromDubboDefinition(JSON.parse(text));
        const policy = new ClassPolicy({ allow: [...config.allowClasses, ...reported.catalog.classNames()], deny: config.denyClasses });
        return { signatures: reported.methods, catalog: reported.catalog, policy };
      },
      () => {
        // The registry could not tell (not connected): ask again on the next call.
        cache.delete(key);
        return undefined;
      },
    );
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, { until: Date.now() + MISSED_MS, types });
    void types.then((found) => {
      if (found) cache.set(key, { until: Date.now() + FOUND_MS, types });
    });
    return types;
  };
}

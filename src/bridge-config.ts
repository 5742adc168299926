/**
 * Builds the bridge's options from the `bridge:` config section: the class allow list
 * (configured names plus every class and enum a service schema declares), the type
 * catalog, and the method signatures per service. Part of the composition root.
 */
import { ClassPolicy, TypeCatalog, type MethodSignature } from './core/index.js';
import type { BridgeConfig } from './config/index.js';
import type { BridgeOptions } from './proxy/index.js';

/**
 * `published` adds the signatures apps published with their services (looked up at call
 * time, so a new publication needs no reload); the config's win when both have a service.
 */
export function bridgeOptions(
  config: BridgeConfig,
  limits: { maxBodyBytes: number },
  published: (service: string) => readonly MethodSignature[] | undefined = () => undefined,
): BridgeOptions {
  const classes = config.services.flatMap((s) => s.classes);
  const enums = config.services.flatMap((s) => s.enums);
  const catalog = new TypeCatalog(classes, enums);
  const policy = new ClassPolicy({ allow: [...config.allowClasses, ...catalog.classNames()], deny: config.denyClasses });
  const signatures = new Map<string, MethodSignature[]>();
  for (const service of config.services) signatures.set(service.service, [...(signatures.get(service.service) ?? []), ...service.methods]);
  return {
    policy,
    catalog,
    signatures: (service) => signatures.get(service) ?? published(service),
    maxBodyBytes: limits.maxBodyBytes,
    maxDepth: 64,
  };
}

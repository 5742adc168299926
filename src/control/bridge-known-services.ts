/**
 * Which versions and groups of a service the registry has providers for, so a bridged
 * call with a wrong or missing `x-pmesh-version` / `x-pmesh-group` is told what exists
 * instead of Dubbo's "Fail to decode request". Asked only on that error path; an answer
 * is kept a few seconds so a caller repeating the mistake does not re-ask the registry.
 */
import { serviceKeyString } from '../core/index.js';
import type { Registry, RegistryUpdate } from '../registry/index.js';

/** How long the first answer of the registry is waited for. */
const WAIT_MS = 1_000;
const KEEP_MS = 3_000;
const MAX_CACHED = 1_000;

export function knownServiceKeysFrom(registry: Registry): (service: string) => Promise<readonly string[]> {
  const cache = new Map<string, { until: number; keys: Promise<readonly string[]> }>();
  return (service) => {
    const hit = cache.get(service);
    if (hit && hit.until > Date.now()) return hit.keys;
    const keys = firstUpdate(registry, service).then((update) => keysOf(service, update));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(service, { until: Date.now() + KEEP_MS, keys });
    return keys;
  };
}

/** The registry's first endpoint set for every version and group of `service`, or undefined after WAIT_MS. */
function firstUpdate(registry: Registry, service: string): Promise<RegistryUpdate | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (update: RegistryUpdate | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(update);
      // Unsubscribed after this tick: the listener may run inside subscribe() itself.
      setImmediate(() => subscription.unsubscribe());
    };
    const timer = setTimeout(() => finish(undefined), WAIT_MS);
    // No version means any; a group must be "*" to see every group (common.ts matches).
    const subscription = registry.subscribe({ service, group: '*' }, (update) => finish(update));
    const current = subscription.current();
    if (current) finish(current);
  });
}

function keysOf(service: string, update: RegistryUpdate | undefined): readonly string[] {
  const keys = new Set<string>();
  for (const endpoint of update?.endpoints ?? []) {
    const { version, group } = endpoint.metadata;
    keys.add(serviceKeyString({ interface: service, version: version || undefined, group: group || undefined }));
  }
  return [...keys].sort();
}

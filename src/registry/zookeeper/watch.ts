/** A watched providers/ node and the on-disk cache of last-known children (used by backend.ts). */
import type { Endpoint } from '../../core/index.js';
import { toEndpoint, type HubSubscription } from '../common.js';
import type { UpdateOrigin } from '../registry.js';
import type { Layout } from './paths.js';
import { decodeProvider } from './url.js';

/** One watched providers/ node, shared by every subscription that needs it. */
export interface ProviderWatch {
  readonly path: string;
  readonly layout: Layout;
  readonly service: string;
  readonly subs: Set<HubSubscription>;
  /** The same function each time, so the client library keeps a single registration. */
  readonly watcher: () => void;
  endpoints: Endpoint[];
  origin: UpdateOrigin;
  /** False until something (cache or registry) told us the providers. */
  known: boolean;
  refreshing: boolean;
  again: boolean;
  emptySince: number | undefined;
  retry: NodeJS.Timeout | undefined;
}

export interface CacheFile {
  readonly format: 'pmesh-zookeeper-cache';
  readonly version: 1;
  readonly address: string;
  readonly watches: Record<string, { at: number; children: string[] }>;
}

/** Worse origins rank higher: a subscription spanning two watches reports the worse one. */
export const ORIGIN_RANK: Readonly<Record<UpdateOrigin, number>> = { registry: 0, 'last-known': 1, cache: 2 };

/** A providers/ listing to endpoints, one per provider URL; children that are not providers are skipped. */
export function decodeChildren(watch: ProviderWatch, children: readonly string[], source: 'registry' | 'cache'): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const child of children) {
    const provider = decodeProvider(watch.layout, watch.service, child);
    if (provider) endpoints.push(toEndpoint(provider.host, provider.port, provider.metadata, source, provider.weight));
  }
  // Not made unique by address here: one process may export the interface several times
  // (versions, groups) on one port; the backend dedupes after matching a query.
  return endpoints;
}

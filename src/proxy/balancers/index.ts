/**
 * The balancer registry: policy name -> plugin, filled by `setupBalancers()` from the
 * composition root (never by import side effects). A cluster's `balancer` is a name,
 * or `{ name, ...options }` for a policy with options; each plugin parses its own.
 */
import { consistentHash } from './consistent-hash.js';
import { leastActive, leastRequest, peakEwma, shortestResponse } from './least-loaded.js';
import { simplePlugin, type Balancer, type BalancerPlugin } from './picker.js';
import { weightedRandom } from './random.js';
import { roundRobin } from './round-robin.js';

export type { Balancer, BalancerPlugin, Picker, PickerInput } from './picker.js';
export { LoadBook, EndpointLoad } from './load.js';

/** `round_robin`, or `{ name: consistent_hash, hashOn: { header: x-user } }`. */
export type BalancerSpec = string | (Readonly<Record<string, unknown>> & { readonly name: string });

const plugins = new Map<string, BalancerPlugin>();

export function registerBalancer(name: string, plugin: BalancerPlugin): void {
  plugins.set(name, plugin);
}

export function isBalancerRegistered(name: string): boolean {
  return plugins.has(name);
}

export function balancerName(spec: BalancerSpec): string {
  return typeof spec === 'string' ? spec : spec.name;
}

/** Parses the spec's options and builds the balancer; throws an Error naming the problem. */
export function createBalancer(spec: BalancerSpec): Balancer {
  const name = balancerName(spec);
  const plugin = plugins.get(name);
  if (!plugin) throw new Error(`unknown balancer "${name}" (known: ${[...plugins.keys()].join(', ')})`);
  const { name: _name, ...options } = typeof spec === 'string' ? { name } : spec;
  try {
    return plugin.create(plugin.parse(options));
  } catch (error) {
    throw new Error(`balancer ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The problem with a spec, for config validation; undefined when it is fine. */
export function balancerProblem(spec: BalancerSpec): string | undefined {
  try {
    createBalancer(spec);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function setupBalancers(): void {
  registerBalancer('round_robin', simplePlugin(() => roundRobin));
  // Dubbo's default; `random` is the same policy under its short name.
  registerBalancer('weighted_random', simplePlugin(() => weightedRandom));
  registerBalancer('random', simplePlugin(() => weightedRandom));
  registerBalancer('least_request', simplePlugin(() => leastRequest));
  registerBalancer('peak_ewma', simplePlugin(() => peakEwma));
  registerBalancer('least_active', simplePlugin(() => leastActive));
  registerBalancer('shortest_response', simplePlugin(() => shortestResponse));
  registerBalancer('consistent_hash', consistentHash);
}

/**
 * Balancers publish pickers (grpc-js `picker.ts`): an immutable object built from
 * the current healthy endpoints, asked synchronously on the hot path. A change of
 * endpoints or health builds a new picker; a pick never waits. Load-aware pickers
 * read the live counters of the cluster's `LoadBook` at pick time.
 */
import type { Endpoint, Invocation } from '../../core/index.js';
import type { LoadBook } from './load.js';

export interface Picker {
  /** The endpoint for this call, or undefined when there is none to give. */
  pick(invocation: Invocation): Endpoint | undefined;
  /**
   * `performance.now()` after which the picker must be rebuilt even if nothing
   * changed (weights still warming up). Absent: valid until the endpoints change.
   */
  readonly expiresAt?: number;
}

/** What a picker is built from besides the endpoints. */
export interface PickerInput {
  /** Live per-endpoint counters (in flight, latency), kept by the cluster. */
  readonly loads: LoadBook;
  /** `performance.now()` at build time. */
  readonly now: number;
  /** Wall-clock ms at build time (registry timestamps are wall-clock). */
  readonly wallNow: number;
}

/** A balancer with its options parsed: builds pickers. */
export interface Balancer {
  createPicker(endpoints: readonly Endpoint[], input: PickerInput): Picker;
}

/**
 * A balancing policy, registered by name. `parse` checks the policy's own options
 * (everything in `cluster.balancer` but `name`) at config load and throws an Error
 * naming the bad field; `create` makes the balancer from the parsed options.
 */
export interface BalancerPlugin<O = unknown> {
  parse(options: Readonly<Record<string, unknown>>): O;
  create(options: O): Balancer;
}

/** A plugin whose policy has no options besides the warm-up shared by all. */
export function simplePlugin(create: () => Balancer): BalancerPlugin<undefined> {
  return {
    parse(options) {
      const extra = Object.keys(options);
      if (extra.length > 0) throw new Error(`unknown option(s) ${extra.join(', ')}`);
      return undefined;
    },
    create,
  };
}

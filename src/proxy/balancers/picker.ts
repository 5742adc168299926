/**
 * Balancers publish pickers (grpc-js `picker.ts`): an immutable object built from
 * the current healthy endpoints, asked synchronously on the hot path. A change of
 * endpoints or health builds a new picker; a pick never waits.
 */
import type { Endpoint, Invocation } from '../../core/index.js';

export interface Picker {
  /** The endpoint for this call, or undefined when there is none to give. */
  pick(invocation: Invocation): Endpoint | undefined;
}

export interface BalancerFactory {
  /** Builds a picker over these endpoints (never empty: the cluster handles that case). */
  createPicker(endpoints: readonly Endpoint[]): Picker;
}

import type { Endpoint } from '../../core/index.js';
import type { Balancer, Picker, PickerInput } from './picker.js';
import { WARMUP_STEP_MS, effectiveWeights, sum } from './weight.js';

/**
 * Smooth weighted round robin (nginx's, as Dubbo's RoundRobinLoadBalance): each pick
 * adds every endpoint's weight to its running credit, takes the endpoint with the
 * most credit and charges it the total. Equal weights give plain rotation; unequal
 * ones interleave instead of bursting. Ties go to the first from a random start, so
 * that many sidecars do not all begin at the same endpoint.
 */
class RoundRobinPicker implements Picker {
  readonly expiresAt?: number;
  readonly #endpoints: readonly Endpoint[];
  readonly #weights: number[];
  readonly #total: number;
  readonly #credit: number[];
  readonly #start: number;

  constructor(endpoints: readonly Endpoint[], input: PickerInput) {
    const { weights, warming } = effectiveWeights(endpoints, input.wallNow);
    this.#endpoints = endpoints;
    // All zero: rotate as if equal.
    this.#weights = sum(weights) > 0 ? weights : weights.map(() => 1);
    this.#total = sum(this.#weights);
    this.#credit = endpoints.map(() => 0);
    this.#start = Math.floor(Math.random() * endpoints.length);
    if (warming) this.expiresAt = input.now + WARMUP_STEP_MS;
  }

  pick(): Endpoint | undefined {
    const n = this.#endpoints.length;
    let best = -1;
    for (let k = 0; k < n; k++) {
      const i = (this.#start + k) % n;
      this.#credit[i]! += this.#weights[i]!;
      if (best === -1 || this.#credit[i]! > this.#credit[best]!) best = i;
    }
    if (best === -1) return undefined;
    this.#credit[best]! -= this.#total;
    return this.#endpoints[best];
  }
}

export const roundRobin: Balancer = { createPicker: (endpoints, input) => new RoundRobinPicker(endpoints, input) };

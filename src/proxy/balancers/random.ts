import type { Endpoint } from '../../core/index.js';
import type { Balancer, Picker, PickerInput } from './picker.js';
import { WARMUP_STEP_MS, effectiveWeights, sum, weightedIndex } from './weight.js';

/** Random choice weighted by each endpoint's (warming) weight: Dubbo's default policy. */
class WeightedRandomPicker implements Picker {
  readonly expiresAt?: number;
  readonly #endpoints: readonly Endpoint[];
  readonly #weights: number[];
  readonly #total: number;

  constructor(endpoints: readonly Endpoint[], input: PickerInput) {
    const { weights, warming } = effectiveWeights(endpoints, input.wallNow);
    this.#endpoints = endpoints;
    this.#weights = weights;
    this.#total = sum(weights);
    if (warming) this.expiresAt = input.now + WARMUP_STEP_MS;
  }

  pick(): Endpoint | undefined {
    return this.#endpoints[weightedIndex(this.#weights, this.#total)];
  }
}

export const weightedRandom: Balancer = { createPicker: (endpoints, input) => new WeightedRandomPicker(endpoints, input) };

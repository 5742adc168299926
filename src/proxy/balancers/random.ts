import type { Endpoint } from '../../core/index.js';
import type { BalancerFactory, Picker } from './picker.js';

/** Uniform choice, weighted by each endpoint's weight. */
class RandomPicker implements Picker {
  readonly #endpoints: readonly Endpoint[];
  readonly #cumulative: number[];
  readonly #total: number;

  constructor(endpoints: readonly Endpoint[]) {
    this.#endpoints = endpoints;
    let total = 0;
    this.#cumulative = endpoints.map((endpoint) => (total += Math.max(0, endpoint.weight)));
    this.#total = total;
  }

  pick(): Endpoint | undefined {
    if (this.#total <= 0) return this.#endpoints[Math.floor(Math.random() * this.#endpoints.length)];
    const target = Math.random() * this.#total;
    const index = this.#cumulative.findIndex((upTo) => target < upTo);
    return this.#endpoints[index === -1 ? this.#endpoints.length - 1 : index];
  }
}

export const random: BalancerFactory = {
  createPicker: (endpoints) => new RandomPicker(endpoints),
};

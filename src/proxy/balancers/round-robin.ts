import type { Endpoint } from '../../core/index.js';
import type { BalancerFactory, Picker } from './picker.js';

/** Each endpoint in turn. The start is random so that many sidecars do not all begin at the first. */
class RoundRobinPicker implements Picker {
  readonly #endpoints: readonly Endpoint[];
  #next: number;

  constructor(endpoints: readonly Endpoint[]) {
    this.#endpoints = endpoints;
    this.#next = Math.floor(Math.random() * endpoints.length);
  }

  pick(): Endpoint | undefined {
    const endpoint = this.#endpoints[this.#next];
    this.#next = (this.#next + 1) % this.#endpoints.length;
    return endpoint;
  }
}

export const roundRobin: BalancerFactory = {
  createPicker: (endpoints) => new RoundRobinPicker(endpoints),
};

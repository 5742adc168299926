/**
 * The load-aware policies. Two families:
 *
 * - power of two choices (least_request as Envoy's, peak_ewma as Linkerd's): draw two
 *   endpoints at random and take the one with the lower cost per unit of weight. It
 *   avoids the herd that "always the least loaded" causes across many sidecars, at
 *   O(1) per pick.
 * - least of all, ties by weight (Dubbo's least_active and shortest_response): scan
 *   every endpoint, keep those with the lowest estimate, and draw among them by weight.
 */
import type { Endpoint } from '../../core/index.js';
import type { EndpointLoad } from './load.js';
import type { Balancer, Picker, PickerInput } from './picker.js';
import { WARMUP_STEP_MS, effectiveWeights, sum, weightedIndex } from './weight.js';

/** Cost of sending one more call to an endpoint; lower is better. */
type Cost = (load: EndpointLoad, now: number) => number;

abstract class LoadPicker implements Picker {
  readonly expiresAt?: number;
  protected readonly endpoints: readonly Endpoint[];
  protected readonly weights: number[];
  protected readonly loads: EndpointLoad[];

  constructor(endpoints: readonly Endpoint[], input: PickerInput) {
    const { weights, warming } = effectiveWeights(endpoints, input.wallNow);
    this.endpoints = endpoints;
    this.weights = weights;
    this.loads = endpoints.map((endpoint) => input.loads.get(endpoint.address));
    if (warming) this.expiresAt = input.now + WARMUP_STEP_MS;
  }

  abstract pick(): Endpoint | undefined;
}

class TwoChoicesPicker extends LoadPicker {
  readonly #cost: Cost;

  constructor(endpoints: readonly Endpoint[], input: PickerInput, cost: Cost) {
    super(endpoints, input);
    this.#cost = cost;
  }

  pick(): Endpoint | undefined {
    const n = this.endpoints.length;
    if (n <= 1) return this.endpoints[0];
    const a = Math.floor(Math.random() * n);
    let b = Math.floor(Math.random() * (n - 1));
    if (b >= a) b += 1;
    const now = performance.now();
    return this.#perWeight(a, now) <= this.#perWeight(b, now) ? this.endpoints[a] : this.endpoints[b];
  }

  #perWeight(i: number, now: number): number {
    const weight = this.weights[i]!;
    return weight > 0 ? this.#cost(this.loads[i]!, now) / weight : Infinity;
  }
}

class LeastOfAllPicker extends LoadPicker {
  readonly #cost: Cost;

  constructor(endpoints: readonly Endpoint[], input: PickerInput, cost: Cost) {
    super(endpoints, input);
    this.#cost = cost;
  }

  pick(): Endpoint | undefined {
    const now = performance.now();
    let least = Infinity;
    const ties: number[] = [];
    for (let i = 0; i < this.endpoints.length; i++) {
      const cost = this.#cost(this.loads[i]!, now);
      if (cost < least) {
        least = cost;
        ties.length = 0;
      }
      if (cost === least) ties.push(i);
    }
    if (ties.length <= 1) return this.endpoints[ties[0] ?? 0];
    const weights = ties.map((i) => this.weights[i]!);
    return this.endpoints[ties[weightedIndex(weights, sum(weights))]!];
  }
}

function twoChoices(cost: Cost): Balancer {
  return { createPicker: (endpoints, input) => new TwoChoicesPicker(endpoints, input, cost) };
}

function leastOfAll(cost: Cost): Balancer {
  return { createPicker: (endpoints, input) => new LeastOfAllPicker(endpoints, input, cost) };
}

/** Envoy's least request: fewer calls in flight wins. */
export const leastRequest = twoChoices((load) => load.inFlight + 1);
/** Linkerd's peak EWMA: latency estimate times the calls it would queue behind. */
export const peakEwma = twoChoices((load, now) => (load.peakEwma(now) + 1e-3) * (load.inFlight + 1));
/** Dubbo's least active: fewest calls in flight, ties by weight. */
export const leastActive = leastOfAll((load) => load.inFlight);
/** Dubbo 3's shortest response: mean success latency times the calls in flight plus this one. */
export const shortestResponse = leastOfAll((load) => load.meanResponseMs() * (load.inFlight + 1));

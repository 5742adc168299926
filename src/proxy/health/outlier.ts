/**
 * Passive health (`cluster.outlierDetection`, Envoy's outlier detection and its
 * defaults): an endpoint is ejected after `consecutiveFailures` failures in a row, or,
 * every `interval`, when its success rate falls `stdevFactor` standard deviations below
 * the cluster's mean (only endpoints with `minRequests` calls in the interval count, and
 * only when `minHosts` of them do). Ejections last `baseEjectionMs` doubled with each
 * ejection in a row, capped at `maxEjectionMs`; every interval an endpoint spends
 * unejected and without failure halves its back-off again. At most
 * `maxEjectionPercent` of the endpoints are ejected at once, but at least one may be
 * (as Envoy does), so a three-endpoint cluster still loses its bad one.
 */

export interface OutlierSpec {
  readonly consecutiveFailures: number;
  /** How often success rates are computed and back-offs decay, ms. */
  readonly interval: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly maxEjectionPercent: number;
  readonly successRate: { readonly minRequests: number; readonly minHosts: number; readonly stdevFactor: number };
}

export const DEFAULT_OUTLIER: OutlierSpec = Object.freeze({
  consecutiveFailures: 5,
  interval: 10_000,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 10,
  successRate: Object.freeze({ minRequests: 100, minHosts: 5, stdevFactor: 1.9 }),
});

export type EjectionCause = 'consecutive_failures' | 'success_rate';

interface OutlierState {
  consecutiveFailures: number;
  /** Ejections in a row: the back-off exponent. */
  ejections: number;
  ejectedUntil: number;
  cause: EjectionCause | undefined;
  why: string;
  /** Calls and successes in the current interval. */
  calls: number;
  successes: number;
  failedThisInterval: boolean;
}

export class OutlierDetector {
  #spec: OutlierSpec = DEFAULT_OUTLIER;
  readonly #states = new Map<string, OutlierState>();
  #lastSweep: number;
  readonly #onEject: (address: string, cause: EjectionCause) => void;

  constructor(now: number, onEject: (address: string, cause: EjectionCause) => void) {
    this.#lastSweep = now;
    this.#onEject = onEject;
  }

  get spec(): OutlierSpec {
    return this.#spec;
  }

  setSpec(spec: OutlierSpec): void {
    this.#spec = spec;
  }

  forget(address: string): void {
    this.#states.delete(address);
  }

  /** Returns true when this failure ejected the endpoint. */
  recordFailure(address: string, now: number, endpointCount: number): boolean {
    const state = this.#state(address);
    state.calls += 1;
    state.failedThisInterval = true;
    state.consecutiveFailures += 1;
    if (state.consecutiveFailures < this.#spec.consecutiveFailures) return false;
    state.consecutiveFailures = 0;
    return this.#eject(address, state, now, endpointCount, 'consecutive_failures', `${this.#spec.consecutiveFailures} failures in a row`);
  }

  recordSuccess(address: string): void {
    const state = this.#state(address);
    state.calls += 1;
    state.successes += 1;
    state.consecutiveFailures = 0;
  }

  ejectedUntil(address: string): number {
    return this.#states.get(address)?.ejectedUntil ?? 0;
  }

  consecutiveFailures(address: string): number {
    return this.#states.get(address)?.consecutiveFailures ?? 0;
  }

  why(address: string, now: number): string | undefined {
    const state = this.#states.get(address);
    return state && state.ejectedUntil > now ? state.why : undefined;
  }

  /**
   * Runs the interval's work if an interval has passed: the success-rate check and the
   * back-off decay. Returns true when an ejection happened. Called on the call path and
   * by the cluster's timer, so no interval is missed on a quiet cluster.
   */
  sweep(now: number, addresses: readonly string[]): boolean {
    if (now - this.#lastSweep < this.#spec.interval) return false;
    this.#lastSweep = now;
    let ejected = false;
    const { minRequests, minHosts, stdevFactor } = this.#spec.successRate;
    const rates: Array<[string, number]> = [];
    for (const address of addresses) {
      const state = this.#states.get(address);
      if (state && state.calls >= minRequests && state.ejectedUntil <= now) rates.push([address, state.successes / state.calls]);
    }
    if (rates.length >= minHosts) {
      const mean = rates.reduce((sum, [, rate]) => sum + rate, 0) / rates.length;
      const stdev = Math.sqrt(rates.reduce((sum, [, rate]) => sum + (rate - mean) ** 2, 0) / rates.length);
      const floor = mean - stdevFactor * stdev;
      for (const [address, rate] of rates) {
        if (rate < floor) {
          const why = `success rate ${(rate * 100).toFixed(1)} % below the cluster's ${(floor * 100).toFixed(1)} %`;
          ejected = this.#eject(address, this.#state(address), now, addresses.length, 'success_rate', why) || ejected;
        }
      }
    }
    for (const [address, state] of this.#states) {
      if (state.ejectedUntil <= now && !state.failedThisInterval && state.ejections > 0) state.ejections -= 1;
      state.calls = 0;
      state.successes = 0;
      state.failedThisInterval = false;
      if (!addresses.includes(address)) this.#states.delete(address);
    }
    return ejected;
  }

  #eject(address: string, state: OutlierState, now: number, endpointCount: number, cause: EjectionCause, why: string): boolean {
    if (state.ejectedUntil > now) return false;
    let ejectedNow = 0;
    for (const other of this.#states.values()) if (other.ejectedUntil > now) ejectedNow += 1;
    const allowed = Math.max(1, Math.floor((endpointCount * this.#spec.maxEjectionPercent) / 100));
    if (ejectedNow >= allowed) return false;
    const duration = Math.min(this.#spec.baseEjectionMs * 2 ** state.ejections, this.#spec.maxEjectionMs);
    state.ejections += 1;
    state.ejectedUntil = now + duration;
    state.cause = cause;
    state.why = `${why}; ejected for ${Math.round(duration / 1000)} s`;
    this.#onEject(address, cause);
    return true;
  }

  #state(address: string): OutlierState {
    let state = this.#states.get(address);
    if (!state) {
      state = { consecutiveFailures: 0, ejections: 0, ejectedUntil: 0, cause: undefined, why: '', calls: 0, successes: 0, failedThisInterval: false };
      this.#states.set(address, state);
    }
    return state;
  }
}

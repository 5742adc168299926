/**
 * Active health checks (`cluster.healthCheck`, Envoy's): every `intervalMs` each
 * endpoint is probed in its protocol's way (probes.ts); `unhealthyThreshold` failed
 * probes in a row take it out of the balancer, `healthyThreshold` good ones bring it
 * back. New endpoints start healthy, so a reload or a registry push never empties a
 * cluster while the first probes run. A probe still running is not started twice.
 */
import type { Endpoint } from '../../core/index.js';
import type { Probe } from './probes.js';

export interface HealthCheckSpec {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** HTTP/1: the path asked (default `/`). */
  readonly path?: string;
}

interface CheckState {
  healthy: boolean;
  successes: number;
  failures: number;
  running: boolean;
  lastError: string;
}

export class ActiveHealthChecker {
  readonly #spec: HealthCheckSpec;
  readonly #probe: Probe;
  readonly #states = new Map<string, CheckState>();
  readonly #timer: NodeJS.Timeout;
  readonly #endpoints: () => readonly Endpoint[];
  readonly #onChange: (address: string, healthy: boolean) => void;

  constructor(spec: HealthCheckSpec, probe: Probe, endpoints: () => readonly Endpoint[], onChange: (address: string, healthy: boolean) => void) {
    this.#spec = spec;
    this.#probe = probe;
    this.#endpoints = endpoints;
    this.#onChange = onChange;
    this.#timer = setInterval(() => this.checkAll(), spec.intervalMs);
    this.#timer.unref();
  }

  get spec(): HealthCheckSpec {
    return this.#spec;
  }

  /** Probes every endpoint once (the timer's work; tests call it directly). */
  checkAll(): Promise<void> {
    const endpoints = this.#endpoints();
    const live = new Set(endpoints.map((endpoint) => endpoint.address));
    for (const address of this.#states.keys()) if (!live.has(address)) this.#states.delete(address);
    return Promise.all(endpoints.map((endpoint) => this.#check(endpoint))).then(() => undefined);
  }

  /** Why an endpoint is unhealthy, or undefined when it is not. */
  unhealthy(address: string): string | undefined {
    const state = this.#states.get(address);
    return state && !state.healthy ? state.lastError : undefined;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #check(endpoint: Endpoint): Promise<void> {
    let state = this.#states.get(endpoint.address);
    if (!state) {
      state = { healthy: true, successes: 0, failures: 0, running: false, lastError: '' };
      this.#states.set(endpoint.address, state);
    }
    if (state.running) return;
    state.running = true;
    try {
      await this.#probe(endpoint, this.#spec.timeoutMs);
      state.failures = 0;
      state.successes += 1;
      if (!state.healthy && state.successes >= this.#spec.healthyThreshold) {
        state.healthy = true;
        this.#onChange(endpoint.address, true);
      }
    } catch (error) {
      state.successes = 0;
      state.failures += 1;
      state.lastError = `health check failed ${state.failures} times: ${(error as Error).message}`;
      if (state.healthy && state.failures >= this.#spec.unhealthyThreshold) {
        state.healthy = false;
        this.#onChange(endpoint.address, false);
      }
    } finally {
      state.running = false;
    }
  }
}

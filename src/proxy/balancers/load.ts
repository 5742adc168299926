/**
 * Per-endpoint load counters the load-aware balancers read: calls in flight (least
 * request, Dubbo's least active), a peak-sensitive latency EWMA (Linkerd's and
 * Finagle's peak EWMA) and the mean latency of recent successes (Dubbo 3's shortest
 * response). The cluster updates them around every call; pickers only read.
 */

/** Latency assumed for an endpoint that has not answered yet (Linkerd's default RTT). */
export const DEFAULT_RTT_MS = 30;
/** How fast the peak EWMA forgets (Linkerd's default decay, 10 s). */
export const EWMA_DECAY_MS = 10_000;
/** Dubbo 3's shortest-response window: successes older than this stop counting. */
export const RESPONSE_WINDOW_MS = 30_000;

export class EndpointLoad {
  /** Calls sent and not yet answered. */
  inFlight = 0;
  /** Calls answered or failed since the endpoint joined (shown in `/clusters`). */
  completed = 0;
  #ewmaMs = DEFAULT_RTT_MS;
  #ewmaAt = 0;
  #windowStart = 0;
  #windowSum = 0;
  #windowCount = 0;
  /** Mean success latency of the last full window, used while the current one is empty. */
  #lastMeanMs = 0;

  begin(): void {
    this.inFlight += 1;
  }

  /** One call ended after `latencyMs`; `ok` is false for failures (they do not count as fast). */
  end(now: number, latencyMs: number, ok: boolean): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.completed += 1;
    this.#observe(now, ok ? latencyMs : Math.max(latencyMs, this.peakEwma(now)));
    if (!ok) return;
    if (now - this.#windowStart > RESPONSE_WINDOW_MS) {
      if (this.#windowCount > 0) this.#lastMeanMs = this.#windowSum / this.#windowCount;
      this.#windowStart = now;
      this.#windowSum = 0;
      this.#windowCount = 0;
    }
    this.#windowSum += latencyMs;
    this.#windowCount += 1;
  }

  /**
   * The latency estimate: a new peak is taken at once, lower samples pull it down
   * with weight exp(-elapsed / decay), and with no samples it decays toward zero so an
   * endpoint that was slow once is tried again.
   */
  peakEwma(now: number): number {
    const elapsed = Math.max(0, now - this.#ewmaAt);
    return this.#ewmaMs * Math.exp(-elapsed / EWMA_DECAY_MS);
  }

  /** Mean latency of recent successes (0 when none yet). */
  meanResponseMs(): number {
    return this.#windowCount > 0 ? this.#windowSum / this.#windowCount : this.#lastMeanMs;
  }

  #observe(now: number, sampleMs: number): void {
    const current = this.peakEwma(now);
    if (sampleMs > current) {
      this.#ewmaMs = sampleMs;
    } else {
      const decay = Math.exp(-Math.max(0, now - this.#ewmaAt) / EWMA_DECAY_MS);
      this.#ewmaMs = current * decay + sampleMs * (1 - decay);
    }
    this.#ewmaAt = now;
  }
}

/** The counters of one cluster's endpoints, by address. */
export class LoadBook {
  readonly #loads = new Map<string, EndpointLoad>();

  get(address: string): EndpointLoad {
    let load = this.#loads.get(address);
    if (!load) {
      load = new EndpointLoad();
      this.#loads.set(address, load);
    }
    return load;
  }

  /** The endpoint's load, if it is still in the book (not for one the cluster has dropped since). */
  find(address: string): EndpointLoad | undefined {
    return this.#loads.get(address);
  }

  delete(address: string): void {
    this.#loads.delete(address);
  }
}

/**
 * An endpoint's weight as the balancers use it: the configured or registered weight,
 * ramped up while the provider warms up. A Dubbo provider registers its start time
 * (`timestamp`) and `warmup` (ms, default 10 min); SOFARPC registers `startTime`,
 * `warmupTime` and `warmupWeight`. During the warm-up the weight grows linearly with
 * uptime, never below 1 % of it (Dubbo's AbstractLoadBalance.calculateWarmupWeight).
 */
import type { Endpoint } from '../../core/index.js';

/** Dubbo's default warm-up, 10 minutes. */
export const DEFAULT_WARMUP_MS = 10 * 60_000;
/** How often a picker over warming endpoints is rebuilt. */
export const WARMUP_STEP_MS = 1_000;

export interface Weighted {
  readonly weights: number[];
  /** True while some endpoint is still warming up: the picker expires after a step. */
  readonly warming: boolean;
}

function warmupOf(endpoint: Endpoint): { startedAt: number; warmupMs: number } | undefined {
  const m = endpoint.metadata;
  const startedAt = Number(m.timestamp ?? m.startTime);
  if (!Number.isFinite(startedAt) || startedAt <= 0) return undefined;
  const warmupMs = Number(m.warmup ?? m.warmupTime ?? DEFAULT_WARMUP_MS);
  return Number.isFinite(warmupMs) && warmupMs > 0 ? { startedAt, warmupMs } : undefined;
}

/** Effective weights of `endpoints` at wall-clock `wallNow`. */
export function effectiveWeights(endpoints: readonly Endpoint[], wallNow: number): Weighted {
  let warming = false;
  const weights = endpoints.map((endpoint) => {
    const weight = Math.max(0, endpoint.weight);
    const warmup = warmupOf(endpoint);
    if (!warmup || weight === 0) return weight;
    const uptime = wallNow - warmup.startedAt;
    if (uptime >= warmup.warmupMs) return weight;
    warming = true;
    return weight * Math.min(1, Math.max(0.01, uptime / warmup.warmupMs));
  });
  return { weights, warming };
}

/** Index drawn with probability proportional to `weights` (uniform when all are 0). */
export function weightedIndex(weights: readonly number[], total: number, draw = Math.random()): number {
  if (total <= 0) return Math.floor(draw * weights.length);
  let target = draw * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i]!;
    if (target < 0) return i;
  }
  return weights.length - 1;
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

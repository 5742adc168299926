/**
 * A confidence interval for the median of a sample that assumes nothing of its distribution
 * (the order-statistic interval): with n values sorted, the median lies between the k-th
 * smallest and the k-th largest with probability 1 - 2 P(Binomial(n, 1/2) < k); k is the
 * largest that keeps that probability at least `confidence`. With too few values for the
 * confidence asked, the interval is the whole range and says so.
 */
export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** What the interval actually covers (the binomial probability; at least `confidence` unless `tooFew`). */
  readonly coverage: number;
  readonly tooFew: boolean;
}

/** P(Binomial(n, 1/2) <= k), summed from the exact terms (n up to a few hundred). */
function binomialHalfCdf(n: number, k: number): number {
  let term = Math.pow(0.5, n); // C(n, 0) / 2^n
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

export function medianInterval(values: readonly number[], confidence = 0.95): MedianInterval {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { low: NaN, high: NaN, coverage: 0, tooFew: true };
  let k = 0;
  // Widen from the middle: the largest k (1-based) whose interval [x(k), x(n-k+1)] still covers `confidence`.
  for (let candidate = 1; candidate <= Math.floor((n + 1) / 2); candidate++) {
    if (1 - 2 * binomialHalfCdf(n, candidate - 1) >= confidence) k = candidate;
    else break;
  }
  if (k === 0) return { low: sorted[0]!, high: sorted[n - 1]!, coverage: 1 - 2 * binomialHalfCdf(n, 0), tooFew: true };
  return { low: sorted[k - 1]!, high: sorted[n - k]!, coverage: 1 - 2 * binomialHalfCdf(n, k - 1), tooFew: false };
}

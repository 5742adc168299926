/**
 * Latency histogram with log-spaced buckets (each 1% wider than the last), so runs
 * from several load-generator processes can be merged and still give percentiles
 * within 1%, while a result line stays a few KiB instead of one float per call.
 */

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Bucket 0 holds everything at or below 1 µs. */
const FLOOR_MS = 0.001;

/** Sparse form for JSON: bucket index -> count. */
export type HistogramCounts = Record<string, number>;

export class LatencyHistogram {
  readonly #counts = new Map<number, number>();
  #total = 0;

  static from(counts: HistogramCounts): LatencyHistogram {
    const histogram = new LatencyHistogram();
    histogram.addCounts(counts);
    return histogram;
  }

  get count(): number {
    return this.#total;
  }

  add(ms: number): void {
    const bucket = ms <= FLOOR_MS ? 0 : Math.ceil(Math.log(ms / FLOOR_MS) / LOG_GROWTH);
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + 1);
    this.#total++;
  }

  addCounts(counts: HistogramCounts): void {
    for (const [bucket, n] of Object.entries(counts)) {
      this.#counts.set(Number(bucket), (this.#counts.get(Number(bucket)) ?? 0) + n);
      this.#total += n;
    }
  }

  /** Upper edge of the bucket holding the p-th percentile (NaN when empty). */
  percentile(p: number): number {
    if (this.#total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#total));
    let seen = 0;
    for (const bucket of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(bucket)!;
      if (seen >= rank) return FLOOR_MS * GROWTH ** bucket;
    }
    return NaN;
  }

  toJSON(): HistogramCounts {
    return Object.fromEntries(this.#counts);
  }
}

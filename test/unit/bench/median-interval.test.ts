/**
 * The tracing bench's interval for a median (test/bench/lib/median-interval.ts) against the
 * order statistics of the published tables for the median's distribution-free interval
 * (e.g. n = 10: the 2nd and 9th values, 97.9 %; n = 20: 6th and 15th; n = 30: 10th and 21st),
 * and its refusal to claim 95 % from too few rounds.
 */
import { describe, expect, it } from 'vitest';
import { medianInterval } from '../../bench/lib/median-interval.js';

const ranks = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('the interval of a median', () => {
  it.each([
    [6, 1, 6, 0.969],
    [10, 2, 9, 0.979],
    [20, 6, 15, 0.959],
    [30, 10, 21, 0.957],
    [40, 14, 27, 0.962],
  ])('n = %i: from the %i-th to the %i-th value, covering %f', (n, low, high, coverage) => {
    // Shuffled: the interval is of the values' order, not of where they came in.
    const values = ranks(n).sort((a, b) => ((a * 7919) % n) - ((b * 7919) % n));
    const interval = medianInterval(values);
    expect([interval.low, interval.high]).toEqual([low, high]);
    expect(interval.coverage).toBeCloseTo(coverage, 3);
    expect(interval.tooFew).toBe(false);
  });

  it('says when there are too few values for 95 %', () => {
    expect(medianInterval(ranks(5))).toMatchObject({ low: 1, high: 5, tooFew: true });
    expect(medianInterval([])).toMatchObject({ tooFew: true });
  });
});

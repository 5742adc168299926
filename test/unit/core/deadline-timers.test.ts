import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineTimers, type Expiring } from '../../../src/core/index.js';

/** Records the order in which armed items expire. */
function recorder(): { expired: string[]; item: (name: string) => Expiring } {
  const expired: string[] = [];
  return { expired, item: (name) => ({ expire: () => void expired.push(name) }) };
}

describe('DeadlineTimers', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000 }));
  afterEach(() => vi.useRealTimers());

  it('expires each armed item once its deadline has passed, earliest first, and never before', () => {
    const timers = new DeadlineTimers(() => Date.now());
    const { expired, item } = recorder();
    timers.arm(1_250, item('late'));
    timers.arm(1_100.4, item('early'));
    timers.arm(1_100.2, item('early too'));
    vi.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(expired).toEqual(['early', 'early too']);
    vi.advanceTimersByTime(148);
    expect(expired).toEqual(['early', 'early too']);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['early', 'early too', 'late']);
    expect(timers.size).toBe(0);
  });

  it('never expires a disarmed item, and leaves no timer behind once nothing is armed', () => {
    const timers = new DeadlineTimers(() => Date.now());
    const { expired, item } = recorder();
    const first = item('first');
    const second = item('second');
    timers.arm(1_050, first);
    timers.arm(1_050, second);
    timers.disarm(1_050, first);
    vi.advanceTimersByTime(60);
    expect(expired).toEqual(['second']);
    timers.arm(1_500, first);
    timers.disarm(1_500, first);
    expect(timers.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('moves its one timer earlier when an earlier deadline is armed, and skips buckets that emptied', () => {
    const timers = new DeadlineTimers(() => Date.now());
    const { expired, item } = recorder();
    const gone = item('gone');
    timers.arm(2_000, item('last'));
    timers.arm(1_010, gone);
    timers.arm(1_500, item('middle'));
    timers.disarm(1_010, gone);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(600);
    expect(expired).toEqual(['middle']);
    vi.advanceTimersByTime(500);
    expect(expired).toEqual(['middle', 'last']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes deadlines armed while others expire', () => {
    const timers = new DeadlineTimers(() => Date.now());
    const { expired, item } = recorder();
    timers.arm(1_020, { expire: () => { expired.push('first'); timers.arm(1_040, item('armed by first')); } });
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['first', 'armed by first']);
  });
});

describe('DeadlineTimers, far deadlines', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('waits for a deadline beyond setTimeout range in steps, expiring nothing early', () => {
    const timers = new DeadlineTimers(() => Date.now());
    const expired: string[] = [];
    timers.arm(2 ** 31 + 5_000, { expire: () => void expired.push('far') });
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(5_002);
    expect(expired).toEqual(['far']);
  });
});

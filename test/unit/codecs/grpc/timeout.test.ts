import { describe, expect, it } from 'vitest';
import { formatGrpcTimeout, parseGrpcTimeout } from '../../../../src/codecs/grpc/index.js';

describe('grpc-timeout', () => {
  it.each([
    ['1H', 3_600_000],
    ['2M', 120_000],
    ['5S', 5_000],
    ['300m', 300],
    ['1500u', 1.5],
    ['99999999n', 99.999999],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGrpcTimeout(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '5', 'S', '123456789S', '5s', '-1S', '1.5S', '+5S', ' 5S', '5 S', '5SS', '/5S', ':5S'])('malformed %j means no deadline', (text) => {
    expect(parseGrpcTimeout(text)).toBeUndefined();
  });

  it('is formatted in the finest unit that fits 8 digits, never rounded down, at least 1n', () => {
    expect(formatGrpcTimeout(0.5)).toBe('500000n');
    expect(formatGrpcTimeout(250)).toBe('250000u');
    expect(formatGrpcTimeout(5_000)).toBe('5000000u');
    expect(formatGrpcTimeout(1_000_000)).toBe('1000000m');
    expect(formatGrpcTimeout(200_000_000)).toBe('200000S');
    expect(formatGrpcTimeout(-5)).toBe('1n');
    for (const ms of [0.001, 1, 999.9, 86_400_000]) expect(parseGrpcTimeout(formatGrpcTimeout(ms))).toBeGreaterThanOrEqual(ms);
  });
});

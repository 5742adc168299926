import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { httpDate, isoTime } from '../../../src/core/utc-time.js';

/** Year 0000 to 9999: what toISOString writes with four digits. */
const MS = fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 });

describe('UTC times written without ICU', () => {
  test.prop([MS])('isoTime is toISOString', (ms) => {
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });
  test.prop([MS])('httpDate is toUTCString', (ms) => {
    expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
  });
  it('writes the edges of the four-digit years', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTime(-62_167_219_200_000)).toBe('0000-01-01T00:00:00.000Z');
    expect(httpDate(951_782_400_000)).toBe('Tue, 29 Feb 2000 00:00:00 GMT');
  });
});

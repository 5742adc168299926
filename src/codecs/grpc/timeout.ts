/**
 * `grpc-timeout` (gRPC over HTTP/2, "Timeout"): at most 8 ASCII digits and one unit,
 * H M S m u n. Parsed into milliseconds; formatted back as the smallest unit that
 * keeps the value within 8 digits, as grpc-go does.
 */
const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };
const MAX_VALUE = 99_999_999;
const MAX_DIGITS = 8;
const ZERO = 0x30;

/**
 * Milliseconds the header grants, or undefined when absent or malformed (malformed: no
 * deadline, like grpc-go). Read digit by digit: it is on every call's path, and a regular
 * expression match cost an array and two strings.
 */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const digits = value.length - 1;
  if (digits < 1 || digits > MAX_DIGITS) return undefined;
  const unit = UNIT_MS[value.charAt(digits)];
  if (unit === undefined) return undefined;
  let amount = 0;
  for (let i = 0; i < digits; i++) {
    const digit = value.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    amount = amount * 10 + digit;
  }
  return amount * unit;
}

/** The header value for `ms` milliseconds left (at least 1 ns: a spent budget is answered, not sent). */
export function formatGrpcTimeout(ms: number): string {
  const ns = Math.max(1, Math.ceil(ms * 1_000_000));
  if (ns <= MAX_VALUE) return `${ns}n`;
  const us = Math.ceil(ns / 1_000);
  if (us <= MAX_VALUE) return `${us}u`;
  const milli = Math.ceil(ms);
  if (milli <= MAX_VALUE) return `${milli}m`;
  const seconds = Math.ceil(ms / 1_000);
  if (seconds <= MAX_VALUE) return `${seconds}S`;
  const minutes = Math.ceil(ms / 60_000);
  if (minutes <= MAX_VALUE) return `${minutes}M`;
  return `${Math.min(Math.ceil(ms / 3_600_000), MAX_VALUE)}H`;
}

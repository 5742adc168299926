/**
 * Times written in UTC from Date's UTC getters, not `toISOString()` / `toUTCString()`: in
 * Node 20 (V8 11.3) both work out the local time-zone offset before writing a UTC time,
 * which loads ICU's time-zone data, 0.6 MiB of the node binary paged in by the first log
 * line or HTTP answer of a sidecar that has no other use for it (docs/performance.md).
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** As `new Date(ms).toISOString()` for the years 0000 to 9999: `2026-12-02T01:05:09.042Z`. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const yyyy = year < 1000 ? String(year).padStart(4, '0') : String(year);
  return `${yyyy}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${three(d.getUTCMilliseconds())}Z`;
}

/** An HTTP date (RFC 9110's IMF-fixdate), as `new Date(ms).toUTCString()`: `Wed, 02 Dec 2026 01:05:09 GMT`. */
export function httpDate(ms: number): string {
  const d = new Date(ms);
  const year = String(d.getUTCFullYear()).padStart(4, '0');
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${year} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}

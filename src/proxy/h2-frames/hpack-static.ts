/** HPACK's static table (RFC 7541 Appendix A), index 1-61, as name/value pairs. */
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** 1-based index of the first static entry with this name (later duplicates are set first, then overwritten). */
export const STATIC_NAME_INDEX: ReadonlyMap<string, number> = new Map(STATIC_TABLE.map(([name], i) => [name, i + 1] as const).reverse());

/**
 * 1-based index of the static entry with exactly this name and value: value -> index, per
 * name. Two lookups with the strings as they are rather than one with a `name\0value` key:
 * a key made per header is a new string to hash every time, while a decoded name or value
 * taken from the peer's dynamic table is the same string each call, its hash kept.
 */
export const STATIC_PAIR_INDEX: ReadonlyMap<string, ReadonlyMap<string, number>> = (() => {
  const byName = new Map<string, Map<string, number>>();
  STATIC_TABLE.forEach(([name, value], i) => {
    if (value === '') return;
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Map()));
    if (!values.has(value)) values.set(value, i + 1);
  });
  return byName;
})();

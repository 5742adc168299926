/**
 * Connection-specific header fields (RFC 9113 section 8.2.2) are not passed on from an
 * upstream's reply head or trailers. Nearly every reply has none, and the HPACK decoder
 * hands out the very same list for a repeated head or trailers (hpack-memo.ts): a list
 * found clean once is known again by a pointer compare, not a pass over its fields with
 * a set lookup per name on every reply.
 */

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** A header list without connection-specific fields: the list itself when it has none, as nearly every reply. */
export function withoutConnectionHeaders(headers: readonly string[]): readonly string[] {
  let clean = true;
  for (let i = 0; i < headers.length && clean; i += 2) clean = !CONNECTION_SPECIFIC.has(headers[i]!);
  if (clean) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!CONNECTION_SPECIFIC.has(headers[i]!)) out.push(headers[i]!, headers[i + 1]!);
  return out;
}

/** One connection's last two lists found clean (a reply head and its trailers alternate): lists are never modified once decoded. */
export class CleanHeads {
  #last: readonly string[] | undefined;
  #before: readonly string[] | undefined;

  /** `headers` without connection-specific fields (withoutConnectionHeaders), remembered when it had none. */
  of(headers: readonly string[]): readonly string[] {
    if (headers === this.#last || headers === this.#before) return headers;
    const out = withoutConnectionHeaders(headers);
    if (out === headers) {
      this.#before = this.#last;
      this.#last = headers;
    }
    return out;
  }
}

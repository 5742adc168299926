/**
 * Header handling for an HTTP/1 proxy (RFC 9110 section 7.6.1): hop-by-hop headers
 * belong to one connection and are never forwarded, nor is any header the
 * `Connection` header names.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  // Nearly every Connection header is one of these, and they name no header to drop.
  const lower = value.length <= 10 ? value.toLowerCase() : '';
  if (lower === 'keep-alive' || lower === 'close') return undefined;
  return new Set(value.split(',').map((token) => token.trim().toLowerCase()));
}

/**
 * Response headers as received (name, value, name, value...: the reply head's list, names
 * in the peer's case) to the list passed on: names lower-cased, repeats kept (Set-Cookie),
 * hop-by-hop headers and those the Connection header names left out.
 */
export function forwardableReplyHeaders(raw: readonly string[]): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') named = connectionTokens(raw[i + 1]);
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

/** `x-forwarded-for`: the incoming value with the client's address appended. */
export function appendForwardedFor(existing: string | undefined, clientAddress: string | undefined): string {
  const client = clientAddress?.startsWith('::ffff:') ? clientAddress.slice(7) : (clientAddress ?? 'unknown');
  return existing ? `${existing}, ${client}` : client;
}

/**
 * The headers to send upstream from an Invocation's attachments: pseudo-headers,
 * hop-by-hop headers and `expect` (node:http answered 100-continue to the caller already) left out.
 */
export function upstreamHeaders(attachments: Readonly<Record<string, string>>): string[] {
  const named = connectionTokens(attachments.connection);
  const out: string[] = [];
  for (const name in attachments) {
    if (name.charCodeAt(0) === 0x3a /* : */ || name === 'expect' || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out.push(name, attachments[name]!);
  }
  return out;
}

/**
 * gRPC's header names and which headers a proxy passes on. Everything the caller or
 * the server sent goes through unchanged (custom and `-bin` metadata, `grpc-status`,
 * `grpc-message`, `grpc-status-details-bin`), except connection-specific fields
 * (RFC 9113 8.2.2), which HTTP/2 forbids, and the pseudo-headers, which the next hop
 * writes itself. `grpc-timeout` is rewritten to the budget left when it is forwarded.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

export const GRPC_STATUS = 'grpc-status';
export const GRPC_MESSAGE = 'grpc-message';
export const GRPC_TIMEOUT = 'grpc-timeout';
export const CONTENT_TYPE = 'application/grpc';

const COLON = 0x3a;
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

/** Headers to forward: pseudo-headers, connection-specific fields and those in `drop` left out. */
export function forwardable(headers: IncomingHttpHeaders, drop?: ReadonlySet<string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  // for-in, not Object.entries: this runs up to three times per call (request, head, trailers).
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === COLON || CONNECTION_SPECIFIC.has(name) || drop?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The flat-list form of `forwardable` (name, value, ...): what passes is appended to `out`. */
export function forwardFlat(received: readonly string[], out: string[], drop?: ReadonlySet<string>): void {
  for (let i = 0; i < received.length; i += 2) {
    const name = received[i]!;
    if (name.charCodeAt(0) === COLON || CONNECTION_SPECIFIC.has(name) || drop?.has(name)) continue;
    out.push(name, received[i + 1]!);
  }
}

/**
 * Headers as the string map an Invocation carries. node:http2 already folds repeated
 * fields into one string (", ", or "; " for cookie), so the object is used as it is
 * (no copy per call) unless it holds an array (set-cookie), which is then joined, or a
 * number (a reply's `:status`), which is then written as a string.
 */
export function attachmentsOf(headers: IncomingHttpHeaders): Readonly<Record<string, string>> {
  for (const name in headers) {
    if (typeof headers[name] !== 'string') return folded(headers);
  }
  return headers as Record<string, string>;
}

function folded(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** True for a gRPC request: POST with content-type application/grpc[+proto|;...]. */
export function isGrpcRequest(method: string | undefined, contentType: string | undefined): boolean {
  const type = contentType ?? '';
  return method === 'POST' && type.startsWith(CONTENT_TYPE) && (type.length === CONTENT_TYPE.length || '+;'.includes(type.charAt(CONTENT_TYPE.length)));
}

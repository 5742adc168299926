/**
 * What an HTTP/1 server on node:http (a listener, the admin port) does with a request
 * its parser refuses or that sends its head too slowly: count it once, answer 4xx with
 * a JSON reason, close. node:http reports a connection more than once (after our 408
 * the caller's close arrives as HPE_INVALID_EOF_STATE), so only the first report of a
 * connection is counted and answered.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { MeshMetrics } from './metrics.js';

const refused = new WeakSet<Duplex>();

/** Error codes of node:http that mean a configured limit was hit, by limit name. */
const LIMIT_OF: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: 'max_header_bytes',
  HPE_TOO_MANY_HEADERS: 'max_header_count',
  ERR_HTTP_REQUEST_TIMEOUT: 'headers_timeout_ms',
};

/**
 * `status`: the answer when the caller knows it (the listener's own parser); else read from the code.
 * `limit`: the limit hit when the code alone does not say which (a whole request too slow, not its head).
 */
export function refuseHttpRequest(error: NodeJS.ErrnoException, socket: Duplex, metrics: MeshMetrics, protocol: string, status?: number, limit?: string): void {
  if (refused.has(socket)) return void socket.destroy();
  refused.add(socket);
  const code = error.code ?? 'UNKNOWN';
  metrics.codecError(protocol, code, 'downstream');
  const hit = limit ?? LIMIT_OF[code];
  if (hit) metrics.limitExceeded(hit);
  if (code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  status ??= code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({ error: 'PMESH_BAD_REQUEST', code, message: `malformed HTTP/1 request: ${error.message}` });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

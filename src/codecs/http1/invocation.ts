/**
 * An HTTP/1 request as an Invocation. The host and path travel as the pseudo-headers
 * `:authority` and `:path` (HTTP/2's names) so the router matches them like any
 * header; the body stays a stream. `x-pmesh-timeout-ms` carries the caller's deadline.
 */
import type { IncomingMessage } from 'node:http';
import type { Invocation } from '../../core/index.js';
import { appendForwardedFor } from './headers.js';

export const TIMEOUT_HEADER = 'x-pmesh-timeout-ms';

export function requestToInvocation(req: IncomingMessage, now: number): Invocation {
  const attachments: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const previous = attachments[name];
    // Repeated fields fold into one (RFC 9110 5.3); Cookie is the one folded with "; ".
    attachments[name] = previous === undefined ? value : `${previous}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  attachments['x-forwarded-for'] = appendForwardedFor(attachments['x-forwarded-for'], req.socket.remoteAddress);
  const host = attachments.host ?? '';
  attachments[':authority'] = host;
  attachments[':path'] = req.url ?? '/';
  attachments[':method'] = req.method ?? 'GET';
  const timeout = Number(attachments[TIMEOUT_HEADER]);
  const length = Number(attachments['content-length']);
  return {
    protocol: 'http1',
    service: { interface: host },
    method: req.method ?? 'GET',
    attachments,
    deadline: Number.isFinite(timeout) && timeout > 0 ? now + timeout : undefined,
    oneway: false,
    body: hasBody(attachments)
      ? { kind: 'stream', stream: req, length: Number.isFinite(length) ? length : undefined }
      : { kind: 'empty' },
  };
}

/** HTTP/1 framing (RFC 9112 6.3): a request has a body only if it declares one. */
function hasBody(headers: Record<string, string>): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
}

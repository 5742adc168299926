/**
 * An HTTP/1 request as an Invocation. The host and path travel as the pseudo-headers
 * `:authority` and `:path` (HTTP/2's names) so the router matches them like any
 * header; the body stays a stream. `x-pmesh-timeout-ms` carries the caller's deadline.
 */
import type { IncomingMessage } from 'node:http';
import { MeshError, type HttpRequestHead, type Invocation } from '../../core/index.js';
import { appendForwardedFor } from './headers.js';

export const TIMEOUT_HEADER = 'x-pmesh-timeout-ms';
export const VERSION_HEADER = 'x-pmesh-version';
export const GROUP_HEADER = 'x-pmesh-group';

/**
 * `/{service}/{method}`: a call for the bridge, the service a Java interface name
 * (dotted), the method a Java identifier. Read so whatever the HTTP method, so a GET
 * routes like the POST would and the bridge can answer 405 (routed to an HTTP cluster,
 * it is proxied as before). Anything else is plain HTTP proxying.
 */
const SERVICE_CALL = /^\/([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\/([A-Za-z_$][\w$]*)\/?(?:\?.*)?$/;

/** Throws PMESH_BAD_REQUEST for a mesh header it cannot read (`x-pmesh-timeout-ms: soon`). */
export function requestToInvocation(req: IncomingMessage, now: number): Invocation {
  const attachments = attachmentsOf(req.rawHeaders, req.method ?? 'GET', req.url ?? '/', req.socket.remoteAddress);
  const length = Number(attachments['content-length']);
  const body: Invocation['body'] = hasBody(attachments) ? { kind: 'stream', stream: req, length: Number.isFinite(length) ? length : undefined } : { kind: 'empty' };
  return invocationOf(attachments, now, body);
}

/** The same for a head the listener read from the bytes; `body` is framed by the listener. */
export function headToInvocation(head: HttpRequestHead, body: Invocation['body'], remoteAddress: string | undefined, now: number): Invocation {
  return invocationOf(attachmentsOf(head.rawHeaders, head.method, head.target, remoteAddress), now, body);
}

function attachmentsOf(raw: readonly string[], method: string, target: string, remoteAddress: string | undefined): Record<string, string> {
  const attachments: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const previous = attachments[name];
    // Repeated fields fold into one (RFC 9110 5.3); Cookie is the one folded with "; ".
    attachments[name] = previous === undefined ? value : `${previous}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  attachments['x-forwarded-for'] = appendForwardedFor(attachments['x-forwarded-for'], remoteAddress);
  attachments[':authority'] = attachments.host ?? '';
  attachments[':path'] = target;
  attachments[':method'] = method;
  return attachments;
}

function invocationOf(attachments: Record<string, string>, now: number, body: Invocation['body']): Invocation {
  const timeout = timeoutOf(attachments[TIMEOUT_HEADER]);
  const call = SERVICE_CALL.exec(attachments[':path']!);
  return {
    protocol: 'http1',
    service: call
      ? { interface: call[1] ?? '', version: attachments[VERSION_HEADER] || undefined, group: attachments[GROUP_HEADER] || undefined }
      : { interface: attachments[':authority']! },
    method: call ? (call[2] ?? '') : attachments[':method']!,
    attachments,
    deadline: timeout === undefined ? undefined : now + timeout,
    oneway: false,
    body,
  };
}

/** `x-pmesh-timeout-ms`: a positive whole number of milliseconds; anything else is the caller's mistake, said. */
function timeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\s*\d{1,10}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(ms > 0)) {
    throw new MeshError('PMESH_BAD_REQUEST', `${TIMEOUT_HEADER} must be a positive whole number of milliseconds, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return ms;
}

/** HTTP/1 framing (RFC 9112 6.3): a request has a body only if it declares one. */
function hasBody(headers: Record<string, string>): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
}

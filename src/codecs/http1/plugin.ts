/**
 * HTTP/1 as a protocol plug-in (src/core/protocol.ts) on the `node:http` transport:
 * the listener reads requests from the bytes (node:http still takes the app API), the
 * proxy's upstream client pools upstream connections; this folder maps requests to
 * Invocations and mesh errors to JSON replies. HTTP/JSON is the bridge's entry (POST with
 * the arguments as a JSON array) and the reverse bridge's target (an app with no RPC SDK
 * answers POST /{service}/{method}).
 */
import type { MeshError, ProtocolPlugin } from '../../core/index.js';
import { forwardableReplyHeaders, upstreamHeaders } from './headers.js';
import { headToInvocation, requestToInvocation } from './invocation.js';
import { matchHttp1 } from './match.js';
import { codeOfResponse, errorBody, errorHeaders, httpStatusOf } from './status.js';
import { http1Telemetry } from './telemetry.js';

function localReply(error: MeshError): { status: number; headers: Record<string, string | number>; body: string } {
  const body = errorBody(error);
  const status = httpStatusOf(error);
  const headers: Record<string, string | number> = { ...errorHeaders(error), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (status === 405 && typeof error.details.allow === 'string') headers.allow = error.details.allow;
  return { status, headers, body };
}

export const http1Protocol: ProtocolPlugin<never> = {
  name: 'http1',
  label: 'HTTP/1',
  telemetry: http1Telemetry,
  match: matchHttp1,
  server: {
    transport: 'node:http',
    http: { toInvocation: requestToInvocation, headToInvocation, localReply },
  },
  client: {
    transport: 'node:http',
    pool: 'pooled',
    http: { requestHeaders: upstreamHeaders, replyHeaders: forwardableReplyHeaders, codeOfStatus: codeOfResponse },
    probe: 'http-get',
  },
  bridge: { jsonEntry: { method: 'POST', streamedArguments: true }, jsonApp: true },
  appProtocol: 'http',
};

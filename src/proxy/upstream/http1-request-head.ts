/**
 * An HTTP/1.1 request head as bytes: the start line, the headers the codec passes on and
 * the body's framing, which is always ours (the caller's own Content-Length or
 * Transfer-Encoding is not copied: the body may have changed on the way). Names and
 * values are checked so no header a filter or the bridge set can split the head.
 */
import { MeshError, type Endpoint } from '../../core/index.js';
import type { RequestBody } from './http1-connection.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;
const BAD_TARGET = /[\0-\x20\x7f]/;
/** Methods whose request has a body by meaning: an empty one is still sent with its length (as curl and undici do). */
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** `hostOf`: the endpoint whose address is the Host header, when the call carries none. The head as latin1 text. */
export function requestHead(method: string, target: string, headers: readonly string[], body: RequestBody, hostOf: Endpoint | undefined): string {
  if (!TOKEN.test(method)) throw new MeshError('PMESH_BAD_REQUEST', `bad HTTP method ${JSON.stringify(method.slice(0, 20))}`);
  if (target.length === 0 || BAD_TARGET.test(target)) throw new MeshError('PMESH_BAD_REQUEST', `bad request target ${JSON.stringify(target.slice(0, 60))}`);
  let text = `${method} ${target} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (name === 'content-length') continue;
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new MeshError('PMESH_BAD_REQUEST', `header ${JSON.stringify(name.slice(0, 40))} cannot be sent in an HTTP/1 head`);
    text += `${name}: ${value}\r\n`;
  }
  if (hostOf) text += `host: ${hostOf.host.includes(':') ? `[${hostOf.host}]` : hostOf.host}:${hostOf.port}\r\n`;
  if (body.kind === 'bytes') text += `content-length: ${body.bytes.length}\r\n`;
  else if (body.kind === 'stream') text += body.length === undefined ? 'transfer-encoding: chunked\r\n' : `content-length: ${body.length}\r\n`;
  else if (EXPECTS_BODY.has(method)) text += 'content-length: 0\r\n';
  return `${text}\r\n`;
}

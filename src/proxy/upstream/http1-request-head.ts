/**
 * An HTTP/1.1 request head as bytes: the start line, the headers the codec passes on and
 * the body's framing, which is always ours (the caller's own Content-Length or
 * Transfer-Encoding is not copied: the body may have changed on the way). Names and
 * values are checked so no header a filter or the bridge set can split the head.
 */
import { MeshError, type Endpoint } from '../../core/index.js';
import type { HeadBytes } from '../listeners/http1-request-head.js';
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
  return `${text}${framingLine(method, body)}\r\n`;
}

/** The body's framing field, ours whatever the caller sent: the body may have changed on the way. */
function framingLine(method: string, body: RequestBody): string {
  if (body.kind === 'raw') return `content-length: ${body.bytes.length}\r\n`;
  if (body.kind === 'stream') return body.length === undefined ? 'transfer-encoding: chunked\r\n' : `content-length: ${body.length}\r\n`;
  return EXPECTS_BODY.has(method) ? 'content-length: 0\r\n' : '';
}

/**
 * The caller's own head passed on (the listener read it from these bytes and no filter
 * replaced the call's headers): its request line and field lines as they came, less the
 * ones the listener marked (hop-by-hop, Expect, framing, X-Forwarded-For), then
 * X-Forwarded-For with the caller's address and the body's framing, ours. What requestHead
 * writes from the headers, but for the names' case and repeated fields kept as separate
 * lines, without a string per field or a head text to encode again.
 */
export class PassedHead {
  readonly length: number;
  readonly #wire: HeadBytes;
  readonly #tail: string;

  constructor(wire: HeadBytes, forwardedFor: string, method: string, body: RequestBody) {
    this.#wire = wire;
    this.#tail = `x-forwarded-for: ${forwardedFor}\r\n${framingLine(method, body)}\r\n`;
    let length = wire.fieldsEnd - wire.start + this.#tail.length;
    const dropped = wire.dropped;
    if (dropped) for (let i = 0; i < dropped.length; i += 2) length -= dropped[i + 1]! - dropped[i]!;
    this.length = length;
  }

  /** Writes the head into `out` at `at`; returns where it ends. */
  copyTo(out: Buffer, at: number): number {
    const { bytes, dropped, fieldsEnd } = this.#wire;
    let from = this.#wire.start;
    if (dropped) {
      for (let i = 0; i < dropped.length; i += 2) {
        at += bytes.copy(out, at, from, dropped[i]);
        from = dropped[i + 1]!;
      }
    }
    at += bytes.copy(out, at, from, fieldsEnd);
    return at + out.write(this.#tail, at, 'latin1');
  }
}

/** The caller's head can be passed on for this call: read from bytes, its headers as the listener's codec made them. */
export function passableHead(wire: unknown, attachments: Readonly<Record<string, string>>): HeadBytes | undefined {
  const head = wire as HeadBytes | undefined;
  return head !== undefined && head.attachments === attachments && head.passable ? head : undefined;
}

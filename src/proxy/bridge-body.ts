/**
 * Reading a bridged call's body (HTTP/JSON `POST /{service}/{method}`, gRPC `Invoke`)
 * into its argument list, within limits checked before and while reading:
 *   - a declared Content-Length over the limit is refused before the first byte is read;
 *   - a body without one is counted as it streams and refused when it passes the limit;
 *   - the format's reader sees every chunk as it arrives, so its own limits (JSON: value
 *     count, depth) stop the read long before a parse could build anything large;
 *   - the call's cancel (its deadline, the caller leaving) stops the read.
 * A format is picked by Content-Type: JSON (the default) or MessagePack.
 */
import type { Readable } from 'node:stream';
import { MeshError, type Cancel, type Invocation } from '../core/index.js';
import type { BodyFormat, BodyLimits, BodyReader } from './bridge-body-format.js';
import { MSGPACK_BODY } from './bridge-format.js';
import { JSON_BODY } from './bridge-json.js';

export type { BodyFormat, BodyLimits, BodyReader } from './bridge-body-format.js';

/** Content-Type -> format. */
const FORMATS: ReadonlyMap<string, BodyFormat> = new Map([
  ['application/json', JSON_BODY],
  ['application/msgpack', MSGPACK_BODY],
  ['application/x-msgpack', MSGPACK_BODY],
]);

export function bodyFormatFor(contentType: string | undefined): BodyFormat {
  // The usual header is the bare media type: found as it is, without a split, trim and lower-casing per call.
  const exact = contentType === undefined ? undefined : FORMATS.get(contentType);
  if (exact !== undefined) return exact;
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return FORMATS.get(mediaType) ?? JSON_BODY;
}

/**
 * The call's arguments. `onLimit` is told the name of the limit that stopped the read
 * (`bridge_max_body_bytes`, `bridge_max_json_values`, `bridge_max_json_depth`).
 */
export async function readArguments(invocation: Invocation, limits: BodyLimits, cancel: Cancel, onLimit: (limit: string) => void): Promise<unknown[]> {
  if (invocation.body.kind === 'decoded') return [...invocation.body.values];
  checkDeclaredSize(invocation, limits.maxBytes, onLimit);
  const reader = bodyFormatFor(invocation.attachments['content-type']).newReader(limits);
  try {
    const body = await readBody(invocation, limits.maxBytes, reader, cancel);
    return reader.finish(body);
  } catch (error) {
    const limit = MeshError.is(error) ? error.details.limit : undefined;
    if (typeof limit === 'string') onLimit(limit);
    throw error;
  }
}

/**
 * The call's arguments when its body is already whole (bytes of a gRPC message, or a small
 * request node:http buffered with its head), read without a promise; undefined when the
 * body is still arriving (readArguments then waits for it). Limits as readArguments.
 */
export function bufferedArguments(invocation: Invocation, limits: BodyLimits, onLimit: (limit: string) => void): unknown[] | undefined {
  const body = invocation.body;
  if (body.kind === 'decoded') return [...body.values];
  const whole = body.kind === 'raw' ? body.bytes : body.kind === 'stream' ? bufferedWhole(body.stream, body.length, limits.maxBytes) : undefined;
  if (whole === undefined) return undefined;
  const reader = bodyFormatFor(invocation.attachments['content-type']).newReader(limits);
  try {
    reader.push(whole); // a raw body over the limit was refused before (checkDeclaredSize), a buffered one is not taken
    return reader.finish(whole);
  } catch (error) {
    const limit = MeshError.is(error) ? error.details.limit : undefined;
    if (typeof limit === 'string') onLimit(limit);
    throw error;
  }
}

/**
 * Refuses a body whose size is known (Content-Length, a gRPC message) and over the limit,
 * before anything else is done for the call (a registry lookup, a read).
 */
export function checkDeclaredSize(invocation: Invocation, maxBytes: number, onLimit: (limit: string) => void): void {
  const body = invocation.body;
  const size = body.kind === 'raw' ? body.bytes.length : body.kind === 'stream' ? body.length : undefined;
  if (size === undefined || size <= maxBytes) return;
  onLimit('bridge_max_body_bytes');
  throw tooLarge(`a bridged call's body of ${size} bytes`, maxBytes);
}

async function readBody(invocation: Invocation, maxBytes: number, reader: BodyReader, cancel: Cancel): Promise<Buffer> {
  const body = invocation.body;
  if (body.kind === 'empty' || body.kind === 'decoded') return Buffer.alloc(0);
  if (body.kind === 'raw') {
    reader.push(body.bytes);
    return body.bytes;
  }
  const whole = bufferedWhole(body.stream, body.length, maxBytes);
  if (whole === undefined) return collect(body.stream, maxBytes, reader, cancel);
  if (whole.length > maxBytes) throw tooLarge("a bridged call's body", maxBytes);
  reader.push(whole);
  return whole;
}

/**
 * The body the stream already holds whole (all `length` declared bytes), taken in one read
 * without a round of stream events: a small request arrives with its head, and node:http
 * has buffered all of it by the time the bridge reads. The stream is then resumed so its
 * end is still seen. Undefined while the body is still arriving.
 */
function bufferedWhole(stream: Readable, length: number | undefined, maxBytes: number): Buffer | undefined {
  // Over the limit: left to the streaming read, which stops at the limit without taking it all.
  if (length === undefined || length > maxBytes || stream.readableFlowing !== null || stream.readableLength < length) return undefined;
  const chunks: Buffer[] = [];
  for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) chunks.push(chunk);
  stream.resume();
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function tooLarge(what: string, maxBytes: number): MeshError {
  return new MeshError('PMESH_BODY_TOO_LARGE', `${what} exceeds the limit of ${maxBytes} bytes (bridge.maxBodyBytes)`, {
    details: { limit: 'bridge_max_body_bytes' },
  });
}

/** Reads the stream to its end, stopping at the first limit, error or cancel; what is left is discarded. */
function collect(stream: Readable, maxBytes: number, reader: BodyReader, cancel: Cancel): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      cancel.offAbort(onAbort);
    };
    const fail = (error: MeshError): void => {
      done();
      // Keep draining what the caller still sends, without keeping it, so the socket is not stuck.
      stream.on('error', () => {});
      stream.resume();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) return fail(tooLarge("a bridged call's body", maxBytes));
      try {
        reader.push(chunk);
      } catch (error) {
        return fail(MeshError.from(error));
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => fail(MeshError.is(error) ? error : new MeshError('PMESH_DOWNSTREAM_CLOSED', `reading the body failed: ${error.message}`));
    const onAbort = (reason: MeshError): void => fail(reason);
    if (cancel.aborted && cancel.reason) return reject(cancel.reason);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    cancel.onAbort(onAbort);
  });
}

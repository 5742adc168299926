/**
 * The dashboard tap's decoder, part of the composition: it alone may use both the protocol
 * registry and the value model, and hands the admin server a plain function.
 *
 * What the tap shows of a call's bodies: the request arguments and the answer decoded into
 * the bridge's Java value model and written as typed JSON (longs, BigDecimal, dates and
 * POJO classes keep their Java types, values-to-json.ts 'typed' style). Only protocols whose
 * codec has a bridge half can be decoded; the others are shown by size.
 */
import { MeshError, type Body, type Invocation, type ProtocolCodec, type Result, type TappedCall } from './core/index.js';
import { EMPTY_CATALOG, toJson, typeToString, type BridgeCodec, type JavaValue, type JsonValue } from './bridge/index.js';
import type { TapDecoder } from './admin/ui/tap-hub.js';

export type CodecLookup = (protocol: string) => ProtocolCodec<unknown, BridgeCodec<unknown>> | undefined;

export type DecodedRequest =
  | { readonly types: readonly string[]; readonly args: readonly JsonValue[] }
  | { readonly note: string };

export type DecodedAnswer =
  | { readonly value: JsonValue }
  | { readonly exception: string; readonly message: string; readonly value: JsonValue }
  | { readonly error: string }
  | { readonly note: string };

const typed = (value: JavaValue): JsonValue => toJson(value, { style: 'typed' });

function sizeNote(body: Body | undefined): string {
  if (!body) return 'no body';
  if (body.kind === 'raw') return `${body.bytes.length} bytes, not decodable here`;
  if (body.kind === 'stream') return body.length === undefined ? 'streamed body, not captured' : `streamed body of ${body.length} bytes, not captured`;
  return body.kind === 'empty' ? 'no body' : 'decoded body';
}

function frameBytes(codec: ProtocolCodec<unknown, BridgeCodec<unknown>>, frame: unknown): number {
  return codec.encode(frame).reduce((sum, part) => sum + part.length, 0);
}

/** The first of the calls whose frame a bridge-capable codec can read (upstream first: below any bridge). */
export function decodeRequest(calls: ReadonlyArray<Invocation | undefined>, codecFor: CodecLookup, maxBytes: number): DecodedRequest {
  for (const call of calls) {
    const codec = call?.frame === undefined ? undefined : codecFor(call.protocol);
    if (!call || !codec?.bridge) continue;
    const size = frameBytes(codec, call.frame);
    if (size > maxBytes) return { note: `${size} bytes, larger than tap.maxBodyBytes (${maxBytes}): not decoded` };
    try {
      const read = codec.bridge.readRequest(call.frame, EMPTY_CATALOG);
      return { types: read.paramTypes.map(typeToString), args: read.args.map(typed) };
    } catch (error) {
      return { note: `could not decode: ${MeshError.from(error).message}` };
    }
  }
  const last = calls.find((call) => call !== undefined);
  if (last?.body.kind === 'decoded') return { note: `${last.body.values.length} values` };
  return { note: sizeNote(last?.body) };
}

/** The endpoint's answer decoded the same way, with the protocol whose codec reads it. */
export function decodeAnswer(result: Result | undefined, protocol: string | undefined, codecFor: CodecLookup, maxBytes: number): DecodedAnswer {
  if (!result) return { note: 'no answer' };
  const codec = protocol === undefined || result.frame === undefined ? undefined : codecFor(protocol);
  if (!codec?.bridge) return result.status === 'error' ? { error: result.message ?? `status ${result.protocolStatus}` } : { note: sizeNote(result.body) };
  const size = frameBytes(codec, result.frame);
  if (size > maxBytes) return { note: `${size} bytes, larger than tap.maxBodyBytes (${maxBytes}): not decoded` };
  try {
    const read = codec.bridge.result(result.frame, undefined, EMPTY_CATALOG);
    if (read.kind === 'value') return { value: typed(read.value) };
    if (read.kind === 'exception') return { exception: read.className, message: read.message, value: typed(read.value) };
    return { error: `${read.error.reason}: ${read.error.message}` };
  } catch (error) {
    return { note: `could not decode: ${MeshError.from(error).message}` };
  }
}

/** The tap hub's decoder over the codecs `codecFor` finds: the call as sent upstream first (below any bridge). */
export function tapDecoder(codecFor: CodecLookup): TapDecoder {
  return (call: TappedCall, maxBytes: number) => ({
    request: decodeRequest([call.upstream, call.invocation], codecFor, maxBytes),
    response: decodeAnswer(
      call.upstreamResult ?? call.result,
      call.upstreamResult ? (call.upstream?.protocol ?? call.invocation.protocol) : call.invocation.protocol,
      codecFor,
      maxBytes,
    ),
  });
}

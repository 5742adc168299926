/**
 * Frames the sidecar makes itself for the bridge (HTTP/JSON or gRPC in, Dubbo out, and
 * the reverse): a request from a method and its already-serialized Hessian2 arguments,
 * and a response from a serialized value or exception. The layout is the one
 * DubboCodec.encodeRequestData / encodeResponseData write; the tests rebuild frames
 * captured from Java 3.3.6 and compare bytes.
 */
import { ByteSink } from '../hessian/byte-sink.js';
import {
  DUBBO_PROTOCOL_VERSION,
  FLAG_REQUEST,
  FLAG_TWOWAY,
  ResultFlag,
  SERIALIZATION_HESSIAN2,
  Status,
  makeFrame,
  type DubboFrame,
} from './layout.js';

export interface RequestSpec {
  readonly id: bigint;
  /** The service interface (`path`). */
  readonly path: string;
  readonly version?: string;
  readonly method: string;
  /** JVM descriptor of the parameter types, `Ljava/lang/String;I` (ReflectUtils.getDesc). */
  readonly descriptor: string;
  /** The arguments, one Hessian2 value each, back to back. */
  readonly args: Buffer;
  /** Attachments in the order they are to be written (Java writes its HashMap's order). */
  readonly attachments: ReadonlyArray<readonly [string, string]>;
  readonly oneway?: boolean;
}

/** Hessian2 untyped map `H ... Z` of string keys and values. */
function stringMap(entries: ReadonlyArray<readonly [string, string]>): Buffer {
  const sink = new ByteSink();
  writeStringMap(sink, entries);
  return sink.written();
}

/** Writes an untyped map `H ... Z` of string keys and values. */
export function writeStringMap(sink: ByteSink, entries: ReadonlyArray<readonly [string, string]>): void {
  sink.byte(0x48);
  for (const [key, value] of entries) {
    sink.hessianString(key, false);
    sink.hessianString(value, false);
  }
  sink.byte(0x5a);
}

/** The five strings a request body starts with: protocol version, path, version, method, descriptor. */
export function writeRequestHead(sink: ByteSink, path: string, version: string, method: string, descriptor: string): void {
  for (const text of [DUBBO_PROTOCOL_VERSION, path, version, method, descriptor]) sink.hessianString(text, false);
}

export function requestFlag(oneway: boolean): number {
  return FLAG_REQUEST | (oneway ? 0 : FLAG_TWOWAY) | SERIALIZATION_HESSIAN2;
}

export function buildRequest(spec: RequestSpec): DubboFrame {
  const sink = new ByteSink(spec.args.length + 256);
  writeRequestHead(sink, spec.path, spec.version ?? '0.0.0', spec.method, spec.descriptor);
  sink.raw(spec.args);
  writeStringMap(sink, spec.attachments);
  return makeFrame(requestFlag(spec.oneway === true), 0, spec.id, sink.written());
}

export type ResponseSpec =
  | { readonly kind: 'value'; readonly value: Buffer }
  | { readonly kind: 'null' }
  | { readonly kind: 'exception'; readonly exception: Buffer };

/** Hessian2 compact int for the small result flags (0..5 encode as 0x90 + n). */
const flagByte = (flag: number): Buffer => Buffer.from([0x90 + flag]);

/**
 * An OK (status 20) response. With `attachments` the result flags with attachments
 * are used, as Dubbo 2.0.2+ peers expect.
 */
export function buildResponse(id: bigint, result: ResponseSpec, attachments?: ReadonlyArray<readonly [string, string]>): DubboFrame {
  const withMap = attachments !== undefined;
  const parts: Buffer[] = [];
  switch (result.kind) {
    case 'value':
      parts.push(flagByte(withMap ? ResultFlag.VALUE_WITH_ATTACHMENTS : ResultFlag.VALUE), result.value);
      break;
    case 'null':
      parts.push(flagByte(withMap ? ResultFlag.NULL_VALUE_WITH_ATTACHMENTS : ResultFlag.NULL_VALUE));
      break;
    case 'exception':
      parts.push(flagByte(withMap ? ResultFlag.WITH_EXCEPTION_WITH_ATTACHMENTS : ResultFlag.WITH_EXCEPTION), result.exception);
      break;
  }
  if (attachments) parts.push(stringMap(attachments));
  return makeFrame(SERIALIZATION_HESSIAN2, Status.OK, id, Buffer.concat(parts));
}

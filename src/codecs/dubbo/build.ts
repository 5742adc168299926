/**
 * Frames the sidecar makes itself for the bridge (HTTP/JSON or gRPC in, Dubbo out, and
 * the reverse): a request from a method and its already-serialized Hessian2 arguments,
 * and a response from a serialized value or exception. The layout is the one
 * DubboCodec.encodeRequestData / encodeResponseData write; the tests rebuild frames
 * captured from Java 3.3.6 and compare bytes.
 */
import { hessianString } from '../hessian/byte-sink.js';
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
  const parts: Buffer[] = [Buffer.from([0x48])];
  for (const [key, value] of entries) parts.push(hessianString(key), hessianString(value));
  parts.push(Buffer.from([0x5a]));
  return Buffer.concat(parts);
}

export function buildRequest(spec: RequestSpec): DubboFrame {
  const body = Buffer.concat([
    hessianString(DUBBO_PROTOCOL_VERSION),
    hessianString(spec.path),
    hessianString(spec.version ?? '0.0.0'),
    hessianString(spec.method),
    hessianString(spec.descriptor),
    spec.args,
    stringMap(spec.attachments),
  ]);
  const flag = FLAG_REQUEST | (spec.oneway ? 0 : FLAG_TWOWAY) | SERIALIZATION_HESSIAN2;
  return makeFrame(flag, 0, spec.id, body);
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

/**
 * Writes SOFARPC bodies with Hessian's one primitive writer (ByteSink):
 *
 * - a SofaRequest (com.alipay.sofa.rpc.core.request.SofaRequest) exactly as Java SOFARPC
 *   5.13 (sofa-hessian 3.5) does: the legacy dialect (`O` class definition, `o` instance,
 *   `M ... z` maps, `V t<type> n<len> ... z` typed list), fields targetAppName, methodName,
 *   targetServiceUniqueName, requestProps, methodArgSigs, then the arguments, already
 *   serialized in the same dialect. Only this dialect: Java SOFARPC cannot read Hessian
 *   2.0 final class definitions ("readObject: unknown code 0x43"). The tests rebuild
 *   requests captured from the Java client and compare bytes;
 * - a SofaResponse carrying a value, as Java writes a normal return or a business
 *   exception;
 * - a SofaResponse carrying a mesh-made error (localReply), in the dialect the caller
 *   used, because each peer reliably reads what it writes: Java SOFARPC 5.13 and
 *   sofa-bolt-node's default speak the legacy dialect, sofa-bolt-node with hessianVersion
 *   4.0 the final one.
 */
import { ByteSink } from '../hessian/byte-sink.js';
import type { HessianDialect } from '../hessian/values.js';
import { SOFA_REQUEST_CLASS, SOFA_RESPONSE_CLASS } from './sofa-body.js';

/** Java SOFARPC's field order (docs/protocols.md). */
export const SOFA_REQUEST_FIELDS: readonly string[] = ['targetAppName', 'methodName', 'targetServiceUniqueName', 'requestProps', 'methodArgSigs'];
export const SOFA_RESPONSE_FIELDS: readonly string[] = ['isError', 'errorMsg', 'appResponse', 'responseProps'];

/** A request property: a string, or a nested map of them (rpc_trace_context). */
export type PropValue = string | ReadonlyArray<readonly [string, PropValue]>;

export interface SofaRequestSpec {
  readonly targetAppName: string | null;
  readonly methodName: string;
  readonly targetServiceUniqueName: string;
  /** requestProps in write order; null writes `N`. */
  readonly requestProps: ReadonlyArray<readonly [string, PropValue]> | null;
  readonly methodArgSigs: readonly string[];
  /** The arguments, one legacy-dialect Hessian value each, back to back. */
  readonly args: Buffer;
}

const LEGACY = true;

/** Legacy `O` definition (class 0) and the `o` instance header that refers to it. */
function legacyObject(out: ByteSink, className: string, fields: readonly string[]): void {
  out.byte(0x4f);
  out.hessianInt(className.length);
  out.cesu8(className);
  out.hessianInt(fields.length);
  for (const field of fields) out.hessianString(field, LEGACY);
  out.bytes(0x6f, 0x90);
}

function nullableString(out: ByteSink, text: string | null): void {
  if (text === null) out.byte(0x4e);
  else out.hessianString(text, LEGACY);
}

function map(out: ByteSink, entries: ReadonlyArray<readonly [string, PropValue]> | null): void {
  if (entries === null) return out.byte(0x4e);
  out.byte(0x4d);
  for (const [key, value] of entries) {
    out.hessianString(key, LEGACY);
    if (typeof value === 'string') out.hessianString(value, LEGACY);
    else map(out, value);
  }
  out.byte(0x7a);
}

/** `String[]`: `V`, `t` + u16 type `[string`, `n` + u8 length (or `l` + i32), elements, `z`. */
function stringArray(out: ByteSink, items: readonly string[]): void {
  const type = '[string';
  out.byte(0x56);
  out.u16(0x74, type.length);
  out.cesu8(type);
  if (items.length <= 0xff) out.bytes(0x6e, items.length);
  else out.int32(0x6c, items.length);
  for (const item of items) out.hessianString(item, LEGACY);
  out.byte(0x7a);
}

export function encodeSofaRequest(spec: SofaRequestSpec): Buffer {
  const out = new ByteSink(256 + spec.args.length);
  legacyObject(out, SOFA_REQUEST_CLASS, SOFA_REQUEST_FIELDS);
  nullableString(out, spec.targetAppName);
  out.hessianString(spec.methodName, LEGACY);
  out.hessianString(spec.targetServiceUniqueName, LEGACY);
  map(out, spec.requestProps);
  stringArray(out, spec.methodArgSigs);
  out.raw(spec.args);
  return out.toBuffer();
}

/**
 * SofaResponse{isError=false, errorMsg=null, appResponse=<value>, responseProps}, as
 * Java writes a normal return (props null) or a thrown business exception (props
 * {sofa_head_response_error: "true"}). `value` is one legacy-dialect Hessian value,
 * class definitions numbered from 1.
 */
export function encodeSofaResponse(value: Buffer, responseProps: ReadonlyArray<readonly [string, PropValue]> | null = null): Buffer {
  const out = new ByteSink(128 + value.length);
  legacyObject(out, SOFA_RESPONSE_CLASS, SOFA_RESPONSE_FIELDS);
  out.bytes(0x46, 0x4e);
  out.raw(value);
  map(out, responseProps);
  return out.toBuffer();
}

/** SofaResponse{isError=true, errorMsg, appResponse=null, responseProps=null}. */
export function encodeSofaErrorResponse(errorMsg: string, dialect: HessianDialect): Buffer {
  const out = new ByteSink();
  if (dialect === 'legacy') {
    legacyObject(out, SOFA_RESPONSE_CLASS, SOFA_RESPONSE_FIELDS);
  } else {
    out.byte(0x43);
    out.hessianString(SOFA_RESPONSE_CLASS, false);
    out.hessianInt(SOFA_RESPONSE_FIELDS.length);
    for (const field of SOFA_RESPONSE_FIELDS) out.hessianString(field, false);
    out.byte(0x60);
  }
  out.byte(0x54);
  out.hessianString(errorMsg, dialect === 'legacy');
  out.bytes(0x4e, 0x4e);
  return out.toBuffer();
}

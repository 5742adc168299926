/**
 * Writes a SofaRequest (com.alipay.sofa.rpc.core.request.SofaRequest) exactly as Java
 * SOFARPC 5.13 (sofa-hessian 3.5) does, for the bridge: the legacy Hessian dialect
 * (`O` class definition, `o` instance, `M ... z` maps, `V t<type> n<len> ... z` typed
 * list), fields targetAppName, methodName, targetServiceUniqueName, requestProps,
 * methodArgSigs, then the arguments, already serialized in the same dialect.
 *
 * Only this dialect: Java SOFARPC cannot read Hessian 2.0 final class definitions
 * ("readObject: unknown code 0x43"), so the bridge never writes them to Java. The
 * tests rebuild requests captured from the Java client and compare bytes.
 */

import { cesu8, int, string } from './sofa-error-out.js';

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

// The legacy dialect's primitives (compact int, short string, CESU-8) are writer.ts's.
const CLASS = 'com.alipay.sofa.rpc.core.request.SofaRequest';
const FIELDS = ['targetAppName', 'methodName', 'targetServiceUniqueName', 'requestProps', 'methodArgSigs'];

function map(entries: ReadonlyArray<readonly [string, PropValue]>): Buffer {
  const parts: Buffer[] = [Buffer.of(0x4d)];
  for (const [key, value] of entries) parts.push(string(key), typeof value === 'string' ? string(value) : map(value));
  parts.push(Buffer.of(0x7a));
  return Buffer.concat(parts);
}

/** `String[]`: `V`, `t` + u16 type `[string`, `n` + u8 length (or `l` + i32), elements, `z`. */
function stringArray(items: readonly string[]): Buffer {
  const type = Buffer.from('[string', 'latin1');
  let length: Buffer;
  if (items.length <= 0xff) length = Buffer.of(0x6e, items.length);
  else {
    length = Buffer.alloc(5);
    length[0] = 0x6c;
    length.writeInt32BE(items.length, 1);
  }
  return Buffer.concat([Buffer.of(0x56, 0x74, 0, type.length), type, length, ...items.map(string), Buffer.of(0x7a)]);
}

export function encodeSofaRequest(spec: SofaRequestSpec): Buffer {
  return Buffer.concat([
    Buffer.of(0x4f),
    int(CLASS.length),
    cesu8(CLASS),
    int(FIELDS.length),
    ...FIELDS.map(string),
    Buffer.of(0x6f, 0x90),
    spec.targetAppName === null ? Buffer.of(0x4e) : string(spec.targetAppName),
    string(spec.methodName),
    string(spec.targetServiceUniqueName),
    spec.requestProps === null ? Buffer.of(0x4e) : map(spec.requestProps),
    stringArray(spec.methodArgSigs),
    spec.args,
  ]);
}

const RESPONSE_CLASS = 'com.alipay.sofa.rpc.core.response.SofaResponse';
const RESPONSE_FIELDS = ['isError', 'errorMsg', 'appResponse', 'responseProps'];

/**
 * SofaResponse{isError=false, errorMsg=null, appResponse=<value>, responseProps}, as
 * Java writes a normal return (props null) or a thrown business exception (props
 * {sofa_head_response_error: "true"}). `value` is one legacy-dialect Hessian value,
 * class definitions numbered from 1.
 */
export function encodeSofaResponse(value: Buffer, responseProps: ReadonlyArray<readonly [string, PropValue]> | null = null): Buffer {
  return Buffer.concat([
    Buffer.of(0x4f),
    int(RESPONSE_CLASS.length),
    cesu8(RESPONSE_CLASS),
    int(RESPONSE_FIELDS.length),
    ...RESPONSE_FIELDS.map(string),
    Buffer.of(0x6f, 0x90, 0x46, 0x4e),
    value,
    responseProps === null ? Buffer.of(0x4e) : map(responseProps),
  ]);
}

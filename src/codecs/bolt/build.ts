/**
 * Frames the sidecar makes itself for the bridge (HTTP/JSON or gRPC in, SOFARPC out,
 * and the reverse): a request frame around a SofaRequest body (the bridge writes its own,
 * see bolt/bridge.ts; buildRequest writes Java's, byte for byte), and a response from a
 * serialized value or exception. Bolt v1 with Hessian (codec 1); responses and
 * buildRequest's bodies are in the legacy dialect Java SOFARPC reads.
 *
 * Serialized arguments and values share the body's class-definition numbering: the
 * SofaRequest / SofaResponse definition is number 0, so the first class a value
 * defines is number 1 (`o 0x91`), as Java writes them.
 */
import { encodeSofaRequest, encodeSofaResponse, type PropValue } from './sofa-body-out.js';
import { buildFrame } from './encoder.js';
import type { BoltFrame } from './frame.js';
import {
  CLASS_SOFA_REQUEST,
  CLASS_SOFA_RESPONSE,
  CMD_REQUEST,
  CMD_RESPONSE,
  CODEC_HESSIAN2,
  HEAD_METHOD_NAME,
  HEAD_RESPONSE_ERROR,
  HEAD_SERVICE,
  HEAD_TARGET_SERVICE,
  PROTO_V1,
  TYPE_ONEWAY,
  TYPE_REQUEST,
  TYPE_RESPONSE,
} from './layout.js';

export interface BoltRequestSpec {
  readonly requestId: number;
  /** `interface:version[:uniqueId]`. */
  readonly service: string;
  readonly method: string;
  /** Java parameter types, `java.lang.String`, `int`, `[B`. */
  readonly argSigs: readonly string[];
  /** The arguments, legacy-dialect Hessian, class definitions numbered from 1. */
  readonly args: Buffer;
  readonly timeoutMs: number;
  readonly oneway?: boolean;
  readonly targetAppName?: string | null;
  /** Header map entries in write order; defaults to what a SOFARPC client needs to route. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** requestProps in write order; defaults to protocol=bolt, type=sync. */
  readonly requestProps?: ReadonlyArray<readonly [string, PropValue]>;
}

export function buildRequest(spec: BoltRequestSpec): BoltFrame {
  const type = spec.oneway ? 'oneway' : 'sync';
  return requestFrame(
    spec,
    encodeSofaRequest({
      targetAppName: spec.targetAppName ?? null,
      methodName: spec.method,
      targetServiceUniqueName: spec.service,
      requestProps: spec.requestProps ?? [['protocol', 'bolt'], ['type', type]],
      methodArgSigs: spec.argSigs,
      args: spec.args,
    }),
  );
}

/** A request frame around a SofaRequest body serialized elsewhere (the bridge writes its own). */
export function requestFrame(spec: Pick<BoltRequestSpec, 'requestId' | 'service' | 'method' | 'timeoutMs' | 'oneway' | 'headers'>, content: Buffer): BoltFrame {
  const type = spec.oneway ? 'oneway' : 'sync';
  const headers = spec.headers ?? [
    [HEAD_TARGET_SERVICE, spec.service],
    [HEAD_SERVICE, spec.service],
    [HEAD_METHOD_NAME, spec.method],
    ['protocol', 'bolt'],
    ['type', type],
  ];
  return buildFrame({
    proto: PROTO_V1,
    type: spec.oneway ? TYPE_ONEWAY : TYPE_REQUEST,
    cmdCode: CMD_REQUEST,
    requestId: spec.requestId,
    codec: CODEC_HESSIAN2,
    timeout: spec.timeoutMs,
    className: CLASS_SOFA_REQUEST,
    headers: new Map(headers),
    content,
  });
}

export type BoltResult =
  | { readonly kind: 'value'; readonly value: Buffer }
  | { readonly kind: 'null' }
  | { readonly kind: 'exception'; readonly exception: Buffer };

/** A SUCCESS response carrying the method's return value or the exception it threw. */
export function buildResponse(requestId: number, result: BoltResult): BoltFrame {
  const value = result.kind === 'value' ? result.value : result.kind === 'exception' ? result.exception : Buffer.of(0x4e);
  return buildFrame({
    proto: PROTO_V1,
    type: TYPE_RESPONSE,
    cmdCode: CMD_RESPONSE,
    requestId,
    codec: CODEC_HESSIAN2,
    status: 0,
    className: CLASS_SOFA_RESPONSE,
    // Java marks a thrown business exception in the header and in responseProps.
    headers: new Map(result.kind === 'exception' ? [[HEAD_RESPONSE_ERROR, 'true']] : []),
    content: encodeSofaResponse(value, result.kind === 'exception' ? [[HEAD_RESPONSE_ERROR, 'true']] : null),
  });
}

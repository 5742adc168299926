/**
 * The bridge half of a codec (HTTP/JSON or gRPC in, Dubbo or SOFARPC out): a request
 * frame made from typed Java values, and a reply frame read back into them. The
 * routing core converts JSON to values and back (values-json.ts); the codec owns the
 * bytes.
 */
import type { MeshError } from '../core/errors.js';
import type { ServiceKey } from '../core/invocation.js';
import type { JavaType } from './java-types.js';
import type { TypeCatalog } from './schema.js';
import type { JavaValue } from './values.js';

export interface BridgeCall {
  readonly service: ServiceKey;
  readonly method: string;
  /** Declared parameter types, one per argument (they pick the overload on the Java side). */
  readonly paramTypes: readonly JavaType[];
  readonly args: readonly JavaValue[];
  /** Extra attachments / request properties the caller set. */
  readonly attachments: Readonly<Record<string, string>>;
  /** The budget written into the frame, ms. */
  readonly timeoutMs: number;
  /**
   * SOFARPC only: the Hessian dialect of the request (the cluster's `sofaHessian`, default
   * legacy). Dubbo always writes the final dialect.
   */
  readonly hessian?: 'legacy' | 'final';
}

export type BridgeResult =
  | { readonly kind: 'value'; readonly value: JavaValue }
  /** The service threw: the Throwable's class, its message, and the whole object. */
  | { readonly kind: 'exception'; readonly className: string; readonly message: string; readonly value: JavaValue }
  /** The protocol answered an error status (not a business exception). */
  | { readonly kind: 'error'; readonly error: MeshError };

/** What an app answered a bridged call from a Java caller with (the reverse direction). */
export type BridgeOutcome =
  | { readonly kind: 'value'; readonly value: JavaValue }
  /** The app failed: the Java caller sees this exception class (java.lang.RuntimeException by default) with the message. */
  | { readonly kind: 'exception'; readonly message: string; readonly className?: string };

export interface BridgeCodec<F> {
  /** A request frame for this call, under `id` (the pool rewrites it anyway). */
  request(call: BridgeCall, id: bigint): F;
  /** The reply read as Java values, converted to `returnType` when known. */
  result(reply: F, returnType: JavaType | undefined, catalog: TypeCatalog): BridgeResult;
  /**
   * The JSON answer written straight from the reply's bytes, for the shapes a codec knows
   * how to (a plain string value); undefined for everything else, which `result` reads.
   * The caller asks only where the JSON would not depend on the declared return type.
   */
  answerJson?(reply: F): Buffer | undefined;
  /** Reverse direction: a request a Java caller sent, read as typed values (generic calls unwrapped). */
  readRequest(request: F, catalog: TypeCatalog): BridgeCall;
  /** Reverse direction: the reply to `request`, written as the Java caller's own framework would. */
  reply(request: F, outcome: BridgeOutcome): F;
}

/** The Throwable a Java caller receives for an app's failure: RuntimeException(message), or the class given. */
export function runtimeException(message: string, className = 'java.lang.RuntimeException'): JavaValue {
  return { kind: 'object', className, fields: [['detailMessage', { kind: 'string', value: message }]] };
}

/** The message of a Throwable read as a POJO (`detailMessage`), or its class name. */
export function throwableMessage(value: JavaValue): string {
  if (value !== null && value.kind === 'object') {
    const detail = value.fields.find(([name]) => name === 'detailMessage')?.[1];
    if (detail !== null && detail !== undefined && detail.kind === 'string') return detail.value;
  }
  return '';
}

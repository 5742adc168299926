/**
 * A unary call whose arguments and answer are JSON text, on a protocol's own path: what
 * a plug-in declares (`bridge.jsonCall`, protocol.ts) when its servers convert JSON to
 * their methods' parameter types themselves (Dubbo 3.3's Triple), so the bridge sends a
 * caller's JSON arguments as they came instead of building typed values.
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import type { MeshError } from './errors.js';
import type { ServiceKey } from './invocation.js';

export interface JsonCallCodec {
  /**
   * How the arguments travel in the body: `array`, always as one JSON array; `bare-when-one`,
   * a lone argument as itself and any other number as an array, for servers that read the
   * body of a one-parameter method as that parameter (Dubbo 3.3: a protobuf message's JSON
   * wrapped in an array loses its fields there).
   */
  readonly argumentsAs: 'array' | 'bare-when-one';
  /** The request head for a call of `method` on `service`. The upstream adds the deadline. */
  requestHead(service: ServiceKey, method: string, attachments: Readonly<Record<string, string>>): OutgoingHttpHeaders;
  /** The reply read back: the return value as JSON text, the exception the service threw, or a mesh error. */
  reply(status: number, text: string, service: ServiceKey, method: string): JsonCallReply;
}

export type JsonCallReply =
  | { readonly kind: 'value'; readonly json: string }
  | { readonly kind: 'exception'; readonly className: string; readonly message: string }
  | { readonly kind: 'error'; readonly error: MeshError };

/**
 * A protocol carried as node:http2 streams with gRPC's wire (length-prefixed messages,
 * the status in the trailers): gRPC itself, and Dubbo 3's Triple, which is gRPC with
 * Dubbo's own headers. Node owns the bytes; the protocol says how a stream's head reads
 * as an Invocation, which headers carry the deadline, and, for protocols whose servers
 * also take plain JSON calls (Triple), how the bridge makes one.
 *
 * The proxy builds the HTTP/2 listener and upstream for any protocol registered here
 * (src/codecs/index.ts) and never compares protocol names.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import type { MatchResult } from './codec.js';
import type { MeshError } from './errors.js';
import type { Invocation, ServiceKey } from './invocation.js';

export interface StreamProtocol {
  /** Registry name, also the `protocol:` value in config. */
  readonly name: string;
  /** Sniffs the first bytes of a connection (the HTTP/2 client preface). Must not throw. */
  match(head: Buffer): MatchResult;
  /** The routing view of a stream: service (with version and group where the protocol has them), method, headers, deadline. */
  toInvocation(headers: IncomingHttpHeaders, body: Readable, startedAt: number): Invocation;
  /** Headers that carry the deadline: left out when a call is forwarded, and written anew from the budget left. */
  readonly deadlineHeaderNames: ReadonlySet<string>;
  /** The deadline headers for `remainingMs` left. */
  deadlineHeaders(remainingMs: number): OutgoingHttpHeaders;
  /** The scheme providers of this protocol are registered under (Dubbo writes `tri://`); the name when absent. */
  readonly registryScheme?: string;
  /** Present when the protocol's servers take a call with JSON arguments (the bridge's target). */
  readonly json?: JsonCallCodec;
}

/** A unary call whose arguments and answer are JSON text, on the protocol's own HTTP/2 path. */
export interface JsonCallCodec {
  /** The request head for a call of `method` on `service` with `remainingMs` left; the body is the arguments as a JSON array. */
  requestHead(service: ServiceKey, method: string, remainingMs: number, attachments: Readonly<Record<string, string>>): OutgoingHttpHeaders;
  /** The reply read back: the return value as JSON text, the exception the service threw, or a mesh error. */
  reply(status: number, text: string, service: ServiceKey, method: string): JsonCallReply;
}

export type JsonCallReply =
  | { readonly kind: 'value'; readonly json: string }
  | { readonly kind: 'exception'; readonly className: string; readonly message: string }
  | { readonly kind: 'error'; readonly error: MeshError };

/**
 * The protocol-neutral view of one call: all the routing core sees (docs/architecture.md).
 * Kept as thin as Envoy's request view: who is called, with which
 * metadata, by when, and a body that stays raw bytes unless someone asks for it.
 */
import type { Readable } from 'node:stream';

/** Identifies a service the way Dubbo and SOFARPC do: interface plus optional version and group. */
export interface ServiceKey {
  /** The Java interface name, `com.example.EchoService`. */
  readonly interface: string;
  readonly version?: string;
  /** Dubbo's group; SOFARPC's uniqueId. */
  readonly group?: string;
}

/** `interface:version[:group]`, the SOFARPC unique-name form; stable and used as a map key. */
export function serviceKeyString(key: ServiceKey): string {
  let text = key.interface;
  if (key.version) text += `:${key.version}`;
  if (key.group) text += `${key.version ? '' : ':'}:${key.group}`;
  return text;
}

/** Whether `text` is `serviceKeyString(key)`, compared in place so a call builds no string. */
export function isServiceKeyString(text: string, key: ServiceKey): boolean {
  if (!text.startsWith(key.interface)) return false;
  let at = key.interface.length;
  if (key.version) {
    if (!text.startsWith(':', at) || !text.startsWith(key.version, at + 1)) return false;
    at += 1 + key.version.length;
  }
  if (key.group) {
    const separator = key.version ? ':' : '::';
    if (!text.startsWith(separator, at) || !text.startsWith(key.group, at + separator.length)) return false;
    at += separator.length + key.group.length;
  }
  return at === text.length;
}

/**
 * The body of a call or a reply. `raw` is the pass-through form: the original bytes
 * and the id of the serialization that wrote them. `decoded` holds values for the
 * bridge path; a codec may offer `decode` on a raw body so only those who ask pay.
 */
export type Body =
  /** `byteLength`, when set, is `bytes.length` known without reading `bytes` (FrameSliceBody). */
  | { readonly kind: 'raw'; readonly serialization: number; readonly bytes: Buffer; readonly byteLength?: number }
  /** A body that flows as it arrives (HTTP/1): never buffered whole by the sidecar. */
  | { readonly kind: 'stream'; readonly stream: Readable; readonly length?: number }
  | { readonly kind: 'decoded'; readonly values: readonly unknown[] }
  | { readonly kind: 'empty' };

export const EMPTY_BODY: Body = Object.freeze({ kind: 'empty' });

/**
 * A `raw` body that is a slice of a frame's buffer, cut only when `bytes` is read: a
 * pass-through call only counts its bytes (metrics), and each `subarray` makes a Buffer
 * object (and costs a call through Buffer's species constructor). `bytes` is a getter on
 * the class, so a spread of the body drops it: pass the body itself.
 */
export class FrameSliceBody {
  readonly kind = 'raw';
  readonly serialization: number;
  readonly byteLength: number;
  readonly #source: Buffer;
  readonly #start: number;
  #bytes: Buffer | undefined;

  constructor(serialization: number, source: Buffer, start: number, end: number) {
    this.serialization = serialization;
    this.byteLength = end - start;
    this.#source = source;
    this.#start = start;
  }

  get bytes(): Buffer {
    return (this.#bytes ??= this.#source.subarray(this.#start, this.#start + this.byteLength));
  }
}

export interface Invocation {
  /** Name of the codec that produced it (`bolt`, `dubbo`, `http1`...). */
  readonly protocol: string;
  readonly service: ServiceKey;
  readonly method: string;
  /** Java parameter types when the frame states them (Dubbo's descriptor, SOFARPC's sig). */
  readonly argTypes?: readonly string[];
  /** Request headers or attachments, lower-level protocols' key/values as strings. */
  readonly attachments: Readonly<Record<string, string>>;
  /**
   * Absolute deadline on the `performance.now()` clock, in milliseconds, or
   * undefined when the caller set none (the route default then applies).
   */
  readonly deadline?: number;
  /** One-way calls expect no reply. */
  readonly oneway: boolean;
  readonly body: Body;
  /**
   * The request frame this Invocation was read from, kept for pass-through: when the
   * cluster speaks the same protocol the frame is forwarded with only its id (and
   * deadline) rewritten. Opaque to all but the codec named by `protocol`.
   */
  readonly frame?: unknown;
}

import type { Code } from './errors.js';

/** What came back: a value, an exception thrown by the service, or an error status. */
export type ResultStatus = 'ok' | 'exception' | 'error';

export interface Result {
  readonly status: ResultStatus;
  /** Protocol-level status as the upstream wrote it (Bolt u16, Dubbo byte, HTTP code). */
  readonly protocolStatus: number;
  readonly attachments: Readonly<Record<string, string>>;
  readonly body: Body;
  /** Human-readable error text when status is 'error'. */
  readonly message?: string;
  /**
   * A failure status the protocol reported, as a mesh code (Bolt's
   * SERVER_THREADPOOL_BUSY and Dubbo's 100 are RESOURCE_EXHAUSTED, HTTP 503 is
   * UNAVAILABLE), so that retries reason without knowing the protocol. Set on 'error'
   * results, and on HTTP 429 and 5xx answers, which are still relayed as they came.
   */
  readonly code?: Code;
  /** HTTP results only: header name/value pairs as received, repeats kept (Set-Cookie). */
  readonly rawHeaders?: readonly string[];
  /** The response frame this Result was read from (pass-through); opaque like Invocation.frame. */
  readonly frame?: unknown;
}

/**
 * One error type, one closed code set, stable reason ids.
 *
 * `Code` has gRPC semantics (there are no user-defined codes, as in connect-es and
 * dubbo-js). `Reason` is the stable id that logs and metrics carry
 * (`PMESH_NO_ROUTE`), in the manner of undici's `UND_ERR_*`. Each codec owns the
 * table that turns a Code into its own status; only the listener edge turns a
 * MeshError into bytes.
 */

export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** The catalogue: every reason a user can see, with its code. Add rows, never reuse an id. */
export const REASONS = {
  PMESH_NO_ROUTE: Code.NOT_FOUND,
  PMESH_NO_CLUSTER: Code.NOT_FOUND,
  PMESH_NO_HEALTHY_ENDPOINT: Code.UNAVAILABLE,
  PMESH_UPSTREAM_CONNECT_FAILED: Code.UNAVAILABLE,
  PMESH_UPSTREAM_CONNECTION_LOST: Code.UNAVAILABLE,
  PMESH_UPSTREAM_TIMEOUT: Code.DEADLINE_EXCEEDED,
  PMESH_DEADLINE_EXCEEDED: Code.DEADLINE_EXCEEDED,
  PMESH_OVERLOADED: Code.RESOURCE_EXHAUSTED,
  /** A route's rate limit refused the call. */
  PMESH_RATE_LIMITED: Code.RESOURCE_EXHAUSTED,
  /** A route's fault injection aborted the call; its code is the configured one. */
  PMESH_FAULT_INJECTED: Code.UNAVAILABLE,
  PMESH_FRAME_TOO_LARGE: Code.RESOURCE_EXHAUSTED,
  PMESH_HEADERS_TOO_LARGE: Code.RESOURCE_EXHAUSTED,
  PMESH_BODY_TOO_LARGE: Code.RESOURCE_EXHAUSTED,
  PMESH_CODEC_ERROR: Code.INTERNAL,
  PMESH_BAD_REQUEST: Code.INVALID_ARGUMENT,
  PMESH_SERIALIZATION_NOT_ALLOWED: Code.PERMISSION_DENIED,
  PMESH_CLASS_NOT_ALLOWED: Code.PERMISSION_DENIED,
  PMESH_UPSTREAM_BAD_RESPONSE: Code.UNAVAILABLE,
  PMESH_DRAINING: Code.UNAVAILABLE,
  PMESH_FRAME_STALLED: Code.DEADLINE_EXCEEDED,
  PMESH_DOWNSTREAM_CLOSED: Code.CANCELLED,
  PMESH_CONFIG_INVALID: Code.INVALID_ARGUMENT,
  PMESH_INTERNAL: Code.INTERNAL,
  /** A publication held by another owner (its lease token was not sent). */
  PMESH_NOT_OWNER: Code.PERMISSION_DENIED,
  /** A bridged call names a method the service's known signatures do not list. */
  PMESH_UNKNOWN_METHOD: Code.NOT_FOUND,
  /** The provider has no service under the version and group the call named. */
  PMESH_UNKNOWN_SERVICE: Code.NOT_FOUND,
  /** A bridge path asked with another HTTP method than POST. */
  PMESH_METHOD_NOT_ALLOWED: Code.UNIMPLEMENTED,
  /** Dubbo generic invoke (`$invoke`) from a caller, where no config allows it. */
  PMESH_GENERIC_INVOKE_NOT_ALLOWED: Code.PERMISSION_DENIED,
  /** An ingress authorization policy refused the caller (listeners[].authorization). */
  PMESH_NOT_AUTHORIZED: Code.PERMISSION_DENIED,
  /** A guarded API (admin, app API, SOFARPC mesh API) asked without its bearer token, or with a wrong one. */
  PMESH_UNAUTHENTICATED: Code.UNAUTHENTICATED,
  /** An API bound beyond loopback asked in plaintext on a port that also takes plaintext. */
  PMESH_TLS_REQUIRED: Code.PERMISSION_DENIED,
} as const satisfies Record<string, Code>;

export type Reason = keyof typeof REASONS;

export interface MeshErrorOptions {
  cause?: unknown;
  /** Extra key/values for logs (cluster, service, limit...). Never secrets. */
  details?: Record<string, string | number>;
  /** Overrides the reason's code (injected faults carry the code they were configured with). */
  code?: Code;
  /** The request never left the sidecar: retrying it elsewhere cannot run it twice. */
  notSent?: boolean;
}

const BRAND = Symbol.for('polyglot-mesh.MeshError');

export class MeshError extends Error {
  readonly code: Code;
  readonly reason: Reason;
  readonly details: Record<string, string | number>;
  /** True when the request was never written to any upstream (safe to retry anywhere). */
  readonly notSent: boolean;
  readonly [BRAND] = true;

  constructor(reason: Reason, message: string, options: MeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshError';
    this.reason = reason;
    this.code = options.code ?? REASONS[reason];
    this.details = options.details ?? {};
    this.notSent = options.notSent ?? (reason === 'PMESH_UPSTREAM_CONNECT_FAILED' || reason === 'PMESH_NO_HEALTHY_ENDPOINT');
  }

  /** Works across duplicate copies of the package, like undici's brands. */
  static is(value: unknown): value is MeshError {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
  }

  /** Wrap anything thrown into a MeshError, keeping the original as `cause`. */
  static from(value: unknown, reason: Reason = 'PMESH_INTERNAL'): MeshError {
    if (MeshError.is(value)) return value;
    const message = value instanceof Error ? value.message : String(value);
    return new MeshError(reason, message, { cause: value });
  }
}

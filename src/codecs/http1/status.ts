/**
 * MeshError -> HTTP status, the one table for HTTP/1 (after connect-es's
 * `http-status.ts` and gRPC's mapping document). Reasons that have a more precise
 * status than their code win (413, 431, 502).
 */
import { Code, type MeshError, type Reason } from '../../core/index.js';

const BY_REASON: Partial<Record<Reason, number>> = {
  PMESH_BODY_TOO_LARGE: 413,
  PMESH_HEADERS_TOO_LARGE: 431,
  PMESH_UPSTREAM_BAD_RESPONSE: 502,
  PMESH_UPSTREAM_CONNECTION_LOST: 502,
  PMESH_BAD_REQUEST: 400,
  // A circuit breaker's overflow: the cluster is busy, try again shortly (Envoy answers 503 too).
  PMESH_OVERLOADED: 503,
  PMESH_METHOD_NOT_ALLOWED: 405,
};

const BY_CODE: Record<Code, number> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
  [Code.UNAUTHENTICATED]: 401,
};

export function httpStatusOf(error: MeshError): number {
  if (error.reason === 'PMESH_FAULT_INJECTED') return BY_CODE[error.code];
  return BY_REASON[error.reason] ?? BY_CODE[error.code];
}

/** Headers beyond the JSON body for a mesh-made error: `retry-after` when waiting helps. */
export function errorHeaders(error: MeshError): Record<string, string> {
  return error.reason === 'PMESH_OVERLOADED' || error.reason === 'PMESH_RATE_LIMITED' ? { 'retry-after': '1' } : {};
}

/** An upstream's HTTP status as a mesh code when it reports a failure retries care about. */
export function codeOfResponse(status: number): Code | undefined {
  if (status === 503 || status === 502) return Code.UNAVAILABLE;
  if (status === 504) return Code.DEADLINE_EXCEEDED;
  if (status === 429) return Code.RESOURCE_EXHAUSTED;
  return undefined;
}

/** The JSON body of a mesh-made error response: what failed and why. */
export function errorBody(error: MeshError): string {
  return JSON.stringify({ error: error.reason, code: Code[error.code], message: error.message, ...error.details });
}
